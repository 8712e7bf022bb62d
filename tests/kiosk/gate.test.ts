// The gate at the kiosk (issue 16): POST /api/kiosk/gate/mode (a technician without a reason, staff with one) and
// /api/kiosk/gate/fire-reset, the snapshot's gate and the live event gate, on a real gateway over HTTP.
import { describe, expect, it } from 'vitest'
import type { SimulatedInput } from '../../devices/inputs/simulated.ts'
import { handleRequest } from '../../gateway/requests.ts'
import { assertPublished, snapshot, startKiosk, TECH, type KioskEnv } from './helpers.ts'

/** Reads the live feed until an event named `event` matching `match` comes (bounded). */
async function liveEvent(k: KioskEnv, event: string, match: (d: any) => boolean, act: () => Promise<unknown>): Promise<any> {
  const res = await fetch(`${k.gw.url}/api/kiosk/events`)
  const reader = res.body!.getReader()
  let buf = ''
  let acted = false
  const deadline = Date.now() + 5000
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      buf += Buffer.from(value).toString('utf8')
      if (!acted && buf.includes('event: snapshot')) {
        acted = true
        await act()
      }
      for (const m of buf.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)) {
        const data = JSON.parse(m[2]!)
        if (m[1] === event && match(data)) return data
      }
    }
    throw new Error(`no live event ${event} within 5 s`)
  } finally {
    await reader.cancel()
  }
}

