// A staff member's duress PIN (kiosk.staffPins[].duressPin): it logs in exactly as their PIN does (same response,
// cookie, session, shift, lockout reset, log lines) and queues a silent `duress` alert (critical) for the platform,
// which nothing at the gate shows: not the screen's snapshot or alarms, not the /tech log page.
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../gateway/config/load.ts'
import { unmatchableHash } from '../../gateway/broker/passwords.ts'
import { LOCKOUT } from '../../gateway/kiosk/guard.ts'
import { hashPin, PinBook } from '../../gateway/kiosk/pins.ts'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { Recorder } from '../bridge/helpers.ts'
import { freePort } from '../helpers/gatewayProcess.ts'
import { assertPublished, snapshot, startKiosk, stillClock, TECH, type KioskEnv } from './helpers.ts'

const ZHANG = { id: 'zhang', name: '张伟', pin: '246810', duressPin: '864200' }
const DURESS_STAFF = [ZHANG, '135790']

/** A gateway whose uplink goes to a port nobody listens on: the alert waits in the outbox, where the test reads it. */
async function kiosk(clock = stillClock(Date.parse('2026-12-03T08:00:00+08:00'))): Promise<KioskEnv> {
  return startKiosk({ kiosk: { host: '127.0.0.1', port: 0, staffPins: DURESS_STAFF, techPins: TECH }, central: { url: `mqtt://127.0.0.1:${await freePort()}` } }, { clock })
}

const duressAlerts = (k: KioskEnv): ReturnType<KioskEnv['outbox']> => k.outbox('alert').filter((m) => m.data.kind === 'duress')

describe('duress PINs in the config', () => {
  const central = { url: 'mqtt://central.example:1883' }
  const errorsOf = (kiosk: Record<string, unknown>, more: Record<string, unknown> = { central }): string => {
    const r = validateConfig({ kiosk, ...more })
    return r.ok ? '' : r.errors.join('\n')
  }

  it('takes a plain or hashed duress PIN for staff with a central platform', async () => {
    expect(errorsOf({ staffPins: [ZHANG] })).toBe('')
    expect(errorsOf({ staffPins: [{ ...ZHANG, duressPin: await hashPin('864200') }] })).toBe('')
  })

  it('refuses one for a technician, one that is anyone’s PIN, and one without central.url, never echoing the PIN', () => {
    expect(errorsOf({ techPins: [{ id: 't1', name: 'Tech', pin: '97531', duressPin: '864200' }] })).toMatch(/techPins\[0\]\.duressPin: only staff have a duress PIN/)
    // Their own PIN, another staff member's (before or after them in the list), another's duress PIN, a tech's.
    expect(errorsOf({ staffPins: [{ ...ZHANG, duressPin: ZHANG.pin }] })).toMatch(/staffPins\[0\]\.duressPin: this PIN is already given to someone/)
    expect(errorsOf({ staffPins: ['135790', { ...ZHANG, duressPin: '135790' }] })).toMatch(/staffPins\[1\]\.duressPin: this PIN is already given to someone/)
    expect(errorsOf({ staffPins: [ZHANG, '864200'] })).toMatch(/staffPins\[1\]: this PIN is already given to someone else/)
    expect(errorsOf({ staffPins: [ZHANG, { id: 'li', name: '李娜', pin: '555555', duressPin: '864200' }] })).toMatch(/staffPins\[1\]\.duressPin: this PIN is already given/)
    const tech = errorsOf({ staffPins: [ZHANG], techPins: ['864200'] })
    expect(tech).toMatch(/kiosk\.staffPins\[0\]\.duressPin: this PIN is already a tech PIN/)
    const alone = errorsOf({ staffPins: [ZHANG] }, {})
    expect(alone).toMatch(/kiosk\.staffPins\[0\]\.duressPin: needs central\.url/)
    for (const e of [tech, alone]) expect(e).not.toContain('864200')
  })
})

describe('the duress PIN at the PIN book', () => {
  it('finds its person, says it was the duress PIN, and is never a tech login', async () => {
    const book = await PinBook.create(DURESS_STAFF, [{ id: 't1', name: 'T', pin: '97531' }])
    expect(await book.match('staff', '864200')).toEqual({ person: { id: 'zhang', name: '张伟', role: 'staff' }, duress: true })
    expect(await book.match('staff', '246810')).toEqual({ person: { id: 'zhang', name: '张伟', role: 'staff' }, duress: false })
    expect(await book.match('tech', '864200')).toBeNull()
    expect(book.people('staff').map((p) => p.id)).toEqual(['zhang', 'staff-2'])
    expect(JSON.stringify(book)).not.toContain('864200')
  })

  it('where two hashed entries share a PIN (the schema cannot see it), the duress match wins: the mistake shows as alerts', async () => {
    const book = await PinBook.create([{ id: 'li', name: '李娜', pin: await hashPin('555555') }, { ...ZHANG, duressPin: await hashPin('555555') }], [])
    expect(await book.match('staff', '555555')).toEqual({ person: { id: 'zhang', name: '张伟', role: 'staff' }, duress: true })
  })

  it('checks every hash whichever PIN it is: the first person’s PIN takes as long as a wrong one', async () => {
    // The last entry is a hash that costs four times the others to check (N = 2^16): a check that stopped at its
    // match would answer for zhang in a fraction of the time a wrong PIN takes.
    const slow = unmatchableHash({ N: 65_536, r: 8, p: 1, keylen: 32 })
    const book = await PinBook.create([ZHANG, { id: 'last', name: 'L', pin: slow }], [])
    // The best of three: other work on the machine only ever adds time.
    const time = async (pin: string): Promise<number> => {
      let best = Infinity
      for (let i = 0; i < 3; i++) {
        const t = performance.now()
        await book.match('staff', pin)
        best = Math.min(best, performance.now() - t)
      }
      return best
    }
    const wrong = await time('000000')
    const own = await time(ZHANG.pin)
    const duress = await time(ZHANG.duressPin)
    expect(own / wrong).toBeGreaterThan(0.6)
    expect(duress / wrong).toBeGreaterThan(0.6)
  })
})

