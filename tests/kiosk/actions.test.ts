// Every staff action at the kiosk: what the gate does (relay, buzzer), the row it leaves in SQLite and the message
// the platform receives (checked against docs/asyncapi.yaml), and the errors a guard sees for bad input.
import { describe, expect, it } from 'vitest'
import { assertPublished, snapshot, startKiosk, type KioskEnv } from './helpers.ts'
import { pass } from './passes.ts'

const pulses = (k: KioskEnv): number => k.gw.relays[0]!.health().counters.pulses ?? 0
const lastEntry = (k: KioskEnv): Record<string, any> => {
  const r = k.gw.store.db.prepare('SELECT * FROM entries ORDER BY id DESC LIMIT 1').get() as Record<string, any>
  return { ...r, reasons: JSON.parse(r.reasons), detail: r.detail ? JSON.parse(r.detail) : null }
}
const lastMessage = (k: KioskEnv, topic: string): any => {
  const m = k.outbox(topic).at(-1)!
  return assertPublished(m)
}

describe('staff actions', () => {
  it('open: a reason code, an override row attributed to the staff on duty, an entry event, then the relay', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const r = await k.req('POST', '/api/kiosk/open', { reason: 'ambulance', direction: 'in' }, cookie)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ decision: 'admit', reasons: ['manual_override'], seq: expect.any(Number) })
    expect(pulses(k)).toBe(1)
    expect(lastEntry(k)).toMatchObject({ event_id: r.json.eventId, source: 'override', staff: 'zhang', decision: 'admit', direction: 'in', detail: { reason: 'ambulance', via: 'kiosk' } })
    expect(lastMessage(k, 'entry')).toMatchObject({ staff: 'zhang', source: 'override', overrideReason: 'ambulance', decision: 'admit' })
    // "other" needs words; unknown codes are refused; nothing moved for either.
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'other' }, cookie)).json).toEqual({ error: 'invalid', fields: { text: 'say why (reason "other")' } })
    const bad = await k.req('POST', '/api/kiosk/open', { reason: 'bribe' }, cookie)
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.json.fields)).toEqual(['reason'])
    expect(pulses(k)).toBe(1)
    const other = await k.req('POST', '/api/kiosk/open', { reason: 'other', text: '水管抢修', direction: 'out' }, cookie)
    expect(lastEntry(k)).toMatchObject({ event_id: other.json.eventId, direction: 'out', detail: { reason: 'other', note: '水管抢修' } })
  })

  it('visitor: stored and published with a masked name, four phone digits and the host unit; a fever denies and alarms', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const ok = await k.req('POST', '/api/kiosk/visitor', { name: '王小明', phoneLast4: '4321', hostUnit: '3-1-502', tempC: 36.64, direction: 'in' }, cookie)
    expect(ok.json).toMatchObject({ decision: 'admit', reasons: ['manual_override'] })
    expect(pulses(k)).toBe(1)
    const row = lastEntry(k)
    expect(row).toMatchObject({ kind: 'visitor', temp_c: 36.6, staff: 'zhang', subject: null, detail: { reason: 'visitor', manual: { action: 'visitor', maskedName: '王**', phoneLast4: '4321', hostUnit: '3-1-502' } } })
    expect(JSON.stringify(k.gw.store.db.prepare('SELECT * FROM entries').all())).not.toContain('小明')
    expect(lastMessage(k, 'entry')).toMatchObject({ kind: 'visitor', tempC: 36.6, manual: { maskedName: '王**', phoneLast4: '4321' } })

    const fever = await k.req('POST', '/api/kiosk/visitor', { name: 'Li', phoneLast4: '0000', hostUnit: '2-2-201', tempC: 38.2 }, cookie)
    expect(fever.json).toMatchObject({ decision: 'deny', reasons: ['fever'] })
    expect(pulses(k)).toBe(1)
    expect(k.gw.buzzers[0]!.health().info.playing).toBe('fever')
    const alert = lastMessage(k, 'alert')
    expect(alert).toMatchObject({ kind: 'fever', severity: 'critical', entryId: fever.json.eventId, tempC: 38.2 })
    expect(alert.message).toMatch(/typed at the kiosk/)
    // Whose fever it is, for the armpit check: the masked name and the unit visited (never the full name).
    expect((await k.req('GET', '/api/kiosk/fevers', undefined, cookie)).json.fevers[0]).toMatchObject({ entryId: fever.json.eventId, tempC: 38.2, secondary: false, passKind: 'visitor', name: 'L**', unit: '2-2-201' })
    expect((await snapshot(k)).alarms).toMatchObject([{ entryId: fever.json.eventId, passKind: 'visitor', name: 'L**', unit: '2-2-201' }])

    // Bad input: a clear message per field, nothing recorded.
    const before = k.gw.store.lastSeq()
    const bad = await k.req('POST', '/api/kiosk/visitor', { name: '', phoneLast4: '13812345678', hostUnit: '3 1 502', tempC: 3.66 }, cookie)
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.json.fields).sort()).toEqual(['hostUnit', 'name', 'phoneLast4', 'tempC'])
    expect(bad.json.fields.phoneLast4).toMatch(/last four digits/)
    // Inbound needs a temperature; one outside rules.validRangeC is a slip of the finger, not a reading.
    expect((await k.req('POST', '/api/kiosk/visitor', { name: '赵', phoneLast4: '1111', hostUnit: '1-1-101' }, cookie)).json.fields.tempC).toMatch(/needs a temperature/)
    expect((await k.req('POST', '/api/kiosk/visitor', { name: '赵', phoneLast4: '1111', hostUnit: '1-1-101', tempC: 43.5 }, cookie)).json.fields.tempC).toMatch(/between 34 and 42.5/)
    expect(k.gw.store.lastSeq()).toBe(before)
  })

  it('vehicle: plate, occupants and the driver temperature', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const r = await k.req('POST', '/api/kiosk/vehicle', { plate: '沪a·12345', occupants: 3, tempC: 36.5, direction: 'in' }, cookie)
    expect(r.json.decision).toBe('admit')
    expect(lastEntry(k)).toMatchObject({ kind: 'vehicle', temp_c: 36.5, detail: { manual: { action: 'vehicle', plate: '沪A12345', occupants: 3 } } })
    expect(lastMessage(k, 'entry')).toMatchObject({ kind: 'vehicle', manual: { plate: '沪A12345', occupants: 3 } })
    // Outbound without a temperature is fine.
    expect((await k.req('POST', '/api/kiosk/vehicle', { plate: '沪A12345', occupants: 1, direction: 'out' }, cookie)).json.decision).toBe('admit')
    const bad = await k.req('POST', '/api/kiosk/vehicle', { plate: 'X', occupants: 0, direction: 'out' }, cookie)
    expect(Object.keys(bad.json.fields).sort()).toEqual(['occupants', 'plate'])
  })

  it('a form with several mistakes is answered with every one of them at once, the temperature among them', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const fields = async (path: string, body: Record<string, unknown>): Promise<string[]> => {
      const r = await k.req('POST', path, body, cookie)
      expect(r.status, path).toBe(400)
      return Object.keys(r.json.fields).sort()
    }
    const before = k.gw.store.lastSeq()
    // Going in without a temperature is one of the mistakes, told with the others (not once they are fixed).
    expect(await fields('/api/kiosk/visitor', { name: '', phoneLast4: '12', hostUnit: '' })).toEqual(['hostUnit', 'name', 'phoneLast4', 'tempC'])
    // A temperature outside rules.validRangeC (34-42.5), beside a bad plate and a bad count.
    expect(await fields('/api/kiosk/vehicle', { plate: 'X', occupants: 0, tempC: 43 })).toEqual(['occupants', 'plate', 'tempC'])
    expect(await fields('/api/kiosk/temperature', { scanner: '', tempC: 44 })).toEqual(['scanner', 'tempC'])
    expect(await fields('/api/kiosk/secondary', { entryId: 'not-an-id', tempC: 43 })).toEqual(['entryId', 'tempC'])
    // A masked name is no name, whatever else is wrong.
    expect(await fields('/api/kiosk/visitor', { name: '*', phoneLast4: '1234', hostUnit: '1-1-101', tempC: 50 })).toEqual(['name', 'tempC'])
    expect(k.gw.store.lastSeq()).toBe(before)
    // What the screen needs to say what was done: the gate opened (the relay moved).
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'ambulance' }, cookie)).json).toMatchObject({ decision: 'admit', gateFailed: false })
  })

  it('fever alarm: on screen until acknowledged (recorded, info alert); the armpit check links to the fever and settles it', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const fever = await k.req('POST', '/api/kiosk/visitor', { name: '钱', phoneLast4: '2222', hostUnit: '5-1-101', tempC: 37.9 }, cookie)
    const entryId = fever.json.eventId as string
    // An isolation outcome is not one of a fever's: refused, in a field the screen can name.
    const bad = await k.req('POST', '/api/kiosk/ack', { entryId, outcome: 'sent_back' }, cookie)
    expect(bad).toMatchObject({ status: 400, json: { error: 'invalid', fields: { outcome: expect.any(String) } } })
    const ack = await k.req('POST', '/api/kiosk/ack', { entryId, outcome: 'observation_point', note: '王医生已到' }, cookie)
    expect(ack.status).toBe(200)
    const row = k.gw.store.db.prepare('SELECT kind, staff, entry_id AS entryId, detail FROM kiosk_events WHERE kind = ?').get('fever_acknowledged')
    expect(row).toEqual({ kind: 'fever_acknowledged', staff: 'zhang', entryId, detail: JSON.stringify({ via: 'ack', outcome: 'observation_point', note: '王医生已到' }) })
    expect(assertPublished(k.outbox('alert').at(-1)!)).toMatchObject({ kind: 'fever_acknowledged', severity: 'info', staff: 'zhang', entryId, outcome: 'observation_point', note: '王医生已到' })
    expect((await k.req('POST', '/api/kiosk/ack', { entryId }, cookie)).status).toBe(409)

    // Secondary check below the threshold: a new row for the same person, linked, and the gate opens.
    const second = await k.req('POST', '/api/kiosk/secondary', { entryId, tempC: 36.9 }, cookie)
    expect(second.json).toMatchObject({ decision: 'admit' })
    expect(lastEntry(k)).toMatchObject({ rechecked: 1, temp_c: 36.9, detail: { reason: 'secondary_check', manual: { feverEntryId: entryId, method: 'armpit' } } })
    expect(lastMessage(k, 'entry')).toMatchObject({ overrideReason: 'secondary_check', rechecked: true, manual: { action: 'secondary_check', feverEntryId: entryId } })
    expect((await k.req('GET', '/api/kiosk/fevers', undefined, cookie)).json.fevers[0]).toMatchObject({ entryId, secondary: true })

    // A fever confirmed by the armpit: denied, published as a fever, but not sounded again at the kiosk.
    const f2 = await k.req('POST', '/api/kiosk/visitor', { name: '孙', phoneLast4: '3333', hostUnit: '5-1-102', tempC: 38.0 }, cookie)
    const confirmed = await k.req('POST', '/api/kiosk/secondary', { entryId: f2.json.eventId, tempC: 38.4 }, cookie)
    expect(confirmed.json).toMatchObject({ decision: 'deny', reasons: ['fever'] })
    expect(lastMessage(k, 'alert')).toMatchObject({ kind: 'fever', message: 'fever confirmed by the secondary (armpit) check' })
    // Still a fever: the alarm is not cleared; it stays open with the armpit reading, for its next step.
    expect(k.gw.store.db.prepare('SELECT count(*) AS n FROM kiosk_events WHERE entry_id = ?').get(f2.json.eventId)).toEqual({ n: 0 })
    expect((await snapshot(k)).alarms.find((a: any) => a.entryId === f2.json.eventId)).toMatchObject({ kind: 'fever', tempC: 38, secondaryC: 38.4 })
    // Only fever entries can be re-checked.
    const notFever = await k.req('POST', '/api/kiosk/secondary', { entryId: second.json.eventId, tempC: 36.5 }, cookie)
    expect(notFever.status).toBe(404)
  })

  it('isolation breach: its own alarm, acknowledged like a fever', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    k.gw.store.replaceIsolation([{ subject: 'H-9-9-909', startDay: '2020-01-01', endDay: null }])
    const decided = new Promise<Record<string, any>>((res) => k.gw.bus.on('decision', (d) => res(d)))
    k.scanner('out').inject(await pass(k.gw, { sub: 'H-9-9-909' }))
    const d = await decided
    expect(d).toMatchObject({ decision: 'deny', reasons: ['isolation'], alerts: ['isolation_breach'] })
    // Two breaches: one acknowledgement for the kind closes both, each recorded with its outcome.
    const second = new Promise<Record<string, any>>((res) => k.gw.bus.on('decision', (x) => res(x)))
    k.scanner('out').inject(await pass(k.gw, { sub: 'H-9-9-909' }))
    const d2 = await second
    expect((await snapshot(k)).alarms).toHaveLength(2)
    const ack = await k.req('POST', '/api/kiosk/ack', { kind: 'isolation_breach', outcome: 'sent_back' }, cookie)
    expect(ack.status).toBe(200)
    expect((await snapshot(k)).alarms).toHaveLength(0)
    expect(k.gw.store.db.prepare("SELECT entry_id AS entryId FROM kiosk_events WHERE kind = 'isolation_breach_acknowledged' ORDER BY id").all()).toEqual([{ entryId: d.eventId }, { entryId: d2.eventId }])
    expect(k.outbox('alert').slice(-2).map((m) => assertPublished(m))).toMatchObject([
      { kind: 'isolation_breach_acknowledged', severity: 'info', staff: 'zhang', entryId: d.eventId, outcome: 'sent_back' },
      { kind: 'isolation_breach_acknowledged', staff: 'zhang', entryId: d2.eventId, outcome: 'sent_back' },
    ])
    // Not a fever: no armpit check for it.
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId: d.eventId, tempC: 36.5 }, cookie)).status).toBe(404)
  })

  it('typed temperature: a scan waiting in degraded mode is decided with it and attributed to the staff member', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    // No screen open: nobody could type, so the scan does not wait (no_temperature at once).
    k.thermometer.setOnline(false)
    const first = new Promise<string>((res) => k.gw.bus.on('decision', (d) => res(d.reasons.join())))
    k.scanner('in').inject(await pass(k.gw))
    expect(await first).toBe('no_temperature')
    expect((await k.req('POST', '/api/kiosk/temperature', { scanner: 'scanner-in', tempC: 36.6 }, cookie)).status).toBe(409)

    // With a screen open the pipeline asks for the temperature and waits for it.
    const screen = await fetch(`${k.gw.url}/api/kiosk/events`)
    const prompt = new Promise((res) => k.gw.bus.on('prompt', (p) => p.kind === 'manual_temperature' && res(p)))
    const decided = new Promise<Record<string, any>>((res) => k.gw.bus.on('decision', (d) => d.scanner === 'scanner-in' && res(d)))
    k.scanner('in').inject(await pass(k.gw))
    expect(await prompt).toMatchObject({ kind: 'manual_temperature', scanner: 'scanner-in' })
    expect(k.gw.manualTemperatures.pending()).toMatchObject([{ scanner: 'scanner-in' }])
    expect((await k.req('POST', '/api/kiosk/temperature', { scanner: 'scanner-in', tempC: 45 }, cookie)).json.fields.tempC).toMatch(/between 34 and 42.5/)
    expect((await k.req('POST', '/api/kiosk/temperature', { scanner: 'scanner-in', tempC: 36.7 }, cookie)).json).toEqual({ accepted: true })
    expect(await decided).toMatchObject({ decision: 'admit', tempC: 36.7, staff: 'zhang', manual: { action: 'typed_temperature' } })
    expect(lastEntry(k)).toMatchObject({ source: 'scan', staff: 'zhang', temp_c: 36.7 })
    expect(lastMessage(k, 'entry')).toMatchObject({ source: 'scan', staff: 'zhang', manual: { action: 'typed_temperature' } })
    await screen.body?.cancel()
  })

  it('handover: the shift summary, a record and an info alert; the next login takes over, an unannounced one hands over', async () => {
    const k = await startKiosk()
    const a = await k.login('246810')
    await k.req('POST', '/api/kiosk/open', { reason: 'delivery' }, a)
    await k.req('POST', '/api/kiosk/visitor', { name: '周', phoneLast4: '1212', hostUnit: '1-1-101', tempC: 38.1 }, a)
    const h = await k.req('POST', '/api/kiosk/handover', { note: '消毒液剩半桶' }, a)
    expect(h.status).toBe(200)
    expect(h.json.summary).toMatchObject({ staff: 'zhang', entries: 2, admitted: 1, denials: 1, fevers: 1, overrides: 2, openAlarms: 1 })
    expect(String(h.headers['set-cookie'])).toMatch(/Max-Age=0/)
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, a)).status).toBe(401)
    const msg = lastMessage(k, 'alert')
    expect(msg).toMatchObject({ kind: 'shift_handover', severity: 'info', staff: 'zhang', note: '消毒液剩半桶', shift: { entries: 2, fevers: 1 } })

    // B logs in (shift_login). A types a PIN while B is on duty: asked to take over (B's shift summary), A's
    // action is A's, the shift stays B's.
    const b = await k.login('135790')
    expect(lastMessage(k, 'alert')).toMatchObject({ kind: 'shift_login', staff: 'staff-2' })
    const helper = await k.req('POST', '/api/kiosk/login', { pin: '246810' })
    expect(helper.json).toMatchObject({ staff: { id: 'zhang' }, onDuty: { id: 'staff-2' }, summary: { staff: 'staff-2', entries: 0 } })
    const a2 = String(helper.headers['set-cookie']).split(';')[0]!
    await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, a2)
    expect(lastEntry(k)).toMatchObject({ source: 'override', staff: 'zhang' })
    expect((await snapshot(k)).duty).toMatchObject({ id: 'staff-2' })
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'delivery' }, b)).status).toBe(200)
    expect(lastEntry(k)).toMatchObject({ staff: 'staff-2' })
    // A says yes: B's shift ends as handed over to A, A's shift starts.
    const take = await k.req('POST', '/api/kiosk/takeover', {}, a2)
    expect(take.json).toMatchObject({ staff: { id: 'zhang' }, summary: { staff: 'staff-2', overrides: 2 } })
    expect((await snapshot(k)).duty).toMatchObject({ id: 'zhang' })
    expect((await k.req('POST', '/api/kiosk/takeover', {}, a2)).status).toBe(409)
    // Logging in with takeOver does the same at once.
    const c = await k.req('POST', '/api/kiosk/login', { pin: '135790', takeOver: true })
    expect(c.json.onDuty).toBeUndefined()
    const alerts = k.outbox('alert').map((m) => assertPublished(m))
    expect(alerts.slice(-4)).toMatchObject([
      { kind: 'shift_handover', staff: 'staff-2', next: 'zhang' },
      { kind: 'shift_login', staff: 'zhang' },
      { kind: 'shift_handover', staff: 'zhang', next: 'staff-2' },
      { kind: 'shift_login', staff: 'staff-2' },
    ])
    const kinds = k.gw.store.db.prepare('SELECT kind, staff FROM kiosk_events ORDER BY id').all()
    expect(kinds).toEqual([
      { kind: 'shift_login', staff: 'zhang' },
      { kind: 'shift_handover', staff: 'zhang' },
      { kind: 'shift_login', staff: 'staff-2' },
      { kind: 'shift_handover', staff: 'staff-2' },
      { kind: 'shift_login', staff: 'zhang' },
      { kind: 'shift_handover', staff: 'zhang' },
      { kind: 'shift_login', staff: 'staff-2' },
    ])
  })

  it('marks a task done as the staff member on duty, whatever the page sent as staff', async () => {
    const k = await startKiosk({ schedules: [{ id: 'gate-area', kind: 'disinfection', area: 'gate-area', cron: '* * * * *', graceMinutes: 60 }] })
    k.clock.advance(120_000)
    k.gw.tasks.tick()
    const open = k.gw.tasks.list().find((t) => t.status === 'due')!
    expect(open).toBeDefined()
    expect((await k.req('POST', `/api/tasks/${open.id}/done`, { staff: 'someone', note: '84消毒液 1:100' })).status).toBe(401)
    const cookie = await k.login()
    const r = await k.req('POST', `/api/tasks/${open.id}/done`, { staff: 'someone-else', note: '84消毒液 1:100' }, cookie)
    expect(r.status).toBe(200)
    expect(r.json.occurrence).toMatchObject({ status: 'done', doneBy: 'zhang', note: '84消毒液 1:100' })
  })

  it('puts no personal data in URLs and none in the logs', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    await k.req('POST', '/api/kiosk/visitor', { name: '欧阳娜娜', phoneLast4: '9876', hostUnit: '7-2-701', tempC: 36.5 }, cookie)
    await k.req('POST', '/api/kiosk/vehicle', { plate: '京B54321', occupants: 2, tempC: 36.4 }, cookie)
    await k.req('POST', '/api/kiosk/open', { reason: 'other', text: '快递员陈先生' }, cookie)
    for (const url of k.urls) expect(url).toMatch(/^\/api\/(kiosk|tech)\/[a-z]+$/)
    const logs = k.logs.join('')
    for (const personal of ['欧阳', '娜娜', '9876', '7-2-701', '54321', '陈先生', '246810']) expect(logs).not.toContain(personal)
    expect(logs).toContain('kiosk action')
  })
})
