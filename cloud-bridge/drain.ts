// Draining the outbox over one connection at a time: strictly in seq order, at most `window` unacknowledged, rows
// deleted only after their PUBACK (in batches), and on a lost connection everything unacknowledged resent from the
// lowest unacknowledged seq. Knows nothing about mqtt.js: the bridge hands it a publish function per connection.
import type { Logger } from 'pino'
import type { OutboxRow } from '../gateway/store/store.ts'
import { isRetained, isValidEventTopic, topics } from './envelope.ts'
import type { BridgeOutbox } from './outbox.ts'
import { FlightWindow, type Flight } from './window.ts'

/** One QoS 1 publish; `done` gets undefined on PUBACK success, else the error (with `code` = the reason code). */
export type PublishFn = (topic: string, payload: string, retain: boolean, done: (err: Error | undefined) => void) => void

export interface ConnectionLimits {
  /** Our window, already capped by the broker's receive-maximum (MQTT 5). */
  window: number
  /** The broker's maximum packet size (MQTT 5), if it announced one. */
  maxPacket: number | null
}

/**
 * Acknowledged rows per delete transaction. A flush of 1,024 consecutive seqs holds the loop about 1 ms for the
 * DELETE and 2-4 ms for the commit (fsync), plus a WAL checkpoint (15-30 ms) about every tenth flush; 16,384 (the
 * old figure) held it 25-140 ms. 256 or 512 cost more in fsyncs than they save; 2,048 doubles the stall for no
 * gain in total (cloud-bridge/README.md).
 */
export const ACK_BATCH = 1024

/**
 * Acknowledged rows are deleted at most this long after their PUBACK (the timer starts at the first acknowledgement
 * of a batch), so that a kill -9 resends only what was in flight, not what the broker took up to a second before
 * (DESIGN section 10: "a kill -9 resends at most what was in flight", within 250 ms of the PUBACK, with 50 ms for a
 * busy loop). One delete transaction per 200 ms at most: at a gate's rate (under one person a second) that is one
 * commit per message, as it was with 1 s; while draining, ACK_BATCH fills first.
 */
export const ACK_FLUSH_MS = 200

/** mqtt.js hands out message ids 1..65535 and wraps without checking: never let one still in flight come round. */
const ID_SPAN = 65_535 - 2_048

export interface DrainOptions {
  outbox: BridgeOutbox
  prefix: string
  serialize: (row: OutboxRow, historical: boolean) => string
  mono: () => number
  now: () => number
  log: Logger
  /** Acknowledged rows are deleted at most this long after their PUBACK (ACK_FLUSH_MS in the bridge). */
  ackFlushMs: number
  /** Acknowledged rows are deleted in one transaction per this many (or per ackFlushMs). Default ACK_BATCH. */
  ackBatch?: number
}

export class Drain {
  private publish: PublishFn | null = null
  private limits: ConnectionLimits = { window: 1, maxPacket: null }
  private readonly flights = new FlightWindow()
  /** Highest seq handed to the broker on this connection (or acknowledged before it). */
  private cursor = 0
  /** Rows up to this seq were already in the outbox when the connection came up: they are `historical`. */
  private historicalUpTo = 0
  /** QoS 1 publishes on this connection, the drain's and the bridge's own (status, devices). */
  ordinal = 0
  private pumping = false
  /** Stopping: wait for the acknowledgements of what is in flight, send nothing new. */
  private paused = false
  private pendingAcks: number[] = []
  private ackTimer: NodeJS.Timeout | null = null
  private ackImmediate: NodeJS.Immediate | null = null
  private drainWaiters: (() => void)[] = []
  /** Per outbox topic: the full MQTT topic and retain flag, or null for a topic the bridge will not publish. */
  private readonly topicFor = new Map<string, { topic: string; retain: boolean } | null>()
  sentTotal = 0
  ackedTotal = 0
  refusedTotal = 0
  lastAckedSeq: number | null = null

