// Alarms at the kiosk, on the server: no alarm is waved through as a false alarm without a note saying why (a fever the
// armpit check confirmed is named in the refusal); a person whose armpit check confirmed the fever is not let in by a
// normal reading typed afterwards without a note and a confirmation; the same person alarming again joins the open
// alarm (one alarm, every entry logged),
// across a restart too; what the screen is told of a vehicle and of the armpit checks in the fevers list.
import { describe, expect, it } from 'vitest'
import type { DecisionEvent } from '../../gateway/pipeline/pipeline.ts'
import { assertPublished, snapshot, startKiosk, testClock, type KioskEnv } from './helpers.ts'
import { pass } from './passes.ts'

const acks = (k: KioskEnv): unknown[] => k.gw.store.db.prepare("SELECT entry_id AS entryId, detail FROM kiosk_events WHERE kind LIKE '%_acknowledged' ORDER BY id").all()
const logged = (k: KioskEnv, msg: string): Record<string, any>[] => k.logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.msg === msg)

/** A scan at the inbound scanner, with the two readings of the thermometer (the reading and its automatic re-check). */
async function scanIn(k: KioskEnv, code: string, ...readings: number[]): Promise<DecisionEvent> {
  k.thermometer.queue(...readings)
  const decided = new Promise<DecisionEvent>((res) => k.gw.bus.on('decision', (d) => d.scanner === 'scanner-in' && res(d)))
  k.scanner('in').inject(code)
  return decided
}

async function restart(k: KioskEnv): Promise<KioskEnv> {
  const dataDir = k.gw.config.dataDir
  await k.gw.stop()
  return startKiosk({ dataDir }, { clock: k.clock })
}

