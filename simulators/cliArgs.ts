// Command-line arguments of simulators/cli.ts: validated into a simulator and the matching gateway config entry,
// kept apart from the process so the rules can be tested in-process.
import { existsSync, lstatSync, readlinkSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Device } from './cliConsole.ts'
import type { SimOpenOptions } from './devices/deviceSim.ts'
import { Gm65Sim } from './devices/gm65.ts'
import { GyMcuSim } from './devices/gyMcu.ts'
import { LineScannerSim, TAIL_CHOICES, type Tail } from './devices/lineScanner.ts'
import { ModbusThermometerSim } from './devices/modbusThermometer.ts'
import { InputUsageError, parseInputCommand, type InputCommand } from './inputCli.ts'

export const USAGE = `Usage: npx tsx simulators/cli.ts <line|gm65|modbus|gy-mcu> [options]
       npx tsx simulators/cli.ts input NAME|FILE on|off|pulse MS [--data-dir DIR]

Simulates one serial device on a pseudo-terminal, so a gateway can be tested without hardware.
"input" drives a simulated input (door contact, fire alarm, exit button, tamper) by writing its level file, which
the gateway polls every 50 ms: NAME is its name in devices.inputs[] and means DIR/inputs/NAME.level (DIR: the
gateway's dataDir, default ./data as in the demo); a FILE (with a "/" or ending in .level) is its levelFile. on and
off set it and exit; pulse MS sets it on, then off after MS (also on Ctrl-C).

Options:
  --link PATH            gateway side of the pty at PATH (e.g. /tmp/ttySIM0); the device end is PATH.dev
                         (default: a fresh temporary directory)
  --trace                print every byte in (→) and out (←) as hex
  --keep-running         keep running when stdin closes (background use); stop with SIGTERM
  line:    --tail cr|crlf|lf|tab|none  tail after each code (default cr)
  gm65:    --state factory|configured  factory (default): output on USB, no tail, the gateway must configure it;
                                       configured: UART, CR tail, command-trigger mode
           --baud N                    the module's UART rate (default 9600); commands sent at another rate
                                       are ignored, as on a real module
  modbus:  --unit N (1)  --register N (0)  --scale X (0.01)  --delay MS (0)
  modbus, gy-mcu: --temp C (36.5)  --ambient C (25)
  gy-mcu:  --mode continuous|query     at power-up: stream at ~14 Hz (default) or wait for A5 15 BA
  input:   --data-dir DIR               the gateway's dataDir, for a NAME (default ./data)
  -h, --help

Then type commands ("help" lists them). Scanners: each line typed is a code.
Thermometers: t 37.8 | q 37.8 37.9 | noise | badcrc | silent 3 | ... | quit`

export const KINDS = ['line', 'gm65', 'modbus', 'gy-mcu'] as const
export type Kind = (typeof KINDS)[number]
/** Device options, and the devices each applies to. */
const ONLY: Record<string, readonly Kind[]> = {
  tail: ['line'],
  state: ['gm65'],
  baud: ['gm65'],
  unit: ['modbus'],
  register: ['modbus'],
  scale: ['modbus'],
  delay: ['modbus'],
  temp: ['modbus', 'gy-mcu'],
  ambient: ['modbus', 'gy-mcu'],
  mode: ['gy-mcu'],
}
const STRING_OPTIONS = ['link', 'data-dir', ...Object.keys(ONLY)]
/** The serial devices' options, refused for "input" (which has no pty). */
const SERIAL_ONLY = ['link', 'trace', 'keep-running', ...Object.keys(ONLY)]

/** A bad command line: print it and exit 2. */
export class UsageError extends Error {}

export type Values = Record<string, string | boolean | undefined>