  constructor(private readonly o: DrainOptions) {
    this.refusedTotal = o.outbox.refusedCount()
  }

  get inFlight(): number {
    return this.flights.size
  }

  get pendingAckCount(): number {
    return this.pendingAcks.length
  }

  /** The oldest unacknowledged flight on this connection. */
  oldest(): Flight | undefined {
    return this.flights.oldest()
  }

  /** The highest seq handed to the broker so far. */
  get highestSent(): number {
    return this.cursor
  }

  /** Changes the window of the current connection (probing for a refused message: 1). */
  setWindow(window: number): void {
    this.limits = { ...this.limits, window }
    this.pump()
  }

  /** A connection came up: start from the lowest unacknowledged seq. */
  begin(publish: PublishFn, limits: ConnectionLimits): void {
    this.publish = publish
    this.limits = limits
    this.ordinal = 0
    this.historicalUpTo = this.o.outbox.lastSeq()
  }

  /** The connection is gone: forget the window and rewind to the lowest unacknowledged seq. Returns it, if any. */
  end(): number | null {
    this.publish = null
    this.flushAcks()
    const oldest = this.flights.reset()
    if (oldest) this.cursor = oldest.seq - 1
    return oldest?.seq ?? null
  }

  /** Tops the window up from the outbox. Called on connect, on wake(), on a timer and as acks free half the window. */
  pump(): void {
    const publish = this.publish
    if (!publish || this.pumping || this.paused) return
    this.pumping = true
    try {
      while (this.flights.size < this.limits.window) {
        const first = this.flights.oldest()
        if (first && this.ordinal - first.ordinal >= ID_SPAN) break
        const want = this.limits.window - this.flights.size
        const rows = this.o.outbox.outboxAfter(this.cursor, want)
        for (const row of rows) this.send(publish, row)
        if (rows.length < want || this.publish !== publish) break
      }
    } finally {
      this.pumping = false
    }
    this.checkDrained()
  }

  private send(publish: PublishFn, row: OutboxRow): void {
    this.cursor = row.seq
    let t = this.topicFor.get(row.topic)
    if (t === undefined) {
      t = isValidEventTopic(row.topic) ? { topic: topics.event(this.o.prefix, row.topic), retain: isRetained(row.topic) } : null
      this.topicFor.set(row.topic, t)
    }
    if (t === null) return this.refuse(row.seq, `invalid topic "${row.topic}"`)
    const topic = t.topic
    // A resend must never replace what is retained (the last complete hour or day): it goes out unretained.
    const retain = t.retain && !row.resend
    const payload = this.o.serialize(row, row.seq <= this.historicalUpTo)
    const max = this.limits.maxPacket
    if (max !== null && Buffer.byteLength(payload) + Buffer.byteLength(topic) + 16 > max)
      return this.refuse(row.seq, `larger than the broker's maximum packet size (${max} bytes)`)
    const f: Flight = { seq: row.seq, ordinal: ++this.ordinal, sentAt: this.o.mono(), done: false }
    this.flights.add(f)
    this.sentTotal++
    publish(topic, payload, retain, (err) => this.settled(publish, f, err))
  }

  /**
   * PUBACK (or a failure) for one flight. A transient refusal calls `onTransient` (the bridge reconnects and resends
   * from there; later messages the broker accepted meanwhile stay delivered, so that one arrives late, not missing).
   */
  private settled(publish: PublishFn, f: Flight, err: Error | undefined): void {
    // A callback from a connection that is gone: its window was rewound and will be resent.
    if (publish !== this.publish || f.done) return
    if (err) {
      const code = reasonCode(err)
      if (code === null || code < 0x80) return // local failure (closing): the close rewinds
      if (TRANSIENT.has(code)) return this.onTransient?.(`broker: ${err.message}`)
      this.flights.settle(f)
      this.refuse(f.seq, `${err.message} (reason code 0x${code.toString(16)})`)
    } else {
      this.flights.settle(f)
      this.ackedTotal++
      if (this.lastAckedSeq === null || f.seq > this.lastAckedSeq) this.lastAckedSeq = f.seq
      this.onProgress?.(f.seq)
      this.pendingAcks.push(f.seq)
      // A full batch is deleted in a task of its own, after this read's PUBACKs (a scan waiting for the loop gets in
      // between rather than behind both), with the window topped up first so that the broker has work while we wait.
      if (this.pendingAcks.length >= (this.o.ackBatch ?? ACK_BATCH)) this.ackImmediate ??= setImmediate(() => this.flushAfterTopUp())
      else this.ackTimer ??= setTimeout(() => this.flushAcks(), this.o.ackFlushMs).unref()
    }
    // Refill by half-windows: one outbox query per many acks.
    if (this.flights.size <= this.limits.window >> 1) this.pump()
  }