describe('gate mode at the kiosk', () => {
  it('401 without a session; a staff member needs a reason, a technician does not; bad bodies are refused field by field', async () => {
    const k = await startKiosk()
    expect((await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-open' })).status).toBe(401)
    const staff = await k.login()
    const noReason = await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-closed' }, staff)
    expect(noReason).toMatchObject({ status: 400, json: { error: 'invalid', fields: { reason: expect.stringMatching(/why/) } } })
    const short = await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-closed', reason: 'x' }, staff)
    expect(short).toMatchObject({ status: 400, json: { fields: { reason: expect.stringMatching(/2 to 200/) } } })
    const badMode = await k.req('POST', '/api/kiosk/gate/mode', { mode: 'wide-open', reason: 'a parade' }, staff)
    expect(badMode).toMatchObject({ status: 400, json: { fields: { mode: expect.stringMatching(/normal, remain-open, remain-closed/) } } })
    const extra = await k.req('POST', '/api/kiosk/gate/mode', { mode: 'normal', reason: 'fine', relay: 'gate' }, staff)
    expect(extra).toMatchObject({ status: 400, json: { fields: { relay: 'unknown field' } } })
    expect(k.gw.gate.mode).toBe('normal')
    expect(k.outbox('alert')).toEqual([expect.objectContaining({ data: expect.objectContaining({ kind: 'shift_login' }) })])
    expect(k.logs.filter((l) => l.includes('gate mode refused'))).toHaveLength(4)

    const ok = await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-closed', reason: '夜间封闭' }, staff)
    expect(ok).toMatchObject({ status: 200, json: { mode: 'remain-closed', previous: 'normal', changed: true } })
    const tech = await k.login(TECH[0], 'tech')
    expect(await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-open' }, tech)).toMatchObject({ status: 200, json: { mode: 'remain-open' } })
    expect(k.gw.relays[0]!.isOpen).toBe(true)
    const alerts = k.outbox('alert').filter((m) => m.data.kind === 'gate_mode_changed').map(assertPublished)
    expect(alerts).toMatchObject([
      { mode: 'remain-closed', previous: 'normal', via: 'kiosk', staff: 'zhang', reason: '夜间封闭' },
      { mode: 'remain-open', previous: 'remain-closed', via: 'kiosk', staff: 'tech-1', reason: null },
    ])
    const health = await k.req('GET', '/healthz')
    expect(health.json.components.gate).toMatchObject({ kind: 'relay', state: 'open', mode: 'remain-open' })
  })

  it('remain-closed: 人工开闸 at the kiosk opens once and says so (the mode stays); a visitor registered is told gateClosed; the platform\'s gate/open stays shut', async () => {
    const k = await startKiosk()
    const staff = await k.login()
    const pulses = (): number => k.gw.relays[0]!.health().counters.pulses ?? 0
    expect((await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-closed', reason: '夜间封闭' }, staff)).status).toBe(200)
    const open = await k.req('POST', '/api/kiosk/open', { reason: 'ambulance', direction: 'in' }, staff)
    expect(open).toMatchObject({ status: 200, json: { decision: 'admit', reasons: ['manual_override'], opened: true, gateFailed: false } })
    expect(open.json.gateClosed).toBeUndefined()
    expect(pulses()).toBe(1)
    expect(k.gw.gate.mode).toBe('remain-closed')
    const entry = assertPublished(k.outbox('entry').at(-1)!)
    expect(entry).toMatchObject({ source: 'override', overrideReason: 'ambulance', reasons: ['manual_override'], gateMode: 'remain-closed', staff: 'zhang' })
    const visitor = await k.req('POST', '/api/kiosk/visitor', { name: '王小明', phoneLast4: '4321', hostUnit: '3-1-502', tempC: 36.5, direction: 'in' }, staff)
    expect(visitor).toMatchObject({ status: 200, json: { decision: 'admit', reasons: ['manual_override', 'gate_closed'], gateClosed: true, opened: false } })
    expect(pulses()).toBe(1)
    const remote = await handleRequest('gate/open', Buffer.from(JSON.stringify({ requestId: 'r1', expires: new Date(Date.now() + 60_000).toISOString(), reason: 'ambulance' })), k.gw.requestContext())
    expect(remote).toMatchObject({ status: 'ok', data: { opened: false, gateClosed: true } })
    expect(pulses()).toBe(1)
    // Back to normal, an open is an open like any other: no gateMode on its entry.
    await k.req('POST', '/api/kiosk/gate/mode', { mode: 'normal', reason: '恢复正常通行' }, staff)
    await k.req('POST', '/api/kiosk/open', { reason: 'delivery', direction: 'in' }, staff)
    expect(pulses()).toBe(2)
    expect(assertPublished(k.outbox('entry').at(-1)!).gateMode).toBeUndefined()
  })

  it('a denial while the gate is held open says so on its card (deniedOpen): nothing but the staff stops the person', async () => {
    const k = await startKiosk()
    const tech = await k.login(TECH[0], 'tech')
    let n = 0
    const deny = (): Promise<any> => liveEvent(k, 'decision', (d) => d.decision === 'deny', async () => k.scanner('in').inject(`NOT-A-PASS-${++n}`))
    expect(await deny()).toMatchObject({ decision: 'deny', deniedOpen: false })
    await k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-open' }, tech)
    expect(await deny()).toMatchObject({ decision: 'deny', reasons: ['unknown_code'], deniedOpen: true })
  })

  it('the snapshot carries the gate (name and state) and every change comes as a live event gate', async () => {
    const k = await startKiosk()
    const snap = await snapshot(k)
    expect(snap.gate).toMatchObject({ id: 'north-1', name: '北门', mode: 'normal', open: false, fire: { active: false, latched: false, since: null }, tamper: null })
    const tech = await k.login(TECH[0], 'tech')
    const ev = await liveEvent(k, 'gate', (d) => d.mode === 'remain-open', () => k.req('POST', '/api/kiosk/gate/mode', { mode: 'remain-open' }, tech))
    expect(ev).toMatchObject({ id: 'north-1', name: '北门', mode: 'remain-open', open: true, modeBy: { staff: 'tech-1', via: 'kiosk', reason: null, at: expect.any(Number) } })
    expect((await snapshot(k)).gate).toMatchObject({ name: '北门', mode: 'remain-open' })
  })
})

/** A simulated fire-alarm input (a gate has none unless configured). */
const FIRE = [{ name: 'fire-alarm', kind: 'fire-alarm', driver: 'simulated' }]

describe('fire reset at the kiosk', () => {
  it('needs a staff session; 409 not_latched with nothing to reset; a body with fields is refused', async () => {
    const k = await startKiosk({ gate: { fireLatch: true }, devices: { inputs: FIRE } })
    expect((await k.req('POST', '/api/kiosk/gate/fire-reset', {})).status).toBe(401)
    const staff = await k.login()
    expect(await k.req('POST', '/api/kiosk/gate/fire-reset', {}, staff)).toMatchObject({ status: 409, json: { error: 'not_latched' } })
    expect(await k.req('POST', '/api/kiosk/gate/fire-reset', { force: true }, staff)).toMatchObject({ status: 400, json: { error: 'invalid', fields: { force: 'unknown field' } } })
  })

  it('latched: 409 fire_active while the alarm is on; once it cleared the reset puts the gate back, recorded with who', async () => {
    const k = await startKiosk({ gate: { fireLatch: true }, devices: { inputs: FIRE } })
    const fire = k.gw.inputs.find((i) => i.inputKind === 'fire-alarm') as SimulatedInput
    const staff = await k.login()
    const fireState = async (want: (f: { active: boolean; latched: boolean }) => boolean): Promise<void> => {
      for (const deadline = Date.now() + 3000; !want(k.gw.gate.state().fire); ) {
        if (Date.now() > deadline) throw new Error(`fire state still ${JSON.stringify(k.gw.gate.state().fire)}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    fire.set(true)
    await fireState((f) => f.active)
    expect(k.gw.relays[0]!.isOpen).toBe(true)
    expect(await k.req('POST', '/api/kiosk/gate/fire-reset', {}, staff)).toMatchObject({ status: 409, json: { error: 'fire_active' } })
    fire.set(false)
    await fireState((f) => !f.active && f.latched)
    expect(k.gw.relays[0]!.isOpen).toBe(true)
    expect((await snapshot(k)).gate).toMatchObject({ open: true, fire: { active: false, latched: true } })
    expect(await k.req('POST', '/api/kiosk/gate/fire-reset', {}, staff)).toMatchObject({ status: 200, json: { ok: true } })
    expect(k.gw.relays[0]!.isOpen).toBe(false)
    const kinds = k.outbox('alert').map(assertPublished).map((a) => a.kind)
    expect(kinds).toEqual(['shift_login', 'fire_alarm', 'fire_alarm_cleared', 'fire_reset'])
    expect(k.outbox('alert').at(-1)!.data).toMatchObject({ kind: 'fire_reset', staff: 'zhang' })
    expect(await k.req('POST', '/api/kiosk/gate/fire-reset', {}, staff)).toMatchObject({ status: 409, json: { error: 'not_latched' } })
  })
})

describe('door and enclosure alarms at the kiosk', () => {
  it('POST /api/kiosk/gate/ack: a staff session, an alarm waiting and an outcome of its kind; then it leaves the snapshot', async () => {
    const k = await startKiosk({ devices: { inputs: [{ name: 'tamper', kind: 'tamper', driver: 'simulated', debounceMs: 0 }] } })
    const lid = k.gw.inputs.find((i) => i.inputKind === 'tamper') as SimulatedInput
    for (const deadline = Date.now() + 3000; k.gw.gate.state().tamper === null; ) {
      if (Date.now() > deadline) throw new Error('the tamper input was never read')
      await new Promise((r) => setTimeout(r, 20))
    }
    lid.set(true)
    lid.set(false)
    const [alarm] = (await snapshot(k)).gate.alarms
    expect(alarm).toMatchObject({ kind: 'tamper', device: 'tamper', count: 1, endedAt: expect.any(Number) })
    expect((await k.req('POST', '/api/kiosk/gate/ack', { id: alarm.id, outcome: 'maintenance' })).status).toBe(401)
    const staff = await k.login()
    expect(await k.req('POST', '/api/kiosk/gate/ack', { id: alarm.id }, staff)).toMatchObject({ status: 400, json: { error: 'invalid', fields: { outcome: expect.any(String) } } })
    expect(await k.req('POST', '/api/kiosk/gate/ack', { id: alarm.id, outcome: 'police_called' }, staff)).toMatchObject({ status: 400, json: { fields: { outcome: 'one of maintenance, checked_closed, tech_told' } } })
    expect(await k.req('POST', '/api/kiosk/gate/ack', { id: 'nope', outcome: 'maintenance' }, staff)).toMatchObject({ status: 409, json: { error: 'no_alarm' } })
    expect(await k.req('POST', '/api/kiosk/gate/ack', { id: alarm.id, outcome: 'maintenance', extra: 1 }, staff)).toMatchObject({ status: 400, json: { fields: { extra: 'unknown field' } } })
    expect(await k.req('POST', '/api/kiosk/gate/ack', { id: alarm.id, outcome: 'maintenance' }, staff)).toMatchObject({ status: 200, json: { acknowledged: alarm.id, kind: 'tamper', outcome: 'maintenance' } })
    expect((await snapshot(k)).gate.alarms).toEqual([])
    expect(await k.req('POST', '/api/kiosk/gate/ack', { id: alarm.id, outcome: 'maintenance' }, staff)).toMatchObject({ status: 409 })
    const acks = k.outbox('alert').filter((m) => m.data.kind === 'tamper_acknowledged').map(assertPublished)
    expect(acks).toMatchObject([{ staff: 'zhang', alarm: 'tamper', device: 'tamper', outcome: 'maintenance', count: 1 }])
  })
})
