// `estate-gate probe scanner|thermometer`: talks to one device with the gateway's own drivers, as the gateway
// would, and says what answered or, when nothing did, what to check. Read-only: a probe never changes a
// device's settings (the GM65 is identified, not configured). A scanned code is never printed (passes are
// personal): only its length, a short hash and whether it has the shape of a signed pass.
import { createHash } from 'node:crypto'
import { decodeProtectedHeader } from 'jose'
import { pino } from 'pino'
import type { z } from 'zod'
import type { CliContext } from '../cli.ts'
import { scannerSchema, thermometerSchema, type ScannerConfig, type ThermometerConfig } from '../../devices/config.ts'
import { Gm65Scanner } from '../../devices/scanners/gm65.ts'
import { LineScanner } from '../../devices/scanners/line.ts'
import { GyMcuThermometer } from '../../devices/thermometers/gyMcu.ts'
import { ModbusThermometer } from '../../devices/thermometers/modbusRtu.ts'
import type { DeviceContext, DeviceHealth, MeasureResult, ScanRead } from '../../devices/types.ts'
import { Failure, numberOption, oneOf, parse, runCommand, UsageError } from './args.ts'

export const PROBE_SCANNER_USAGE = `Usage: estate-gate probe scanner --path PORT [--driver line|gm65] [--baud N] [--wait SECONDS]

Talks to a QR scanner on a serial port, as the gateway would.
  line  waits for one code (show a QR code to the scanner) and prints its length in bytes, the first 8 hex
        digits of its SHA-256 and whether it looks like a signed pass; never the code itself (passes are
        personal). To check a test pass arrived intact: printf %s "$PASS" | sha256sum | cut -c1-8
  gm65  asks the module for its versions, output interface and tail setting (read-only: nothing is changed;
        the gateway itself switches the module to serial output with a CR tail at start)

Options:
  --path PORT      the serial port, e.g. /dev/serial/by-id/usb-FTDI_...-port0 (see "estate-gate ports")
  --driver DRIVER  line (default) | gm65, as devices.scanners[].driver
  --baud N         9600 by default; gm65 without --baud: 9600, then 115200
  --wait SECONDS   line: how long to wait for a code (default 30)
  -h, --help       this text

Stop the gateway first if it uses the port (only one program can hold a serial port).
Exit codes: 0 a code was read / the module answered, 1 no port, no answer or no code, 2 bad argument.
`

export const PROBE_THERMOMETER_USAGE = `Usage: estate-gate probe thermometer --path PORT [--driver modbus-rtu|gy-mcu] [options]

Takes one reading from an IR thermometer, as the gateway would, and prints it in °C as the device reports it
(before the config's offsetC), or says what did not answer and what to check.
  modbus-rtu  one read of one register over RS-485 (function 3 or 4, int16 × scale)
  gy-mcu      one query (A5 15 BA) to a GY-MCU90614/90615 module; prints the object and ambient temperatures

Options:
  --path PORT      the serial port, e.g. /dev/serial/by-id/usb-FTDI_...-port0 (see "estate-gate ports")
  --driver DRIVER  modbus-rtu (default) | gy-mcu, as devices.thermometers[].driver
  --baud N         default 9600
  modbus-rtu only, as in devices.thermometers[]:
  --unit N         unit (slave) id, 1-247 (default 1)
  --function N     3 (holding registers) or 4 (input registers) (default 4)
  --register N     register holding the object temperature (default 0)
  --scale X        °C per count: 0.01 when 3650 means 36.50 °C, 0.1 when 365 means 36.5 °C (default 0.01)
  -h, --help       this text

Stop the gateway first if it uses the port (only one program can hold a serial port).
Exit codes: 0 a reading, 1 no port or no valid answer, 2 bad argument.
`

const HELP = { help: { type: 'boolean', short: 'h' } } as const

/** The drivers log through pino; the probe tells the technician itself, on stdout and stderr. */
function deviceContext(ctx: CliContext): DeviceContext {
  return { clock: ctx.clock, log: pino({ level: 'silent' }) }
}

