// The shift at the kiosk across a restart of the gate box: sessions live in memory and end with the process, the
// shift (who is on duty, since when) is kept in the store, so its summary goes on instead of splitting in two.
// And the screen's "take over the shift?" answered with 取消: nothing typed, nothing changed.
import { describe, expect, it } from 'vitest'
import { snapshot, startKiosk, testClock, type KioskEnv } from './helpers.ts'

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
