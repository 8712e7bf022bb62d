// The staff's actions at the kiosk (all JSON POSTs behind a staff session; nothing personal ever goes in a URL).
// Gate-affecting ones become entry rows and P/entry events through the pipeline (committed before the relay
// moves); shift changes and alarm acknowledgements are kiosk events with an info P/alert.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { SystemAlert } from '../alerts.ts'
import type { DecisionEvent } from '../pipeline/pipeline.ts'
import { fieldErrors, parseBody, requireSession, type KioskContext } from './context.ts'
import { raiseDuress } from './duress.ts'
import { sendRefusal, sourceOf } from './guard.ts'
import type { Alarm } from './live.ts'
import { maskName, shownHolder } from './mask.ts'
import type { Person } from './pins.ts'
import { clearCookie, COOKIE, readCookie, sessionCookie, type Session } from './sessions.ts'
import { ACK_OUTCOMES, ALL_OUTCOMES, currentShift, isOnDuty, type AckOutcome, type Shift, type ShiftSummary, type ShiftTask } from './shift.ts'
import { HOST_UNIT, nameOk, normalPlate, OCCUPANTS, PHONE_LAST4, PLATE, temperatureProblem } from './public/k-checks.js'

/** Why a staff member opened the gate by hand (kept short and fixed so the platform can count them). */
export const OPEN_REASONS = ['ambulance', 'fire', 'delivery', 'disabled', 'broken_scanner', 'other'] as const

/** How long after a fever a secondary (armpit) check can still be recorded against it. */
const SECONDARY_WITHIN_MS = 12 * 3_600_000

const direction = z.enum(['in', 'out']).default('in')
const tempC = z.number().min(30, 'a body temperature in °C, e.g. 36.6').max(45, 'a body temperature in °C, e.g. 36.6')
const pinBody = z.strictObject({ pin: z.string().regex(/^\d{4,12}$/, '4 to 12 digits'), takeOver: z.boolean().optional() })

export const schemas = {
  open: z
    .strictObject({ direction, reason: z.enum(OPEN_REASONS), text: z.string().trim().max(100).optional() })
    .refine((b) => b.reason !== 'other' || (b.text ?? '').length > 0, { path: ['text'], message: 'say why (reason "other")' }),
  visitor: z.strictObject({
    direction,
    name: z.string().trim().refine(nameOk, 'the visitor’s surname (only the first character of the name is kept)'),
    phoneLast4: z.string().regex(PHONE_LAST4, 'the last four digits of the phone number, nothing more'),
    hostUnit: z.string().trim().regex(HOST_UNIT, 'the host unit, e.g. 3-1-502'),
    tempC: tempC.nullable().default(null),
  }),
  vehicle: z.strictObject({
    direction,
    plate: z
      .string()
      .trim()
      .transform(normalPlate)
      .pipe(z.string().regex(PLATE, 'a plate such as 沪A12345')),
    occupants: z.number().int().min(OCCUPANTS.min).max(OCCUPANTS.max),
    tempC: tempC.nullable().default(null),
  }),
  temperature: z.strictObject({ scanner: z.string().min(1).max(64), tempC }),
  // note and confirm: a normal reading for a person whose armpit check had confirmed the fever (see /secondary).
  secondary: z.strictObject({ entryId: z.uuid(), tempC, note: z.string().trim().max(200).optional(), confirm: z.boolean().optional() }),
  // One alarm (entryId) or every open alarm of a kind; the outcome is what the staff did about it.
  ack: z
    .strictObject({
      entryId: z.uuid().optional(),
      kind: z.enum(['fever', 'isolation_breach']).optional(),
      outcome: z.enum(ALL_OUTCOMES).optional(),
      note: z.string().trim().max(200).optional(),
    })
    .refine((b) => (b.entryId === undefined) !== (b.kind === undefined), { path: ['entryId'], message: 'an entryId or a kind, one of the two' }),
  handover: z.strictObject({ note: z.string().trim().max(200).default('') }),
}

