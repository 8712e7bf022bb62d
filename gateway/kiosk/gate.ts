// The gate at the kiosk (issue 16; gateway/gate does the work): its mode, the fire reset, and what was done about a
// door or enclosure alarm. A technician may set the mode without a word; a staff member must say why (2-200
// characters), as the platform must (gate/mode). The reset after a latched fire alarm (gate.fireLatch) and an
// alarm's acknowledgement are staff actions. Each is recorded with who did it (gate_events and an alert); a refused
// body changes nothing and is counted in the log line.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { GATE_ALARM_OUTCOMES, GATE_MODES, type GateAlarmOutcome } from '../gate/types.ts'
import { fieldErrors, requireSession, type KioskContext } from './context.ts'
import { COOKIE, readCookie } from './sessions.ts'

const why = 'why, 2 to 200 characters'
export const gateSchemas = {
  mode: z.strictObject({
    mode: z.enum(GATE_MODES, { error: `one of ${GATE_MODES.join(', ')}` }),
    reason: z.string({ error: why }).trim().min(2, why).max(200, why).optional(),
  }),
  reset: z.strictObject({}),
  ack: z.strictObject({
    id: z.string({ error: 'the alarm id' }).min(1).max(64),
    outcome: z.string({ error: 'what was done about it' }).max(32),
    note: z.string().trim().max(200, 'at most 200 characters').optional(),
  }),
}

export function registerGateRoutes(app: FastifyInstance, ctx: KioskContext): void {
  const { gw, log, sessions } = ctx
  const audit = log.child({ module: 'gateway/kiosk/gate' })
  /** Bodies refused since start (malformed, a staff member without a reason). */
  let refused = 0

  app.post('/api/kiosk/gate/mode', async (req, reply) => {
    // The tech page's session first: a technician sets the mode without a reason.
    const tech = sessions.get(readCookie(req.headers.cookie, COOKIE.tech), 'tech')
    const s = tech ?? sessions.get(readCookie(req.headers.cookie, COOKIE.staff), 'staff')
    if (!s) return reply.code(401).send({ error: 'login_required', message: 'a staff member (with a reason) or a technician must log in with a PIN' })
    const r = gateSchemas.mode.safeParse(req.body ?? {})
    const fields = r.success ? {} : fieldErrors(r.error.issues)
    const given = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).reason : undefined
    if (!tech && (given === undefined || given === null)) fields.reason ??= `a staff member must say ${why}`
    if (!r.success || Object.keys(fields).length > 0) {
      refused++
      audit.warn({ staff: s.person.id, role: s.person.role, fields, refused }, 'gate mode refused: the body was not valid')
      return reply.code(400).send({ error: 'invalid', fields })
    }
    const res = gw.gate.setMode(r.data.mode, { via: 'kiosk', staff: s.person.id, reason: r.data.reason ?? null })
    audit.info({ staff: s.person.id, role: s.person.role, ...res }, res.changed ? 'gate mode set at the kiosk' : 'gate mode already in force')
    return { mode: res.mode, previous: res.previous, changed: res.changed }
  })

  app.post('/api/kiosk/gate/fire-reset', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const r = gateSchemas.reset.safeParse(req.body ?? {})
    if (!r.success) {
      refused++
      audit.warn({ staff: s.person.id, refused }, 'fire reset refused: the body was not valid')
      return reply.code(400).send({ error: 'invalid', fields: fieldErrors(r.error.issues) })
    }
    const res = gw.gate.fireReset(s.person.id)
    if (res === 'fire_active') return reply.code(409).send({ error: 'fire_active', message: 'the fire alarm is still active: the gate stays open until it clears' })
    if (res === 'not_latched') return reply.code(409).send({ error: 'not_latched', message: 'there is no cleared fire alarm waiting for a reset' })
    audit.info({ staff: s.person.id }, 'fire linkage reset at the kiosk')
    return { ok: true }
  })

  // A door forced or held open, the enclosure opened: staff say what was done about it, and it leaves the screen.
  app.post('/api/kiosk/gate/ack', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const r = gateSchemas.ack.safeParse(req.body ?? {})
    const fields = r.success ? {} : fieldErrors(r.error.issues)
    const alarm = r.success ? gw.gate.state().alarms.find((a) => a.id === r.data.id) : undefined
    if (!r.success || Object.keys(fields).length > 0) {
      refused++
      audit.warn({ staff: s.person.id, fields, refused }, 'gate alarm acknowledgement refused: the body was not valid')
      return reply.code(400).send({ error: 'invalid', fields })
    }
    if (!alarm) return reply.code(409).send({ error: 'no_alarm', message: 'no such alarm waiting (already acknowledged?)' })
    const allowed: readonly string[] = GATE_ALARM_OUTCOMES[alarm.kind]
    if (!allowed.includes(r.data.outcome)) {
      refused++
      return reply.code(400).send({ error: 'invalid', fields: { outcome: `one of ${allowed.join(', ')}` } })
    }
    const res = gw.gate.acknowledge(alarm.id, s.person.id, r.data.outcome as GateAlarmOutcome, r.data.note || undefined)
    if (!res.ok) return reply.code(409).send({ error: 'no_alarm', message: 'no such alarm waiting (already acknowledged?)' })
    return { acknowledged: alarm.id, kind: alarm.kind, outcome: r.data.outcome }
  })
}
