// Requests from the central platform (DESIGN section 7: P/request/{command} → P/response/{command}).
// Transport-agnostic: the uplink hands over the command and the raw payload and publishes what comes back.
// A malformed, unknown, oversized, expired, replayed, unsigned or forbidden request gets an error response and
// changes nothing. The platform account is not trusted with the gate's trust: see docs/central.md, "Requests and trust".
import { createPublicKey, type KeyObject } from 'node:crypto'
import { compactVerify, errors as joseErrors } from 'jose'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Clock } from '../devices/types.ts'
import { redact } from './config/redact.ts'
import { checkRemotePatch } from './config/remote.ts'
import type { GatewayConfig } from './config/schema.ts'
import { GATE_MODES, type GateMode } from './gate/types.ts'
import type { DecisionEvent } from './pipeline/pipeline.ts'
import type { Store } from './store/store.ts'

export { redact } from './config/redact.ts'

export const MAX_REQUEST_BYTES = 256 * 1024
export const MAX_RESEND_DAYS = 62

export type ErrorCode = 'malformed' | 'too_large' | 'unknown_command' | 'expired' | 'invalid' | 'forbidden' | 'unsigned' | 'duplicate' | 'failed'

export interface Response {
  requestId: string | null
  status: 'ok' | 'error'
  data?: unknown
  error?: { code: ErrorCode; message: string }
}

/** Who changed the config: the platform (with the request) or a technician at /tech (with the tech's id). */
export type ConfigOrigin = { via: 'platform'; requestId: string } | { via: 'kiosk'; staff: string }

export type SetConfigResult = { ok: true; applied: string[]; restartNeeded: string[] } | { ok: false; errors: string[] }

export interface RequestContext {
  store: Store
  clock: Clock
  log: Logger
  config(): GatewayConfig
  /** The full topic a command arrives on (P/request/{command}): a signed request must name it. */
  topic(command: string): string
  /** Validates, persists, records and applies a partial config; returns what took effect and what needs a restart. */
  setConfig(patch: Record<string, unknown>, origin: ConfigOrigin): SetConfigResult
  openGate(o: { direction: 'in' | 'out'; staff: string; reason: string; requestId: string }): DecisionEvent
  /** gate/mode: recorded (gate_events, gate_mode_changed) and applied; the same mode again changes nothing. */
  setGateMode(o: { mode: GateMode; staff: string; reason: string; requestId: string }): { mode: GateMode; previous: GateMode; changed: boolean }
  resendSummaries(fromDay: string, toDay: string): string[]
  tasks(): unknown[]
}

/** A refusal with its contract code (docs/asyncapi.yaml Response.error.code). */
class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

// A date that exists (2026-13-45 and 2026-02-30 do not): a household listed with an impossible date would be
// answered ok and never isolated.
const day = z.iso.date({ error: 'a date YYYY-MM-DD that exists' })
/** RFC 3339 (section 5.6 allows a lowercase t and z: normalised before the check). */
const rfc3339 = z
  .string()
  .max(64)
  .transform((s) => s.toUpperCase())
  .pipe(z.iso.datetime({ offset: true }))
const base = {
  requestId: z.string().min(1).max(128),
  /** RFC 3339; a request that waited past it (a queued gate/open) must not be carried out. */
  expires: rfc3339,
  /** The topic it was published to; required in a signed request, so it cannot be replayed to another gate or command. */
  topic: z.string().max(512).optional(),
}

const COMMANDS = {
  'config/get': z.strictObject({ ...base }),
  'config/set': z.strictObject({ ...base, config: z.record(z.string(), z.unknown()) }),
  'lists/isolation': z.strictObject({
    ...base,
    items: z
      .array(
        z
          .strictObject({ subject: z.string().min(1).max(128), startDay: day, endDay: day.nullable().optional(), note: z.string().max(200).optional() })
          .refine((i) => !i.endDay || i.endDay >= i.startDay, { message: 'endDay before startDay', path: ['endDay'] }),
      )
      .max(100_000),
  }),
  'lists/revoked': z.strictObject({ ...base, passIds: z.array(z.string().min(1).max(128)).max(1_000_000) }),
  'gate/open': z.strictObject({
    ...base,
    reason: z.string().regex(/^[a-z][a-z0-9_]{1,47}$/, 'a reason code such as ambulance or delivery'),
    staff: z.string().min(1).max(64).optional(),
    direction: z.enum(['in', 'out']).default('in'),
  }),
  'gate/mode': z.strictObject({
    ...base,
    mode: z.enum(GATE_MODES, { error: `one of ${GATE_MODES.join(', ')}` }),
    // A remote lock-down or hold-open is for someone to explain later: in words, like a staff member at the kiosk.
    reason: z.string().trim().min(2, 'why, 2 to 200 characters').max(200, 'why, 2 to 200 characters'),
    staff: z.string().min(1).max(64).optional(),
  }),
  'summary/resend': z.strictObject({ ...base, from: day, to: day }),
  'tasks/list': z.strictObject({ ...base }),
} as const

