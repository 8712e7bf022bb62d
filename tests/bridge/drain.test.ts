// The drain without a broker: a fake publish function records what would go on the wire and settles on demand.
// Real Store on a temp file.
import { describe, expect, it } from 'vitest'
import { Drain, type PublishFn } from '../../cloud-bridge/drain.ts'
import { eventSerializer } from '../../cloud-bridge/envelope.ts'
import { refusedRows, storeOutbox } from '../../cloud-bridge/outbox.ts'
import { KickProbe } from '../../cloud-bridge/probe.ts'
import { backoffDelay, type Flight } from '../../cloud-bridge/window.ts'
import { Store } from '../../gateway/store/store.ts'
import { P, SOURCE, enqueue, log, message, openStore, tempDbPath } from './helpers.ts'

interface Sent {
  topic: string
  seq: number
  retain: boolean
  done: (err: Error | undefined) => void
}

function setup(rows: number, ackBatch?: number): { store: Store; drain: Drain; sent: Sent[]; publish: PublishFn } {
  const store = openStore()
  enqueue(store, rows)
  let t = 0
  const drain = new Drain({
    outbox: storeOutbox(store),
    prefix: P,
    serialize: eventSerializer(SOURCE, store.seqstream()),
    mono: () => ++t,
    now: () => Date.now(),
    log,
    ackFlushMs: 10_000,
    ...(ackBatch !== undefined ? { ackBatch } : {}),
  })
  const sent: Sent[] = []
  const publish: PublishFn = (topic, payload, retain, done) =>
    sent.push({ topic, seq: (JSON.parse(payload) as { seq: number }).seq, retain, done })
  return { store, drain, sent, publish }
}

const refusal = (code: number): Error => Object.assign(new Error(`Publish error ${code}`), { code })

