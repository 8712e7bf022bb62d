// A config change made at /tech is kept in dataDir/config-overrides.json: no plain secret may land there. PINs and
// broker passwords are hashed first (the schema takes hashes); a secret that cannot be hashed because it is sent as
// it is (central.password, a password inside central.url) is refused: it belongs in the config file.
import { hashPassword, isPasswordHash } from '../broker/passwords.ts'
import { validateConfig } from './load.ts'
import { deepMerge } from './overrides.ts'
import { REDACTED, redact } from './redact.ts'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

export type KioskPatch = { ok: true; patch: Obj } | { ok: false; errors: string[] }

/**
 * Drops what the page showed as [REDACTED] and sent back unchanged (it means "keep what is there"), refuses a
 * masked value that was edited, refuses what /tech must not write, and hashes PINs and broker passwords.
 */
export async function prepareKioskPatch(patch: Obj, current: unknown): Promise<KioskPatch> {
  const errors: string[] = []
  const kept = withoutRedacted(patch, redact(current), '', errors) as Obj
  // The whole view sent back carries dataDir as it is: only a change is refused.
  if ('dataDir' in kept && kept.dataDir === (current as { dataDir?: unknown }).dataDir) delete kept.dataDir
  if ('dataDir' in kept) errors.push('dataDir: set it in the config file (the overrides file itself lives in dataDir)')
  const central = isObj(kept.central) ? kept.central : {}
  if (central.password !== undefined) errors.push('central.password: set it in the config file (it is sent to the broker as it is, so it cannot be kept hashed)')
  const urls = Array.isArray(central.url) ? central.url : [central.url]
  if (urls.some((u) => typeof u === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/\s]*@/i.test(u))) {
    errors.push('central.url: no password in the URL here; use central.password in the config file')
  }
  if (errors.length > 0) return { ok: false, errors }
  // Checked in plain first: once hashed, two people given the same PIN could no longer be told apart.
  const plain = validateConfig(deepMerge(current, kept))
  if (!plain.ok) return { ok: false, errors: plain.errors }
  const kiosk = isObj(kept.kiosk) ? kept.kiosk : null
  if (kiosk) {
    for (const list of ['staffPins', 'techPins'] as const) {
      if (Array.isArray(kiosk[list])) kiosk[list] = await Promise.all(kiosk[list].map(hashPinEntry))
    }
  }
  const broker = isObj(kept.localBroker) ? kept.localBroker : null
  if (broker && Array.isArray(broker.users)) {
    broker.users = await Promise.all(
      broker.users.map(async (u: unknown) => (isObj(u) && typeof u.password === 'string' && u.password.length > 0 && !isPasswordHash(u.password) ? { ...u, password: await hashPassword(u.password) } : u)),
    )
  }
  return { ok: true, patch: kept }
}

/** A PIN the schema would take (4 to 12 digits) becomes its hash; anything else is left for the schema to refuse. */
async function hashPinEntry(e: unknown): Promise<unknown> {
  if (typeof e === 'string') return /^\d{4,12}$/.test(e) ? hashPassword(e) : e
  if (isObj(e) && typeof e.pin === 'string' && /^\d{4,12}$/.test(e.pin)) return { ...e, pin: await hashPassword(e.pin) }
  return e
}

function withoutRedacted(v: unknown, shown: unknown, path: string, errors: string[]): unknown {
  if (Array.isArray(v)) return v.map((x, i) => withoutRedacted(x, Array.isArray(shown) ? shown[i] : undefined, `${path}[${i}]`, errors))
  if (isObj(v)) {
    const out: Obj = {}
    for (const [k, x] of Object.entries(v)) {
      const sub = isObj(shown) ? shown[k] : undefined
      const p = path ? `${path}.${k}` : k
      if (x === REDACTED) continue
      if (typeof x === 'string' && x.includes(REDACTED)) {
        // mqtt://user:[REDACTED]@host sent back as shown: keep it; edited around the mask: the secret is unknown here.
        if (x !== sub) errors.push(`${p}: contains ${REDACTED}; send the whole value, or the value as shown to keep it`)
        continue
      }
      out[k] = withoutRedacted(x, sub, p, errors)
    }
    return out
  }
  return v
}