export type Command = keyof typeof COMMANDS
export const REQUEST_COMMANDS = Object.keys(COMMANDS) as Command[]

/** Compact JWS: three base64url parts (RFC 7515 section 7.1). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** `retained`: the MQTT retain flag it arrived with (a retained request is never carried out). */
export async function handleRequest(command: string, payload: Buffer, ctx: RequestContext, meta: { retained?: boolean } = {}): Promise<Response> {
  let requestId: string | null = null
  try {
    if (payload.length > MAX_REQUEST_BYTES) throw new RequestError('too_large', `at most ${MAX_REQUEST_BYTES} bytes (got ${payload.length})`)
    const text = payload.toString('utf8').trim()
    const keys = ctx.config().central.requestKeys
    const signed = COMPACT_JWS.test(text)
    requestId = requestIdOf(signed ? unverifiedPayload(text) : text)
    // It would be carried out again at every reconnect, by whoever subscribes next: a stale gate/open must never open.
    if (meta.retained) throw new RequestError('invalid', 'retained requests are never carried out (publish requests with retain false)')
    if (keys.length > 0 && !signed) throw new RequestError('unsigned', 'central.requestKeys is set: a request must be a compact JWS signed by one of those keys')
    if (keys.length === 0 && signed) throw new RequestError('malformed', 'a signed request, but this gate has no central.requestKeys to check it with; send the JSON object')
    const json = signed ? await verified(text, keys) : text
    let body: unknown
    try {
      body = JSON.parse(json)
    } catch {
      throw new RequestError('malformed', 'expected a JSON object')
    }
    requestId = requestIdOf(body)
    if (!(command in COMMANDS)) throw new RequestError('unknown_command', `expected one of ${REQUEST_COMMANDS.join(', ')}`)
    const parsed = COMMANDS[command as Command].safeParse(body)
    if (!parsed.success) {
      throw new RequestError('invalid', parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; '))
    }
    const req = parsed.data
    const topic = ctx.topic(command)
    if (signed && req.topic === undefined) throw new RequestError('unsigned', `a signed request must name its topic ("topic": "${topic}")`)
    if (req.topic !== undefined && req.topic !== topic) throw new RequestError('invalid', `topic: this request is for ${req.topic}, not ${topic}`)
    const now = ctx.clock.now()
    const expiresAt = Date.parse(req.expires)
    if (expiresAt <= now) throw new RequestError('expired', `expired at ${req.expires}; not carried out`)
    const maxAgeSec = ctx.config().central.requestMaxAgeSec
    // A request valid for days could be captured and carried out later; the limit is by the gate's clock.
    if (expiresAt - now > maxAgeSec * 1000) {
      throw new RequestError('invalid', `expires: at most ${maxAgeSec} s ahead of the gate's clock (central.requestMaxAgeSec), got ${req.expires}`)
    }
    // At most once, whatever the broker replays (a retained copy delivered live looks like a new message).
    if (!ctx.store.claimRequest(req.requestId, command, expiresAt, now, maxAgeSec * 1000)) {
      throw new RequestError('duplicate', `requestId ${req.requestId} was already received; not carried out again (use a new requestId)`)
    }
    const data = run(command as Command, req as never, ctx)
    ctx.log.info({ command, requestId: req.requestId, signed }, 'request carried out')
    return { requestId: req.requestId, status: 'ok', data }
  } catch (err) {
    if (err instanceof RequestError) {
      ctx.log.warn({ command, requestId, error: err.code, reason: err.message }, 'request refused')
      return { requestId, status: 'error', error: { code: err.code, message: err.message } }
    }
    ctx.log.error({ err, command, requestId }, 'request failed')
    return { requestId, status: 'error', error: { code: 'failed', message: (err as Error).message } }
  }
}

/** The requestId to answer with, from a parsed body or its text; null when there is none to be read. */
function requestIdOf(body: unknown): string | null {
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body)
    } catch {
      return null
    }
  }
  const id = typeof body === 'object' && body !== null ? (body as { requestId?: unknown }).requestId : undefined
  return typeof id === 'string' ? id.slice(0, 128) : null
}

/** The payload of a JWS before its signature is checked: only to echo its requestId in a refusal. */
function unverifiedPayload(jws: string): string {
  return Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')
}

