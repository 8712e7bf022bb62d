// Store-and-forward against a real mosquitto: the uplink down at start, the broker restarted mid-stream, and the
// bridge killed mid-burst. The contract checked each time (DESIGN section 7): every seq arrives at least once, first
// arrivals in increasing seq order, duplicates only with the same id.
import { afterEach, describe, expect, it } from 'vitest'
import type { CloudBridge } from '../../cloud-bridge/bridge.ts'
import type { Store } from '../../gateway/store/store.ts'
import { Recorder, SOURCE, enqueue, makeBridge, openStore, tempDbPath, until } from './helpers.ts'
import { Mosquitto } from './mosquitto.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function broker(persistence: boolean): Promise<Mosquitto> {
  const m = await Mosquitto.start({ persistence })
  cleanup.push(() => m.dispose())
  return m
}
async function subscriber(url: string, persistent: boolean): Promise<Recorder> {
  const r = await Recorder.connect(url, { persistent, clientId: persistent ? 'sub-persistent' : undefined })
  cleanup.push(() => r.close())
  return r
}
function bridgeOn(store: Store, url: string): CloudBridge {
  const b = makeBridge(store, url)
  cleanup.push(() => b.stop())
  return b
}
function storeAt(path?: string): Store {
  const s = openStore(path)
  cleanup.push(() => s.close())
  return s
}

describe('cloud bridge: store and forward', () => {
  it('a graceful stop deletes the acknowledged rows still waiting for their batch', async () => {
    const m = await broker(false)
    const store = storeAt()
    enqueue(store, 10, 10)
    // The flush timer never fires within the test: only the stop can delete them.
    const bridge = makeBridge(store, m.url, { ackFlushMs: 600_000 })
    cleanup.push(() => bridge.stop())
    bridge.start()
    await until(() => bridge.status().ackedTotal === 10, 'ten PUBACKs')
    expect(store.outboxBacklog().count).toBe(10)
    expect(bridge.status().backlog).toBe(0)
    await bridge.stop()
    expect(store.outboxBacklog().count).toBe(0)
  })

  it('delivers rows committed while the uplink was down, in seq order, marked historical', async () => {
    const m = await broker(true)
    // The subscriber's persistent session is saved by the broker, so nothing depends on who reconnects first.
    const sub = await subscriber(m.url, true)
    await m.stop()
    const store = storeAt()
    const seqs = enqueue(store, 300, 100)
    const bridge = bridgeOn(store, m.url)
    bridge.start()
    await until(() => bridge.status().lastError !== null, 'a failed connection attempt')
    expect(bridge.status()).toMatchObject({ connected: false, backlog: 300, inFlight: 0 })

    await m.restart()
    await bridge.whenDrained()
    await until(() => sub.maxSeq >= seqs.at(-1)!, 'all 300 at the subscriber')
    expect(sub.check(seqs[0]!, seqs.at(-1)!)).toEqual({ missing: [], outOfOrder: 0, duplicates: 0, idConflicts: 0 })
    expect(sub.events.every((a) => a.event.historical === true)).toBe(true)
    const first = sub.events[0]!
    expect(first.topic).toBe('entry')
    expect(first.event).toMatchObject({ specversion: '1.0', source: SOURCE, type: 'estategate.entry.v1', datacontenttype: 'application/json', seq: seqs[0] })
    expect(first.event.data).toEqual({ i: 0, direction: 'in', decision: 'admit' })
    expect(Date.parse(first.event.time)).not.toBeNaN()
    expect(store.outboxBacklog().count).toBe(0)

    // Committed while connected: not historical.
    const live = enqueue(store, 5)
    bridge.wake()
    await until(() => sub.maxSeq >= live.at(-1)!, 'the live rows')
    expect(sub.events.slice(-5).map((a) => [a.event.seq, a.event.historical])).toEqual(live.map((s) => [s, undefined]))
  })

  it('loses nothing when the broker restarts mid-stream while the gate keeps committing', async () => {
    const m = await broker(true)
    const sub = await subscriber(m.url, true)
    const store = storeAt()
    const bridge = bridgeOn(store, m.url)
    bridge.start()
    await until(() => bridge.status().connected, 'connected')
    const producer = setInterval(() => {
      enqueue(store, 10)
      bridge.wake()
    }, 4)
    cleanup.push(() => clearInterval(producer))
    await until(() => (bridge.status().lastAckedSeq ?? 0) >= 300, '300 acknowledged')
    await m.restart()
    await until(() => bridge.status().connected && bridge.status().reconnects >= 1, 'reconnected')
    const resumedAt = bridge.status().lastAckedSeq ?? 0
    await until(() => (bridge.status().lastAckedSeq ?? 0) >= resumedAt + 300, '300 more acknowledged')
    clearInterval(producer)
    await bridge.whenDrained()
    const last = store.lastSeq()
    await until(() => sub.maxSeq >= last, `seq ${last} at the subscriber`)
    const c = sub.check(1, last)
    expect(c.missing).toEqual([])
    expect(c.outOfOrder).toBe(0)
    expect(c.idConflicts).toBe(0)
    expect(store.outboxBacklog().count).toBe(0)
  })

  it('a new bridge on the same database after a crash mid-burst: no committed row missing, seq continuing', async () => {
    const m = await broker(false)
    const sub = await subscriber(m.url, false)
    const path = tempDbPath()
    const store1 = openStore(path)
    const first = enqueue(store1, 4000)
    const bridge1 = makeBridge(store1, m.url)
    bridge1.start()
    await until(() => (bridge1.status().lastAckedSeq ?? 0) >= 800, '800 acknowledged')
    bridge1.kill() // like SIGKILL: socket gone, unflushed deletes lost, nothing runs afterwards
    expect(bridge1.status().ackedTotal).toBeLessThan(4000) // killed mid-burst
    store1.close()

    const store2 = storeAt(path)
    const more = enqueue(store2, 200)
    expect(more[0]).toBe(first.at(-1)! + 1)
    const bridge2 = bridgeOn(store2, m.url)
    bridge2.start()
    await bridge2.whenDrained()
    await until(() => sub.maxSeq >= more.at(-1)!, 'the last seq at the subscriber')
    const c = sub.check(1, more.at(-1)!)
    expect(c.missing).toEqual([])
    expect(c.outOfOrder).toBe(0)
    expect(c.idConflicts).toBe(0)
    expect(store2.outboxBacklog().count).toBe(0)
    // The will told the platform the first bridge died.
    expect(sub.statuses.map((s) => s.status.state)).toContain('offline')
    expect(sub.events.every((a) => a.topic === 'entry')).toBe(true)
  })
})

describe('cloud bridge: stop', () => {
  it('stops promptly in the middle of a backlog: in-flight acks awaited, the rest stays in the outbox', async () => {
    const m = await broker(false)
    const store = storeAt()
    enqueue(store, 20_000)
    const bridge = makeBridge(store, m.url)
    bridge.start()
    await until(() => (bridge.status().lastAckedSeq ?? 0) >= 1000, '1000 acknowledged')
    const t0 = Date.now()
    await bridge.stop()
    expect(Date.now() - t0).toBeLessThan(1500)
    const s = bridge.status()
    expect(s).toMatchObject({ connected: false, inFlight: 0 })
    expect(store.outboxBacklog().count).toBe(20_000 - s.ackedTotal) // every acknowledged row deleted, no other
    expect(store.outboxBacklog().firstSeq).toBe(s.lastAckedSeq! + 1)
  })
})
