// One lightweight simulated gate: the gateway's real Store (its own SQLite file) and real CloudBridge, fed by the
// traffic generator instead of scanners. Many of these share one process; each has its own MQTT connection,
// client id, status and will, exactly as a gate box would.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { CloudBridge } from '../cloud-bridge/bridge.ts'
import { eventSource, gatePrefix } from '../cloud-bridge/envelope.ts'
import { Store } from '../gateway/store/store.ts'
import { hourSummary, personAtGate } from './traffic.ts'

export interface SimGateOptions {
  baseTopic: string
  site: string
  gate: string
  /** Directory holding this gate's database (kept across kill/reopen, like the SD card). */
  dir: string
  url: string
  synchronous: 'full' | 'normal'
  log: Logger
  version: string
  /** Reconnect backoff; the gateway's default (1 s doubling to 60 s, jittered) when omitted. */
  backoff?: { initialMs: number; maxMs: number }
  random: () => number
}

export class SimGate {
  readonly key: string
  private store: Store | null = null
  private bridge: CloudBridge | null = null
  private bootId = ''
  private lastSummaryAt = 0
  /** Boots so far (1 after the first open). */
  boots = 0
  people = 0
  enqueued = 0
  /** Counters of bridges that were killed, so that fleet totals survive a restart. */
  private past = { reconnects: 0, sent: 0, acked: 0 }

  constructor(private readonly o: SimGateOptions) {
    this.key = `${o.site}/${o.gate}`
  }

  get alive(): boolean {
    return this.bridge !== null
  }

  get dbPath(): string {
    return join(this.o.dir, 'gate.db')
  }

  /** Boot: open the database (reopening what a killed gate left) and start the uplink with a new boot id. */
  open(now: number): void {
    if (this.bridge) throw new Error(`gate ${this.key} is already running`)
    this.store = new Store(this.dbPath, { synchronous: this.o.synchronous })
    this.bootId = randomUUID()
    this.boots++
    this.lastSummaryAt ||= now
    const { baseTopic, site, gate } = this.o
    this.bridge = new CloudBridge({
      url: this.o.url,
      protocolVersion: 5,
      clientId: `gw-${site}-${gate}`,
      prefix: gatePrefix(baseTopic, site, gate),
      source: eventSource(site, gate),
      bootId: this.bootId,
      version: this.o.version,
      outbox: this.store,
      clock: { now: () => Date.now() },
      log: this.o.log,
      random: this.o.random,
      ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
    })
    this.bridge.start()
    // What a gate publishes at boot besides its status: retained device health, re-published on every reconnect.
    for (const name of ['scanner-in', 'scanner-out', 'thermo-in']) {
      this.bridge.publishDevice(name, { device: name, online: true, lastSeen: new Date(now).toISOString(), errors: 0 })
    }
  }

  /** One person passes: entry row and outbox message(s) in one transaction, then the uplink is woken. */
  person(rnd: () => number, now: number): number[] {
    const { entry, messages } = personAtGate(rnd, now, this.bootId)
    const seqs = this.requireStore().recordDecision(entry, messages)
    this.people++
    this.enqueued += seqs.length
    this.bridge!.wake()
    return seqs
  }

  /** The hourly summary of what this gate logged since the last one (`simStart` labels the simulated hour). */
  summary(now: number, simStart: number): number {
    const store = this.requireStore()
    const [seq] = store.enqueue([hourSummary(store, this.lastSummaryAt, now, simStart, now)], now)
    this.lastSummaryAt = now
    this.enqueued++
    this.bridge!.wake()
    return seq!
  }

  /**
   * The injected fault for the checker's own test: a person is recorded, and the outbox message is deleted before
   * the uplink can read it. The platform must see the gap. Returns the seq that was removed.
   */
  recordAndDropOne(rnd: () => number, now: number): number {
    const store = this.requireStore()
    const { entry, messages } = personAtGate(rnd, now, this.bootId)
    const [seq] = store.recordDecision(entry, messages.slice(0, 1))
    store.db.prepare('DELETE FROM outbox WHERE seq = ?').run(seq)
    this.people++
    this.enqueued++
    this.bridge!.wake()
    return seq!
  }

  /**
   * As SIGKILL would: the socket dies without DISCONNECT (the broker publishes the will), unflushed acknowledgements
   * are forgotten (those rows will be sent again: duplicates, never gaps), and the database is closed as is.
   */
  kill(): void {
    const b = this.bridge
    if (!b) return
    this.keepCounters(b)
    b.kill()
    this.bridge = null
    this.store?.close()
    this.store = null
  }

  /** Graceful: in-flight acknowledgements, retained `offline`, DISCONNECT. */
  async stop(): Promise<void> {
    const b = this.bridge
    if (!b) return
    this.keepCounters(b)
    this.bridge = null
    await b.stop()
    this.store?.close()
    this.store = null
  }

  whenDrained(): Promise<void> {
    return this.bridge ? this.bridge.whenDrained() : Promise.resolve()
  }

  /** The highest seq this gate ever handed out (0 before the first message). */
  lastSeq(): number {
    if (this.store) return this.store.lastSeq()
    const s = new Store(this.dbPath, { synchronous: this.o.synchronous })
    try {
      return s.lastSeq()
    } finally {
      s.close()
    }
  }

  backlog(): number {
    return this.bridge?.status().backlog ?? 0
  }

  counters(): { connected: boolean; lastAckedSeq: number | null; reconnects: number; sent: number; acked: number } {
    const s = this.bridge?.status()
    return {
      connected: s?.connected ?? false,
      lastAckedSeq: s?.lastAckedSeq ?? null,
      reconnects: this.past.reconnects + (s?.reconnects ?? 0),
      sent: this.past.sent + (s?.sentTotal ?? 0),
      acked: this.past.acked + (s?.ackedTotal ?? 0),
    }
  }

  private keepCounters(b: CloudBridge): void {
    const s = b.status()
    this.past = { reconnects: this.past.reconnects + s.reconnects, sent: this.past.sent + s.sentTotal, acked: this.past.acked + s.ackedTotal }
  }

  private requireStore(): Store {
    if (!this.store) throw new Error(`gate ${this.key} is not running`)
    return this.store
  }
}
