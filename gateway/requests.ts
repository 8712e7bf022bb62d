// Requests from the central platform (DESIGN section 7: P/request/{command} → P/response/{command}).
// Transport-agnostic: the uplink hands over the command and the raw payload and publishes what comes back.
// A malformed, unknown, oversized or expired request gets an error response and changes nothing.
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Clock } from '../devices/types.ts'
import { SECRET_CONFIG_KEYS, type GatewayConfig } from './config/schema.ts'
import type { DecisionEvent } from './pipeline/pipeline.ts'
import type { Store } from './store/store.ts'

export const MAX_REQUEST_BYTES = 256 * 1024
export const MAX_RESEND_DAYS = 62

export interface Response {
  requestId: string | null
  status: 'ok' | 'error'
  data?: unknown
  error?: { code: 'malformed' | 'too_large' | 'unknown_command' | 'expired' | 'invalid' | 'failed'; message: string }
}

export interface RequestContext {
  store: Store
  clock: Clock
  log: Logger
  config(): GatewayConfig
  /** Validates, persists and applies a partial config; returns what took effect and what needs a restart. */
  setConfig(patch: Record<string, unknown>): { ok: true; applied: string[]; restartNeeded: string[] } | { ok: false; errors: string[] }
  openGate(o: { direction: 'in' | 'out'; staff: string; reason: string; requestId: string }): DecisionEvent
  resendSummaries(fromDay: string, toDay: string): string[]
  tasks(): unknown[]
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
const base = {
  requestId: z.string().min(1).max(128),
  /** RFC 3339; a request that waited past it (a queued gate/open) must not be carried out. */
  expires: z.iso.datetime({ offset: true }),
}

const COMMANDS = {
  'config/get': z.strictObject({ ...base }),
  'config/set': z.strictObject({ ...base, config: z.record(z.string(), z.unknown()) }),
  'lists/isolation': z.strictObject({
    ...base,
    items: z
      .array(z.strictObject({ subject: z.string().min(1).max(128), startDay: day, endDay: day.nullable().optional(), note: z.string().max(200).optional() }))
      .max(100_000),
  }),
  'lists/revoked': z.strictObject({ ...base, passIds: z.array(z.string().min(1).max(128)).max(1_000_000) }),
  'gate/open': z.strictObject({
    ...base,
    reason: z.string().regex(/^[a-z][a-z0-9_]{1,47}$/, 'a reason code such as ambulance or delivery'),
    staff: z.string().min(1).max(64).optional(),
    direction: z.enum(['in', 'out']).default('in'),
  }),
  'summary/resend': z.strictObject({ ...base, from: day, to: day }),
  'tasks/list': z.strictObject({ ...base }),
} as const

export type Command = keyof typeof COMMANDS
export const REQUEST_COMMANDS = Object.keys(COMMANDS) as Command[]

export function handleRequest(command: string, payload: Buffer, ctx: RequestContext): Response {
  const fail = (requestId: string | null, code: NonNullable<Response['error']>['code'], message: string): Response => {
    ctx.log.warn({ command, requestId, code, reason: message }, 'request refused')
    return { requestId, status: 'error', error: { code, message } }
  }
  if (payload.length > MAX_REQUEST_BYTES) return fail(null, 'too_large', `at most ${MAX_REQUEST_BYTES} bytes (got ${payload.length})`)
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8'))
  } catch {
    return fail(null, 'malformed', 'expected a JSON object')
  }
  const requestId =
    typeof body === 'object' && body !== null && typeof (body as { requestId?: unknown }).requestId === 'string'
      ? ((body as { requestId: string }).requestId.slice(0, 128) as string)
      : null
  if (!(command in COMMANDS)) return fail(requestId, 'unknown_command', `expected one of ${REQUEST_COMMANDS.join(', ')}`)
  const parsed = COMMANDS[command as Command].safeParse(body)
  if (!parsed.success) {
    return fail(requestId, 'invalid', parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; '))
  }
  const req = parsed.data
  if (Date.parse(req.expires) <= ctx.clock.now()) return fail(req.requestId, 'expired', `expired at ${req.expires}; not carried out`)
  try {
    const data = run(command as Command, req as never, ctx)
    ctx.log.info({ command, requestId: req.requestId }, 'request carried out')
    return { requestId: req.requestId, status: 'ok', data }
  } catch (err) {
    ctx.log.error({ err, command, requestId: req.requestId }, 'request failed')
    return { requestId: req.requestId, status: 'error', error: { code: 'failed', message: (err as Error).message } }
  }
}

type Req<C extends Command> = z.output<(typeof COMMANDS)[C]>

function run(command: Command, req: Req<Command>, ctx: RequestContext): unknown {
  switch (command) {
    case 'config/get':
      return { config: redact(ctx.config()) }
    case 'config/set': {
      const r = ctx.setConfig((req as Req<'config/set'>).config)
      if (!r.ok) throw new Error(`config not valid, nothing changed: ${r.errors.join('; ')}`)
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
      const d = ctx.openGate({ direction: r.direction, staff: r.staff ?? 'central', reason: r.reason, requestId: r.requestId })
      if (d.decision !== 'admit') throw new Error('the override could not be recorded; the gate stayed closed')
      return { eventId: d.eventId, seq: d.seqs[0] }
    }
    case 'summary/resend': {
      const r = req as Req<'summary/resend'>
      if (r.from > r.to) throw new Error(`from (${r.from}) is after to (${r.to})`)
      // Two months at a time: a typo in a year must not queue thousands of summaries ahead of live decisions.
      if (Date.parse(r.to) - Date.parse(r.from) > MAX_RESEND_DAYS * 86_400_000) throw new Error(`at most ${MAX_RESEND_DAYS} days per request`)
      return { days: ctx.resendSummaries(r.from, r.to) }
    }
    case 'tasks/list':
      return { tasks: ctx.tasks() }
  }
}

/** The config as the platform may see it: secrets replaced, public keys kept. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_CONFIG_KEYS.has(k) && v !== undefined ? '[REDACTED]' : redact(v)]))
  }
  return value
}
