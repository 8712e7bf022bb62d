// Structured logs (pino) with secrets and personal data censored wherever they appear in a log object.
import { pino, type Logger } from 'pino'

const SECRET_KEYS = ['password', 'privateKeyPem', 'pin', 'pins', 'staffPins', 'techPins', 'key', 'secret', 'text', 'code', 'token']

export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`])

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'estate-gate' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  )
}