describe('a fever the armpit check confirmed', () => {
  it('is not acknowledged as a false alarm without a note: refused in words, logged and counted, nothing recorded, the alarm still open', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const fever = await k.req('POST', '/api/kiosk/visitor', { name: '孙', phoneLast4: '3333', hostUnit: '5-1-102', tempC: 38.0 }, cookie)
    const entryId = fever.json.eventId as string
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId, tempC: 38.5 }, cookie)).json).toMatchObject({ decision: 'deny' })
    const seq = k.gw.store.lastSeq()

    for (const body of [
      { entryId, outcome: 'false_alarm' },
      { entryId, outcome: 'false_alarm', note: '   ' },
      // All the open fevers at once: this one is among them.
      { kind: 'fever', outcome: 'false_alarm' },
    ]) {
      const r = await k.req('POST', '/api/kiosk/ack', body, cookie)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.json).toMatchObject({ error: 'note_required', fields: { note: expect.stringMatching(/needs a note/) } })
      expect(r.json.message).toMatch(/armpit check confirmed this fever \(38\.5 °C\)/)
    }
    // Nothing recorded, nothing sent, and the alarm is still there with its armpit reading.
    expect(acks(k)).toEqual([])
    expect(k.gw.store.lastSeq()).toBe(seq)
    expect((await snapshot(k)).alarms).toMatchObject([{ entryId, secondaryC: 38.5 }])
    const refusals = logged(k, 'false alarm refused: no note said why')
    expect(refusals.map((l) => [l.level, l.refusedFalseAlarms, l.entryIds])).toEqual([
      [40, 1, [entryId]],
      [40, 2, [entryId]],
      [40, 3, [entryId]],
    ])

    // With a note saying why, it is recorded as staff said.
    const ok = await k.req('POST', '/api/kiosk/ack', { entryId, outcome: 'false_alarm', note: '腋温计故障，换体温计复测 36.5' }, cookie)
    expect(ok.status).toBe(200)
    expect(acks(k)).toEqual([{ entryId, detail: JSON.stringify({ via: 'ack', outcome: 'false_alarm', note: '腋温计故障，换体温计复测 36.5' }) }])
    expect((await snapshot(k)).alarms).toEqual([])
  })

  it('other outcomes need no note', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const b = await k.req('POST', '/api/kiosk/visitor', { name: '钱', phoneLast4: '2222', hostUnit: '1-1-102', tempC: 38.0 }, cookie)
    await k.req('POST', '/api/kiosk/secondary', { entryId: b.json.eventId, tempC: 38.2 }, cookie)
    expect((await k.req('POST', '/api/kiosk/ack', { entryId: b.json.eventId, outcome: 'called_120' }, cookie)).status).toBe(200)
    expect(logged(k, 'false alarm refused: no note said why')).toEqual([])
  })

  it('a normal armpit reading typed afterwards does not let the person in without a note and a confirmation; with both, the entry says why and what had confirmed it', async () => {
    const k = await startKiosk({}, { clock: testClock() })
    const cookie = await k.login()
    const code = await pass(k.gw, { sub: 'H-3-1-502', jti: 'confirmed-1' })
    const fever = await scanIn(k, code, 38.4, 38.4)
    const check = await k.req('POST', '/api/kiosk/secondary', { entryId: fever.eventId, tempC: 38.1 }, cookie)
    expect(check.json).toMatchObject({ decision: 'deny' })
    expect((await k.req('POST', '/api/kiosk/ack', { entryId: fever.eventId, outcome: 'observation_point' }, cookie)).status).toBe(200)
    k.clock.advance(20 * 60_000)
    const seq = k.gw.store.lastSeq()
    const entries = (): unknown => k.gw.store.db.prepare('SELECT count(*) AS n FROM entries').get()
    const before = entries()

    // 腋温复测 again from the bottom bar, the same record, 36.6: refused in words, whatever part is missing.
    for (const [body, missing] of [
      [{}, ['note', 'confirm']],
      [{ note: '   ' }, ['note', 'confirm']],
      [{ note: '留观 20 分钟后复测正常' }, ['confirm']],
      [{ confirm: true }, ['note']],
      [{ note: '留观 20 分钟后复测正常', confirm: false }, ['confirm']],
    ] as const) {
      const r = await k.req('POST', '/api/kiosk/secondary', { entryId: fever.eventId, tempC: 36.6, ...body }, cookie)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.json).toMatchObject({ error: 'confirm_required', confirmedC: 38.1 })
      expect(r.json.message).toMatch(/an armpit check confirmed this person's fever \(38\.1 °C at .+\): admitting on a normal reading \(36\.6 °C\) needs a note saying why and confirm: true/)
      expect(Object.keys(r.json.fields).sort()).toEqual([...missing].sort())
    }
    // Nothing recorded, nothing sent, the gate shut; each refusal logged and counted.
    expect(entries()).toEqual(before)
    expect(k.gw.store.lastSeq()).toBe(seq)
    const refusals = logged(k, 'normal armpit reading refused: an armpit check had confirmed the fever, and no note and confirmation came with it')
    expect(refusals.map((l) => [l.level, l.refusedArmpitAdmits, l.entryId, l.confirmedC, l.confirmedBy])).toEqual([1, 2, 3, 4, 5].map((n) => [40, n, fever.eventId, 38.1, check.json.eventId]))

    // A still-fever reading needs no note (it admits nobody); the same person's later fever entry is covered too.
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId: fever.eventId, tempC: 37.9 }, cookie)).json).toMatchObject({ decision: 'deny' })
    const again = await scanIn(k, code, 38.0, 38.0)
    const other = await k.req('POST', '/api/kiosk/secondary', { entryId: again.eventId, tempC: 36.7 }, cookie)
    expect(other.json).toMatchObject({ error: 'confirm_required', confirmedC: 37.9 })

    // With a note and confirm: admitted; the entry carries the note and the reading that had confirmed the fever.
    const ok = await k.req('POST', '/api/kiosk/secondary', { entryId: fever.eventId, tempC: 36.6, note: '留观 20 分钟后复测正常', confirm: true }, cookie)
    expect(ok.json).toMatchObject({ decision: 'admit' })
    const admitted = k.outbox('entry').find((m) => m.seq === ok.json.seq)!
    expect(assertPublished(admitted)).toMatchObject({
      decision: 'admit',
      tempC: 36.6,
      manual: { action: 'secondary_check', feverEntryId: fever.eventId, method: 'armpit', note: '留观 20 分钟后复测正常', confirmedC: 37.9 },
    })
    const detail = JSON.parse((k.gw.store.db.prepare('SELECT detail FROM entries WHERE event_id = ?').get(ok.json.eventId) as { detail: string }).detail)
    expect(detail.manual).toMatchObject({ note: '留观 20 分钟后复测正常', confirmedC: 37.9 })
    expect(logged(k, 'admitted after a confirmed fever, with a note')).toHaveLength(1)
  })

  it('an armpit check of a fever nobody confirmed admits as before, with no note', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const a = await k.req('POST', '/api/kiosk/visitor', { name: '赵', phoneLast4: '1111', hostUnit: '1-1-101', tempC: 38.0 }, cookie)
    // Another visitor's confirmed fever is not this one's.
    const b = await k.req('POST', '/api/kiosk/visitor', { name: '赵', phoneLast4: '2222', hostUnit: '1-1-101', tempC: 38.0 }, cookie)
    await k.req('POST', '/api/kiosk/secondary', { entryId: b.json.eventId, tempC: 38.3 }, cookie)
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId: a.json.eventId, tempC: 36.6 }, cookie)).json).toMatchObject({ decision: 'admit' })
    // The same visitor registered again after the check that confirmed it: covered.
    const b2 = await k.req('POST', '/api/kiosk/visitor', { name: '赵', phoneLast4: '2222', hostUnit: '1-1-101', tempC: 37.8 }, cookie)
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId: b2.json.eventId, tempC: 36.6 }, cookie)).json).toMatchObject({ error: 'confirm_required', confirmedC: 38.3 })
  })
})