describe('drain', () => {
  it('publishes summaries retained, except a resend: unretained and marked, so the retained day stays the last complete one', () => {
    const store = openStore()
    const day = (period: string, resend?: true): ReturnType<typeof message> => ({ ...message('summary/day', { kind: 'day', period }), ...(resend ? { resend } : {}) })
    store.enqueue([day('2026-11-30'), day('2026-11-20', true), message('entry')], Date.now())
    const drain = new Drain({ outbox: storeOutbox(store), prefix: P, serialize: eventSerializer(SOURCE, store.seqstream()), mono: () => 0, now: () => Date.now(), log, ackFlushMs: 10_000 })
    const sent: { topic: string; retain: boolean; event: Record<string, unknown> }[] = []
    drain.begin((topic, payload, retain) => sent.push({ topic, retain, event: JSON.parse(payload) }), { window: 8, maxPacket: null })
    drain.pump()
    expect(sent.map((s) => [s.topic, s.retain, s.event.resend])).toEqual([
      [`${P}/summary/day`, true, undefined],
      [`${P}/summary/day`, false, true],
      [`${P}/entry`, false, undefined],
    ])
    expect(sent.every((s) => s.event.seqstream === store.seqstream())).toBe(true)
  })

  it('keeps at most `window` in flight, in seq order, refilling by half-windows', () => {
    const { drain, sent, publish } = setup(20)
    drain.begin(publish, { window: 8, maxPacket: null })
    drain.pump()
    expect(sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    for (const s of sent.slice(0, 3)) s.done(undefined)
    expect(sent).toHaveLength(8) // 5 in flight: above half, no refill yet
    sent[3]!.done(undefined)
    expect(sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(drain.inFlight).toBe(8)
    expect(sent[0]!.topic).toBe(`${P}/entry`)
  })

  it('deletes rows only after their PUBACK, in one batch, and rewinds to the lowest unacknowledged on a lost connection', () => {
    const { store, drain, sent, publish } = setup(10)
    drain.begin(publish, { window: 4, maxPacket: null })
    drain.pump()
    sent[0]!.done(undefined)
    sent[2]!.done(undefined) // out of order: 2 still unacknowledged
    expect(store.outboxBacklog().count).toBe(10) // not flushed yet
    expect(drain.end()).toBe(2)
    expect(store.outboxBacklog()).toEqual({ count: 8, firstSeq: 2 })
    sent[1]!.done(undefined) // a late ack from the dead connection is ignored

    const again: Sent[] = []
    drain.begin((topic, payload, retain, done) => again.push({ topic, seq: (JSON.parse(payload) as { seq: number }).seq, retain, done }), { window: 4, maxPacket: null })
    drain.pump()
    expect(again.map((s) => s.seq)).toEqual([2, 4, 5, 6]) // 3 was acknowledged and deleted: not resent
    expect(drain.lastAckedSeq).toBe(3)
  })

  it('deletes a full batch of acknowledged rows in a task of its own, not inside the PUBACK handler', async () => {
    const { store, drain, sent, publish } = setup(10, 4)
    drain.begin(publish, { window: 8, maxPacket: null })
    drain.pump()
    for (const s of sent.slice(0, 4)) s.done(undefined)
    expect(store.outboxBacklog().count).toBe(10)
    await new Promise((r) => setImmediate(r))
    expect(store.outboxBacklog()).toEqual({ count: 6, firstSeq: 5 })
  })

  it('deletes exactly the acknowledged seqs: consecutive runs as ranges, never a row between two runs', () => {
    const store = openStore()
    enqueue(store, 12)
    const outbox = storeOutbox(store)
    outbox.acknowledgeMany([9, 1, 2, 3, 3, 5, 6, 12])
    expect(store.outboxAfter(0, 20).map((r) => r.seq)).toEqual([4, 7, 8, 10, 11])
    outbox.acknowledgeMany([10])
    expect(store.outboxAfter(0, 20).map((r) => r.seq)).toEqual([4, 7, 8, 11])
  })

  it('deletes acknowledged rows without an fsync of their own, and every later decision is fsynced again', () => {
    const store = new Store(tempDbPath(), { synchronous: 'full' })
    enqueue(store, 4)
    const outbox = storeOutbox(store)
    const sync = (): number => store.db.pragma('synchronous', { simple: true }) as number
    expect(sync()).toBe(2)
    outbox.acknowledgeMany([1, 2])
    expect(store.outboxAfter(0, 10).map((r) => r.seq)).toEqual([3, 4])
    // FULL again for what follows (a decision is on disk before the relay moves), also after a delete that failed.
    expect(sync()).toBe(2)
    store.db.exec('CREATE TRIGGER no_delete BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, \'injected\'); END')
    expect(() => outbox.acknowledgeMany([3])).toThrow(/injected/)
    expect(sync()).toBe(2)
  })

  it('sets a refused row aside and goes on; a transient refusal asks for a reconnect instead', () => {
    const { store, drain, sent, publish } = setup(0)
    store.enqueue([message('entry'), message('alert'), message('entry'), message('summary/day'), message('bad/#')], Date.now())
    const transient: string[] = []
    drain.onTransient = (r) => transient.push(r)
    drain.begin(publish, { window: 10, maxPacket: null })
    drain.pump()
    expect(sent.map((s) => [s.seq, s.retain])).toEqual([[1, false], [2, false], [3, false], [4, true]]) // 5: invalid topic
    sent[0]!.done(undefined)
    sent[1]!.done(refusal(0x87))
    sent[2]!.done(refusal(0x97))
    expect(transient).toEqual(['broker: Publish error 151'])
    expect(refusedRows(store).map((r) => [r.seq, r.reason])).toEqual([
      [2, 'Publish error 135 (reason code 0x87)'],
      [5, 'invalid topic "bad/#"'],
    ])
    expect(drain.refusedTotal).toBe(2)
    expect(drain.end()).toBe(3) // the transiently refused row is resent on the next connection
  })

  it('refuses a row larger than the broker maximum packet size without sending it', () => {
    const { store, drain, sent, publish } = setup(0)
    store.enqueue([message('entry', { pad: 'x'.repeat(2000) }), message('entry')], Date.now())
    drain.begin(publish, { window: 10, maxPacket: 1024 })
    drain.pump()
    expect(sent.map((s) => s.seq)).toEqual([2])
    expect(refusedRows(store)[0]).toMatchObject({ seq: 1, reason: expect.stringMatching(/maximum packet size/) })
  })

  it('never lets mqtt.js wrap its message id onto a message still in flight', () => {
    const { drain, sent, publish } = setup(20)
    drain.begin(publish, { window: 4, maxPacket: null })
    drain.pump()
    drain.ordinal += 65_000 // 65,000 publishes later, seq 1 still unacknowledged
    for (const s of sent.slice(1)) s.done(undefined)
    expect(sent).toHaveLength(4)
    sent[0]!.done(undefined)
    expect(sent).toHaveLength(8)
  })

  it('resolves whenDrained once the outbox is empty', async () => {
    const { store, drain, sent, publish } = setup(3)
    drain.begin(publish, { window: 4, maxPacket: null })
    drain.pump()
    const drained = drain.whenDrained()
    for (const s of sent) s.done(undefined)
    await drained
    expect(store.outboxBacklog().count).toBe(0)
  })
})

describe('probe and backoff', () => {
  const flight = (seq: number, sentAt: number): Flight => ({ seq, ordinal: seq, sentAt, done: false })

  it('convicts only a message alone in flight, closed on twice; network faults do not count', () => {
    const p = new KickProbe()
    const close = (seq: number, window: number, peerClosed = true, serverReason: number | null = null) =>
      p.onClose({ oldest: flight(seq, 100), highestSent: 9, window, peerClosed, serverReason, now: 200 })
    expect(close(3, 256, false)).toBeNull() // network error
    expect(close(3, 256, true, 0x8b)).toBeNull() // server shutting down
    expect(close(3, 256)).toEqual({ probing: { from: 3, until: 9 } })
    expect(p.active).toBe(true)
    expect(close(3, 1)).toBeNull()
    expect(p.onAck(3)).toBe(false) // 3 was fine after all
    expect(close(5, 1)).toBeNull()
    expect(close(5, 1)).toEqual({ refuse: 5, kicks: 2 })
    expect(p.active).toBe(true)
    expect(p.onAck(9)).toBe(true)
    expect(p.active).toBe(false)
    expect(p.onClose({ oldest: flight(12, 100), highestSent: 20, window: 256, peerClosed: true, serverReason: null, now: 9000 })).toBeNull() // long after the send
  })

  it('backs off from 1 s doubling to 60 s, with jitter between half and all of the step', () => {
    expect([0, 1, 2, 5, 6, 7, 40].map((a) => backoffDelay(a, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000])
    expect(backoffDelay(0, 1000, 60_000, () => 0)).toBe(500)
    expect(backoffDelay(10, 1000, 60_000, () => 0)).toBe(30_000)
  })
})
