// The shift at the kiosk across a restart of the gate box: sessions live in memory and end with the process, the
// shift (who is on duty, since when) is kept in the store, so its summary goes on instead of splitting in two.
// And the screen's "take over the shift?" answered with 取消: nothing typed, nothing changed.
import { describe, expect, it } from 'vitest'
import { assertPublished, snapshot, startKiosk, testClock, type KioskEnv } from './helpers.ts'
import { pass } from './passes.ts'
import { summarize } from '../../gateway/summaries.ts'
import { localDay } from '../../gateway/time.ts'

const ZHANG = '246810'
const OTHER = '135790'
const kinds = (k: KioskEnv): unknown[] => k.gw.store.db.prepare('SELECT kind, staff FROM kiosk_events ORDER BY id').all()
const cookieOf = (r: { headers: Record<string, unknown> }): string => String(r.headers['set-cookie']).split(';')[0]!

/** The same gate box started again on its data (a power cut, an update). */
async function restart(k: KioskEnv): Promise<KioskEnv> {
  const dataDir = k.gw.config.dataDir
  await k.gw.stop()
  return startKiosk({ dataDir }, { clock: k.clock })
}

describe('the shift across a restart', () => {
  it('keeps who is on duty and since when; the same person logs in again into the same shift, whose summary counts both sides', async () => {
    const k = await startKiosk({}, { clock: testClock() })
    const a = await k.login(ZHANG)
    const since = (await k.req('GET', '/api/kiosk/session', undefined, a)).json.since as number
    await k.req('POST', '/api/kiosk/open', { reason: 'delivery' }, a)
    k.clock.advance(60_000)

    const k2 = await restart(k)
    // The session went with the process...
    expect((await k2.req('POST', '/api/kiosk/open', { reason: 'fire' }, a)).status).toBe(401)
    // ...the shift did not: the screen says who is on duty before anyone types a PIN.
    expect((await snapshot(k2)).duty).toEqual({ id: 'zhang', name: '张伟', since })
    const again = await k2.req('POST', '/api/kiosk/login', { pin: ZHANG })
    expect(again.json).toEqual({ staff: { id: 'zhang', name: '张伟' }, since })
    const a2 = cookieOf(again)
    expect((await k2.req('GET', '/api/kiosk/session', undefined, a2)).json).toMatchObject({ onDuty: true, since })
    await k2.req('POST', '/api/kiosk/open', { reason: 'fire' }, a2)
    const h = await k2.req('POST', '/api/kiosk/handover', { note: '' }, a2)
    // One shift, from the first login, with the entries from before and after the restart.
    expect(h.json.summary).toMatchObject({ staff: 'zhang', from: new Date(since).toISOString(), entries: 2, overrides: 2 })
    expect(kinds(k2)).toEqual([
      { kind: 'shift_login', staff: 'zhang' },
      { kind: 'shift_handover', staff: 'zhang' },
    ])
    expect((await snapshot(k2)).duty).toBeNull()
  })

  it('after a restart someone else is asked to take over the shift that went on, with its summary', async () => {
    const k = await startKiosk({}, { clock: testClock() })
    const a = await k.login(ZHANG)
    await k.req('POST', '/api/kiosk/open', { reason: 'delivery' }, a)
    const k2 = await restart(k)
    const b = await k2.req('POST', '/api/kiosk/login', { pin: OTHER })
    expect(b.json).toMatchObject({ staff: { id: 'staff-2' }, onDuty: { id: 'zhang', name: '张伟' }, summary: { staff: 'zhang', entries: 1 } })
    const take = await k2.req('POST', '/api/kiosk/takeover', {}, cookieOf(b))
    expect(take.json).toMatchObject({ staff: { id: 'staff-2' }, summary: { staff: 'zhang', entries: 1, overrides: 1 } })
    expect((await snapshot(k2)).duty).toMatchObject({ id: 'staff-2' })
    expect(kinds(k2)).toEqual([
      { kind: 'shift_login', staff: 'zhang' },
      { kind: 'shift_handover', staff: 'zhang' },
      { kind: 'shift_login', staff: 'staff-2' },
    ])
  })
})

describe('"take over the shift?" answered 取消', () => {
  it("ends the helper's session and gives the screen back the session it had; the shift is untouched", async () => {
    const k = await startKiosk()
    const a = await k.login(ZHANG)
    // On Zhang's screen, someone types their PIN (换人), is asked to take over, and cancels.
    const b = await k.req('POST', '/api/kiosk/login', { pin: OTHER }, a)
    expect(b.json.onDuty).toMatchObject({ id: 'zhang' })
    const helper = cookieOf(b)
    const back = await k.req('POST', '/api/kiosk/login/cancel', {}, helper)
    expect(back.json).toMatchObject({ staff: { id: 'zhang' }, onDuty: true })
    expect(cookieOf(back)).toBe(a)
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, helper)).status).toBe(401)
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, a)).status).toBe(200)
    expect((await snapshot(k)).duty).toMatchObject({ id: 'zhang' })
    expect(kinds(k)).toEqual([{ kind: 'shift_login', staff: 'zhang' }])
    // The person on duty cannot "cancel" their shift away; a screen that had no session is left with none.
    expect((await k.req('POST', '/api/kiosk/login/cancel', {}, a)).status).toBe(409)
    const c = await k.req('POST', '/api/kiosk/login', { pin: OTHER })
    const none = await k.req('POST', '/api/kiosk/login/cancel', {}, cookieOf(c))
    expect(none.json).toEqual({ staff: null, since: null, onDuty: null })
    expect(String(none.headers['set-cookie'])).toMatch(/Max-Age=0/)
  })
})

