// Door supervision for one door contact (issue 16, point 2). A door that opens with no pulse and no exit button in
// the last pulseMs + 2 s was forced (door_forced_open, critical); a door open longer than gate.heldOpenSec is held
// open (door_held_open, and door_held_open_cleared when it closes). While the gate is open on purpose (remain-open,
// the fire linkage) neither is raised: the door is meant to stand open then.
import type { Clock } from '../../devices/types.ts'
import type { SystemAlert } from '../alerts.ts'

/** Injected timers (tests move a manual clock; no sleeps). */
export interface Timers {
  set(fn: () => void, ms: number): unknown
  clear(handle: unknown): void
}

export const systemTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
}

export interface DoorEnv {
  clock: Clock
  timers: Timers
  heldOpenMs(): number
  /** Whether a door opening at this monotonic time was let open: a pulse or an exit-button press just before. */
  permitted(mono: number): boolean
  /** The gate is open on purpose now (remain-open, fire linkage): no door alerts. */
  permittedOpen(): boolean
  alert(a: SystemAlert): void
  /** What the door raised while open is over at wall ms `at`: it closed, or the gate is now open on purpose. */
  ended(at: number): void
  changed(): void
}

export class DoorWatch {
  /** null until the contact was first read. */
  open: boolean | null = null
  /** Wall ms the door opened, once it has been open too long (door_held_open went out); null otherwise. */
  heldOpenSince: number | null = null
  /** Wall ms a door that is still open was forced open; null once it closes. */
  forcedAt: number | null = null
  private openedAt = 0
  private timer: unknown = null

  constructor(
    readonly name: string,
    private readonly env: DoorEnv,
  ) {}

  /**
   * A level read from the contact. `mono` is when the edge began (the input's debounce came after). `first`: the
   * first level known (at start): an open door then was not seen opening, so it is never called forced.
   */
  level(open: boolean, mono: number, first: boolean): void {
    const e = this.env
    if (open === this.open) return
    this.open = open
    if (!open) {
      this.cancel()
      const held = this.heldOpenSince
      this.heldOpenSince = null
      this.forcedAt = null
      if (held !== null) {
        const openSec = Math.round((e.clock.now() - held) / 1000)
        e.alert({ kind: 'door_held_open_cleared', severity: 'info', message: `door ${this.name} closed after ${openSec} s open`, device: this.name, openSec })
      }
      e.ended(e.clock.now())
      e.changed()
      return
    }
    this.openedAt = e.clock.now() - Math.max(0, e.clock.mono() - mono)
    if (e.permittedOpen()) return e.changed()
    if (!first && !e.permitted(mono)) {
      this.forcedAt = this.openedAt
      e.alert({
        kind: 'door_forced_open',
        severity: 'critical',
        message: `door ${this.name} opened with no admit, no exit button and no remote open just before: forced?`,
        device: this.name,
      })
    }
    this.arm(first ? e.clock.mono() : mono)
    e.changed()
  }

  /**
   * The gate began or stopped being open on purpose. From then a door held open too long is open on purpose: its
   * warning is over (door_held_open_cleared, onPurpose). When it stops, a door still open is timed from then (its
   * openedAt stays the real opening).
   */
  permittedChanged(): void {
    const e = this.env
    if (e.permittedOpen()) {
      this.cancel()
      const held = this.heldOpenSince
      if (held === null) return
      this.heldOpenSince = null
      const openSec = Math.round((e.clock.now() - held) / 1000)
      e.alert({ kind: 'door_held_open_cleared', severity: 'info', message: `door ${this.name} open for ${openSec} s: the gate is now held open on purpose`, device: this.name, openSec, onPurpose: true })
      e.ended(e.clock.now())
      return
    }
    if (this.open === true && this.timer === null && this.heldOpenSince === null) this.arm(e.clock.mono())
  }

  stop(): void {
    this.cancel()
  }

  private arm(fromMono: number): void {
    const e = this.env
    this.cancel()
    const wait = Math.max(0, e.heldOpenMs() - (e.clock.mono() - fromMono))
    this.timer = e.timers.set(() => {
      this.timer = null
      if (this.open !== true || e.permittedOpen()) return
      this.heldOpenSince = this.openedAt
      const sec = Math.round(e.heldOpenMs() / 1000)
      e.alert({
        kind: 'door_held_open',
        severity: 'warning',
        message: `door ${this.name} has been open for more than ${sec} s (gate.heldOpenSec)`,
        device: this.name,
        heldOpenSec: sec,
        openedAt: new Date(this.openedAt).toISOString(),
      })
      e.changed()
    }, wait)
  }

  private cancel(): void {
    if (this.timer !== null) this.env.timers.clear(this.timer)
    this.timer = null
  }
}
