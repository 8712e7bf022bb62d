// Degraded mode (DESIGN section 3.3): no thermometer online, so a scan waits here until a staff member types the
// temperature at the kiosk. The pipeline asks (`wait`), the kiosk answers (`give`); each side knows only this desk.
import type { ManualReading } from '../pipeline/pipeline.ts'

/**
 * How long a scan waits for a typed temperature at least: a guard has to take a handheld reading and type it,
 * which takes longer than rules.pairWindowMs (made for a sensor). The person is standing there meanwhile.
 */
export const MIN_WAIT_MS = 30_000

export interface PendingTemperature {
  scanner: string
  /** Wall-clock ms the scan started waiting. */
  since: number
  until: number
}

interface Waiter extends PendingTemperature {
  resolve: (r: ManualReading | null) => void
  timer: NodeJS.Timeout
}

export class ManualTemperatureDesk {
  private readonly waiting = new Map<string, Waiter>()
  private readonly listeners = new Set<() => void>()
  /** Whether anyone can answer (a staff screen is open); without one a scan does not wait for nobody. */
  available: () => boolean = () => false

  constructor(private readonly now: () => number = Date.now) {}

  /** Called by the pipeline; resolves with what was typed, or null when nobody typed in time. */
  wait(scanner: string, timeoutMs: number): Promise<ManualReading | null> {
    if (!this.available()) return Promise.resolve(null)
    // One person per scanner at a time (the pipeline queues per scanner); a leftover wait is answered with null.
    this.finish(scanner, null)
    const ms = Math.max(timeoutMs, MIN_WAIT_MS)
    return new Promise((resolve) => {
      const since = this.now()
      const timer = setTimeout(() => this.finish(scanner, null), ms)
      timer.unref()
      this.waiting.set(scanner, { scanner, since, until: since + ms, resolve, timer })
      this.changed()
    })
  }

  /** A typed temperature for the scan waiting at `scanner`; false when none is waiting. */
  give(scanner: string, reading: ManualReading): boolean {
    return this.finish(scanner, reading)
  }

  pending(): PendingTemperature[] {
    return [...this.waiting.values()].map(({ scanner, since, until }) => ({ scanner, since, until }))
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Answers every wait with null (the gateway is stopping). */
  cancelAll(): void {
    for (const s of [...this.waiting.keys()]) this.finish(s, null)
  }

  private finish(scanner: string, reading: ManualReading | null): boolean {
    const w = this.waiting.get(scanner)
    if (!w) return false
    clearTimeout(w.timer)
    this.waiting.delete(scanner)
    w.resolve(reading)
    this.changed()
    return true
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l()
      } catch {
        /* a listener's failure is its own; the desk keeps working */
      }
    }
  }
}