/** Decides one scan and resolves with its decision. */
async function scanned(k: KioskEnv, direction: 'in' | 'out', text: string): Promise<Record<string, any>> {
  const decided = new Promise<Record<string, any>>((res) => {
    const off = k.gw.bus.on('decision', (d) => (off(), res(d as unknown as Record<string, any>)))
  })
  k.scanner(direction).inject(text)
  return decided
}

describe("the shift's figures", () => {
  it("are today's figures, counted the same way: a fever and its armpit re-check are one fever; every staff action counts", async () => {
    const k = await startKiosk({ schedules: [{ id: 'gate-area', kind: 'disinfection', area: 'gate-area', cron: '* * * * *', graceMinutes: 60 }] })
    const a = await k.login(ZHANG)
    // People at the scanners: in, out, a code that is not a pass, a forehead fever (re-checked: two fever readings).
    expect((await scanned(k, 'in', await pass(k.gw))).decision).toBe('admit')
    expect((await scanned(k, 'out', await pass(k.gw))).decision).toBe('admit')
    expect((await scanned(k, 'in', 'https://example.com/not-a-pass')).decision).toBe('deny')
    k.thermometer.queue(38.4, 38.5)
    const fever = await scanned(k, 'in', await pass(k.gw))
    expect(fever.reasons).toEqual(['fever'])
    // Its armpit check is still a fever: the same person, the same fever (not a second one, nor a second denial).
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId: fever.eventId, tempC: 38.4 }, a)).json.decision).toBe('deny')
    // A visitor registered by hand with a fever, whose armpit check is normal (the gate opens for them).
    const visitor = await k.req('POST', '/api/kiosk/visitor', { name: '周', phoneLast4: '1212', hostUnit: '1-1-101', tempC: 38.1 }, a)
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId: visitor.json.eventId, tempC: 36.8 }, a)).json.decision).toBe('admit')
    // What else staff do by hand: open (ambulance), register a vehicle, acknowledge the alarm, mark a task done,
    // type a temperature for a scan while the thermometer is offline.
    await k.req('POST', '/api/kiosk/open', { reason: 'ambulance' }, a)
    await k.req('POST', '/api/kiosk/vehicle', { plate: '沪A12345', occupants: 2, tempC: 36.5 }, a)
    expect((await k.req('POST', '/api/kiosk/ack', { entryId: fever.eventId, outcome: 'called_120' }, a)).status).toBe(200)
    k.clock.advance(61_000)
    k.gw.tasks.tick()
    const task = k.gw.tasks.list().find((t) => t.status === 'due')!
    expect((await k.req('POST', `/api/tasks/${task.id}/done`, { note: '84消毒液' }, a)).status).toBe(200)
    k.thermometer.setOnline(false)
    const screen = await fetch(`${k.gw.url}/api/kiosk/events`)
    const waiting = new Promise((res) => k.gw.bus.on('prompt', (p) => p.kind === 'manual_temperature' && res(p)))
    const typed = scanned(k, 'in', await pass(k.gw))
    await waiting
    expect((await k.req('POST', '/api/kiosk/temperature', { scanner: 'scanner-in', tempC: 36.7 }, a)).status).toBe(200)
    expect((await typed).decision).toBe('admit')
    await screen.body?.cancel()

    // The gate held closed for a moment: a pass admitted then is not a person in (the gate stayed shut), and the
    // mode set twice is what staff did to the gate.
    k.thermometer.setOnline(true)
    expect((await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-closed', reason: '夜间封闭' }, a)).status).toBe(200)
    expect((await scanned(k, 'in', await pass(k.gw))).reasons).toEqual(['gate_closed'])
    expect((await k.req('POST', '/api/kiosk/gate/mode', { mode: 'normal', reason: '恢复正常通行' }, a)).status).toBe(200)

    const today = (await snapshot(k)).figures
    const h = await k.req('POST', '/api/kiosk/handover', { note: '' }, a)
    const shift = h.json.summary
    // Two fevers (the resident's, re-checked by the armpit, and the visitor's), as today's figures say. Each person
    // decided counts once: an armpit check is the next step of a fever already counted, never a second entry.
    expect({ admitted: shift.admitted, denials: shift.denials, fevers: shift.fevers }).toEqual({ admitted: today.in + today.out, denials: today.denied, fevers: today.fevers })
    expect(today).toMatchObject({ in: 4, out: 1, denied: 3, fevers: 2 })
    expect(shift).toMatchObject({ entries: 9, admitted: 5, notOpened: 1, denials: 3, fevers: 2 })
    // Every kind of staff action, each counted once: the armpit check that settled the visitor's alarm is one action.
    expect(shift.manualBy).toEqual({ opens: 1, registrations: 2, temperatures: 1, armpitChecks: 2, acks: 1, tasksDone: 1, gate: 2 })
    expect(shift.manual).toBe(10)
    // And the day's summary for the platform and the day sheet: the same two fevers (the armpit check's row is an
    // entry of its own, in byReason, not a third person).
    const day = summarize(k.gw.store, 0, k.clock.now() + 1, localDay(k.clock.now(), k.gw.config.site.timezone))
    expect({ fevers: day.fevers, feverEntries: day.byReason.fever }).toEqual({ fevers: today.fevers, feverEntries: 3 })
  })
})

