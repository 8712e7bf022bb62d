// The in-flight window of one connection: outbox rows handed to mqtt.js and not yet acknowledged, in seq order.
// Bounding it keeps mqtt.js's own store tiny, which is what avoids its 65,535 message-id wrap (DEPENDENCIES §1).

export interface Flight {
  seq: number
  /** Position among this connection's QoS 1 publishes: mqtt.js reuses a message id after 65,535 of them. */
  ordinal: number
  /** Monotonic ms when handed to mqtt.js. */
  sentAt: number
  done: boolean
}

export class FlightWindow {
  private q: Flight[] = []
  private head = 0
  /** Flights not yet settled. */
  size = 0

  add(f: Flight): void {
    this.q.push(f)
    this.size++
  }

  /** Marks a flight acknowledged or refused; false when it was settled already (a late or duplicate ack). */
  settle(f: Flight): boolean {
    if (f.done) return false
    f.done = true
    this.size--
    while (this.head < this.q.length && this.q[this.head]!.done) this.head++
    // Compact now and then instead of shifting on every ack.
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head)
      this.head = 0
    }
    return true
  }

  /** The oldest unsettled flight: everything below it is acknowledged. */
  oldest(): Flight | undefined {
    return this.head < this.q.length ? this.q[this.head] : undefined
  }

  /** Forgets every flight (the connection is gone); returns the oldest unsettled one, where resending starts. */
  reset(): Flight | undefined {
    const o = this.oldest()
    for (const f of this.q) f.done = true
    this.q = []
    this.head = 0
    this.size = 0
    return o
  }
}

/** Exponential backoff with "equal jitter": between half and all of min(max, initial · 2^attempt). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(step / 2 + (random() * step) / 2)
}