  /** Set by the bridge: a transient refusal (server busy, quota) means "reconnect later and resend". */
  onTransient: ((reason: string) => void) | null = null
  /** Set by the bridge: an acknowledgement arrived. */
  onProgress: ((seq: number) => void) | null = null

  /**
   * Poison message policy: a row the broker refuses is never retried in a loop and never dropped. It is moved to
   * `outbox_refused` (same database, one transaction) for a technician, counted and logged, and the drain goes on.
   * The platform sees a seq gap, which is the truthful signal: that seq has not reached it.
   */
  refuse(seq: number, reason: string): void {
    try {
      this.o.outbox.refuse(seq, reason, this.o.now())
      this.refusedTotal++
      this.o.log.error({ seq, reason }, 'uplink: the broker refuses this outbox message; kept in outbox_refused for a technician')
    } catch (err) {
      // It stays in the outbox (never dropped); this connection skips it, a restart of the gateway resends it.
      this.o.log.error({ err, seq, reason }, 'uplink: could not set a refused message aside; it stays in the outbox')
    }
  }

  private flushAfterTopUp(): void {
    this.ackImmediate = null
    this.pump()
    this.flushAcks()
  }

  flushAcks(): void {
    this.clearAckTimers()
    if (this.pendingAcks.length === 0) return
    const seqs = this.pendingAcks
    this.pendingAcks = []
    try {
      this.o.outbox.acknowledgeMany(seqs)
    } catch (err) {
      // Delivered but not deleted yet: keep them for the next flush (a crash meanwhile means duplicates, not loss).
      this.pendingAcks = seqs.concat(this.pendingAcks)
      this.ackTimer = setTimeout(() => this.flushAcks(), this.o.ackFlushMs).unref()
      this.o.log.error({ err, count: seqs.length }, 'uplink: could not delete acknowledged outbox rows; will retry')
    }
  }

  /** Sends nothing more (graceful stop); acknowledgements of what is in flight are still taken. */
  pause(): void {
    this.paused = true
  }

  /** Stops as a crash would (tests): unflushed acknowledgements are forgotten, nothing more is sent. */
  crash(): void {
    this.clearAckTimers()
    this.pendingAcks = []
    this.publish = null
    this.flights.reset()
  }

  private clearAckTimers(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer)
    if (this.ackImmediate) clearImmediate(this.ackImmediate)
    this.ackTimer = null
    this.ackImmediate = null
  }

  /** Resolves once nothing is in flight and no row is left beyond the cursor (acks flushed). */
  whenDrained(): Promise<void> {
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve)
      this.checkDrained()
    })
  }

  private checkDrained(): void {
    if (this.drainWaiters.length === 0 || !this.publish || this.flights.size > 0) return
    if (this.o.outbox.outboxAfter(this.cursor, 1).length > 0) return
    this.flushAcks()
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const w of waiters) w()
  }
}

/** PUBACK reasons that mean "not now" rather than "never": server busy, message rate too high, quota exceeded. */
const TRANSIENT = new Set([0x89, 0x96, 0x97])

function reasonCode(err: Error): number | null {
  const code = (err as Error & { code?: unknown }).code
  return typeof code === 'number' ? code : null
}
