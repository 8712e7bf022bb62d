// The local mirror (cloud-bridge/mirror.ts) against the real embedded broker (aedes, gateway/broker): it shows the
// gate's own topics to a display, leaves the outbox to the uplink, and has the retained summaries on the broker again
// after a restart even when the uplink had long acknowledged and deleted them.
import { randomUUID } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import type { CloudBridge } from '../../cloud-bridge/bridge.ts'
import { mirrorOutbox } from '../../cloud-bridge/mirror.ts'
import { refusedRows } from '../../cloud-bridge/outbox.ts'
import { newBridgeUser, startLocalBroker, type LocalBroker } from '../../gateway/broker/broker.ts'
import type { Store } from '../../gateway/store/store.ts'
import { Summarizer } from '../../gateway/summaries.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'
import { P, enqueue, log, makeBridge, message, openStore, tempDbPath, until } from './helpers.ts'

const DISPLAY = { username: 'display', password: 'display-secret-1' }
const at = (local: string): number => Date.parse(`${local}+08:00`)

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.reverse()) await c()
  cleanup = []
})

async function broker(): Promise<{ broker: LocalBroker; bridgeUser: ReturnType<typeof newBridgeUser> }> {
  const bridgeUser = newBridgeUser()
  const b = await startLocalBroker({ host: '127.0.0.1', port: 0, users: [{ ...DISPLAY, role: 'display' }], prefix: P, log, internalUsers: [bridgeUser] })
  cleanup.push(() => b.close())
  return { broker: b, bridgeUser }
}

function mirror(store: Store, summarizer: Summarizer, url: string, user: { username: string; password: string }): CloudBridge {
  const m = makeBridge(store, url, {
    protocolVersion: 4,
    clientId: `mirror-${randomUUID().slice(0, 6)}`,
    username: user.username,
    password: user.password,
    outbox: mirrorOutbox(store, { retained: () => summarizer.lastQueued() }),
  })
  m.start()
  cleanup.push(() => m.stop())
  return m
}

async function displayClient(url: string): Promise<{ client: MqttClient; got: { topic: string; body: string; retain: boolean }[] }> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, ...DISPLAY, clientId: `display-${randomUUID().slice(0, 6)}`, reconnectPeriod: 0 })
  cleanup.push(() => client.endAsync(true))
  const got: { topic: string; body: string; retain: boolean }[] = []
  client.on('message', (topic, payload, packet) => got.push({ topic: topic.slice(P.length + 1), body: payload.toString(), retain: packet.retain }))
  await client.subscribeAsync(`${P}/#`, { qos: 1 })
  return { client, got }
}

