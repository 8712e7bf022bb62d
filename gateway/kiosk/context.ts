// What the kiosk routes share: the gateway parts they may touch, sessions, records and the live feed, and the
// small helpers every route uses (session checks, validation errors in one shape).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { Buzzer, Clock, Relay, Scanner, Thermometer } from '../../devices/types.ts'
import type { GatewayConfig } from '../config/schema.ts'
import type { TypedBus } from '../events.ts'
import type { GateControl } from '../gate/control.ts'
import type { GateState } from '../gate/types.ts'
import type { HealthReport, HealthView } from '../health.ts'
import type { LogRing } from '../logger.ts'
import type { DecisionEvent, EntryPipeline, PromptEvent } from '../pipeline/pipeline.ts'
import type { TaskOccurrence } from '../schedules/scheduler.ts'
import type { Store } from '../store/store.ts'
import type { LoginGuard } from './guard.ts'
import type { KioskLive } from './live.ts'
import type { ManualTemperatureDesk } from './manualTemperature.ts'
import type { PinBook, Role } from './pins.ts'
import type { KioskRecords } from './records.ts'
import { COOKIE, readCookie, type Session, type Sessions } from './sessions.ts'

export interface KioskBusEvents {
  decision: DecisionEvent
  prompt: PromptEvent
  device: { name: string; online: boolean }
  task: unknown
  gate: GateState
}

/** The gateway as the kiosk sees it (gateway/app.ts implements it). */
export interface KioskGateway {
  readonly config: GatewayConfig
  readonly clock: Clock
  readonly bus: TypedBus<KioskBusEvents>
  readonly store: Store
  readonly pipeline: Pick<EntryPipeline, 'override' | 'manualEntry'>
  readonly manualTemperatures: ManualTemperatureDesk
  readonly scanners: readonly Scanner[]
  readonly thermometers: readonly Thermometer[]
  readonly relays: readonly Relay[]
  readonly buzzers: readonly Buzzer[]
  readonly logRing: LogRing | null
  /** Started as the demo (no config file). */
  readonly demo: boolean
  /** The gate's mode, fire linkage and door (gateway/gate). */
  readonly gate: Pick<GateControl, 'state' | 'setMode' | 'fireReset' | 'acknowledge'>
  /** Disinfection and duty-check tasks (gateway/schedules), when the gateway has them. */
  readonly tasks?: { list(): Pick<TaskOccurrence, 'id' | 'taskId' | 'kind' | 'area' | 'status' | 'dueAt' | 'overdueAt'>[] }
  /** `full` only behind the tech PIN: the public view leaves out what a duress alert moves (Gateway.health). */
  health(view?: HealthView): HealthReport
  setConfig(patch: Record<string, unknown>, origin: { via: 'kiosk'; staff: string }): { ok: true; applied: string[]; restartNeeded: string[] } | { ok: false; errors: string[] }
  wakeUplink(): void
}

export interface KioskContext {
  gw: KioskGateway
  log: Logger
  sessions: Sessions
  /** PIN attempts: counted per role and source, checked a few at a time. */
  guard: LoginGuard
  /** Plain PINs are hashed in the background at start; a login waits for it (tens of ms per PIN). */
  pins: Promise<PinBook>
  records: KioskRecords
  live: KioskLive
  /** Staff or tech id → display name (from the config's PIN list; an unknown id stays an id). */
  staffName: (id: string) => string
}

/** The session of `role` behind the request's cookie; otherwise a 401 is sent and null returned. */
export function requireSession(ctx: KioskContext, role: Role, req: FastifyRequest, reply: FastifyReply): Session | null {
  const s = ctx.sessions.get(readCookie(req.headers.cookie, COOKIE[role]), role)
  if (!s) {
    void reply.code(401).send({ error: 'login_required', message: role === 'staff' ? 'a staff member must log in with a PIN' : 'a technician must log in with a tech PIN' })
    return null
  }
  return s
}

/** Parses a body; on failure sends 400 with a message per field (what the screen shows next to the field). */
export function parseBody<T extends z.ZodType>(schema: T, req: FastifyRequest, reply: FastifyReply): z.output<T> | null {
  const r = schema.safeParse(req.body ?? {})
  if (r.success) return r.data
  void reply.code(400).send({ error: 'invalid', fields: fieldErrors(r.error.issues) })
  return null
}

export function fieldErrors(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const i of issues) {
    const key = i.code === 'unrecognized_keys' ? i.keys.join(',') : i.path.join('.') || '(body)'
    fields[key] ??= i.code === 'unrecognized_keys' ? 'unknown field' : i.message
  }
  return fields
}
