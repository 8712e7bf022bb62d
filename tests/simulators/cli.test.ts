// The technicians' CLI as a technician runs it: a child process, commands on stdin, the gateway end on a link.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { crc16Modbus } from '../../devices/protocols/crc.ts'
import { UsageError, linkPlace, makeDevice, parseCli } from '../../simulators/cliArgs.ts'
import { ConsoleError, makeConsole } from '../../simulators/cliConsole.ts'
import { GyMcuSim } from '../../simulators/devices/gyMcu.ts'
import { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import { Host, rig } from './host.ts'
import { v } from './vectors.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

class Cli {
  out = ''
  err = ''
  readonly exited: Promise<number | null>
  private constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (d: Buffer) => (this.out += d.toString()))
    proc.stderr.on('data', (d: Buffer) => (this.err += d.toString()))
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)))
  }

  static run(args: string[]): Cli {
    return new Cli(spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', ...args], { cwd: ROOT }))
  }

  /** Waits until stdout matches; returns the first capture group (or the match). */
  async waitFor(re: RegExp, timeoutMs = 8000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = re.exec(this.out)
      if (m) return m[1] ?? m[0]
      if (Date.now() > deadline) throw new Error(`no ${re} in stdout:\n${this.out}\nstderr:\n${this.err}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  type(line: string): void {
    this.proc.stdin.write(`${line}\n`)
  }
}

let dir = ''
let cli: Cli | null = null
let host: Host | null = null
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'estate-gate-cli-'))
})
afterEach(async () => {
  await host?.close()
  host = null
  if (cli && cli.proc.exitCode === null) {
    cli.proc.kill('SIGTERM')
    await cli.exited
  }
  cli = null
  rmSync(dir, { recursive: true, force: true })
})

describe('simulators/cli.ts', () => {
  it('runs a line scanner: prints the path, relays a typed line as a scan, exits on quit', async () => {
    const link = join(dir, 'ttySIM0')
    cli = Cli.run(['line', '--link', link])
    expect(await cli.waitFor(/gateway path: (\S+)/)).toBe(link)
    expect(cli.out).toContain(`driver: line, path: ${link}`)
    host = await Host.open(link)
    cli.type('HELLO 路')
    expect((await host.take(10)).toString('utf8')).toBe('HELLO 路\r')
    cli.type('!raw C3 28')
    expect([...(await host.take(2))]).toEqual([0xc3, 0x28])
    cli.type('quit')
    expect(await cli.exited).toBe(0)
    expect(existsSync(link)).toBe(false)
    expect(existsSync(`${link}.dev`)).toBe(false)
  })

  it('runs a Modbus thermometer driven by typed commands, and stops cleanly on SIGTERM', async () => {
    const link = join(dir, 'ttyTH')
    cli = Cli.run(['modbus', '--link', link, '--unit', '1', '--temp', '36.6'])
    await cli.waitFor(/gateway path:/)
    host = await Host.open(link)
    const read = v('modbus', 'read_ir_0_qty2_fc04')
    await host.write(read)
    expect((await host.take(9)).readInt16BE(3)).toBe(3660)
    cli.type('t 37.8')
    await cli.waitFor(/object 37.8/)
    cli.type('silent 1')
    await cli.waitFor(/silent for 1/)
    await host.write(read)
    expect(await host.quiet(100)).toHaveLength(0)
    await host.write(read)
    const reply = await host.take(9)
    expect(reply.readInt16BE(3)).toBe(3780)
    expect(crc16Modbus(reply)).toBe(0)
    cli.proc.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    expect(existsSync(link)).toBe(false)
  })

  it('runs a configured GM65: a typed code waits for the trigger', async () => {
    const link = join(dir, 'ttyQR')
    cli = Cli.run(['gm65', '--link', link, '--state', 'configured'])
    await cli.waitFor(/gateway path:/)
    host = await Host.open(link)
    cli.type('PASS-42')
    await cli.waitFor(/sent when the gateway triggers/)
    await host.write(v('gm65', 'trigger_nocrc'))
    expect(await host.take(7)).toEqual(v('gm65', 'reply_ok'))
    expect((await host.take(8)).toString()).toBe('PASS-42\r')
    cli.type('quit')
    expect(await cli.exited).toBe(0)
  })

  it('prints usage on --help and exits 2 on bad arguments', async () => {
    const help = Cli.run(['--help'])
    const bad = Cli.run(['modbus', '--unit', '0'])
    expect(await help.exited).toBe(0)
    expect(help.out).toMatch(/^Usage: npx tsx simulators\/cli.ts <line\|gm65\|modbus\|gy-mcu>/)
    expect(await bad.exited).toBe(2)
    expect(bad.err).toMatch(/--unit expects an integer from 1 to 247, got "0"/)
  })
})

describe('simulators/cli.ts arguments', () => {
  const device = (argv: string[]): string => {
    const parsed = parseCli(argv)
    if (!parsed) return 'help'
    if (parsed.kind === 'input') return `input ${parsed.input.action} ${parsed.input.file}`
    return makeDevice(parsed.kind, parsed.values, '/tmp/ttySIM0', {}).config
  }

  it('turns options into a simulator and the matching gateway config entry', () => {
    expect(device(['-h'])).toBe('help')
    expect(device(['modbus', '--unit', '7', '--register', '16', '--scale', '0.1'])).toBe(
      'driver: modbus-rtu, path: /tmp/ttySIM0, baudRate: 9600, unitId: 7, function: 4, register: 16, scale: 0.1',
    )
    expect(device(['gy-mcu', '--mode', 'query', '--temp', '37.8'])).toContain('mode: query')
    expect(device(['gm65', '--baud', '115200'])).toContain('baudRate: 115200')
  })

  it.each([
    [[], /which device\?/],
    [['thermo'], /unknown device "thermo"/],
    [['line', 'extra'], /unexpected argument "extra"/],
    [['line', '--bogus'], /Unknown option '--bogus'/],
    [['line', '--temp', '37'], /--temp applies to modbus and gy-mcu only/],
    [['line', '--tail', 'etx'], /--tail expects one of cr, crlf, lf, tab, none, got "etx"/],
    [['modbus', '--scale', 'x'], /--scale expects a number/],
    [['gy-mcu', '--temp', '500'], /--temp expects a number from -70 to 380/],
    [['gm65', '--baud', '1234'], /--baud expects one of 1200/],
  ])('rejects %j', (argv, msg) => {
    expect(() => device(argv)).toThrow(UsageError)
    expect(() => device(argv)).toThrow(msg)
  })

  it('refuses to replace a file or a live link at --link', () => {
    const file = join(dir, 'plain')
    writeFileSync(file, '')
    expect(() => linkPlace(file)).toThrow(/exists and is not a link/)
    const live = join(dir, 'live')
    symlinkSync(file, live)
    expect(() => linkPlace(live)).toThrow(/is in use/)
    const stale = join(dir, 'stale')
    symlinkSync(join(dir, 'gone'), stale)
    expect(linkPlace(stale)).toEqual({ dir, name: 'stale' })
    expect(() => linkPlace(join(dir, 'no/such/dir/tty'))).toThrow(/does not exist/)
  })
})

describe('simulators/cli.ts console', () => {
  it('drives a GY-MCU from typed lines and explains mistakes', async () => {
    const r = await rig(new GyMcuSim({ mode: 'query' }))
    try {
      const con = makeConsole({ kind: 'gy-mcu', sim: r.sim })
      expect(con.scanner).toBe(false)
      expect(await con.run('help')).toMatch(/silent N/)
      expect(await con.run('t 37.3 26.1')).toBe('object 37.3 °C, ambient 26.1 °C')
      await r.host.write('A5 15 BA')
      expect(await r.host.take(9)).toEqual(v('gy_mcu906xx', 'to_37.30_ta_26.10'))
      expect(await con.run('noise 7E 00')).toBe('sent 7E 00')
      expect(await r.host.take(2)).toEqual(Buffer.from([0x7e, 0x00]))
      expect(await con.run('mode continuous')).toBe('streaming')
      expect(await con.run('mode query')).toBe('query mode')
      expect(JSON.parse(await con.run('stats'))).toMatchObject({ queries: 1, frames: 1 })
      await expect(con.run('q')).rejects.toThrow(ConsoleError)
      await expect(con.run('t hot')).rejects.toThrow(/expected a temperature/)
      await expect(con.run('noise 7')).rejects.toThrow(/expected hex bytes/)
      await expect(con.run('fly')).rejects.toThrow(/unknown command "fly"/)
    } finally {
      await r.close()
    }
  })

  it('on a scanner console sends plain lines as codes and takes !commands', async () => {
    const r = await rig(new LineScannerSim())
    try {
      const con = makeConsole({ kind: 'line', sim: r.sim, tail: 'cr' })
      await con.run('!tail crlf')
      await con.run('stats x') // not a command word alone: a code
      await con.run('\\help')
      expect((await r.host.take(15)).toString()).toBe('stats x\r\nhelp\r\n')
    } finally {
      await r.close()
    }
  })
})