describe('the local mirror on the embedded broker', () => {
  it('shows new events, status and devices to a display, and leaves every outbox row to the uplink', async () => {
    const store = openStore()
    const summarizer = new Summarizer({ store, timeZone: 'Asia/Shanghai', clock: { now: () => Date.now(), mono: () => performance.now() }, log })
    enqueue(store, 5) // before the mirror: for a broker that has since restarted, not shown
    const { broker: b, bridgeUser } = await broker()
    const m = mirror(store, summarizer, b.url, bridgeUser)
    m.publishDevice('gate', { name: 'gate', kind: 'relay', driver: 'simulated', online: true, lastSeen: null, counters: {} })
    await until(() => m.status().connected, 'the mirror connected')
    const d = await displayClient(b.url)
    const seqs = store.enqueue([message('entry'), message('alert', { kind: 'fever', severity: 'critical', message: 'x' }), message('task')], Date.now())
    m.wake()
    await until(() => d.got.filter((g) => ['entry', 'alert', 'task'].includes(g.topic)).length === 3, 'three events at the display')
    const events = d.got.filter((g) => ['entry', 'alert', 'task'].includes(g.topic)).map((g) => JSON.parse(g.body) as { seq: number; seqstream: string })
    expect(events.map((e) => e.seq)).toEqual(seqs)
    expect(events.every((e) => e.seqstream === store.seqstream())).toBe(true)
    expect(d.got.find((g) => g.topic === 'status')).toMatchObject({ retain: true })
    assertMessage('status', JSON.parse(d.got.find((g) => g.topic === 'status')!.body))
    expect(d.got.find((g) => g.topic === 'device/gate')).toMatchObject({ retain: true })
    // Nothing acknowledged, nothing set aside: the uplink still has all 8 to send.
    await new Promise((r) => setTimeout(r, 100))
    expect(store.outboxBacklog()).toEqual({ count: 8, firstSeq: 1 })
    expect(refusedRows(store)).toEqual([])
  })

  it('never shows a duress alert to a display, and what follows one still reaches it (in any batch size)', async () => {
    const store = openStore()
    const summarizer = new Summarizer({ store, timeZone: 'Asia/Shanghai', clock: { now: () => Date.now(), mono: () => performance.now() }, log })
    const duress = (): ReturnType<typeof message> => message('alert', { kind: 'duress', severity: 'critical', message: 'x', staff: 'zhang', staffName: '张伟', loginFrom: 'screen', loggedInAt: new Date().toISOString() })
    const view = mirrorOutbox(store, { retained: () => [] })
    const seqs = store.enqueue([duress(), message('entry'), duress(), duress(), message('alert', { kind: 'fever', severity: 'critical', message: 'x' }), duress()], Date.now())
    // One row at a time, as a drain with a window of 1 reads: past each left-out row, never stuck before one.
    const read: number[] = []
    for (let cursor = 0, rows = view.outboxAfter(0, 1); rows.length > 0; rows = view.outboxAfter(cursor, 1)) read.push((cursor = rows[0]!.seq))
    expect(read).toEqual([seqs[1], seqs[4]])
    expect(view.outboxAfter(seqs[4]!, 10)).toEqual([])
    expect(view.outboxAfter(0, 10).map((r) => r.seq)).toEqual([seqs[1], seqs[4]])
    // Queued as the kiosk queues it (unlisted), it is not counted in the backlog a display's status shows either.
    store.enqueueUnlisted([duress()], Date.now())
    expect(store.outboxBacklog().count).toBe(7)
    expect(view.outboxBacklog()).toEqual({ count: 6, firstSeq: seqs[0] })

    const { broker: b, bridgeUser } = await broker()
    const m = mirror(store, summarizer, b.url, bridgeUser)
    await until(() => m.status().connected, 'the mirror connected')
    const d = await displayClient(b.url)
    const live = store.enqueue([duress(), message('entry'), duress(), message('entry')], Date.now())
    m.wake()
    // The display gets a topic's messages in seq order: with the last entry in, every alert before it would be too.
    await until(() => d.got.filter((g) => g.topic === 'entry').length === 2, 'both entries around the duress alerts at the display')
    expect(d.got.filter((g) => g.topic === 'entry').map((g) => (JSON.parse(g.body) as { seq: number }).seq)).toEqual([live[1], live[3]])
    expect(d.got.map((g) => g.body).join('\n')).not.toContain('duress')
    // Still the uplink's to send.
    expect(store.outboxAfter(0, 100).filter((r) => r.data.includes('"duress"')).length).toBe(7)
  })

  it('after a restart, the last hour and day summaries are retained on the broker again, though the uplink deleted them; a resend never replaces them', async () => {
    const path = tempDbPath()
    let now = at('2026-11-23T08:30:00')
    const clock = { now: () => now, mono: () => now }
    {
      const store = openStore(path)
      const summarizer = new Summarizer({ store, timeZone: 'Asia/Shanghai', clock, log })
      summarizer.catchUp()
      now = at('2026-11-25T10:05:00')
      summarizer.catchUp()
      summarizer.resendDays('2026-11-23', '2026-11-23')
      // The uplink delivered everything: the outbox is empty.
      for (const r of store.outboxAfter(0, 10_000)) store.acknowledge(r.seq)
      expect(store.outboxBacklog().count).toBe(0)
      store.close()
    }
    const store = openStore(path)
    const summarizer = new Summarizer({ store, timeZone: 'Asia/Shanghai', clock, log })
    const { broker: b, bridgeUser } = await broker()
    const m = mirror(store, summarizer, b.url, bridgeUser)
    await until(() => m.status().connected, 'the mirror connected')
    await m.whenDrained()
    const d = await displayClient(b.url)
    await until(() => d.got.some((g) => g.topic === 'summary/day') && d.got.some((g) => g.topic === 'summary/hour'), 'retained summaries')
    const day = d.got.find((g) => g.topic === 'summary/day')!
    const hour = d.got.find((g) => g.topic === 'summary/hour')!
    expect(day.retain && hour.retain).toBe(true)
    const dayEvent = JSON.parse(day.body) as { data: { period: string }; resend?: true }
    expect(dayEvent.data.period).toBe('2026-11-24')
    expect(dayEvent.resend).toBeUndefined()
    expect((JSON.parse(hour.body) as { data: { period: string } }).data.period).toBe('2026-11-25T09')
    for (const g of [day, hour]) assertMessage(messageForTopic(g.topic), JSON.parse(g.body))
  })
})