describe('a duress login', () => {
  it('answers as the person’s own PIN does: same body, same cookie, same session, all actions as that person', async () => {
    const normal = await kiosk()
    const forced = await kiosk()
    const a = await normal.req('POST', '/api/kiosk/login', { pin: ZHANG.pin })
    const b = await forced.req('POST', '/api/kiosk/login', { pin: ZHANG.duressPin })
    expect(b.status).toBe(200)
    expect(b.body).toBe(a.body)
    expect(b.json.staff).toEqual({ id: 'zhang', name: '张伟' })
    const shape = (c: unknown): string => String(c).replace(/^eg_staff=[A-Za-z0-9_-]{32};/, 'eg_staff=TOKEN;')
    expect(shape(b.headers['set-cookie'])).toBe(shape(a.headers['set-cookie']))
    expect(shape(b.headers['set-cookie'])).toBe('eg_staff=TOKEN; Path=/; HttpOnly; SameSite=Strict')
    const cookie = String(b.headers['set-cookie']).split(';')[0]!
    expect((await forced.req('GET', '/api/kiosk/session', undefined, cookie)).body).toBe(
      (await normal.req('GET', '/api/kiosk/session', undefined, String(a.headers['set-cookie']).split(';')[0])).body,
    )
    // The same shift started, the same log lines apart from the journal's own.
    const lines = (k: KioskEnv): string[] =>
      k.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.module === 'gateway/kiosk' && !l.journalOnly)
        .map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.staff)}`)
    expect(lines(forced)).toEqual(lines(normal))
    // An ordinary session: the gate opens by hand, attributed to zhang.
    const open = await forced.req('POST', '/api/kiosk/open', { reason: 'delivery' }, cookie)
    expect(open.status).toBe(200)
    expect(forced.gw.store.db.prepare(`SELECT staff FROM entries WHERE source = 'override'`).all()).toEqual([{ staff: 'zhang' }])
    expect(duressAlerts(normal)).toEqual([])
  })

  it('queues a critical duress alert for the platform with who, from where and when', async () => {
    const clock = stillClock(Date.parse('2026-12-03T08:00:00+08:00'))
    const k = await kiosk(clock)
    await k.req('POST', '/api/kiosk/login', { pin: ZHANG.duressPin })
    const [alert, ...more] = duressAlerts(k)
    expect(more).toEqual([])
    const data = assertPublished(alert!)
    expect(data).toEqual({
      kind: 'duress',
      severity: 'critical',
      message: expect.stringContaining('zhang') as string,
      staff: 'zhang',
      staffName: '张伟',
      loginFrom: 'screen',
      loggedInAt: '2026-12-03T00:00:00.000Z',
    })
    expect(alert!.event.time).toBe('2026-12-03T00:00:00.000Z')
    // From the LAN (another address than the screen's): loginFrom network.
    clock.advance(1000)
    const r = await k.gw.httpServer!.inject({ method: 'POST', url: '/api/kiosk/login', payload: { pin: ZHANG.duressPin }, remoteAddress: '192.168.1.50' })
    expect(r.statusCode).toBe(200)
    expect(duressAlerts(k).map((m) => m.data.loginFrom)).toEqual(['screen', 'network'])
  })

  it('clears the failure count as any right PIN does', async () => {
    const k = await kiosk()
    for (let i = 1; i < LOCKOUT.failures; i++) expect((await k.req('POST', '/api/kiosk/login', { pin: '000000' })).status).toBe(401)
    expect((await k.req('POST', '/api/kiosk/login', { pin: ZHANG.duressPin })).status).toBe(200)
    for (let i = 1; i < LOCKOUT.failures; i++) expect((await k.req('POST', '/api/kiosk/login', { pin: '000000' })).status).toBe(401)
    expect((await k.req('POST', '/api/kiosk/login', { pin: ZHANG.pin })).status).toBe(200)
  })

  it('shows nothing at the gate: not in the snapshot, not among the kiosk records, not on the /tech log page; the journal has it', async () => {
    const normal = await kiosk()
    const forced = await kiosk()
    await normal.req('POST', '/api/kiosk/login', { pin: ZHANG.pin })
    await forced.req('POST', '/api/kiosk/login', { pin: ZHANG.duressPin })
    // The queue chip (devices: 待上传) counts the same though the alert waits in the outbox (Store.localBacklog).
    const strip = (s: Record<string, any>): Record<string, any> => ({ ...s, sessions: null, now: null })
    expect(strip(await snapshot(forced))).toEqual(strip(await snapshot(normal)))
    const events = (k: KioskEnv): unknown[] => k.gw.store.db.prepare(`SELECT kind, staff FROM kiosk_events`).all()
    expect(events(forced)).toEqual(events(normal))
    const tech = await forced.login('97531', 'tech')
    const page = await forced.req('GET', '/api/tech/logs?limit=500', undefined, tech)
    expect(page.status).toBe(200)
    expect(page.body).not.toMatch(/duress/i)
    expect(forced.gw.logRing!.recent().map((l) => l.msg)).toContain('staff logged in')
    // stdout (systemd's journal) keeps the fact for the investigation.
    expect(forced.logs.join('')).toMatch(/"journalOnly":true.*"staff":"zhang".*duress PIN used/)
  })
})

describe('a duress login and GET /healthz (what anyone who reaches the kiosk port reads)', () => {
  /** /healthz without a session, without what moves on its own (device timestamps, free disk space, the uplink's port). */
  const publicHealth = async (k: KioskEnv): Promise<Record<string, any>> => {
    const h = (await k.req('GET', '/healthz')).json
    for (const c of Object.values(h.components as Record<string, Record<string, unknown>>)) {
      delete c.lastSeen
      delete c.since
      delete c.url
      delete c.lastError
      delete c.disk
    }
    return h
  }

  it('uplink down: /healthz after a duress login is what it is after the same person’s own PIN', async () => {
    const own = await kiosk()
    const duress = await kiosk()
    expect(await publicHealth(duress)).toEqual(await publicHealth(own))
    await own.login(ZHANG.pin)
    await duress.login(ZHANG.duressPin)
    // The outbox does hold one more message (the alert, for the platform)...
    expect(duress.gw.store.outboxBacklog().count).toBe(own.gw.store.outboxBacklog().count + 1)
    // ...which nothing on /healthz counts: the backlog is the gate's own (the shift_login alert of either login).
    const after = await publicHealth(duress)
    expect(after).toEqual(await publicHealth(own))
    expect(after.components.store.backlog).toEqual({ count: own.gw.store.outboxBacklog().count })
    expect(JSON.stringify(after)).not.toMatch(/lastSeq|sentTotal|ackedTotal|lastAckedSeq|inFlight|firstSeq/)
  })

  it('uplink up (real mosquitto): /healthz before and after a duress login is identical once it is sent; the tech pages count it', async () => {
    const broker = await Mosquitto.start()
    const platform = await Recorder.connect(broker.url)
    try {
      const k = await startKiosk({ kiosk: { host: '127.0.0.1', port: 0, staffPins: DURESS_STAFF, techPins: TECH }, central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 } })
      const tech = await k.login(TECH[0], 'tech')
      const full = async (): Promise<Record<string, any>> => (await k.req('GET', '/api/tech/devices', undefined, tech)).json.components
      // Settled: connected, nothing waiting, nothing in flight.
      const settled = async (): Promise<Record<string, any>> => {
        for (const deadline = Date.now() + 10_000; ; ) {
          const c = await full()
          if (c.uplink.connected && c.uplink.inFlight === 0 && c.store.backlog.count === 0) return c
          if (Date.now() > deadline) throw new Error(`the uplink did not settle: ${JSON.stringify(c.uplink)}`)
          await new Promise((r) => setTimeout(r, 25))
        }
      }
      const fullBefore = await settled()
      const before = await publicHealth(k)
      await k.login(ZHANG.duressPin)
      for (const deadline = Date.now() + 10_000; !platform.events.some((e) => e.topic === 'alert' && (e.event.data as { kind: string }).kind === 'shift_login'); ) {
        if (Date.now() > deadline) throw new Error('the alerts did not reach the platform')
        await new Promise((r) => setTimeout(r, 25))
      }
      expect(platform.events.filter((e) => e.topic === 'alert').map((e) => (e.event.data as { kind: string }).kind)).toEqual(['duress', 'shift_login'])
      const fullAfter = await settled()
      expect(await publicHealth(k)).toEqual(before)
      // Behind the tech PIN the figures are all there: two more messages, sent and acknowledged.
      expect(fullAfter.store.lastSeq).toBe(fullBefore.store.lastSeq + 2)
      expect(fullAfter.uplink.ackedTotal).toBe(fullBefore.uplink.ackedTotal + 2)
      // /healthz is not the tech view, with or without the tech's cookie.
      expect((await k.req('GET', '/healthz', undefined, tech)).json.components.store.lastSeq).toBeUndefined()
    } finally {
      await platform.client.endAsync(true)
      await broker.dispose()
    }
  }, 30_000)
})
