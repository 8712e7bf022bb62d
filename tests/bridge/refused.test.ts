// Poison messages: a row the broker refuses must neither loop forever nor be dropped. It is set aside in
// outbox_refused (counted, logged) and the drain goes on. MQTT 5 refuses with a PUBACK reason code (mosquitto ACL);
// MQTT 3.1.1 can only close the connection (aedes), which the bridge recognises after a few identical kicks.
// Also: the fallback from MQTT 5 to 3.1.1 when the broker does not speak 5 (aedes 1.x).
import { createServer, type Server } from 'node:net'
import { Aedes, type AedesOptions } from 'aedes'
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { refusedRows } from '../../cloud-bridge/outbox.ts'
import { P, Recorder, makeBridge, message, openStore, until } from './helpers.ts'
import { Mosquitto } from './mosquitto.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

/** aedes 1.x: MQTT 3.1.1 only, and a refused publish closes the connection. */
async function aedesBroker(authorizePublish: AedesOptions['authorizePublish']): Promise<{ url: string; broker: Aedes }> {
  const broker = await Aedes.createBroker({ authorizePublish })
  const server: Server = createServer(broker.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  cleanup.push(() => new Promise<void>((r) => broker.close(() => server.close(() => r()))))
  return { url: `mqtt://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, broker }
}

describe('cloud bridge: refused messages', () => {
  it('MQTT 5: a publish refused by PUBACK is set aside, the rest flows, no reconnect loop', async () => {
    const m = await Mosquitto.start({ acl: `topic readwrite estate-gate/#\ntopic deny ${P}/alert\n` })
    cleanup.push(() => m.dispose())
    const sub = await Recorder.connect(m.url)
    cleanup.push(() => sub.close())
    const store = openStore()
    cleanup.push(() => store.close())
    const seqs = store.enqueue([message('entry'), message('alert', { kind: 'fever' }), message('entry'), message('bad/+'), message('task')], Date.now())
    const bridge = makeBridge(store, m.url)
    cleanup.push(() => bridge.stop())
    bridge.start()
    await bridge.whenDrained()
    await until(() => sub.maxSeq >= seqs[4]!, 'the task event')
    expect(sub.events.map((a) => [a.topic, a.event.seq])).toEqual([
      ['entry', seqs[0]],
      ['entry', seqs[2]],
      ['task', seqs[4]],
    ])
    expect(bridge.status()).toMatchObject({ connected: true, refused: 2, reconnects: 0, backlog: 0, protocolVersion: 5 })
    const refused = refusedRows(store)
    expect(refused.map((r) => [r.seq, r.topic])).toEqual([
      [seqs[1], 'alert'],
      [seqs[3], 'bad/+'],
    ])
    expect(refused[0]!.reason).toMatch(/Not authorized.*0x87/)
    expect(refused[1]!.reason).toMatch(/invalid topic/)
    expect(JSON.parse(refused[0]!.data)).toEqual({ kind: 'fever' }) // kept whole, for a human
  })

  it('a broker that stops acknowledging: the ack timeout drops the connection and everything is resent', async () => {
    let hold = true
    const held: (() => void)[] = []
    const { url } = await aedesBroker((_client, packet, done) => {
      if (hold && packet.topic.endsWith('/entry')) held.push(() => done(null)) // no PUBACK until released
      else done(null)
    })
    const store = openStore()
    cleanup.push(() => store.close())
    const seqs = store.enqueue([message('entry'), message('entry')], Date.now())
    const bridge = makeBridge(store, url, { protocolVersion: 4, ackTimeoutMs: 300, pollMs: 50, backoff: { initialMs: 40, maxMs: 200 } })
    cleanup.push(() => bridge.stop())
    bridge.start()
    await until(() => bridge.status().reconnects >= 1, 'a reconnect after the ack timeout')
    expect(bridge.status().lastError).toMatch(/no PUBACK for seq 1/)
    expect(bridge.status().refused).toBe(0) // a silent broker is not a refusing one
    hold = false
    await bridge.whenDrained()
    expect(store.outboxBacklog().count).toBe(0)
    expect(bridge.status().lastAckedSeq).toBe(seqs[1])
  })

  it('MQTT 3.1.1 broker: falls back from 5, and a message that gets the connection closed is set aside after 3 kicks', async () => {
    const { url, broker } = await aedesBroker((_client, packet, done) => done(packet.topic === `${P}/alert` ? new Error('denied') : null))
    const store = openStore()
    cleanup.push(() => store.close())
    const seqs = store.enqueue([message('entry'), message('alert'), message('entry')], Date.now())
    const bridge = makeBridge(store, url, { protocolVersion: 5, backoff: { initialMs: 40, maxMs: 200 } })
    cleanup.push(() => bridge.stop())
    const got: number[] = []
    broker.subscribe(`${P}/+`, (packet, cb) => {
      if (!packet.topic.endsWith('/status')) got.push((JSON.parse(packet.payload.toString()) as { seq: number }).seq)
      cb()
    }, () => {})
    bridge.start()
    await bridge.whenDrained()
    await until(() => got.includes(seqs[2]!), 'the entry after the refused alert')
    expect([...new Set(got)]).toEqual([seqs[0], seqs[2]])
    expect(bridge.status()).toMatchObject({ protocolVersion: 4, refused: 1, backlog: 0 })
    expect(bridge.status().reconnects).toBeLessThanOrEqual(4)
    expect(refusedRows(store).map((r) => [r.seq, r.topic])).toEqual([[seqs[1], 'alert']])
    expect(refusedRows(store)[0]!.reason).toMatch(/closed the connection/)
  })
  it('MQTT 5: another client taking the bridge\'s client id over and over sets nothing aside; every message arrives, in order', async () => {
    // mosquitto 2.0 closes the old session on a takeover without a DISCONNECT: to the bridge that looks like a
    // 3.1.1 broker refusing the message in flight. On MQTT 5 refusals come as PUBACK codes, so a close never convicts.
    const m = await Mosquitto.start()
    cleanup.push(() => m.dispose())
    const sub = await Recorder.connect(m.url)
    cleanup.push(() => sub.close())
    const store = openStore()
    cleanup.push(() => store.close())
    const bridge = makeBridge(store, m.url, { backoff: { initialMs: 20, maxMs: 100 } })
    cleanup.push(() => bridge.stop())
    bridge.start()
    const seqs: number[] = []
    const feed = setInterval(() => {
      seqs.push(...store.enqueue([message('entry')], Date.now()))
      bridge.wake()
    }, 5)
    cleanup.push(() => clearInterval(feed))
    // The squatter, as a compromised account on the central broker would: each time the bridge says it is online,
    // take its client id over at once, while its first messages are in flight; 12 times.
    const watch = await mqtt.connectAsync(m.url, { protocolVersion: 5 })
    cleanup.push(() => watch.endAsync())
    let takeovers = 0
    watch.on('message', (_t, payload) => {
      if (payload.length === 0 || (JSON.parse(payload.toString()) as { state: string }).state !== 'online' || takeovers >= 12) return
      takeovers++
      const squat = mqtt.connect(m.url, { clientId: 'gw-estate-001-north-1', protocolVersion: 4, reconnectPeriod: 0 })
      squat.once('connect', () => setTimeout(() => squat.end(true), 20))
      squat.on('error', () => {})
    })
    await watch.subscribeAsync(`${P}/status`, { qos: 1 })
    await until(() => takeovers >= 12, 'twelve takeovers', 20_000)
    clearInterval(feed)
    await until(() => bridge.status().connected && store.outboxBacklog().count === 0, 'the backlog drained', 20_000)
    await until(() => sub.maxSeq >= seqs.at(-1)!, 'the last entry', 20_000)
    expect(bridge.status().reconnects).toBeGreaterThan(5)
    expect(bridge.status().refused).toBe(0)
    expect(refusedRows(store)).toEqual([])
    expect([...new Set(sub.events.map((a) => a.event.seq as number))]).toEqual(seqs)
  }, 60_000)
})