export function registerStaffRoutes(app: FastifyInstance, ctx: KioskContext): void {
  const { gw, log, sessions, records, live, staffName } = ctx
  const audit = log.child({ module: 'gateway/kiosk' })
  /** False-alarm acknowledgements refused for want of a note, since start. */
  let refusedFalseAlarms = 0
  /** Normal armpit readings refused for a person whose armpit check had confirmed the fever (no note or no confirm). */
  let refusedArmpitAdmits = 0

  /** Commits a kiosk event with its info alert and wakes the uplink. */
  const record = (...args: Parameters<typeof records.record>): ReturnType<typeof records.record> => {
    const r = records.record(...args)
    gw.wakeUplink()
    return r
  }

  /**
   * A form's body with every error in one answer: the schema's, and those that need the rules in force or more than
   * one field (a temperature inside rules.validRangeC; going in needs one), checked even when the schema failed, so
   * that staff never fix one field only to be told of the next.
   */
  function parseForm<T extends z.ZodType>(schema: T, req: FastifyRequest, reply: FastifyReply, temperature: 'inbound' | 'always'): z.output<T> | null {
    const raw: Record<string, unknown> = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {}
    const r = schema.safeParse(raw)
    const fields = r.success ? {} : fieldErrors(r.error.issues)
    const [lo, hi] = gw.config.rules.validRangeC
    const problem = temperatureProblem(raw.tempC, temperature === 'always' || (raw.direction ?? 'in') === 'in', [lo, hi])
    if (problem === 'needed') fields.tempC ??= temperature === 'always' ? 'a temperature in °C' : 'an inbound entry needs a temperature'
    if (problem === 'range') fields.tempC = `between ${lo} and ${hi} °C (got ${String(raw.tempC)})`
    if (!r.success || Object.keys(fields).length > 0) {
      void reply.code(400).send({ error: 'invalid', fields })
      return null
    }
    return r.data
  }

  /** Open tasks (due, overdue), the most urgent first: what the next person must not miss. */
  const openTasks = (): ShiftTask[] =>
    (gw.tasks?.list() ?? [])
      .filter((t) => t.status === 'due' || t.status === 'overdue')
      .map((t) => ({ id: t.id, taskId: t.taskId, kind: t.kind, area: t.area, status: t.status as 'due' | 'overdue', dueAt: t.dueAt, overdueAt: t.overdueAt }))
      .sort((a, b) => (a.status === b.status ? (a.overdueAt < b.overdueAt ? -1 : a.overdueAt > b.overdueAt ? 1 : 0) : a.status === 'overdue' ? -1 : 1))

  /**
   * The shift so far: the gate's figures over it (the same counts as today's figures), and what is still open (alarms,
   * tasks), counted and listed (no holder in the list: it goes to the platform with the handover).
   */
  const shiftSummary = (duty: Shift): ShiftSummary => {
    const alarms = live.openAlarms().map((a) => ({ entryId: a.entryId, kind: a.kind, ts: new Date(a.ts).toISOString(), tempC: a.tempC, secondaryC: a.secondaryC }))
    const tasks = openTasks()
    return {
      staff: duty.staff,
      from: new Date(duty.since).toISOString(),
      to: new Date(gw.clock.now()).toISOString(),
      ...records.shift(duty.since, gw.clock.now() + 1),
      openAlarms: alarms.length,
      openTasks: tasks.length,
      overdueTasks: tasks.filter((t) => t.status === 'overdue').length,
      alarms,
      tasks,
    }
  }

  /** Ends the shift (handed over, to `next` when someone takes it); its staff member's sessions end with it. */
  const handover = (duty: Shift, note: string, next: Person | null): ShiftSummary & { note: string } => {
    const summary = { ...shiftSummary(duty), note }
    const alert: SystemAlert = {
      kind: 'shift_handover',
      severity: 'info',
      message: `${duty.staff} handed the shift over${next ? ` to ${next.id}` : ''}`,
      staff: duty.staff,
      shift: summary,
      ...(note ? { note } : {}),
      ...(next ? { next: next.id } : {}),
    }
    record({ kind: 'shift_handover', staff: duty.staff, detail: { ...summary, next: next?.id ?? null }, alert, shift: null })
    for (const x of sessions.active('staff')) if (x.person.id === duty.staff) sessions.end(x.token)
    audit.info({ staff: duty.staff, next: next?.id ?? null, entries: summary.entries }, 'shift handed over')
    return summary
  }

  /** What the screen is told of a session: who, since when (the shift's start for the person on duty). */
  const sessionView = (s: Session): { staff: { id: string; name: string }; since: number; onDuty: boolean } => {
    const duty = currentShift(gw.store)
    const onDuty = duty?.staff === s.person.id
    return { staff: publicPerson(s.person), since: onDuty ? duty.since : s.since, onDuty }
  }

  app.post('/api/kiosk/login', async (req, reply) => {
    const body = parseBody(pinBody, req, reply)
    if (!body) return
    const source = sourceOf(req)
    const checked = await ctx.guard.check(ctx.pins, 'staff', source, body.pin)
    if (!checked.ok) return sendRefusal(reply, checked)
    const person = checked.person
    // The one difference a duress PIN makes, before anything else is written; the rest of this login is the usual one.
    if (checked.duress) raiseDuress(gw, audit, person, ctx.guard.isScreen(source) ? 'screen' : 'network')
    // The session this screen had (someone else's): kept, so that "cancel" on "take over the shift?" gives it back.
    const before = sessions.get(readCookie(req.headers.cookie, COOKIE.staff), 'staff')
    // One session per person: an older one of theirs ends (the shift, if theirs, goes on).
    for (const prev of sessions.active('staff')) if (prev.person.id === person.id) sessions.end(prev.token)
    // One staff member on duty. Someone else acts under their own name without taking the shift, unless they
    // say so (takeOver): the screen asks "take over the shift?" with the summary of the shift it would end.
    let duty = currentShift(gw.store)
    if (duty && duty.staff !== person.id && body.takeOver) {
      handover(duty, '', person)
      duty = null
    }
    const s = sessions.create(person)
    if (before && before.person.id !== person.id) s.previous = before.token
    if (!duty) startShift(s)
    live.dutyChanged()
    const helper = duty !== null && duty.staff !== person.id
    const onDuty = helper ? { onDuty: { id: duty!.staff, name: staffName(duty!.staff), since: duty!.since }, summary: shiftSummary(duty!) } : {}
    const { staff, since } = sessionView(s)
    return reply.header('set-cookie', sessionCookie('staff', s.token, ctx.gw.config.kiosk.tls !== undefined)).send({ staff, since, ...onDuty })
  })

  app.get('/api/kiosk/session', async (req) => {
    const s = sessions.get(readCookie(req.headers.cookie, COOKIE.staff), 'staff')
    const view = s ? sessionView(s) : null
    // The lock of the asking address only: the screen never learns the network's, nor the network the screen's.
    return { staff: view?.staff ?? null, since: view?.since ?? null, onDuty: view?.onDuty ?? null, lockedForMs: ctx.guard.lockedFor('staff', sourceOf(req)) }
  })

  // A helper (logged in while someone else is on duty) takes the shift: the other shift ends as handed over.
  app.post('/api/kiosk/takeover', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    if (isOnDuty(gw.store, s)) return reply.code(409).send({ error: 'already_on_duty', message: 'this staff member already holds the shift' })
    const duty = currentShift(gw.store)
    const summary = duty ? handover(duty, '', s.person) : null
    startShift(s)
    live.dutyChanged()
    return { staff: publicPerson(s.person), since: currentShift(gw.store)?.since ?? s.since, summary }
  })

  // "Take over the shift?" answered "cancel", or a helper done helping (退出): the helper's session ends and the screen
  // gets back the session it had before the PIN was typed (when it is still open): the person on duty, as they left
  // it. The shift is untouched and nothing is handed over; there is no note to write.
  const leaveAsHelper = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    if (isOnDuty(gw.store, s)) return reply.code(409).send({ error: 'already_on_duty', message: 'this staff member holds the shift: hand it over instead' })
    sessions.end(s.token)
    audit.info({ staff: s.person.id }, 'helper logged out')
    const back = s.previous ? sessions.get(s.previous, 'staff') : null
    if (!back) return reply.header('set-cookie', clearCookie('staff')).send({ staff: null, since: null, onDuty: null })
    return reply.header('set-cookie', sessionCookie('staff', back.token, ctx.gw.config.kiosk.tls !== undefined)).send(sessionView(back))
  }
  app.post('/api/kiosk/login/cancel', leaveAsHelper)
  app.post('/api/kiosk/logout', leaveAsHelper)

  // The shift so far, for its handover: shown first (with a warning while alarms are open), then the note is asked.
  app.get('/api/kiosk/shift', async (req, reply) => {
    if (!requireSession(ctx, 'staff', req, reply)) return
    const duty = currentShift(gw.store)
    return { summary: duty ? shiftSummary(duty) : null }
  })

  function startShift(s: Session): void {
    const since = gw.clock.now()
    record({
      kind: 'shift_login',
      staff: s.person.id,
      alert: { kind: 'shift_login', severity: 'info', message: `${s.person.id} is on duty at the kiosk`, staff: s.person.id },
      shift: { staff: s.person.id, since },
    })
    audit.info({ staff: s.person.id }, 'staff logged in')
  }

  app.get('/api/kiosk/fevers', async (req, reply) => {
    if (!requireSession(ctx, 'staff', req, reply)) return
    const fevers = records.recentFevers(gw.clock.now() - SECONDARY_WITHIN_MS)
    return { fevers: fevers.map(({ subject, ...f }) => ({ ...f, holder: shownHolder(subject, f.passKind) })) }
  })

  app.post('/api/kiosk/handover', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const body = parseBody(schemas.handover, req, reply)
    if (!body) return
    // A helper never held the shift: they leave as from 退出 (the screen gets back the session it had).
    const duty = currentShift(gw.store)
    if (!duty || duty.staff !== s.person.id) return leaveAsHelper(req, reply)
    const summary = handover(duty, body.note, null)
    live.dutyChanged()
    return reply.header('set-cookie', clearCookie('staff')).send({ summary })
  })

  app.post('/api/kiosk/open', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const body = parseBody(schemas.open, req, reply)
    if (!body) return
    const d = gw.pipeline.override({
      direction: body.direction,
      staff: s.person.id,
      reason: body.reason,
      detail: { via: 'kiosk', ...(body.text ? { note: body.text } : {}) },
      throughClosed: true,
    })
    return decided(d, 'open')
  })

  app.post('/api/kiosk/visitor', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const body = parseForm(schemas.visitor, req, reply, 'inbound')
    if (!body) return
    let maskedName: string
    try {
      maskedName = maskName(body.name)
    } catch (err) {
      return reply.code(400).send({ error: 'invalid', fields: { name: (err as Error).message } })
    }
    return manual(reply, 'visitor', null, () =>
      gw.pipeline.manualEntry({
        direction: body.direction,
        staff: s.person.id,
        action: 'visitor',
        kind: 'visitor',
        subject: null,
        passId: null,
        tempC: body.tempC,
        manual: { maskedName, phoneLast4: body.phoneLast4, hostUnit: body.hostUnit },
      }),
    )
  })

  app.post('/api/kiosk/vehicle', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const body = parseForm(schemas.vehicle, req, reply, 'inbound')
    if (!body) return
    return manual(reply, 'vehicle', null, () =>
      gw.pipeline.manualEntry({
        direction: body.direction,
        staff: s.person.id,
        action: 'vehicle',
        kind: 'vehicle',
        subject: null,
        passId: null,
        tempC: body.tempC,
        manual: { plate: body.plate, occupants: body.occupants },
      }),
    )
  })

  app.post('/api/kiosk/temperature', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const body = parseForm(schemas.temperature, req, reply, 'always')
    if (!body) return
    if (!gw.manualTemperatures.give(body.scanner, { celsius: body.tempC, staff: s.person.id })) {
      return reply.code(409).send({ error: 'not_waiting', message: `no scan at ${body.scanner} is waiting for a temperature` })
    }
    audit.info({ staff: s.person.id, scanner: body.scanner }, 'temperature typed for a waiting scan')
    // The decision follows on the live feed like any scan's.
    return { accepted: true }
  })

  app.post('/api/kiosk/secondary', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const body = parseForm(schemas.secondary, req, reply, 'always')
    if (!body) return
    const fever = records.entry(body.entryId)
    if (!fever || fever.decision !== 'deny' || !fever.reasons.includes('"fever"')) {
      return reply.code(404).send({ error: 'not_found', message: 'no fever entry with that id' })
    }
    if (gw.clock.now() - fever.ts > SECONDARY_WITHIN_MS) return reply.code(409).send({ error: 'too_late', message: 'that fever is more than 12 hours old' })
    // A person whose armpit check already confirmed the fever (this one, or another of theirs in the last 12 hours) is
    // not let in by a normal reading typed afterwards without a word: it takes a note saying why and confirm: true.
    // Refused before anything is recorded; admitted, the entry carries the note and the reading that had confirmed it.
    const normal = Math.round(body.tempC * 10) / 10 < gw.config.rules.feverC
    const earlier = normal ? records.confirmedFever(fever, gw.clock.now() - SECONDARY_WITHIN_MS) : null
    if (earlier && (!body.note || body.confirm !== true)) {
      refusedArmpitAdmits++
      audit.warn(
        { staff: s.person.id, entryId: body.entryId, tempC: body.tempC, confirmedC: earlier.tempC, confirmedBy: earlier.eventId, note: !!body.note, confirm: body.confirm === true, refusedArmpitAdmits },
        'normal armpit reading refused: an armpit check had confirmed the fever, and no note and confirmation came with it',
      )
      const at = new Date(earlier.ts).toISOString()
      return reply.code(400).send({
        error: 'confirm_required',
        message: `an armpit check confirmed this person's fever (${earlier.tempC} °C at ${at}): admitting on a normal reading (${body.tempC} °C) needs a note saying why and confirm: true`,
        confirmedC: earlier.tempC,
        confirmedAt: at,
        fields: {
          ...(body.note ? {} : { note: 'say why this person is let in after an armpit check that confirmed the fever' }),
          ...(body.confirm === true ? {} : { confirm: 'true, to let in a person whose armpit check confirmed the fever' }),
        },
      })
    }
    const note = body.note ? { note: body.note } : {}
    const confirmed = earlier ? { confirmedC: earlier.tempC, confirmedBy: earlier.eventId } : {}
    // A normal armpit reading settles the alarm (whoever takes it has seen the person); one that is still a
    // fever keeps it open with the next step on screen (observation point, doctor, 120) and its outcome to record.
    const settle = (d: DecisionEvent): void => {
      if (earlier && d.decision === 'admit') {
        audit.info({ staff: s.person.id, entryId: body.entryId, eventId: d.eventId, tempC: body.tempC, confirmedC: earlier.tempC }, 'admitted after a confirmed fever, with a note')
      }
      const alarm = live.alarmOf(body.entryId)
      if (!alarm) return
      if (d.decision === 'admit') acknowledge(s, alarm, 'secondary_check', 'secondary_normal', body.note)
      else live.secondaryFever(body.entryId, body.tempC)
    }
    return manual(reply, 'secondary', settle, () =>
      gw.pipeline.manualEntry({
        direction: fever.direction,
        staff: s.person.id,
        action: 'secondary_check',
        kind: fever.kind,
        subject: fever.subject,
        passId: fever.passId,
        tempC: body.tempC,
        manual: { feverEntryId: body.entryId, method: 'armpit', ...note, ...confirmed },
      }),
    )
  })

  app.post('/api/kiosk/ack', async (req, reply) => {
    const s = requireSession(ctx, 'staff', req, reply)
    if (!s) return
    const body = parseBody(schemas.ack, req, reply)
    if (!body) return
    const one = body.entryId ? live.alarmOf(body.entryId) : undefined
    const alarms = body.entryId ? (one ? [one] : []) : live.openAlarms().filter((a) => a.kind === body.kind)
    if (alarms.length === 0) return reply.code(409).send({ error: 'no_alarm', message: 'no open alarm for that entry (already acknowledged?)' })
    const wrong = body.outcome && alarms.find((a) => !(ACK_OUTCOMES[a.kind] as readonly string[]).includes(body.outcome!))
    if (wrong) return reply.code(400).send({ error: 'invalid', fields: { outcome: `not an outcome of a ${wrong.kind} alarm: ${ACK_OUTCOMES[wrong.kind].join(', ')}` } })
    // An alarm called a false alarm lets its person go on as if nothing happened: it takes a note saying why (the
    // forehead reading was taken in the sun, the thermometer was faulty, ...), whether or not an armpit check was
    // taken; one that confirmed the fever is named in the answer. Refused without a note, before anything is recorded:
    // the alarm stays open, as it was.
    if (body.outcome === 'false_alarm' && !body.note) {
      const confirmed = alarms.filter((a) => a.kind === 'fever' && a.secondaryC !== null)
      refusedFalseAlarms++
      audit.warn(
        { staff: s.person.id, entryIds: alarms.map((a) => a.entryId), secondaryC: alarms.map((a) => a.secondaryC), refusedFalseAlarms },
        'false alarm refused: no note said why',
      )
      const why = confirmed.length > 0 ? `the armpit check confirmed this fever (${confirmed.map((a) => `${a.secondaryC} °C`).join(', ')}): ` : ''
      return reply.code(400).send({
        error: 'note_required',
        message: `${why}a false alarm needs a note saying why`,
        confirmedC: confirmed.map((a) => a.secondaryC),
        fields: { note: 'a false alarm needs a note saying why' },
      })
    }
    const done = alarms.map((a) => ({ entryId: a.entryId, eventId: acknowledge(s, a, 'ack', body.outcome ?? null, body.note).eventId }))
    return body.entryId ? { acknowledged: body.entryId, eventId: done[0]!.eventId, outcome: body.outcome ?? null } : { acknowledged: done, outcome: body.outcome ?? null }
  })

  /** Acknowledges an alarm: a record (and info alert) for each entry in it, then it closes. Returns the first's. */
  function acknowledge(s: Session, alarm: Alarm, via: 'ack' | 'secondary_check', outcome: AckOutcome | 'secondary_normal' | null, note?: string): { eventId: string } {
    const { kind } = alarm
    const ackKind = kind === 'fever' ? 'fever_acknowledged' : 'isolation_breach_acknowledged'
    const extra = { ...(outcome ? { outcome } : {}), ...(note ? { note } : {}) }
    const one = (entryId: string): { eventId: string } =>
      record({
        kind: ackKind,
        staff: s.person.id,
        entryId,
        // An entry that joined the alarm says which (the shift counts one acknowledgement per alarm).
        detail: { via, outcome, ...(note ? { note } : {}), ...(entryId === alarm.entryId ? {} : { joinedTo: alarm.entryId }) },
        alert: {
          kind: ackKind,
          severity: 'info',
          message: `${s.person.id} acknowledged the ${kind === 'fever' ? 'fever' : 'isolation breach'} alarm${outcome ? ` (${outcome})` : ''}`,
          staff: s.person.id,
          entryId,
          ...extra,
        },
      })
    // One transaction: an alarm is acknowledged for every entry in it, or for none.
    const rs = gw.store.db.transaction(() => alarm.entryIds.map(one))()
    live.closeAlarm(alarm.entryId)
    audit.info({ staff: s.person.id, entryId: alarm.entryId, entries: alarm.count, kind: ackKind, via }, 'alarm acknowledged')
    return rs[0]!
  }

  function manual(reply: FastifyReply, what: string, after: ((d: DecisionEvent) => void) | null, run: () => DecisionEvent): unknown {
    try {
      const d = run()
      const out = decided(d, what)
      after?.(d)
      return out
    } catch (err) {
      if (err instanceof RangeError) return reply.code(400).send({ error: 'invalid', fields: { tempC: err.message } })
      throw err
    }
  }

  function decided(d: DecisionEvent, what: string): Record<string, unknown> {
    audit.info({ action: what, staff: d.staff, eventId: d.eventId, decision: d.decision, seq: d.seqs[0] }, 'kiosk action')
    if (d.seqs.length === 0) throw new Error('the entry could not be recorded; the gate stayed closed')
    // gateFailed: admitted, and the relay did not move (the screen must not say "opened"); gateClosed: admitted and
    // recorded while the gate is held closed (remain-closed), so the relay stayed still on purpose.
    const gateClosed = d.reasons.includes('gate_closed')
    return { eventId: d.eventId, decision: d.decision, reasons: d.reasons, seq: d.seqs[0], gateFailed: d.relayFailures.length > 0, ...(gateClosed ? { gateClosed } : {}), opened: d.decision === 'admit' && !gateClosed && d.relayFailures.length === 0 }
  }
}

export function publicPerson(p: Person): { id: string; name: string } {
  return { id: p.id, name: p.name }
}

