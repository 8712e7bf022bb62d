#!/usr/bin/env node
// estate-gate: the technicians' command line (package.json "bin": `npx estate-gate …` in a checkout).
// One table of commands; each loads its module only when run, so `keys new` does not load the gateway and `start`
// will not load the pass tools. Exit codes: 0 done, 1 failure at run time (device silent, port missing),
// 2 bad command, argument or config.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ListPortsOptions } from '../devices/transport/ports.ts'
import type { GpioClassLike } from '../devices/transport/gpio.ts'
import { systemClock, type Clock } from '../devices/types.ts'

/** Everything a command touches of the outside world, so commands can be run in-process by tests. */
export interface CliContext {
  stdout(text: string): void
  stderr(text: string): void
  clock: Clock
  /** Relative paths in arguments resolve from here. */
  cwd: string
  /** What `sim` hands to the simulator's console; the process's own stdin when absent. */
  stdin?: NodeJS.ReadableStream
  /** The OS's serial port list, /dev/serial/by-id and onoff's Gpio class, when a test stands in for them. */
  hardware?: { listPorts?: ListPortsOptions['list']; byIdDir?: string; gpioClass?: GpioClassLike }
}

export interface CliCommand {
  /** One line for the command list. */
  summary: string
  /** `args` excludes the command words; resolves to the exit code. Prints its own --help. */
  run(args: string[], ctx: CliContext): Promise<number>
}

/** Command words → command. Two-word names (`keys new`) form groups; `estate-gate keys --help` lists a group. */
export const commands: Record<string, CliCommand> = {
  start: {
    summary: 'start the gateway: --config FILE (or GATEWAY_CONFIG); without one, the demo',
    run: async (args, ctx) => {
      const { checkStartArgs } = await import('./cli/start.ts')
      const code = await checkStartArgs(args, ctx)
      if (code !== null) return code
      // The gateway owns the process from here: signals, exit code.
      ;(await import('./process.ts')).runAsProcess(args)
      return new Promise<number>(() => {})
    },
  },
  'check-config': {
    summary: 'check a config file: OK and what it configures, or every error by key path',
    run: async (args, ctx) => (await import('./cli/checkConfig.ts')).checkConfig(args, ctx),
  },
  ports: {
    summary: 'list the serial ports with their stable /dev/serial/by-id names',
    run: async (args, ctx) => (await import('./cli/ports.ts')).ports(args, ctx),
  },
  'probe scanner': {
    summary: 'talk to a QR scanner: wait for one code (line) or read its versions (gm65)',
    run: async (args, ctx) => (await import('./cli/probe.ts')).probeScanner(args, ctx),
  },
  'probe thermometer': {
    summary: 'take one reading from an IR thermometer (modbus-rtu or gy-mcu)',
    run: async (args, ctx) => (await import('./cli/probe.ts')).probeThermometer(args, ctx),
  },
  'gpio pulse': {
    summary: 'switch a GPIO output (the gate relay, the buzzer) on for a moment',
    run: async (args, ctx) => (await import('./cli/gpio.ts')).gpioPulse(args, ctx),
  },
  'gpio safe': {
    summary: 'de-energise every gpio relay and buzzer of a config (the unit runs it after any exit, a crash too)',
    run: async (args, ctx) => (await import('./cli/gpioSafe.ts')).gpioSafe(args, ctx),
  },
  'keys new': {
    summary: 'make an Ed25519 key pair for signing passes',
    run: async (args, ctx) => (await import('./passes/commands.ts')).keysNew(args, ctx),
  },
  'pass issue': {
    summary: 'sign a pass and print it (the QR text)',
    run: async (args, ctx) => (await import('./passes/commands.ts')).passIssue(args, ctx),
  },
  export: {
    summary: 'write the entries of some days as CSV, from the SQLite log (also while the gateway runs)',
    run: async (args, ctx) => (await import('./cli/export.ts')).exportEntries(args, ctx),
  },
  sim: {
    summary: 'simulate a device (line, gm65, modbus, gy-mcu) on a pseudo-terminal, or set a simulated input (input NAME on|off|pulse MS)',
    run: async (args, ctx) => (await import('./cli/sim.ts')).sim(args, ctx),
  },
  'broker hash-password': {
    summary: 'hash a local-broker password (read from stdin) for localBroker.users[].password',
    run: async (args, ctx) => {
      if (args.includes('--help') || args.includes('-h')) {
        ctx.stdout('Usage: echo -n PASSWORD | estate-gate broker hash-password\n\nPrints an scrypt hash to put in localBroker.users[].password.\n')
        return 0
      }
      if (args.length > 0) {
        ctx.stderr(`estate-gate broker hash-password: takes no arguments (the password comes on stdin, not on the command line), got ${args.join(' ')}\n`)
        return 2
      }
      const chunks: Buffer[] = []
      for await (const c of ctx.stdin ?? process.stdin) chunks.push(c as Buffer)
      const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
      if (password.length < 8) {
        ctx.stderr('estate-gate broker hash-password: expected a password of at least 8 characters on stdin\n')
        return 2
      }
      ctx.stdout(`${await (await import('./broker/passwords.ts')).hashPassword(password)}\n`)
      return 0
    },
  },
  'kiosk hash-pin': {
    summary: 'hash a kiosk PIN (read from stdin) for kiosk.staffPins / kiosk.techPins',
    run: async (args, ctx) => {
      if (args.includes('--help') || args.includes('-h')) {
        ctx.stdout('Usage: echo -n PIN | estate-gate kiosk hash-pin\n\nPrints an scrypt hash to put in kiosk.staffPins or kiosk.techPins (as the pin, or as { id, name, pin }).\n')
        return 0
      }
      if (args.length > 0) {
        ctx.stderr(`estate-gate kiosk hash-pin: takes no arguments (the PIN comes on stdin, not on the command line, where ps and the shell history would keep it), got ${args.length}\n`)
        return 2
      }
      const chunks: Buffer[] = []
      for await (const c of ctx.stdin ?? process.stdin) chunks.push(c as Buffer)
      const pin = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
      if (!/^\d{4,12}$/.test(pin)) {
        ctx.stderr('estate-gate kiosk hash-pin: expected a PIN of 4 to 12 digits on stdin\n')
        return 2
      }
      ctx.stdout(`${await (await import('./kiosk/pins.ts')).hashPin(pin)}\n`)
      return 0
    },
  },
}

