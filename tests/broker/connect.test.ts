// CONNECTs as a LAN attacker sends them (raw packets, bench/storm.ts) against the real embedded broker:
// usernames cannot be told apart, password checks are bounded, a failing source backs off, reserved client ids hold.
import { afterEach, describe, expect, it } from 'vitest'
import { brokerConnectStorm, connectStorm, rawConnect } from '../../bench/storm.ts'
import { newBridgeUser } from '../../gateway/broker/users.ts'
import { closed, connect, connectFrom, startTestBroker, type TestBroker } from './helpers.ts'

const users = [
  { username: 'lobby', password: 'lobby-pw', role: 'display' as const },
  { username: 'panel-1', password: 'panel-1-pw', role: 'device' as const },
]
let broker: TestBroker | null = null
afterEach(async () => {
  await broker?.close()
  broker = null
})

/** A monotonic clock that does not move: a source's wait never runs out during the test, however slow the machine. */
const stopped = (): number => 0
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const at = (b: TestBroker) => ({ host: '127.0.0.1', port: b.port })

describe('local broker: CONNECT from an untrusted network', () => {
  it('answers an unknown user as it answers a known one with a wrong or no password: same code, same time', async () => {
    broker = await startTestBroker(users)
    const unknown: number[] = []
    const wrong: number[] = []
    const none: number[] = []
    const codes = new Set<string>()
    // Each try from its own source address, so the backoff does not answer for the password check.
    for (let i = 1; i <= 15; i++) {
      const u = await rawConnect({ ...at(broker), username: 'nobody', password: 'guess-1234', localAddress: `127.0.1.${i}` })
      const w = await rawConnect({ ...at(broker), username: 'lobby', password: 'guess-1234', localAddress: `127.0.2.${i}` })
      const n = await rawConnect({ ...at(broker), username: 'lobby', localAddress: `127.0.3.${i}` })
      unknown.push(u.ms), wrong.push(w.ms), none.push(n.ms)
      codes.add(`unknown:${u.returnCode}`).add(`wrong:${w.returnCode}`).add(`none:${n.returnCode}`)
    }
    expect([...codes].sort()).toEqual(['none:4', 'unknown:4', 'wrong:4'])
    const ratios = { unknown: median(unknown) / median(wrong), none: median(none) / median(wrong) }
    expect(ratios.unknown, `medians ms: unknown ${median(unknown)}, wrong ${median(wrong)}`).toBeGreaterThan(0.5)
    expect(ratios.unknown).toBeLessThan(2)
    expect(ratios.none, `medians ms: no password ${median(none)}, wrong ${median(wrong)}`).toBeGreaterThan(0.5)
    expect(ratios.none).toBeLessThan(2)
    expect(broker.stats().passwordChecks).toBe(45)
  })

  it('a storm from one source costs a handful of checks, then that source is refused at once, even with the right password; others get in', async () => {
    broker = await startTestBroker(users, [], { mono: stopped })
    const storm = connectStorm({ url: broker.url, count: 300, username: 'lobby', localAddress: '127.0.0.3' })
    // A real display on another address, retrying as mqtt.js would, while the storm runs.
    let legit = null as number | null
    for (let i = 0; i < 50 && legit !== 0; i++) {
      legit = (await rawConnect({ ...at(broker), username: 'lobby', password: 'lobby-pw', localAddress: '127.0.0.4' })).returnCode
      if (legit !== 0) await new Promise((r) => setTimeout(r, 100))
    }
    const s = await storm
    expect(legit).toBe(0)
    expect(s.codes).toEqual({ 4: 300 })
    const st = broker.stats()
    // 5 free failures, the 6th starts the wait (which, on this stopped clock, never runs out); + the display.
    expect(st.passwordChecks, JSON.stringify(st)).toBeLessThanOrEqual(6 + 1)
    expect(st.refusedBackoff + st.refusedBusy).toBeGreaterThanOrEqual(294)
    expect(st.sourcesBackingOff).toBe(1)
    const checks = st.passwordChecks
    expect((await rawConnect({ ...at(broker), username: 'lobby', password: 'lobby-pw', localAddress: '127.0.0.3' })).returnCode).toBe(4)
    expect(broker.stats().passwordChecks).toBe(checks) // refused without running scrypt
    // mqtt.js, an implementation we did not write, from another address: accepted.
    const c = await connectFrom('127.0.0.5', broker.url, { username: 'lobby', password: 'lobby-pw' })
    expect(c.connected).toBe(true)
    await c.endAsync(true)
    await expect(connectFrom('127.0.0.3', broker.url, { username: 'lobby', password: 'lobby-pw' })).rejects.toMatchObject({ code: 4 })
  })

  it("bench/storm.ts's brokerConnectStorm: every bad CONNECT refused, none accepted", async () => {
    broker = await startTestBroker(users)
    const r = await brokerConnectStorm({ host: '127.0.0.1', port: broker.port, count: 40, username: 'lobby' })
    expect(r).toMatchObject({ refused: 40, accepted: 0 })
    expect(r.ms).toBeGreaterThan(0)
    expect(broker.stats().refusedConnections).toBe(40)
  })

  it('refuses CONNECTs beyond the bounded checks at once, with the same code as a wrong password', async () => {
    broker = await startTestBroker(users, [], { checks: { concurrency: 1, queue: 1 } })
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => rawConnect({ ...at(broker!), username: 'lobby', password: 'lobby-pw', localAddress: `127.0.4.${i + 1}` })),
    )
    const codes = results.map((r) => r.returnCode)
    expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(2) // one running, one queued
    expect(codes.filter((c) => c === 4).length).toBeGreaterThanOrEqual(1)
    expect(codes.every((c) => c === 0 || c === 4)).toBe(true)
    expect(broker.stats().refusedBusy).toBe(codes.filter((c) => c === 4).length)
    expect(broker.stats().passwordChecks).toBe(codes.filter((c) => c === 0).length)
  })

  it("reserves the internal users' client ids before anyone connects; only their user may take them", async () => {
    const bridgeUser = { ...newBridgeUser(), clientIds: ['estate-gate-estate-001-north-1'] }
    broker = await startTestBroker(users, [bridgeUser])
    const id = 'estate-gate-estate-001-north-1'
    // Before the bridge has ever connected: a display with its own right password is refused "identifier rejected".
    expect((await rawConnect({ ...at(broker), clientId: id, username: 'lobby', password: 'lobby-pw' })).returnCode).toBe(2)
    expect((await rawConnect({ ...at(broker), clientId: id, username: 'nobody', password: 'x', localAddress: '127.0.0.6' })).returnCode).toBe(4)
    const bridge = await connect(broker.url, { clientId: id, username: bridgeUser.username, password: bridgeUser.password })
    // Reconnecting with the bridge's id does not take its session over (aedes would kick the holder).
    expect((await rawConnect({ ...at(broker), clientId: id, username: 'lobby', password: 'lobby-pw', localAddress: '127.0.0.7' })).returnCode).toBe(2)
    await new Promise((r) => setTimeout(r, 100))
    expect(bridge.connected).toBe(true)
    await bridge.endAsync()
    await closed(bridge)
    // Still reserved once the bridge has gone.
    expect((await rawConnect({ ...at(broker), clientId: id, username: 'lobby', password: 'lobby-pw', localAddress: '127.0.0.8' })).returnCode).toBe(2)
  })

  it('lets the internal bridge in at once from a source that is backing off', async () => {
    const bridgeUser = { ...newBridgeUser(), clientIds: ['gw-1'] }
    broker = await startTestBroker(users, [bridgeUser], { mono: stopped })
    const s = await connectStorm({ url: broker.url, count: 50, localAddress: '127.0.0.9' })
    expect(s.codes).toEqual({ 4: 50 })
    expect((await rawConnect({ ...at(broker), username: 'lobby', password: 'lobby-pw', localAddress: '127.0.0.9' })).returnCode).toBe(4)
    const r = await rawConnect({ ...at(broker), clientId: 'gw-1', username: bridgeUser.username, password: bridgeUser.password, localAddress: '127.0.0.9' })
    expect(r.returnCode).toBe(0)
    // A wrong guess at the bridge's secret is refused like any other.
    expect((await rawConnect({ ...at(broker), clientId: 'gw-1', username: bridgeUser.username, password: 'x'.repeat(43) })).returnCode).toBe(4)
  })
})