describe('误报 (false_alarm)', () => {
  it('needs a note whether or not an armpit check was taken: refused in words, logged and counted, nothing recorded', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const visitor = await k.req('POST', '/api/kiosk/visitor', { name: '周', phoneLast4: '5555', hostUnit: '2-1-201', tempC: 38.0 }, cookie)
    const entryId = visitor.json.eventId as string
    const seq = k.gw.store.lastSeq()
    for (const body of [{ entryId, outcome: 'false_alarm' }, { entryId, outcome: 'false_alarm', note: '' }, { kind: 'fever', outcome: 'false_alarm' }]) {
      const r = await k.req('POST', '/api/kiosk/ack', body, cookie)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.json).toMatchObject({ error: 'note_required', message: 'a false alarm needs a note saying why', fields: { note: 'a false alarm needs a note saying why' } })
    }
    expect(acks(k)).toEqual([])
    expect(k.gw.store.lastSeq()).toBe(seq)
    expect((await snapshot(k)).alarms).toMatchObject([{ entryId, secondaryC: null }])
    expect(logged(k, 'false alarm refused: no note said why').map((l) => [l.level, l.refusedFalseAlarms, l.entryIds, l.secondaryC])).toEqual([
      [40, 1, [entryId], [null]],
      [40, 2, [entryId], [null]],
      [40, 3, [entryId], [null]],
    ])
    // With a note, it is recorded as staff said.
    const ok = await k.req('POST', '/api/kiosk/ack', { entryId, outcome: 'false_alarm', note: '在阳光下测的额温，阴凉处复测 36.4' }, cookie)
    expect(ok.status).toBe(200)
    expect(acks(k)).toEqual([{ entryId, detail: JSON.stringify({ via: 'ack', outcome: 'false_alarm', note: '在阳光下测的额温，阴凉处复测 36.4' }) }])
  })
})

