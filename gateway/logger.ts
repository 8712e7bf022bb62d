// Structured logs (pino) with secrets and personal data censored wherever they appear in a log object.
import { pino, type Logger } from 'pino'

const SECRET_KEYS = ['password', 'privateKeyPem', 'pin', 'pins', 'staffPins', 'techPins', 'key', 'secret', 'text', 'code', 'token']

export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`])

export function createLogger(level: string, destination?: NodeJS.WritableStream, ring?: LogRing): Logger {
  const dest = destination ?? pino.destination({ dest: 1, sync: true })
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
 * The most recent log lines in memory, for the technicians' page (/tech): what went wrong a minute ago without a
 * shell on the box. Bounded by count, so memory stays flat however chatty the gateway gets.
 */
export class LogRing {
  private readonly lines: string[] = []
  constructor(readonly capacity = 500) {}

  write(chunk: string | Buffer): boolean {
    for (const line of String(chunk).split('\n')) {
      if (line.length === 0) continue
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
