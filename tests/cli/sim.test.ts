// estate-gate sim: the simulators' CLI under the one command, as a bench test runs it: a simulator on a pty,
// then a probe against it, then the simulator stopped by "quit", end of input or SIGTERM, its links removed.
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CliProcess, cliProcess, runCli, tempDir } from './helpers.ts'

const dir = tempDir()
const running: CliProcess[] = []
afterEach(async () => {
  for (const p of running.splice(0)) await p.kill()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('sim', () => {
  it('--help is the simulators usage under estate-gate sim', async () => {
    const ran = await runCli(['sim', '--help'])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(/^Usage: estate-gate sim <line\|gm65\|modbus\|gy-mcu> \[options\]\n/)
    expect(ran.stdout).toContain('--link PATH')
    expect(ran.stdout).toMatch(/Exit codes: 0 stopped .*, 1 could not start .*, 2 bad argument\.\n$/)
  })

  it.each([
    [['sim'], /which device\? one of line, gm65, modbus, gy-mcu/],
    [['sim', 'toaster'], /unknown device "toaster"; one of line, gm65, modbus, gy-mcu/],
    [['sim', 'modbus', '--temp', 'hot'], /--temp expects a number from -70 to 380, got "hot"/],
    [['sim', 'line', '--unit', '2'], /--unit applies to modbus only/],
    [['sim', 'gm65', '--state', 'broken'], /--state expects one of factory, configured, got "broken"/],
  ])('%j exits 2 before starting anything', async (args, message) => {
    const ran = await runCli(args)
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    expect(ran.stderr).toMatch(message)
    expect(ran.stderr).toContain('Run "estate-gate sim --help" for usage.')
  })

  it('in-process: a Modbus thermometer on a pty that a probe reads; "quit" stops it and removes its links', async () => {
    const link = join(dir, 'ttyMOD')
    const stdin = new PassThrough()
    let out = ''
    const simulating = runCli(['sim', 'modbus', '--link', link, '--temp', '37.4'], { stdin, stdout: (t) => void (out += t) })
    await until(() => out.includes('gateway path:'), 'the simulator')
    expect(out).toContain(`gateway path: ${link}\n`)
    expect(out).toContain(`config:       { name: thermo-in, driver: modbus-rtu, path: ${link}, baudRate: 9600, unitId: 1, function: 4, register: 0, scale: 0.01 }`)

    const probe = await runCli(['probe', 'thermometer', '--path', link])
    expect(probe).toMatchObject({ code: 0, stderr: '' })
    expect(probe.stdout).toContain(': 37.40 °C')

    // A console command, then a probe sees it.
    stdin.write('t 38.1\n')
    await until(() => out.includes('object 38.1 °C'), 'the console to answer')
    expect((await runCli(['probe', 'thermometer', '--path', link])).stdout).toContain(': 38.10 °C')

    stdin.write('quit\n')
    expect((await simulating).code).toBe(0)
    expect(existsSync(link)).toBe(false)
    expect(existsSync(`${link}.dev`)).toBe(false)
  })

  it('in-process: the end of input stops it too', async () => {
    const link = join(dir, 'ttyEOF')
    const stdin = new PassThrough()
    let out = ''
    const simulating = runCli(['sim', 'line', '--link', link], { stdin, stdout: (t) => void (out += t) })
    await until(() => out.includes('gateway path:'), 'the simulator')
    stdin.end()
    expect((await simulating).code).toBe(0)
    expect(existsSync(link)).toBe(false)
  })

  it('as processes: estate-gate sim gy-mcu, estate-gate probe against it, then SIGTERM ends the simulator cleanly', async () => {
    const link = join(dir, 'ttyGY')
    const sim = CliProcess.start(['sim', 'gy-mcu', '--link', link, '--temp', '36.9', '--ambient', '22', '--keep-running'])
    running.push(sim)
    expect(await sim.waitFor(/gateway path: (\S+)/)).toBe(link)

    const probe = await cliProcess(['probe', 'thermometer', '--driver', 'gy-mcu', '--path', link])
    expect(probe).toMatchObject({ code: 0, stderr: '' })
    expect(probe.stdout).toBe(`Thermometer on ${link} (gy-mcu, 9600 baud): 36.90 °C, ambient 22.00 °C\n`)

    sim.proc.kill('SIGTERM')
    const done = await sim.result()
    expect(done.code).toBe(0)
    expect(existsSync(link)).toBe(false)
    expect(existsSync(`${link}.dev`)).toBe(false)
  })

  it('as a process: a link already in use is refused with exit 2 (the simulators CLI decides)', async () => {
    const link = join(dir, 'ttyBUSY')
    const first = CliProcess.start(['sim', 'line', '--link', link, '--keep-running'])
    running.push(first)
    await first.waitFor(/gateway path:/)
    const second = await cliProcess(['sim', 'line', '--link', link])
    expect(second.code).toBe(2)
    expect(second.stderr).toMatch(/--link: \S+ttyBUSY is in use/)
    first.proc.kill('SIGTERM')
    expect((await first.result()).code).toBe(0)
    expect(existsSync(link)).toBe(false)
  })
})
