// A gate as the benches measure it from outside: the real gateway process (plain node on dist/main.js with npm
// start's flags and environment), a line scanner and a Modbus thermometer on ptys driven by a device process of
// their own (bench/devices.ts), the uplink to a mosquitto, the embedded broker and the kiosk. The CPU and memory of
// the gateway's pid are then the gate's alone, not the simulators'.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { freePort } from '../cloud-bridge/mosquitto.ts'
import { issuePass } from '../gateway/passes/issue.ts'
import { newKeyPair } from '../gateway/passes/keys.ts'
import { PtyPair } from '../simulators/pty.ts'
import { gatewayCommand, ptyGateDevices, ROOT, startScriptEnv } from '../tests/helpers/gatewayProcess.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export interface GateProcess {
  child: ChildProcess
  url: string
  /** Spawn to the first answer of GET /healthz, polled every 5 ms. */
  readyMs: number
  kioskPort: number
  brokerPort: number
  /** When the last byte of code i was written to the scanner's pty (performance.timeOrigin + performance.now()). */
  written: Map<number, number>
  /** Signs a resident's pass with jti `${prefix}-${i}` and has the scanner send it. */
  scan(i: number, prefix: string): Promise<void>
  stop(): Promise<void>
}

export async function startGateProcess(o: {
  dir: string
  centralUrl: string
  /** Merged over the gate's configuration (kiosk PINs, broker users…), given the ports chosen. */
  config?: (ports: { kioskPort: number; brokerPort: number }) => Record<string, unknown>
  /** Extra node options for the gateway (e.g. --cpu-prof). */
  nodeArgs?: string[]
}): Promise<GateProcess> {
  const [scanPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'scan' }), PtyPair.open({ name: 'thermo' })])
  const devices = fork(join(import.meta.dirname, 'devices.ts'), [], { execArgv: ['--import', 'tsx'] })
  const written = new Map<number, number>()
  let readyDevices: (() => void) | null = null
  devices.on('message', (m: { cmd: string; i?: number; at?: number; error?: string }) => {
    if (m.cmd === 'error') console.error(`device process: ${m.error}`)
    if (m.cmd === 'ready') readyDevices?.()
    if (m.cmd === 'written') written.set(m.i!, m.at!)
  })
  await new Promise<void>((r) => {
    readyDevices = r
    devices.send({ cmd: 'start', scannerPath: scanPty.devicePath, thermometerPath: thermoPty.devicePath })
  })

  const issuer = newKeyPair('bench-gate-key')
  const kioskPort = await freePort()
  const brokerPort = await freePort()
  const file = join(o.dir, 'gateway.yaml')
  writeFileSync(
    file,
    stringify({
      dataDir: join(o.dir, 'data'),
      devices: ptyGateDevices({ inPath: scanPty.gatewayPath, thermoPath: thermoPty.gatewayPath, pulseMs: 100 }),
      rules: { duplicateScanMs: 0, antiPassback: 'off' },
      passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
      central: { url: o.centralUrl },
      localBroker: { enabled: true, host: '127.0.0.1', port: brokerPort },
      kiosk: { host: '127.0.0.1', port: kioskPort },
      log: { level: 'info' },
      ...o.config?.({ kioskPort, brokerPort }),
    }),
  )
  const [cmd, argv] = gatewayCommand(['--config', file], { built: true })
  const child = spawn(cmd, [...(o.nodeArgs ?? []), ...argv], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...startScriptEnv() } })
  const url = `http://127.0.0.1:${kioskPort}`
  const t0 = performance.now()
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited during start (${child.exitCode})`)
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break
    if (performance.now() - t0 > 30_000) throw new Error('the gateway was not ready in 30 s')
    await sleep(5)
  }
  const readyMs = Math.round(performance.now() - t0)
  // Then the thermometer answering and the uplink connected: a gate at work.
  for (const t = Date.now(); ; await sleep(50)) {
    if (child.exitCode !== null) throw new Error(`the gateway exited during start (${child.exitCode})`)
    if (Date.now() - t > 30_000) throw new Error('the gateway was not ready in 30 s')
    const h = (await fetch(`${url}/healthz`).then((r) => (r.ok ? r.json() : null), () => null)) as { components?: Record<string, { online?: boolean; connected?: boolean }> } | null
    if (h?.components?.['thermo-in']?.online && h.components.uplink?.connected) break
  }
  return {
    child,
    url,
    readyMs,
    kioskPort,
    brokerPort,
    written,
    async scan(i, prefix) {
      const code = await issuePass(issuer, { sub: `H-${i % 300}`, kind: 'resident', jti: `${prefix}-${i}` }, { now: Date.now(), ttlSeconds: 3600 })
      devices.send({ cmd: 'scan', i, code })
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
      devices.send({ cmd: 'stop' })
      await new Promise((r) => devices.once('exit', r))
      await Promise.all([scanPty.close(), thermoPty.close()])
    },
  }
}
