// Two-level debouncing for contacts: a new level counts once it has held for `ms` since the edge that began it; a
// return to the settled level before then is a bounce (counted, no change). Samples come from interrupts (gpio)
// or polls (simulated). setTimeout is monotonic, so a wall-clock step cannot settle a level early or late.
import type { Clock } from '../types.ts'

export interface DebounceEvents {
  /** A new settled level; `mono` is when the edge that began it was seen. */
  change(level: boolean, mono: number): void
  /** A level that did not hold for `ms`. */
  bounce(): void
}

export class Debouncer {
  private settled: boolean | null = null
  private latest: boolean | null = null
  private pending: { mono: number; timer: NodeJS.Timeout } | null = null

  constructor(
    private readonly ms: number,
    private readonly clock: Clock,
    private readonly events: DebounceEvents,
    /** Re-reads the level when the wait is over (a gpio pin: an edge may have been missed); null = use the last sample. */
    private readonly confirm: () => boolean | null = () => null,
  ) {}

  /** The settled level; null before the first sample. */
  get level(): boolean | null {
    return this.settled
  }

  /** True while a new level is waiting to hold. */
  get isPending(): boolean {
    return this.pending !== null
  }

  /**
   * One observed level. The first one is taken as it is (the state at start is not a change); after that, a level
   * other than the settled one starts the wait, the settled one again cancels it.
   */
  sample(level: boolean, mono = this.clock.mono()): void {
    this.latest = level
    if (this.settled === null) {
      this.settled = level
      return
    }
    if (level === this.settled) {
      if (this.pending) {
        clearTimeout(this.pending.timer)
        this.pending = null
        this.events.bounce()
      }
      return
    }
    if (this.pending) return // still the same new level (two levels only): its wait goes on
    if (this.ms === 0) {
      this.settle(level, mono)
      return
    }
    this.pending = { mono, timer: setTimeout(() => this.expire(), this.ms) }
  }

  /** Forgets everything (stop, or a re-read after the device went offline). */
  reset(): void {
    if (this.pending) clearTimeout(this.pending.timer)
    this.pending = null
    this.settled = null
    this.latest = null
  }

  private expire(): void {
    const began = this.pending?.mono ?? this.clock.mono()
    this.pending = null
    const now = this.confirm() ?? this.latest
    this.latest = now
    if (now === null || now === this.settled) {
      this.events.bounce()
      return
    }
    this.settle(now, began)
  }

  private settle(level: boolean, mono: number): void {
    this.settled = level
    this.events.change(level, mono)
  }
}
