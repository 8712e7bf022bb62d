// What config/set may change from the platform (DESIGN section 7). A compromised platform account must not be able
// to rewrite trust (passes, kiosk, localBroker, central), move the data (dataDir), rewire devices or silence the log,
// nor loosen a rule past what is safe at a gate: those stay with the technician on site (the file, /tech).
import { configSchema } from './schema.ts'

export type RemoteVerdict = { ok: true } | { ok: false; code: 'forbidden' | 'invalid'; errors: string[] }

/** Paths the platform may set (a path and everything below it). */
export const REMOTE_KEYS = ['rules', 'schedules', 'retention', 'site.name', 'gate.name', 'log.level'] as const

type Bound = { min: number; max: number; unit: string }
/**
 * Safe bounds for values set remotely: inside them a mistake (or an attacker) cannot let a fever through or keep
 * someone else's reading for the next person. The schema's own ranges are wider: the tech on site may go further.
 */
export const REMOTE_BOUNDS: Readonly<Record<string, Bound>> = {
  'rules.feverC': { min: 37.0, max: 38.5, unit: '°C' },
  'rules.validRangeC[0]': { min: 33.0, max: 35.5, unit: '°C' },
  'rules.validRangeC[1]': { min: 40.0, max: 43.0, unit: '°C' },
  'rules.recheckDelayMs': { min: 500, max: 10_000, unit: 'ms' },
  'rules.pairWindowMs': { min: 1000, max: 15_000, unit: 'ms' },
  'rules.duplicateScanMs': { min: 0, max: 10_000, unit: 'ms' },
  'retention.days': { min: 7, max: 366, unit: 'days' },
}

/** Log levels the platform may set: fatal, error and silent would hide from the technician what is done. */
export const REMOTE_LOG_LEVELS: readonly string[] = ['warn', 'info', 'debug', 'trace']
/** Tasks the platform may set (the defaults are six; a site with more sets them in the file). */
export const REMOTE_MAX_SCHEDULES = 32

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const allowed = (path: string): boolean => REMOTE_KEYS.some((k) => path === k || path.startsWith(`${k}.`))
const under = (path: string): boolean => REMOTE_KEYS.some((k) => k.startsWith(`${path}.`))

/** Leaf paths of a patch: objects are walked (as deepMerge merges them), arrays and scalars are leaves. */
function leaves(v: unknown, prefix: string, out: [string, unknown][]): [string, unknown][] {
  if (isObj(v) && (prefix === '' || under(prefix) || !allowed(prefix))) {
    for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out)
    if (Object.keys(v).length === 0 && prefix) out.push([prefix, v])
  } else out.push([prefix, v])
  return out
}

/** Checks a config/set patch before the schema sees it: forbidden keys first, then the safe bounds. */
export function checkRemotePatch(patch: Record<string, unknown>): RemoteVerdict {
  const known = new Set(Object.keys(configSchema.shape))
  const forbidden: string[] = []
  const invalid: string[] = []
  for (const [path, value] of leaves(patch, '', [])) {
    const top = path.split('.')[0]!
    if (!known.has(top)) invalid.push(`${path}: unknown key`)
    else if (!allowed(path)) forbidden.push(`${path}: may not be changed remotely (trust, storage and devices are set on site: the config file or /tech)`)
    else if (path === 'log.level' && typeof value === 'string' && !REMOTE_LOG_LEVELS.includes(value)) {
      forbidden.push(`${path}: ${JSON.stringify(value)} may not be set remotely (it would hide what is done); one of ${REMOTE_LOG_LEVELS.join(', ')}`)
    }
  }
  if (forbidden.length > 0) return { ok: false, code: 'forbidden', errors: forbidden }
  const rules = isObj(patch.rules) ? patch.rules : {}
  const retention = isObj(patch.retention) ? patch.retention : {}
  const values: [string, unknown][] = [
    ['rules.feverC', rules.feverC],
    ['rules.validRangeC[0]', Array.isArray(rules.validRangeC) ? rules.validRangeC[0] : undefined],
    ['rules.validRangeC[1]', Array.isArray(rules.validRangeC) ? rules.validRangeC[1] : undefined],
    ['rules.recheckDelayMs', rules.recheckDelayMs],
    ['rules.pairWindowMs', rules.pairWindowMs],
    ['rules.duplicateScanMs', rules.duplicateScanMs],
    ['retention.days', retention.days],
  ]
  // Each task raises events and timers at the gate: thousands of them every minute stalled its decisions.
  if (Array.isArray(patch.schedules) && patch.schedules.length > REMOTE_MAX_SCHEDULES) {
    invalid.push(`schedules: at most ${REMOTE_MAX_SCHEDULES} tasks when set remotely (is ${patch.schedules.length})`)
  }
  for (const [path, v] of values) {
    const b = REMOTE_BOUNDS[path]!
    // Not a number: the schema refuses it with its own message.
    if (typeof v === 'number' && !(v >= b.min && v <= b.max)) invalid.push(`${path}: must be within ${b.min}-${b.max} ${b.unit} when set remotely (is ${v})`)
  }
  return invalid.length > 0 ? { ok: false, code: 'invalid', errors: invalid } : { ok: true }
}