export function probeScanner(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('probe scanner', ctx, async () => {
    const values = parse(args, {
      path: { type: 'string' },
      driver: { type: 'string' },
      baud: { type: 'string' },
      wait: { type: 'string' },
      ...HELP,
    })
    if (values.help) {
      ctx.stdout(PROBE_SCANNER_USAGE)
      return 0
    }
    if (values.path === undefined) throw new UsageError('missing --path PORT (the serial port the scanner is on; "estate-gate ports" lists them)')
    const driver = oneOf('--driver', values.driver ?? 'line', ['line', 'gm65'] as const)
    if (driver === 'gm65' && values.wait !== undefined) throw new UsageError('--wait: applies to --driver line only (a gm65 probe asks the module, it does not wait for a code)')
    const baud = values.baud === undefined ? undefined : numberOption('--baud', values.baud, 1, 10_000_000, true)
    const waitMs = numberOption('--wait', values.wait ?? '30', 0.1, 3600) * 1000
    const make = (baudRate: number): ScannerConfig =>
      validDevice(scannerSchema, { name: 'probe', driver, path: values.path, baudRate, direction: 'in', configure: false })
    if (driver === 'line') return probeLine(make(baud ?? 9600), waitMs, ctx)
    return probeGm65(baud === undefined ? [make(9600), make(115200)] : [make(baud)], ctx)
  })
}

async function probeLine(cfg: ScannerConfig, waitMs: number, ctx: CliContext): Promise<number> {
  const scanner = new LineScanner(cfg, deviceContext(ctx))
  await scanner.start()
  try {
    assertOpen(scanner.health(), cfg.path!)
    ctx.stdout(`Listening on ${cfg.path} at ${cfg.baudRate} baud for up to ${seconds(waitMs)}: show a QR code to the scanner.\n`)
    const scan = await new Promise<ScanRead | null>((resolve) => {
      const timer = setTimeout(() => {
        off()
        resolve(null)
      }, waitMs)
      const off = scanner.onScan((s) => {
        clearTimeout(timer)
        off()
        resolve(s)
      })
    })
    if (!scan) throw new Failure(noCode(scanner.health(), cfg, waitMs))
    const bytes = Buffer.byteLength(scan.text, 'utf8')
    // 8 hex digits (32 bits): enough to tell whether the pass shown arrived intact, too few to find a phone or ID
    // number from by hashing guesses (many candidates share each value).
    const hash = createHash('sha256').update(scan.text, 'utf8').digest('hex').slice(0, 8)
    ctx.stdout(`Code received: ${bytes} bytes, sha256 ${hash} (its first 8 hex digits; the text itself is not shown: passes are personal).\n${passShape(scan.text)}\n`)
    return 0
  } finally {
    await scanner.stop()
  }
}

/** Why no code came, from what the driver counted. */
function noCode(h: DeviceHealth, cfg: ScannerConfig, waitMs: number): string {
  const head = `no code from a line scanner on ${cfg.path} at ${cfg.baudRate} baud within ${seconds(waitMs)}`
  const bytesIn = h.counters.bytesIn ?? 0
  if (bytesIn === 0) {
    return (
      `${head}, not a single byte: check the wiring (scanner TX to adapter RX, a common ground), that the scanner sends ` +
      `on its serial port (not as a USB keyboard: scan its "serial output" setup code), and that a code was shown`
    )
  }
  const bad: string[] = []
  if (h.counters.badUtf8) bad.push(`${h.counters.badUtf8} not valid UTF-8 (a wrong baud rate garbles bytes: try --baud 115200; or the scanner sends GBK)`)
  if (h.counters.tooLong) bad.push(`${h.counters.tooLong} longer than ${cfg.maxLength} bytes (no CR tail and no pause between codes?)`)
  return `${head}: ${bytesIn} bytes arrived but no valid code${bad.length ? `: ${bad.join('; ')}` : ''}`
}

/** Whether the text has the shape of a pass (a compact JWS), from its header only: the claims are personal. */
function passShape(text: string): string {
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) {
    try {
      const h = decodeProtectedHeader(text)
      const show = (v: unknown): string => JSON.stringify(v)?.slice(0, 64) ?? 'none'
      return `It has the shape of a signed pass (JWS): alg ${show(h.alg)}, kid ${show(h.kid)}; the gate checks its signature against passes.issuers.`
    } catch {
      /* three parts, but not a JWS header */
    }
  }
  return 'It is not a signed pass (a pass is a JWS: three base64url parts joined by dots); the gate would deny it as unknown_code.'
}

