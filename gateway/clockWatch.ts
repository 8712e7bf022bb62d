// Notices when the wall clock is stepped (NTP's first sync on a board without a real-time clock, a technician's
// `date -s`), by comparing it with the monotonic clock once a second. Periodic work keyed to the wall clock
// (summaries, schedules) then runs at once instead of up to a minute later, and the step is logged for whoever
// later wonders why an hour of entries has odd timestamps.
import type { Clock } from '../devices/types.ts'

export interface ClockStep {
  /** How far the wall clock moved beyond the time that passed (ms; negative: backwards). */
  deltaMs: number
  from: number
  to: number
}

export class ClockWatch {
  private offset: number
  private last: number
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly clock: Clock,
    private readonly onStep: (step: ClockStep) => void,
    /** Smaller steps are drift or a slow tick, not a step. */
    private readonly thresholdMs = 2000,
  ) {
    this.last = clock.now()
    this.offset = this.last - clock.mono()
  }

  /** Compares the clocks now; called by the timer, and directly by tests. */
  check(): ClockStep | null {
    const now = this.clock.now()
    const offset = now - this.clock.mono()
    const delta = offset - this.offset
    const from = this.last
    this.last = now
    if (Math.abs(delta) < this.thresholdMs) return null
    this.offset = offset
    const step = { deltaMs: delta, from, to: now }
    this.onStep(step)
    return step
  }

  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => this.check(), intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
