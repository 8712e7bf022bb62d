// The live feed (SSE) and the static pages: a snapshot on every connect, decisions as they happen with the holder
// masked, alarms that outlive a reload until acknowledged; pages that load nothing from the internet.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { STATIC_FILES } from '../../gateway/kiosk/static.ts'
import { ROOT } from '../helpers/gatewayProcess.ts'
import { readSse } from '../helpers/sse.ts'
import { startKiosk } from './helpers.ts'
import { pass } from './passes.ts'

/** An SSE client over real HTTP: collects events, waits for one that matches. */
async function screen(url: string): Promise<{ events: { event: string; data: any }[]; next(event: string, match?: (d: any) => boolean): Promise<any>; close(): Promise<void> }> {
  const res = await fetch(`${url}/api/kiosk/events`)
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
  const events: { event: string; data: any }[] = []
  const waiters: (() => void)[] = []
  const feed = readSse(res, (event, data) => {
    events.push({ event, data: JSON.parse(data) })
    for (const w of waiters.splice(0)) w()
  })
  return {
    events,
    async next(event, match = () => true) {
      for (let seen = 0; ; ) {
        const hit = events.slice(seen).find((e) => e.event === event && match(e.data))
        if (hit) return hit.data
        seen = 0
        await new Promise<void>((r) => waiters.push(r))
      }
    },
    close: () => feed.close(),
  }
}

describe('kiosk live feed', () => {
  it('sends a snapshot, then each decision with the holder masked and no pass id', async () => {
    const k = await startKiosk()
    const s = await screen(k.gw.url!)
    const snap = await s.next('snapshot')
    expect(snap).toMatchObject({ gate: { id: 'north-1' }, feverC: 37.3, alarms: [], pending: [], last: null, duty: null, figures: { in: 0, out: 0, denied: 0, fevers: 0 } })
    expect(snap.devices.map((d: { name: string }) => d.name)).toEqual(['scanner-in', 'scanner-out', 'thermo-in', 'gate', 'buzzer', 'uplink', 'backlog'])
    k.thermometer.queue(36.6)
    k.scanner('in').inject(await pass(k.gw, { sub: 'R-0102-67' }))
    const card = await s.next('decision')
    expect(card).toMatchObject({ decision: 'admit', tempC: 36.6, passKind: 'resident', holder: 'R-01****67', direction: 'in', reasons: [] })
    expect(JSON.stringify(s.events)).not.toContain('R-0102-67')
    expect(JSON.stringify(s.events)).not.toContain('kiosk-pass-')
    expect(await s.next('figures')).toMatchObject({ in: 1 })
    await s.close()
  })

  it('keeps a fever alarm across reconnects until a staff member acknowledges it', async () => {
    const k = await startKiosk()
    const first = await screen(k.gw.url!)
    await first.next('snapshot')
    k.thermometer.queue(38.4, 38.5)
    k.scanner('in').inject(await pass(k.gw))
    const prompt = await first.next('prompt')
    expect(prompt).toMatchObject({ kind: 'recheck', tempC: 38.4 })
    const alarms = await first.next('alarms', (a) => a.length === 1)
    expect(alarms[0]).toMatchObject({ kind: 'fever', tempC: 38.5, holder: expect.stringMatching(/^3-1-5\d\d$/) })
    await first.close()
    // A reload (a new connection) shows it again.
    const second = await screen(k.gw.url!)
    const snap = await second.next('snapshot')
    expect(snap.alarms).toEqual(alarms)
    const cookie = await k.login()
    await k.req('POST', '/api/kiosk/ack', { entryId: alarms[0].entryId }, cookie)
    expect(await second.next('alarms', (a) => a.length === 0)).toEqual([])
    expect(await second.next('duty')).toMatchObject({ id: 'zhang', name: '张伟' })
    await second.close()
    const third = await screen(k.gw.url!)
    expect((await third.next('snapshot')).alarms).toEqual([])
    await third.close()
  })

  it('serves the pages from memory with a strict content security policy and nothing from the internet', async () => {
    const k = await startKiosk()
    const page = await k.req('GET', '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(page.body).toContain('/kiosk/kiosk.js')
    const etag = String(page.headers.etag)
    expect((await k.gw.httpServer!.inject({ url: '/', headers: { 'if-none-match': etag } })).statusCode).toBe(304)
    expect((await k.req('GET', '/tech')).body).toContain('/kiosk/tech.js')
    expect((await k.req('GET', '/kiosk/kiosk.css')).headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await k.req('GET', '/kiosk/../app.ts')).status).toBe(404)
    // Every file in public/ is served, and none refers to another host.
    const dir = `${ROOT}/gateway/kiosk/public`
    expect(readdirSync(dir).sort()).toEqual(Object.values(STATIC_FILES).sort())
    for (const f of readdirSync(dir)) expect(readFileSync(`${dir}/${f}`, 'utf8')).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i)
  })
})