const keyCache = new WeakMap<readonly unknown[], Map<string, KeyObject>>()

/** Checks the signature (jose) with the key named by `kid`; returns the signed JSON text. */
async function verified(jws: string, keys: GatewayConfig['central']['requestKeys']): Promise<string> {
  let byKid = keyCache.get(keys)
  if (!byKid) {
    // The schema already checked each PEM is an Ed25519 public key.
    byKid = new Map(keys.map((k) => [k.kid, createPublicKey(k.publicKeyPem)]))
    keyCache.set(keys, byKid)
  }
  const known = byKid
  try {
    const { payload } = await compactVerify(
      jws,
      (header) => {
        const key = header.kid === undefined ? undefined : known.get(header.kid)
        if (!key) throw new RequestError('unsigned', `kid ${JSON.stringify(header.kid ?? null)} is not one of central.requestKeys (${[...known.keys()].join(', ')})`)
        return key
      },
      // RFC 8037's EdDSA and RFC 9864's Ed25519 name the same signature; the key is Ed25519 either way.
      { algorithms: ['EdDSA', 'Ed25519'] },
    )
    return Buffer.from(payload).toString('utf8')
  } catch (err) {
    if (err instanceof RequestError) throw err
    const why = err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}` : (err as Error).message
    throw new RequestError('unsigned', `the signature does not verify (${why})`)
  }
}

type Req<C extends Command> = z.output<(typeof COMMANDS)[C]>

function run(command: Command, req: Req<Command>, ctx: RequestContext): unknown {
  switch (command) {
    case 'config/get':
      return { config: redact(ctx.config()) }
    case 'config/set': {
      const patch = (req as Req<'config/set'>).config
      const allowed = checkRemotePatch(patch)
      if (!allowed.ok) throw new RequestError(allowed.code, `nothing changed: ${allowed.errors.join('; ')}`)
      const r = ctx.setConfig(patch, { via: 'platform', requestId: req.requestId })
      if (!r.ok) throw new RequestError('invalid', `config not valid, nothing changed: ${r.errors.join('; ')}`)
      return { applied: r.applied, restartNeeded: r.restartNeeded }
    }
    case 'lists/isolation': {
      const items = (req as Req<'lists/isolation'>).items
      ctx.store.replaceIsolation(items.map((i) => ({ subject: i.subject, startDay: i.startDay, endDay: i.endDay ?? null, note: i.note ?? null })))
      return { count: items.length }
    }
    case 'lists/revoked': {
      const ids = (req as Req<'lists/revoked'>).passIds
      ctx.store.replaceRevoked(ids, ctx.clock.now())
      return { count: new Set(ids).size }
    }
    case 'gate/open': {
      const r = req as Req<'gate/open'>
      // Never mistaken for someone at the kiosk: a CSV shows platform:duty-officer-7, not duty-officer-7.
      const d = ctx.openGate({ direction: r.direction, staff: r.staff ? `platform:${r.staff}` : 'platform', reason: r.reason, requestId: r.requestId })
      if (d.decision !== 'admit') throw new Error('the override could not be recorded; the gate stayed closed')
      // Recorded, and whether the gate really opened: a relay that refused the write (relay_failed follows) is
      // told here too, so the officer who asked knows at once to send someone.
      // In remain-closed it is recorded (gate_closed) and the relay stays still: not "opened" either.
      const closed = d.reasons.includes('gate_closed')
      return {
        eventId: d.eventId,
        seq: d.seqs[0],
        opened: d.relayFailures.length === 0 && !closed,
        ...(closed ? { gateClosed: true } : {}),
        ...(d.relayFailures.length ? { relayFailures: d.relayFailures } : {}),
      }
    }
    case 'gate/mode': {
      const r = req as Req<'gate/mode'>
      return ctx.setGateMode({ mode: r.mode, staff: r.staff ? `platform:${r.staff}` : 'platform', reason: r.reason, requestId: r.requestId })
    }
    case 'summary/resend': {
      const r = req as Req<'summary/resend'>
      if (r.from > r.to) throw new RequestError('invalid', `from (${r.from}) is after to (${r.to})`)
      // Two months at a time: a typo in a year must not queue thousands of summaries ahead of live decisions.
      if (Date.parse(r.to) - Date.parse(r.from) > MAX_RESEND_DAYS * 86_400_000) throw new RequestError('invalid', `at most ${MAX_RESEND_DAYS} days per request`)
      return { days: ctx.resendSummaries(r.from, r.to) }
    }
    case 'tasks/list':
      return { tasks: ctx.tasks() }
  }
}
