// What gpio and simulated inputs share: the debouncer, change listeners, health with counters, and `active` that
// is null until the first read and again once stopped. Drivers feed it levels (`observe`) and read errors.
import type { Logger } from 'pino'
import type { InputConfig } from '../config.ts'
import { HealthTracker, Listeners } from '../health.ts'
import type { Clock, DeviceContext, DeviceHealth, Input, InputKind, Unsubscribe } from '../types.ts'
import { Debouncer } from './debounce.ts'

/** Counters every input has: debounced changes, raw edges seen, bounces (edges that did not hold), read errors. */
export const INPUT_COUNTERS = ['changes', 'edges', 'bounces', 'readErrors'] as const

export abstract class InputDevice implements Input {
  readonly kind = 'input' as const
  readonly name: string
  readonly inputKind: InputKind
  protected readonly state: HealthTracker
  protected readonly log: Logger
  protected readonly clock: Clock
  protected readonly debouncer: Debouncer
  private readonly changes: Listeners<[boolean, number]>
  /** The last raw sample, to count edges. */
  private lastSample: boolean | null = null

  constructor(protected readonly cfg: InputConfig, ctx: DeviceContext, driverModule: string) {
    this.name = cfg.name
    this.inputKind = cfg.kind
    this.clock = ctx.clock
    this.log = ctx.log.child({ module: `devices/inputs/${driverModule}`, device: cfg.name })
    this.state = new HealthTracker({ name: cfg.name, kind: 'input', driver: cfg.driver }, ctx.clock, this.log, INPUT_COUNTERS)
    this.changes = new Listeners(this.log, 'input change')
    Object.assign(this.state.info, { inputKind: cfg.kind, activeLow: cfg.activeLow, debounceMs: cfg.debounceMs })
    this.debouncer = new Debouncer(
      cfg.debounceMs,
      ctx.clock,
      {
        change: (active, mono) => {
          this.state.count('changes')
          this.log.info({ active }, `${cfg.kind} ${describe(cfg.kind, active)}`)
          this.changes.emit(active, mono)
        },
        bounce: () => this.state.count('bounces'),
      },
      () => this.confirm(),
    )
  }

  get active(): boolean | null {
    return this.state.isOnline ? this.debouncer.level : null
  }

  abstract start(): Promise<void>
  abstract stop(): Promise<void>

  onChange(listener: (active: boolean, mono: number) => void): Unsubscribe {
    return this.changes.add(listener)
  }

  /** With the level now (`info.active`: null until read, and while offline), which a tech looks for first. */
  health(): DeviceHealth {
    const h = this.state.snapshot()
    return { ...h, info: { ...h.info, active: this.active } }
  }

  onHealth(listener: (health: DeviceHealth) => void): Unsubscribe {
    return this.state.onHealth(listener)
  }

  /** A level read now (already logical: active-low applied). */
  protected observe(active: boolean, mono = this.clock.mono()): void {
    this.state.seen()
    if (this.lastSample !== null && active !== this.lastSample) this.state.count('edges')
    this.lastSample = active
    const first = this.debouncer.level === null
    this.debouncer.sample(active, mono)
    if (first) this.log.info({ active }, `first read: ${describe(this.cfg.kind, active)}`)
  }

  protected readError(message: string): void {
    this.state.count('readErrors')
    this.state.error(message)
    this.log.warn(message)
  }

  /** Stops debouncing and forgets the level. */
  protected forget(): void {
    this.debouncer.reset()
    this.lastSample = null
  }

  /** The level at the end of a debounce wait, when the driver can read it again; null = the last sample. */
  protected confirm(): boolean | null {
    return null
  }
}

function describe(kind: InputKind, active: boolean): string {
  switch (kind) {
    case 'door-contact':
      return active ? 'door open' : 'door closed'
    case 'fire-alarm':
      return active ? 'alarm on' : 'alarm off'
    case 'exit-button':
      return active ? 'pressed' : 'released'
    case 'tamper':
      return active ? 'enclosure open' : 'enclosure closed'
  }
}
