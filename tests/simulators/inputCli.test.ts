// `npm run sim -- input NAME|FILE on|off|pulse MS` as a technician runs it (a child process), with a simulated input
// reading the same level file the way the gateway does: on, off and a pulse reach it as changes; Ctrl-C during a
// pulse leaves it off; bad arguments exit 2 and write nothing. And the same under `estate-gate sim input`.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inputSchema } from '../../devices/config.ts'
import { createInput } from '../../devices/registry.ts'
import type { SimulatedInput } from '../../devices/inputs/simulated.ts'
import { runCli } from '../cli/helpers.ts'
import { testCtx } from '../devices/helpers.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Ran {
  code: number | null
  out: string
  err: string
}

function sim(args: string[], opts: { onOut?: (out: string) => void; signalAfter?: RegExp } = {}): Promise<Ran> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', ...args], { cwd: ROOT })
  let out = ''
  let err = ''
  let signalled = false
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    opts.onOut?.(out)
    if (opts.signalAfter && !signalled && opts.signalAfter.test(out)) {
      signalled = true
      proc.kill('SIGINT')
    }
  })
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((res) => proc.on('close', (code) => res({ code, out, err })))
}

let dir = ''
const started: SimulatedInput[] = []
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'estate-gate-sim-input-'))))
afterEach(async () => {
  for (const i of started.splice(0)) await i.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** The gateway's side: a simulated input on the default level file under `dir` (as the gateway resolves it). */
async function gatewayInput(name: string, kind = 'door-contact'): Promise<{ input: SimulatedInput; seen: boolean[] }> {
  const cfg = inputSchema.parse({ name, kind, driver: 'simulated', levelFile: join(dir, 'inputs', `${name}.level`) })
  const input = createInput({ ...cfg, driver: 'simulated' }, testCtx())
  const seen: boolean[] = []
  input.onChange((a) => seen.push(a))
  await input.start()
  started.push(input)
  return { input, seen }
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('simulators/cli.ts input', () => {
  it('on and off by name under --data-dir: the gateway\'s simulated input sees each change', async () => {
    const { input, seen } = await gatewayInput('door')
    expect(input.active).toBe(false) // no file yet: inactive
    const file = join(dir, 'inputs', 'door.level')
    const on = await sim(['input', 'door', 'on', '--data-dir', dir])
    expect(on).toEqual({ code: 0, out: `input door: on (${file})\n`, err: '' })
    expect(readFileSync(file, 'utf8')).toBe('1\n')
    await until(() => input.active === true, 'the door open')
    const off = await sim(['input', 'door', 'off', '--data-dir', dir])
    expect(off.code).toBe(0)
    await until(() => input.active === false, 'the door closed')
    expect(seen).toEqual([true, false])
  })

  it('pulse MS by file: on, then off after MS; the input sees both', async () => {
    const { input, seen } = await gatewayInput('exit', 'exit-button')
    const file = join(dir, 'inputs', 'exit.level')
    let sawOn = false
    const t0 = Date.now()
    const ran = await sim(['input', file, 'pulse', '400'], {
      onOut: (out) => {
        if (out.includes('on for')) void until(() => input.active === true, 'pressed').then(() => (sawOn = true))
      },
    })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400)
    expect(ran).toEqual({ code: 0, out: `input ${file}: on for 400 ms (${file})\ninput ${file}: off\n`, err: '' })
    expect(readFileSync(file, 'utf8')).toBe('0\n')
    await until(() => input.active === false, 'released')
    expect(sawOn).toBe(true)
    expect(seen).toEqual([true, false])
  })

  it('Ctrl-C during a pulse ends it with off (the input is never left on)', async () => {
    const file = join(dir, 'fire.level')
    const ran = await sim(['input', file, 'pulse', '60000'], { signalAfter: /on for 60000 ms/ })
    expect(ran.code).toBe(0)
    expect(ran.out).toContain('off (stopped early)')
    expect(readFileSync(file, 'utf8')).toBe('0\n')
  })

  it.each([
    [['input'], /which input\? its name in devices\.inputs\[\]/],
    [['input', 'door'], /input door: expected on, off or pulse MS/],
    [['input', 'door', 'open'], /input door: expected on, off or pulse MS, got "open"/],
    [['input', 'door', 'pulse'], /input door pulse: expected MS, an integer from 1 to 3600000/],
    [['input', 'door', 'pulse', '1.5'], /got "1\.5"/],
    [['input', 'door', 'on', '5'], /input door on: unexpected argument "5"/],
    [['input', 'do or', 'on'], /"do or" is neither an input name/],
    [['input', 'door', 'on', '--link', '/tmp/x'], /--link does not apply to input/],
    [['modbus', '--data-dir', '/tmp'], /--data-dir applies to input only/],
  ])('%j exits 2 and writes nothing', async (args, message) => {
    const ran = await sim([...args, ...(args.includes('--data-dir') ? [] : ['--data-dir', dir])])
    expect(ran.code).toBe(2)
    expect(ran.err).toMatch(message)
    expect(existsSync(join(dir, 'inputs'))).toBe(false)
  })

  it('a level file that cannot be written: exit 1 saying why', async () => {
    // A directory that is a file: fails for root too (these tests may run as root).
    writeFileSync(join(dir, 'inputs'), 'not a directory')
    const file = join(dir, 'inputs', 'door.level')
    const ran = await sim(['input', file, 'on'])
    expect(ran.code).toBe(1)
    expect(ran.err).toMatch(new RegExp(`^simulators/cli: input ${file}: .*(ENOTDIR|EEXIST)`))
  })

  it('the usage text names it', async () => {
    const ran = await sim(['--help'])
    expect(ran.out).toContain('npx tsx simulators/cli.ts input NAME|FILE on|off|pulse MS [--data-dir DIR]')
  })
})

describe('estate-gate sim input', () => {
  it('sets the level the same way, and its --help shows the input form', async () => {
    const { input } = await gatewayInput('tamper', 'tamper')
    const ran = await runCli(['sim', 'input', 'tamper', 'on', '--data-dir', dir])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toBe(`input tamper: on (${join(dir, 'inputs', 'tamper.level')})\n`)
    await until(() => input.active === true, 'the enclosure open')
    const help = await runCli(['sim', '--help'])
    expect(help.stdout).toContain('estate-gate sim input NAME|FILE on|off|pulse MS [--data-dir DIR]')
    const bad = await runCli(['sim', 'input', 'tamper', 'toggle'])
    expect(bad).toMatchObject({ code: 2, stdout: '' })
    expect(bad.stderr).toMatch(/expected on, off or pulse MS, got "toggle"/)
  })
})
