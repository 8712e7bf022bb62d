// The platform's side of the delivery contract (DESIGN section 7), as a consumer sees it across a whole fleet:
// de-duplicate by `id`, detect loss by a gap in each gate's `seq`, and check that first arrivals come in `seq` order.
// Pure bookkeeping, no MQTT: fleet/consumer.ts feeds it, tests feed it directly.

export interface Arrival {
  /** `{site}/{gate}`, from the CloudEvents source. */
  gate: string
  seq: number
  id: string
  /** Which consumer client (shared-subscription member) received it. */
  member: number
  /** The event's `time` (its enqueue time at the gate), ms since the epoch. */
  eventMs: number
  /** When the consumer received it, ms since the epoch (fractional). */
  arrivalMs: number
  historical: boolean
}

export type Verdict = 'new' | 'duplicate' | 'conflict'

/** A run of missing seqs of one gate, both ends included. */
export interface MissingRange {
  gate: string
  from: number
  to: number
}

export interface Percentiles {
  count: number
  p50: number | null
  p90: number | null
  p99: number | null
  max: number | null
}

export interface DeliveryReport {
  /** Gates that sent at least one message. */
  gatesSeen: number
  /** Messages received once or more (distinct ids). */
  distinct: number
  /** Receptions of an id already received, same seq (at-least-once redelivery: allowed). */
  duplicates: number
  /** An id already received with another seq, or a seq already received with another id (a contract violation). */
  idConflicts: number
  /** Missing seqs below the highest seq received from that gate. */
  gaps: { count: number; ranges: MissingRange[] }
  /** Seqs the gates enqueued (expected) that never arrived: gaps plus anything missing at the tail. */
  lost: { count: number; ranges: MissingRange[] }
  /** Received seqs above what the gate says it enqueued, or from a gate nobody expected. */
  unexpected: number
  /** First arrivals of a gate with a lower seq than an earlier first arrival of that gate, across all members. */
  outOfOrder: number
  /** The same, within each member's own stream (a shared subscription keeps order per member only). */
  memberOutOfOrder: number
  /** First arrivals marked `historical` (they waited in an outbox while the uplink was down). */
  historical: number
  /** Enqueue (event time) → consumer, ms, first arrivals: all, and those not marked historical. */
  latencyMs: { all: Percentiles; live: Percentiles }
  /** First arrivals per wall-clock second: the busiest second. */
  peakPerSecond: number
  /** First arrival per member, to see how the shared subscription spread the load. */
  perMember: number[]
  /** Distinct messages per gate (expected gates included, with 0 if nothing came). */
  perGate: { min: number; median: number; max: number }
}

/** What each gate says it put in its outbox: seqs `first`..`last`. */
export type Expected = Record<string, { first: number; last: number }>

const MAX_RANGES = 20

class GateLedger {
  /** seen[seq] = 1 once received; grown on demand. */
  seen = new Uint8Array(1024)
  maxSeq = 0
  distinct = 0
  minSeq = Number.POSITIVE_INFINITY
  readonly memberMax: number[] = []

  mark(seq: number): void {
    if (seq >= this.seen.length) {
      let n = this.seen.length
      while (n <= seq) n *= 2
      const grown = new Uint8Array(n)
      grown.set(this.seen)
      this.seen = grown
    }
    this.seen[seq] = 1
  }

  has(seq: number): boolean {
    return seq < this.seen.length && this.seen[seq] === 1
  }
}

/** Growable array of doubles (latencies), sorted once at report time. */
class Samples {
  private a = new Float64Array(4096)
  n = 0

  push(v: number): void {
    if (this.n === this.a.length) {
      const grown = new Float64Array(this.a.length * 2)
      grown.set(this.a)
      this.a = grown
    }
    this.a[this.n++] = v
  }