const isHelp = (word: string | undefined): boolean => word === '--help' || word === '-h' || word === 'help'

function usage(prefix?: string): string {
  const names = Object.keys(commands).filter((n) => prefix === undefined || n.startsWith(`${prefix} `))
  const width = Math.max(...names.map((n) => n.length))
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n]?.summary ?? ''}`)
  const head = prefix === undefined ? 'estate-gate <command> [options]' : `estate-gate ${prefix} <subcommand> [options]`
  const codes = prefix === undefined ? 'Exit codes: 0 done, 1 failed at run time (a device silent, a port missing), 2 bad command, argument or config.\n' : ''
  return `Usage: ${head}\n\nCommands:\n${lines.join('\n')}\n\nRun "estate-gate <command> --help" for a command's options.\n${codes}`
}

export async function run(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first, second] = argv
  if (isHelp(first)) {
    ctx.stdout(usage())
    return 0
  }
  if (first === undefined) {
    ctx.stderr(usage())
    return 2
  }
  const pair = second === undefined ? undefined : commands[`${first} ${second}`]
  const single = commands[first]
  const [command, rest] = pair ? [pair, argv.slice(2)] : single ? [single, argv.slice(1)] : [undefined, []]
  if (command) {
    try {
      return await command.run([...rest], ctx)
    } catch (err) {
      ctx.stderr(`estate-gate ${first}: ${err instanceof Error ? err.message : String(err)}\n`)
      return 1
    }
  }
  const isGroup = Object.keys(commands).some((n) => n.startsWith(`${first} `))
  if (isGroup && isHelp(second)) {
    ctx.stdout(usage(first))
    return 0
  }
  if (isGroup) {
    ctx.stderr(`estate-gate ${first}: ${second === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(second)}`}\n\n${usage(first)}`)
    return 2
  }
  ctx.stderr(`estate-gate: unknown command ${JSON.stringify(first)}\n\n${usage()}`)
  return 2
}

/** True when this file is the process entry (also through the npm bin symlink), false when imported by a test. */
function isEntry(): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (isEntry()) {
  // `estate-gate check-config FILE | head`: the reader may go away before we are done. Node ignores SIGPIPE, so
  // the write fails with EPIPE, which as an unhandled stream error would end the command with a stack trace. The
  // rest of the output is not wanted: it is dropped, and the command ends with its own exit code.
  let stdoutGone = false
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    stdoutGone = true
  })
  process.exitCode = await run(process.argv.slice(2), {
    stdout: (text) => void (stdoutGone || process.stdout.write(text)),
    stderr: (text) => process.stderr.write(text),
    clock: systemClock,
    cwd: process.cwd(),
  })
}
