// Structured logs (pino) with secrets and personal data censored wherever they appear in a log object: JSON lines
// for machines (systemd's journal, jq, the tech page), and on a terminal one short readable line per event for the
// person in front of it (pino-pretty is not a dependency: the few lines below do what a newcomer needs).
import { pino, type Logger } from 'pino'

const SECRET_KEYS = ['password', 'privateKeyPem', 'pin', 'pins', 'staffPins', 'techPins', 'key', 'secret', 'text', 'code', 'token']

export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`])

export interface LogOutput {
  /**
   * Whether the lines are read by a person: readable lines instead of JSON. Default: whether stdout is a terminal
   * (never, under systemd), and false for a given destination. Injected by tests.
   */
  isTTY?: boolean
  /** ANSI colours for the levels on a terminal; default unless NO_COLOR is set. */
  color?: boolean
}

export function createLogger(level: string, destination?: NodeJS.WritableStream, ring?: LogRing, output: LogOutput = {}): Logger {
  const sink = destination ?? pino.destination({ dest: 1, sync: true })
  const isTTY = output.isTTY ?? (destination === undefined && process.stdout.isTTY === true)
  const dest = isTTY ? readableLines(sink, output.color ?? !process.env.NO_COLOR) : sink
  return pino(
    {
      level,
      base: { svc: 'estate-gate' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // The ring gets the same redacted lines as stdout; it keeps info and above (debug would push out what matters).
    ring ? pino.multistream([{ level: 'trace', stream: dest }, { level: 'info', stream: ring }]) : dest,
  )
}

/**
 * Merge into a log object to keep that line out of the LogRing (the /tech log page, which anyone handed the tech PIN
 * or looking over a tech's shoulder at the gate reads): it goes to stdout, i.e. systemd's journal, only. For a fact
 * that must not be readable at the gate itself, such as a duress login (gateway/kiosk/duress.ts).
 */
export const JOURNAL_ONLY = { journalOnly: true } as const
const JOURNAL_ONLY_MARK = '"journalOnly":true'

/**
 * The most recent log lines in memory, for the technicians' page (/tech): what went wrong a minute ago without a
 * shell on the box. Bounded by count, so memory stays flat however chatty the gateway gets.
 */
export class LogRing {
  private readonly lines: string[] = []
  constructor(readonly capacity = 500) {}

  write(chunk: string | Buffer): boolean {
    for (const line of String(chunk).split('\n')) {
      if (line.length === 0 || line.includes(JOURNAL_ONLY_MARK)) continue
      this.lines.push(line.length > 4000 ? `${line.slice(0, 4000)}…` : line)
      if (this.lines.length > this.capacity) this.lines.shift()
    }
    return true
  }

  /** Parsed lines, oldest first (a line that is not JSON comes back as its text under msg). */
  recent(limit = this.capacity): Record<string, unknown>[] {
    return this.lines.slice(-limit).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>
      } catch {
        return { msg: l }
      }
    })
  }
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' }
const COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' }
/** Said by the line's shape (time, level, message) or the same on every line. */
const QUIET = new Set(['time', 'level', 'msg', 'svc', 'module', 'pid', 'hostname', 'err'])

/** A pino destination that turns each JSON line into `12:04:05.123 INFO  [module] message key=value …`. */
export function readableLines(sink: { write(text: string): unknown }, color = false): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      let out = ''
      for (const line of String(chunk).split('\n')) if (line) out += `${readableLine(line, color)}\n`
      sink.write(out)
      return true
    },
  }
}

/** One JSON log line as a person reads it; a line that is not JSON passes as it is. */
export function readableLine(line: string, color = false): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
  const level = typeof o.level === 'number' ? o.level : 30
  const t = typeof o.time === 'string' || typeof o.time === 'number' ? new Date(o.time) : null
  const time = t && !Number.isNaN(t.getTime()) ? `${t.toTimeString().slice(0, 8)}.${String(t.getMilliseconds()).padStart(3, '0')}` : ''
  const parts = [paint('90', time), paint(COLOURS[level] ?? '0', LEVELS[level] ?? String(level))]
  if (typeof o.module === 'string') parts.push(paint('36', `[${o.module}]`))
  const msg = String(o.msg ?? '')
  parts.push(msg)
  for (const [k, v] of Object.entries(o)) {
    // A value the message already says (the URL, the demo's PINs) is not said twice.
    if (QUIET.has(k) || v === undefined || (typeof v === 'string' && v.length >= 4 && msg.includes(v))) continue
    parts.push(paint('90', `${k}=${typeof v === 'string' && !/[\s"=]/.test(v) && v !== '' ? v : JSON.stringify(v)}`))
  }
  let text = parts.filter((p) => p !== '').join(' ')
  const err = o.err as { message?: unknown; stack?: unknown } | undefined
  if (err && typeof err === 'object') {
    text += ` ${paint(COLOURS[50]!, `err=${JSON.stringify(String(err.message ?? ''))}`)}`
    // The stack only where someone has to act on it; a warning's message says enough.
    if (level >= 50 && typeof err.stack === 'string') text += `\n${err.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`).join('\n')}`
  }
  return text
}