  percentiles(): Percentiles {
    if (this.n === 0) return { count: 0, p50: null, p90: null, p99: null, max: null }
    const s = this.a.slice(0, this.n).sort()
    const at = (q: number): number => round1(s[Math.min(this.n - 1, Math.ceil(q * this.n) - 1)]!)
    return { count: this.n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round1(s[this.n - 1]!) }
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10

export class DeliveryChecker {
  private readonly gates = new Map<string, GateLedger>()
  private readonly gateIndex = new Map<string, number>()
  /** id → gate index * 2^32 + seq: enough to tell a redelivery from an id reused for another message. */
  private readonly ids = new Map<string, number>()
  private readonly latAll = new Samples()
  private readonly latLive = new Samples()
  private readonly perSecond = new Map<number, number>()
  private readonly perMember: number[] = []
  distinct = 0
  duplicates = 0
  idConflicts = 0
  outOfOrder = 0
  memberOutOfOrder = 0
  historical = 0

  record(a: Arrival): Verdict {
    let ledger = this.gates.get(a.gate)
    if (!ledger) {
      ledger = new GateLedger()
      this.gates.set(a.gate, ledger)
      this.gateIndex.set(a.gate, this.gateIndex.size)
    }
    const key = this.gateIndex.get(a.gate)! * 2 ** 32 + a.seq
    const known = this.ids.get(a.id)
    if (known !== undefined) {
      if (known === key) {
        this.duplicates++
        return 'duplicate'
      }
      this.idConflicts++
      return 'conflict'
    }
    if (!Number.isSafeInteger(a.seq) || a.seq < 1 || a.seq >= 2 ** 32 || ledger.has(a.seq)) {
      this.idConflicts++
      return 'conflict'
    }
    this.ids.set(a.id, key)
    ledger.mark(a.seq)
    ledger.distinct++
    this.distinct++
    if (a.seq < ledger.maxSeq) this.outOfOrder++
    else ledger.maxSeq = a.seq
    ledger.minSeq = Math.min(ledger.minSeq, a.seq)
    const mm = ledger.memberMax[a.member] ?? 0
    if (a.seq < mm) this.memberOutOfOrder++
    else ledger.memberMax[a.member] = a.seq
    const lat = a.arrivalMs - a.eventMs
    this.latAll.push(lat)
    if (a.historical) this.historical++
    else this.latLive.push(lat)
    const sec = Math.floor(a.arrivalMs / 1000)
    this.perSecond.set(sec, (this.perSecond.get(sec) ?? 0) + 1)
    this.perMember[a.member] = (this.perMember[a.member] ?? 0) + 1
    return 'new'
  }

  /** True once every expected seq has arrived. */
  complete(expected: Expected): boolean {
    for (const [gate, { first, last }] of Object.entries(expected)) {
      if (last < first) continue
      const l = this.gates.get(gate)
      if (!l || l.maxSeq < last) return false
      for (let s = first; s <= last; s++) if (!l.has(s)) return false
    }
    return true
  }

  report(expected: Expected): DeliveryReport {
    const gaps = new RangeList()
    const lost = new RangeList()
    let unexpected = 0
    for (const [gate, l] of this.gates) {
      const exp = expected[gate]
      // A gate nobody expected: its gaps still count, from its lowest seq received.
      const first = exp?.first ?? l.minSeq
      for (let s = first; s < l.maxSeq; s++) if (!l.has(s)) gaps.add(gate, s)
      if (!exp) {
        unexpected += countSeen(l, 1, l.maxSeq)
        continue
      }
      for (let s = exp.first; s <= exp.last; s++) if (!l.has(s)) lost.add(gate, s)
      if (l.maxSeq > exp.last) unexpected += countSeen(l, exp.last + 1, l.maxSeq)
    }
    // Gates that were expected to send something and sent nothing at all.
    for (const [gate, { first, last }] of Object.entries(expected)) {
      if (!this.gates.has(gate)) for (let s = first; s <= last; s++) lost.add(gate, s)
    }
    return {
      gatesSeen: this.gates.size,
      distinct: this.distinct,
      duplicates: this.duplicates,
      idConflicts: this.idConflicts,
      gaps: gaps.result(),
      lost: lost.result(),
      unexpected,
      outOfOrder: this.outOfOrder,
      memberOutOfOrder: this.memberOutOfOrder,
      historical: this.historical,
      latencyMs: { all: this.latAll.percentiles(), live: this.latLive.percentiles() },
      peakPerSecond: Math.max(0, ...this.perSecond.values()),
      perMember: Array.from(this.perMember, (n) => n ?? 0),
      perGate: this.perGateSpread(expected),
    }
  }

  private perGateSpread(expected: Expected): { min: number; median: number; max: number } {
    const keys = new Set([...this.gates.keys(), ...Object.keys(expected)])
    const counts = [...keys].map((k) => this.gates.get(k)?.distinct ?? 0).sort((a, b) => a - b)
    if (counts.length === 0) return { min: 0, median: 0, max: 0 }
    return { min: counts[0]!, median: counts[Math.floor(counts.length / 2)]!, max: counts.at(-1)! }
  }
}

function countSeen(l: GateLedger, from: number, to: number): number {
  let n = 0
  for (let s = from; s <= to; s++) if (l.has(s)) n++
  return n
}

/** Missing seqs as ranges; counts all of them, keeps the first MAX_RANGES ranges for the report. */
class RangeList {
  private count = 0
  private readonly ranges: MissingRange[] = []

  add(gate: string, seq: number): void {
    this.count++
    const last = this.ranges.at(-1)
    if (last && last.gate === gate && last.to === seq - 1) {
      last.to = seq
      return
    }
    if (this.ranges.length < MAX_RANGES) this.ranges.push({ gate, from: seq, to: seq })
  }

  result(): { count: number; ranges: MissingRange[] } {
    return { count: this.count, ranges: this.ranges }
  }
}