describe('a helper done helping (退出)', () => {
  it('ends only the helper\'s session: the screen is the on-duty person\'s again, nothing is handed over', async () => {
    const k = await startKiosk()
    const a = await k.login(ZHANG)
    const helper = cookieOf(await k.req('POST', '/api/kiosk/login', { pin: OTHER }, a))
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'delivery' }, helper)).status).toBe(200)
    const out = await k.req('POST', '/api/kiosk/logout', {}, helper)
    expect(out.json).toMatchObject({ staff: { id: 'zhang' }, onDuty: true })
    expect(cookieOf(out)).toBe(a)
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, helper)).status).toBe(401)
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, a)).status).toBe(200)
    // An old screen that sends the helper's 交班 gets the same: back to the person on duty, no handover.
    const again = cookieOf(await k.req('POST', '/api/kiosk/login', { pin: OTHER }, a))
    const h = await k.req('POST', '/api/kiosk/handover', { note: 'x' }, again)
    expect(cookieOf(h)).toBe(a)
    expect((await k.req('GET', '/api/kiosk/session', undefined, a)).json).toMatchObject({ staff: { id: 'zhang' }, onDuty: true })
    expect(kinds(k)).toEqual([{ kind: 'shift_login', staff: 'zhang' }])
    // The person on duty hands over instead.
    expect((await k.req('POST', '/api/kiosk/logout', {}, a)).status).toBe(409)
  })
})

describe('the handover', () => {
  it('shows the shift so far first (GET /api/kiosk/shift), and its record and alert carry the note and what is still open', async () => {
    const k = await startKiosk({ schedules: [{ id: 'gate-area', kind: 'disinfection', area: 'gate-area', cron: '* * * * *', graceMinutes: 60 }] })
    const a = await k.login(ZHANG)
    const fever = await k.req('POST', '/api/kiosk/visitor', { name: '周', phoneLast4: '1212', hostUnit: '1-1-101', tempC: 38.1 }, a)
    k.clock.advance(61_000)
    k.gw.tasks.tick()
    const task = k.gw.tasks.list().find((t) => t.status === 'due')!
    const open = {
      openAlarms: 1,
      openTasks: 1,
      overdueTasks: 0,
      alarms: [{ entryId: fever.json.eventId, kind: 'fever', tempC: 38.1, secondaryC: null, ts: expect.any(String) }],
      tasks: [{ id: task.id, taskId: 'gate-area', kind: 'disinfection', area: 'gate-area', status: 'due', dueAt: task.dueAt, overdueAt: task.overdueAt }],
    }
    const before = await k.req('GET', '/api/kiosk/shift', undefined, a)
    expect(before.json.summary).toMatchObject({ staff: 'zhang', entries: 1, denials: 1, fevers: 1, ...open })
    // Looking is not handing over.
    expect((await snapshot(k)).duty).toMatchObject({ id: 'zhang' })
    expect((await k.req('GET', '/api/kiosk/shift')).status).toBe(401)

    const h = await k.req('POST', '/api/kiosk/handover', { note: '3号楼留观人员待120' }, a)
    expect(h.json.summary).toMatchObject({ note: '3号楼留观人员待120', ...open })
    const detail = JSON.parse((k.gw.store.db.prepare("SELECT detail FROM kiosk_events WHERE kind = 'shift_handover'").get() as { detail: string }).detail)
    expect(detail).toMatchObject({ note: '3号楼留观人员待120', next: null, ...open })
    const alert = assertPublished(k.outbox('alert').at(-1)!)
    expect(alert).toMatchObject({ kind: 'shift_handover', note: '3号楼留观人员待120', shift: open })
    // No holder goes out with the handover: the alarm is named by its entry.
    expect(JSON.stringify(alert)).not.toMatch(/周|1212|1-1-101/)
  })
})
