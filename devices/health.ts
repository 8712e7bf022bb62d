// One device's health as drivers keep it: online state with its "since", last seen, counters and info.
// Listeners are told when `online` changes; a throwing listener never breaks the driver.
import type { Logger } from 'pino'
import type { Clock, DeviceHealth, DeviceKind, Unsubscribe } from './types.ts'

export class Listeners<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>()

  constructor(private readonly log: Logger, private readonly what: string) {}

  add(fn: (...args: T) => void): Unsubscribe {
    this.set.add(fn)
    return () => {
      this.set.delete(fn)
    }
  }

  emit(...args: T): void {
    for (const fn of this.set) {
      try {
        fn(...args)
      } catch (err) {
        this.log.error({ err }, `${this.what} listener threw`)
      }
    }
  }
}

export class HealthTracker {
  private online = false
  private since: number
  private lastSeen: number | null = null
  private lastError: string | null = null
  readonly counters: Record<string, number>
  readonly info: Record<string, string | number | boolean | null> = {}
  private readonly listeners: Listeners<[DeviceHealth]>

  constructor(
    private readonly base: { name: string; kind: DeviceKind; driver: string },
    private readonly clock: Clock,
    log: Logger,
    counterNames: readonly string[],
  ) {
    this.since = clock.now()
    this.counters = Object.fromEntries(counterNames.map((n) => [n, 0]))
    this.listeners = new Listeners(log, 'health')
  }

  get isOnline(): boolean {
    return this.online
  }

  setOnline(online: boolean, error?: string): void {
    if (error !== undefined) this.lastError = error
    if (online === this.online) return
    this.online = online
    this.since = this.clock.now()
    this.listeners.emit(this.snapshot())
  }

  /** A valid frame or a successful command. */
  seen(): void {
    this.lastSeen = this.clock.now()
  }

  count(name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n
  }

  error(message: string): void {
    this.lastError = message
  }

  onHealth(fn: (h: DeviceHealth) => void): Unsubscribe {
    return this.listeners.add(fn)
  }

  /** `extra` counters (e.g. the serial link's) are merged in at read time. */
  snapshot(extra: Record<string, number> = {}): DeviceHealth {
    return {
      ...this.base,
      online: this.online,
      lastSeen: this.lastSeen,
      since: this.since,
      counters: { ...this.counters, ...extra },
      info: { ...this.info },
      lastError: this.lastError,
    }
  }
}
