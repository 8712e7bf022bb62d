// The config as others may see it (config/get, /tech, the config_changed alert): secrets replaced, public keys kept.
import { SECRET_CONFIG_KEYS } from './schema.ts'

export const REDACTED = '[REDACTED]'

/** `mqtt://user:pass@host` → `mqtt://user:[REDACTED]@host`; anything else unchanged. */
export function redactUrlPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^/\s]*@/i, `$1:${REDACTED}@`)
}

/** Values under a secret key become [REDACTED]; a password inside a URL (central.url, a list of them) too. */
export function redact(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlPassword(value)
  if (Array.isArray(value)) return value.map(redact)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_CONFIG_KEYS.has(k) && v !== undefined ? REDACTED : redact(v)]))
  }
  return value
}
