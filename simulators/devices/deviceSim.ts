// What every device simulator shares: a SerialEnd, power-up on each (re)open, timers that die with the
// device, and stats of what crossed the wire, so tests can assert on both directions.
import { SerialEnd, type SerialEndOptions } from './serialEnd.ts'

/** Chunks kept for inspection; counters are unbounded, the lists keep the most recent entries only. */
const KEEP = 200

export interface SimStats<C extends string> {
  bytesIn: number
  bytesOut: number
  /** Host → device chunks as they arrived (most recent 200). */
  received: Buffer[]
  /** Device → host writes (most recent 200); each is one write, e.g. one reply or one chunk of a scan. */
  sent: Buffer[]
  /** Writes dropped because the port was closed or the wire blocked (no host listening). */
  dropped: number
  /** Protocol-level counters of each simulator. */
  counters: Record<C, number>
}

/** Wire options every simulator takes (our end's baud rate is irrelevant on a pty, so it is not offered). */
export interface SimOpenOptions extends Omit<SerialEndOptions, 'baudRate'> {
  /** Sees every chunk in and every write out (the CLI's --trace). */
  trace?: (dir: 'in' | 'out', bytes: Buffer) => void
}

export abstract class DeviceSim<C extends string> {
  readonly stats: SimStats<C>
  protected readonly end: SerialEnd
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly waiters = new Set<() => void>()
  private readonly trace: SimOpenOptions['trace']

  protected constructor(counterNames: readonly C[], opts: SimOpenOptions = {}) {
    const counters = Object.fromEntries(counterNames.map((c) => [c, 0])) as Record<C, number>
    this.stats = { bytesIn: 0, bytesOut: 0, received: [], sent: [], dropped: 0, counters }
    this.trace = opts.trace
    this.end = new SerialEnd(
      {
        data: (chunk) => {
          this.stats.bytesIn += chunk.length
          keep(this.stats.received, chunk)
          this.trace?.('in', chunk)
          this.onBytes(chunk)
        },
        open: () => {
          this.powerUps++
          this.powerUp()
        },
        close: () => this.powerDown(),
      },
      opts,
    )
  }

  /** How many times the device end was (re)opened: a test waits for a replug by it, not by isOpen (still true until
   *  the unplug is noticed). */
  powerUps = 0

  get isOpen(): boolean {
    return this.end.isOpen
  }

  /** Opens the device end (`PtyPair.devicePath`) and powers the device up. */
  async open(path: string): Promise<void> {
    await this.end.open(path)
  }

  async close(): Promise<void> {
    await this.end.close()
    this.powerDown()
  }

  /** Bytes from the host. */
  protected abstract onBytes(chunk: Buffer): void

  /** Called on every (re)open: reset volatile state. */
  protected powerUp(): void {}

  /** Called when the wire goes away: pending timers and sleeps end. Subclasses call super. */
  protected powerDown(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const wake of this.waiters) wake()
    this.waiters.clear()
  }

  protected async send(bytes: Uint8Array): Promise<boolean> {
    const ok = await this.end.write(bytes)
    if (ok) {
      const copy = Buffer.from(bytes)
      this.stats.bytesOut += copy.length
      keep(this.stats.sent, copy)
      this.trace?.('out', copy)
    } else this.stats.dropped++
    return ok
  }

  protected count(name: C, n = 1): void {
    this.stats.counters[name] += n
  }

  /** A timer cancelled when the device powers down. */
  protected later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
    return t
  }

  protected cancel(t: NodeJS.Timeout | null): void {
    if (!t) return
    clearTimeout(t)
    this.timers.delete(t)
  }

  /** Sleeps `ms`, or less if the device powers down meanwhile (callers then find the port closed). */
  protected sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake)
        resolve()
      }
      this.waiters.add(wake)
      this.later(ms, wake)
    })
  }

  protected assertOpen(what: string): void {
    if (!this.end.isOpen) throw new Error(`${what}: the simulator is not open (call open(devicePath) first)`)
  }
}

function keep(list: Buffer[], chunk: Buffer): void {
  list.push(chunk)
  if (list.length > KEEP) list.splice(0, list.length - KEEP)
}