/** The device and options, "input" and its command, or null for --help. Throws UsageError. */
export function parseCli(argv: string[]): { kind: Kind; values: Values } | { kind: 'input'; input: InputCommand } | null {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((o) => [o, { type: 'string' } as const])),
        trace: { type: 'boolean' },
        'keep-running': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    throw new UsageError((err as Error).message) // e.g. "Unknown option '--x'"
  }
  const values: Values = parsed.values
  if (values.help) return null
  const [kind, ...extra] = parsed.positionals
  if (kind === 'input') {
    const wrong = SERIAL_ONLY.find((o) => values[o] !== undefined)
    if (wrong) throw new UsageError(`--${wrong} does not apply to input`)
    try {
      return { kind, input: parseInputCommand(extra, values['data-dir'] as string | undefined) }
    } catch (err) {
      if (err instanceof InputUsageError) throw new UsageError(err.message)
      throw err
    }
  }
  if (values['data-dir'] !== undefined) throw new UsageError('--data-dir applies to input only')
  if (!kind) throw new UsageError(`which device? one of ${KINDS.join(', ')} (or input NAME on|off|pulse MS)`)
  if (!KINDS.includes(kind as Kind)) throw new UsageError(`unknown device "${kind}"; one of ${KINDS.join(', ')}`)
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`)
  for (const [opt, kinds] of Object.entries(ONLY))
    if (values[opt] !== undefined && !kinds.includes(kind as Kind))
      throw new UsageError(`--${opt} applies to ${kinds.join(' and ')} only`)
  return { kind: kind as Kind, values }
}

function num(values: Values, name: string, dflt: number, min: number, max: number, integer = false): number {
  const raw = values[name]
  if (raw === undefined) return dflt
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN
  if (!(n >= min && n <= max) || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} expects ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`)
  return n
}

function choice<T extends string>(values: Values, name: string, allowed: readonly T[]): T {
  const raw = values[name] ?? allowed[0]
  if (!allowed.includes(raw as T))
    throw new UsageError(`--${name} expects one of ${allowed.join(', ')}, got "${String(raw)}"`)
  return raw as T
}

/** The simulator, and the gateway config entry that matches it (DESIGN §4 keys). Throws UsageError. */
export function makeDevice(
  kind: Kind,
  values: Values,
  hostPath: string,
  wire: SimOpenOptions,
): { dev: Device; config: string } {
  const temps = { temperatureC: num(values, 'temp', 36.5, -70, 380), ambientC: num(values, 'ambient', 25, -40, 125) }
  switch (kind) {
    case 'line': {
      const tail = choice<Tail>(values, 'tail', TAIL_CHOICES)
      const config = `driver: line, path: ${hostPath}, baudRate: 9600, direction: in`
      return { dev: { kind, sim: new LineScannerSim(wire), tail }, config }
    }
    case 'gm65': {
      const baudRate = num(values, 'baud', 9600, 1200, 115200, true)
      const preset = choice(values, 'state', ['factory', 'configured'] as const)
      const sim = new Gm65Sim({ ...wire, preset, baudRate, hostPath })
      if (sim.baudRate !== baudRate)
        throw new UsageError('--baud expects one of 1200, 4800, 9600, 14400, 19200, 38400, 57600, 115200')
      return { dev: { kind, sim }, config: `driver: gm65, path: ${hostPath}, baudRate: ${baudRate}, direction: in` }
    }
    case 'modbus': {
      const unitId = num(values, 'unit', 1, 1, 247, true)
      const register = num(values, 'register', 0, 0, 0xfffe, true)
      const scale = num(values, 'scale', 0.01, 0.0001, 10)
      const respondDelayMs = num(values, 'delay', 0, 0, 10_000, true)
      const sim = new ModbusThermometerSim({ ...wire, ...temps, unitId, register, scale, respondDelayMs })
      const config =
        `driver: modbus-rtu, path: ${hostPath}, baudRate: 9600, unitId: ${unitId}, function: 4, ` +
        `register: ${register}, scale: ${scale}`
      return { dev: { kind, sim }, config }
    }
    case 'gy-mcu': {
      const mode = choice(values, 'mode', ['continuous', 'query'] as const)
      const config = `driver: gy-mcu, path: ${hostPath}, baudRate: 9600, mode: ${mode}`
      return { dev: { kind, sim: new GyMcuSim({ ...wire, ...temps, mode }) }, config }
    }
  }
}

/** Where the pty links go. Refuses to replace anything but a stale link: socat would overwrite it silently. */
export function linkPlace(link: string | undefined): { dir?: string; name?: string } {
  if (link === undefined) return {}
  const path = resolve(link)
  if (!existsSync(dirname(path))) throw new UsageError(`--link: directory ${dirname(path)} does not exist`)
  for (const p of [path, `${path}.dev`]) {
    let stat
    try {
      stat = lstatSync(p)
    } catch {
      continue
    }
    if (!stat.isSymbolicLink()) throw new UsageError(`--link: ${p} exists and is not a link; choose another path`)
    if (existsSync(p)) throw new UsageError(`--link: ${p} is in use (→ ${readlinkSync(p)}); stop that simulator first`)
  }
  return { dir: dirname(path), name: basename(path) }
}