describe('the same person alarming again', () => {
  it('joins the open alarm: one alarm with the count and the latest reading, every entry in the log, one acknowledgement for both, across restarts', async () => {
    let k = await startKiosk({}, { clock: testClock() })
    const code = await pass(k.gw, { sub: 'H-1-1-101', jti: 'twice-1' })
    const first = await scanIn(k, code, 38.2, 38.3)
    k.clock.advance(60_000)
    // A minute later the same pass again, still a fever; and someone else with a fever: an alarm of their own.
    const second = await scanIn(k, code, 38.6, 38.7)
    const other = await scanIn(k, await pass(k.gw, { sub: 'H-2-2-202' }), 38.4, 38.4)
    expect([first.reasons, second.reasons, other.reasons]).toEqual([['fever'], ['fever'], ['fever']])
    const joined = { entryId: first.eventId, ts: first.ts, lastTs: second.ts, count: 2, tempC: 38.7, entryIds: [first.eventId, second.eventId] }
    const alone = { entryId: other.eventId, count: 1, tempC: 38.4, entryIds: [other.eventId] }
    expect((await snapshot(k)).alarms).toMatchObject([joined, alone])
    expect(k.gw.store.db.prepare("SELECT event_id AS id FROM entries WHERE reasons = '[\"fever\"]' ORDER BY rowid").all()).toEqual([
      { id: first.eventId },
      { id: second.eventId },
      { id: other.eventId },
    ])
    expect(JSON.stringify((await snapshot(k)).alarms)).not.toContain('twice-1')

    // Restarted, the gate box joins them again from the log.
    k = await restart(k)
    expect((await snapshot(k)).alarms).toMatchObject([joined, alone])
    const cookie = await k.login()
    // Acknowledged by either entry's id: a record for each entry, one alarm gone.
    const ack = await k.req('POST', '/api/kiosk/ack', { entryId: second.eventId, outcome: 'observation_point' }, cookie)
    expect(ack.json).toMatchObject({ acknowledged: second.eventId })
    expect(acks(k)).toEqual([
      { entryId: first.eventId, detail: JSON.stringify({ via: 'ack', outcome: 'observation_point' }) },
      { entryId: second.eventId, detail: JSON.stringify({ via: 'ack', outcome: 'observation_point', joinedTo: first.eventId }) },
    ])
    expect(k.outbox('alert').slice(-2).map((m) => m.data)).toMatchObject([
      { kind: 'fever_acknowledged', entryId: first.eventId, outcome: 'observation_point' },
      { kind: 'fever_acknowledged', entryId: second.eventId, outcome: 'observation_point' },
    ])
    expect((await snapshot(k)).alarms).toMatchObject([alone])
    // The shift counts it as one alarm handled; its summary lists the alarm still open.
    expect((await k.req('GET', '/api/kiosk/shift', undefined, cookie)).json.summary).toMatchObject({ manualBy: { acks: 1 }, openAlarms: 1 })
    k = await restart(k)
    expect((await snapshot(k)).alarms).toMatchObject([alone])
  })

  it('a visitor or a vehicle registered by hand twice joins too; a different visitor does not', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const visitor = { name: '王小明', phoneLast4: '4321', hostUnit: '3-1-502', tempC: 38.1 }
    const v1 = await k.req('POST', '/api/kiosk/visitor', visitor, cookie)
    const v2 = await k.req('POST', '/api/kiosk/visitor', { ...visitor, tempC: 38.3 }, cookie)
    const v3 = await k.req('POST', '/api/kiosk/visitor', { ...visitor, phoneLast4: '9999' }, cookie)
    const c1 = await k.req('POST', '/api/kiosk/vehicle', { plate: '粤B12345', occupants: 1, tempC: 38.0 }, cookie)
    const c2 = await k.req('POST', '/api/kiosk/vehicle', { plate: '粤B12345', occupants: 1, tempC: 38.2 }, cookie)
    const alarms = (await snapshot(k)).alarms as Record<string, any>[]
    expect(alarms.map((a) => [a.entryIds, a.tempC])).toEqual([
      [[v1.json.eventId, v2.json.eventId], 38.3],
      [[v3.json.eventId], 38.1],
      [[c1.json.eventId, c2.json.eventId], 38.2],
    ])
    expect(alarms[2]).toMatchObject({ passKind: 'vehicle', plate: '粤B12345', occupants: 1, count: 2 })
    // The armpit check of the second entry settles the joined alarm (normal: admitted, acknowledged for both).
    expect((await k.req('POST', '/api/kiosk/secondary', { entryId: v2.json.eventId, tempC: 36.6 }, cookie)).json).toMatchObject({ decision: 'admit' })
    expect(acks(k)).toMatchObject([{ entryId: v1.json.eventId }, { entryId: v2.json.eventId }])
    expect(((await snapshot(k)).alarms as Record<string, any>[]).map((a) => a.entryId)).toEqual([v3.json.eventId, c1.json.eventId])
  })
})

describe('what the screen is told', () => {
  it('a vehicle card carries its plate and occupants', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    await k.req('POST', '/api/kiosk/vehicle', { plate: '粤B12345', occupants: 1, tempC: 36.5 }, cookie)
    expect((await snapshot(k)).last).toMatchObject({ decision: 'admit', passKind: 'vehicle', plate: '粤B12345', occupants: 1 })
  })

  it('the fevers list says what each armpit check found: still a fever, or normal', async () => {
    const k = await startKiosk()
    const cookie = await k.login()
    const a = await k.req('POST', '/api/kiosk/visitor', { name: '赵', phoneLast4: '1111', hostUnit: '1-1-101', tempC: 38.0 }, cookie)
    const b = await k.req('POST', '/api/kiosk/visitor', { name: '钱', phoneLast4: '2222', hostUnit: '1-1-102', tempC: 38.1 }, cookie)
    const c = await k.req('POST', '/api/kiosk/visitor', { name: '孙', phoneLast4: '3333', hostUnit: '1-1-103', tempC: 38.2 }, cookie)
    await k.req('POST', '/api/kiosk/secondary', { entryId: a.json.eventId, tempC: 38.5 }, cookie)
    await k.req('POST', '/api/kiosk/secondary', { entryId: b.json.eventId, tempC: 36.6 }, cookie)
    const fevers = (await k.req('GET', '/api/kiosk/fevers', undefined, cookie)).json.fevers as Record<string, any>[]
    expect(fevers.map((f) => [f.entryId, f.secondary, f.secondaryC, f.secondaryFever])).toEqual([
      [c.json.eventId, false, null, false],
      [b.json.eventId, true, 36.6, false],
      [a.json.eventId, true, 38.5, true],
    ])
  })
})