async function probeGm65(tries: ScannerConfig[], ctx: CliContext): Promise<number> {
  for (const cfg of tries) {
    const scanner = new Gm65Scanner(cfg, deviceContext(ctx))
    await scanner.start()
    try {
      assertOpen(scanner.health(), cfg.path!)
      const id = await scanner.identify()
      if (!id.answered) continue
      const rows: [string, string][] = [
        ['hardware version', id.hardwareVersion ?? 'no answer'],
        ['software version', id.softwareVersion ?? 'no answer'],
        ['output', id.serialOutput ? 'serial (UART)' : 'USB: codes do not reach this port until the gateway switches it to serial at start'],
        ['tail', id.crTail === null ? 'no answer' : id.crTail ? 'CR' : 'not CR: the gateway sets the tail its config names at start (CR with tail: auto)'],
      ]
      ctx.stdout(`GM65-family scanner on ${cfg.path}, answering at ${id.baudRate} baud:\n${rows.map(([k, v]) => `  ${k.padEnd(16)}  ${v}\n`).join('')}`)
      return 0
    } finally {
      await scanner.stop()
    }
  }
  const first = tries[0]!
  throw new Failure(
    `no reply from a GM65-family scanner on ${first.path} at ${tries.map((t) => t.baudRate).join(' or ')} baud (a read of zone 0x000D): ` +
      `check its power and the wiring (module TX to adapter RX, RX to TX, a common ground); ` +
      `a scanner without the GM65 command protocol answers nothing: use --driver line`,
  )
}

export function probeThermometer(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('probe thermometer', ctx, async () => {
    const values = parse(args, {
      path: { type: 'string' },
      driver: { type: 'string' },
      baud: { type: 'string' },
      unit: { type: 'string' },
      function: { type: 'string' },
      register: { type: 'string' },
      scale: { type: 'string' },
      ...HELP,
    })
    if (values.help) {
      ctx.stdout(PROBE_THERMOMETER_USAGE)
      return 0
    }
    if (values.path === undefined) throw new UsageError('missing --path PORT (the serial port the thermometer is on; "estate-gate ports" lists them)')
    const driver = oneOf('--driver', values.driver ?? 'modbus-rtu', ['modbus-rtu', 'gy-mcu'] as const)
    const modbusOnly = (['unit', 'function', 'register', 'scale'] as const).filter((k) => values[k] !== undefined)
    if (driver !== 'modbus-rtu' && modbusOnly.length) throw new UsageError(`--${modbusOnly[0]}: applies to --driver modbus-rtu only`)
    const num = (flag: string, text: string | undefined): number | undefined =>
      text === undefined ? undefined : numberOption(flag, text, -1e9, 1e9)
    const cfg = validDevice(thermometerSchema, {
      name: 'probe',
      driver,
      path: values.path,
      baudRate: num('--baud', values.baud) ?? 9600,
      unitId: num('--unit', values.unit),
      function: num('--function', values.function),
      register: num('--register', values.register),
      scale: num('--scale', values.scale),
      // One query per reading, never the stream command: the probe leaves the module as it found it.
      mode: 'query',
      // The driver polls while idle; a probe wants its one reading, not a poll in between.
      pollIntervalMs: 60_000,
    })
    const thermo = cfg.driver === 'gy-mcu' ? new GyMcuThermometer(cfg, deviceContext(ctx)) : new ModbusThermometer(cfg, deviceContext(ctx))
    await thermo.start()
    let result: MeasureResult
    try {
      result = await thermo.measure({ notBefore: ctx.clock.mono(), timeoutMs: cfg.timeoutMs })
    } finally {
      await thermo.stop()
    }
    if (!result.ok) throw new Failure(measureFailure(result, cfg))
    const r = result.reading
    const what =
      cfg.driver === 'modbus-rtu'
        ? `modbus-rtu, unit ${cfg.unitId}, function ${cfg.function}, register ${cfg.register}, scale ${cfg.scale}, ${cfg.baudRate} baud`
        : `gy-mcu, ${cfg.baudRate} baud`
    const ambient = r.ambientCelsius === null ? '' : `, ambient ${r.ambientCelsius.toFixed(2)} °C`
    const notes: string[] = []
    if (r.rawCelsius < 34 || r.rawCelsius > 42.5) {
      notes.push(`outside 34-42.5 °C (the gateway's default valid range): fine for a hand or the room; if far off, check --scale (0.1 or 0.01)`)
    }
    if (r.ambientOutOfRange) notes.push('ambient outside 16-35 °C: forehead readings are not trustworthy in this place')
    ctx.stdout(`Thermometer on ${cfg.path} (${what}): ${r.rawCelsius.toFixed(2)} °C${ambient}\n${notes.map((n) => `Note: ${n}\n`).join('')}`)
    return 0
  })
}

