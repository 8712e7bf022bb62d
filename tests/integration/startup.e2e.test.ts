// Starting the real process: a bad configuration stops start-up with exit code 2 and names the key; so does a bad
// command line, which never falls back to the demo; with no argument and no configuration at all, the demo runs
// (the README's first command).
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort, GatewayProcess, gatewayCommand, runGateway, tempDir } from '../helpers/gatewayProcess.ts'

function configFile(text: string): string {
  const file = join(tempDir(), 'gateway.yaml')
  writeFileSync(file, text)
  return file
}

describe('start-up', () => {
  it.each([
    ['an unknown key', 'gate: { id: north-1, colour: red }\n', /gate\.colour: unknown key/],
    ['a wrong type', 'rules: { feverC: "hot" }\n', /rules\.feverC: .*expected number/],
    ['a bad enum value', 'rules: { antiPassback: sometimes }\n', /rules\.antiPassback: .*"off"\|"warn"\|"deny".*got "sometimes"/],
    ['a bad device driver', 'devices: { scanners: [ { name: s, driver: usb-hid, path: /dev/ttyUSB0, direction: in } ] }\n', /devices\.scanners\[0\]\.driver/],
    ['broken YAML', 'site: { id: [\n', /YAML/],
  ])('exits with code 2 on %s, naming it', async (_what, text, pattern) => {
    const file = configFile(text)
    const res = await runGateway(['--config', file])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(pattern)
    expect(res.stderr).toContain(file)
  })

  it('exits with code 2 on a missing config file (also from GATEWAY_CONFIG)', async () => {
    const missing = join(tempDir(), 'nope.yaml')
    const res = await runGateway(['--config', missing])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/nope\.yaml: file not found/)
    const env = await runGateway([], { env: { GATEWAY_CONFIG: missing } })
    expect(env.code).toBe(2)
    expect(env.stderr).toMatch(/nope\.yaml: file not found/)
  })

  it.each([
    ['a mistyped option', ['--confg', 'x.yaml'], /Unknown option '--confg'/],
    ['a stray argument', ['gateway.yaml'], /Unexpected argument 'gateway.yaml'/],
    ['an argument after the config', ['--config', 'x.yaml', 'now'], /Unexpected argument 'now'/],
  ])('exits with code 2 and the usage on %s, and starts nothing (no demo)', async (_what, argv, message) => {
    const cwd = tempDir()
    const res = await runGateway(argv, { cwd })
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(message)
    expect(res.stderr).toContain('nothing was started')
    expect(res.stderr).toContain('Usage: estate-gate start [--config FILE]')
    // Not a line of the gateway's log, and no demo data written in the working directory.
    expect(res.stdout).toBe('')
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  })

  it('lists every error at once', async () => {
    const res = await runGateway(['--config', configFile('gate: { colour: red }\nrules: { feverC: hot, antiPassback: maybe }\n')])
    expect(res.code).toBe(2)
    expect(res.stderr.match(/^ {2}- /gm)?.length).toBe(3)
  })

  it('runs the demo with no config: simulated devices, /healthz answers, SIGTERM stops it cleanly', async () => {
    // The demo listens on the default kiosk port, 8080, and keeps its data under ./data of its working directory.
    const cwd = tempDir()
    const port = 8080
    expect(await freePortIs(port), 'port 8080 must be free for the demo test').toBe(true)
    const [cmd, argv] = gatewayCommand([])
    const child = spawn(cmd, argv, { cwd })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
    try {
      type Health = { status: string; components: Record<string, { status: string }> }
      let health: Health | null = null
      // Ready once /healthz answers; fully ok once the uplink has connected to the embedded broker.
      for (let i = 0; i < 300 && health?.status !== 'ok'; i++) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/healthz`)
          if (r.ok) health = (await r.json()) as Health
        } catch {
          /* not listening yet */
        }
        if (health?.status !== 'ok') await new Promise((r) => setTimeout(r, 50))
      }
      expect(health?.status, `health ${JSON.stringify(health)}\nstdout ${stdout}\nstderr ${stderr}`).toBe('ok')
      expect(Object.keys(health!.components)).toEqual(
        expect.arrayContaining(['scanner-in', 'scanner-out', 'thermo-in', 'gate', 'buzzer', 'door', 'fire-alarm', 'store', 'localBroker', 'uplink']),
      )
      expect(health!.components.localBroker!.status).toBe('ok')
      expect(health!.components.uplink).toMatchObject({ status: 'ok', connected: true })
      expect(existsSync(join(cwd, 'data', 'estate-gate.db'))).toBe(true)
      // The crowd starts once the gateway is ready, so it may come a moment after /healthz answers.
      for (let i = 0; i < 200 && !/simulated crowd started/.test(stdout); i++) await new Promise((r) => setTimeout(r, 50))
      expect(stdout).toMatch(/simulated crowd started/)
      // The URL and the demo's PINs, each an event of its own, so a terminal shows them on their own lines.
      const msgs = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg)
      expect(msgs).toContain('staff screen: http://127.0.0.1:8080/   tech pages: http://127.0.0.1:8080/tech')
      expect(msgs).toContain('demo PINs: staff 1234, tech 9999')
      // A fresh database has nothing old to keep: no retention warning.
      expect(msgs).not.toContain('retention: days not yet summarised are kept until they are')
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited, `stdout ${stdout}\nstderr ${stderr}`).toBe(0)
    expect(stdout).toMatch(/gateway stopped/)
  })
})

describe('start-up with the simulated crowd on a configured site', () => {
  it('names no demo PIN (the site\'s own are in force, and never printed), and warns of nothing on a fresh database', async () => {
    // The embedded broker on a free port: 1883 may be another gateway's on this machine, and its warning would count.
    const gw = await GatewayProcess.start({ simulation: { crowd: true, intervalMs: 200 }, kiosk: { staffPins: ['246810'], techPins: ['975310'] }, localBroker: { port: await freePort() }, log: { level: 'info' } })
    try {
      await gw.waitForLog((l) => l.msg === 'simulated crowd on (simulation.crowd): passes from the demo issuer')
      await gw.waitForLog((l) => l.msg === 'simulated crowd started')
      const text = JSON.stringify(gw.logs)
      for (const pin of ['1234', '9999', '246810', '975310']) expect(text).not.toContain(pin)
      expect(gw.logs.map((l) => l.msg)).toContain(`staff screen: ${gw.url}/   tech pages: ${gw.url}/tech`)
      expect(gw.logs.filter((l) => (l.level ?? 0) >= 40).map((l) => l.msg)).toEqual([])
    } finally {
      await gw.stop()
    }
  })
})

function freePortIs(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer()
    srv.once('error', () => res(false))
    srv.listen(port, '0.0.0.0', () => srv.close(() => res(true)))
  })
}