function measureFailure(r: Extract<MeasureResult, { ok: false }>, cfg: ThermometerConfig): string {
  const at = `on ${cfg.path} at ${cfg.baudRate} baud`
  const detail = r.detail ? ` (${r.detail})` : ''
  if (r.error === 'offline') return openFailure(cfg.path!, r.detail ?? 'not open')
  if (cfg.driver === 'gy-mcu') {
    if (r.error === 'timeout') {
      return (
        `no frame from a GY-MCU thermometer ${at} within ${cfg.timeoutMs} ms of a query (A5 15 BA): check its power, the wiring ` +
        `(module TX to adapter RX, RX to TX, a common ground) and the baud rate (9600; 115200 if it was changed: --baud 115200)`
      )
    }
    if (r.error === 'crc') return `a frame from the GY-MCU thermometer ${at} was damaged${detail}: check --baud and the wiring`
    return `the GY-MCU thermometer ${at} gave no reading${detail}`
  }
  const unit = `unit ${cfg.unitId}`
  switch (r.error) {
    case 'timeout':
      return `no reply from a Modbus thermometer at ${unit} ${at}: check A/B wiring (swap A and B if unsure), unit id (--unit), baud rate (--baud) and the sensor's power`
    case 'crc':
      return (
        `a reply from the Modbus thermometer at ${unit} ${at} failed its CRC${detail}: check the baud rate (--baud), the A/B wiring, ` +
        `a 120 Ω terminator at the far end of a long cable, and that no other device answers as ${unit}`
      )
    case 'exception':
      return `the Modbus thermometer at ${unit} ${at} answered with an error${detail}: it is there, but --function (3 holding, 4 input registers) or --register does not match its manual`
    default:
      return `the Modbus thermometer at ${unit} ${at} gave no reading${detail}`
  }
}

/** A device schema's result, with its key names turned back into the options they came from. */
function validDevice<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)))
  if (parsed.success) return parsed.data
  const flags: Record<string, string> = { path: '--path', baudRate: '--baud', unitId: '--unit', function: '--function', register: '--register', scale: '--scale' }
  const issue = parsed.error.issues[0]!
  const key = String(issue.path[0] ?? '')
  throw new UsageError(`${flags[key] ?? key}: ${issue.message} (got ${JSON.stringify(input[key])})`)
}

function assertOpen(h: DeviceHealth, path: string): void {
  if (!h.online) throw new Failure(openFailure(path, h.lastError ?? 'not open'))
}

/** What to do about a port that would not open, from the OS's reason. */
function openFailure(path: string, reason: string): string {
  const why = reason
    .replace(/^cannot open \S+: /, '')
    .replace(/^Error: /, '')
    .replace(/, cannot open \S+$/, '')
  const hint = /ENOENT|No such file/i.test(why)
    ? `there is no such port: "estate-gate ports" lists the ports of this box (is the adapter plugged in?)`
    : /EACCES|Permission denied/i.test(why)
      ? 'no permission: add this user to the "dialout" group (sudo usermod -aG dialout $USER, then log in again)'
      : /lock|busy/i.test(why)
        ? 'another program holds it: is the gateway running? Stop it first (sudo systemctl stop estate-gate)'
        : 'check the path ("estate-gate ports" lists the ports of this box)'
  return `cannot open ${path}: ${why}; ${hint}`
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`
}
