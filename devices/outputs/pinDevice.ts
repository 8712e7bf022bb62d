// What relays and buzzers share: a GpioPin opened at start (inactive from the first instant), health, and a
// safe stop (pin written inactive, then released). A pin that cannot be opened leaves the device offline with
// the reason; GPIO does not come and go, so there is no retry.
import type { Logger } from 'pino'
import { HealthTracker } from '../health.ts'
import type { GpioPin, PinLevel } from '../transport/gpio.ts'
import type { Clock, DeviceContext, DeviceHealth, DeviceKind, Unsubscribe } from '../types.ts'

/** A pin, or how to open one at start (OnoffPin throws if the hardware is missing). */
export type PinSource<P extends GpioPin> = P | (() => P)

export abstract class PinDevice<P extends GpioPin> {
  readonly name: string
  protected readonly state: HealthTracker
  protected readonly log: Logger
  protected readonly clock: Clock
  private openedPin: P | null
  private readonly open: (() => P) | null
  /** Between start() and stop(): only then does a good write bring the device (back) online. */
  private active = false

  constructor(name: string, kind: DeviceKind, driver: string, ctx: DeviceContext, pin: PinSource<P>, counters: readonly string[]) {
    this.name = name
    this.clock = ctx.clock
    this.log = ctx.log.child({ module: `devices/outputs/${kind}`, device: name })
    this.state = new HealthTracker({ name, kind, driver }, ctx.clock, this.log, [...counters, 'writeErrors'])
    this.openedPin = typeof pin === 'function' ? null : pin
    this.open = typeof pin === 'function' ? pin : null
  }

  /** The pin this device drives (null until a pin factory has run at start): tests and the tech page read it. */
  get pin(): P | null {
    return this.openedPin
  }

  async start(): Promise<void> {
    this.active = true
    try {
      if (!this.openedPin && this.open) this.openedPin = this.open()
    } catch (err) {
      const msg = (err as Error).message
      this.state.setOnline(false, msg)
      this.log.error({ err: msg }, 'cannot open output pin')
      return
    }
    if (this.write(this.restLevel())) this.state.setOnline(true)
  }

  /** The level written at start: 0 (de-energised); a fail-safe relay is energised to hold its lock shut. */
  protected restLevel(): PinLevel {
    return 0
  }

  /** Always de-energised, whatever restLevel is: that is the safe state a failSafe relay is wired for. */
  async stop(): Promise<void> {
    this.active = false
    this.halt()
    this.write(0)
    try {
      this.openedPin?.close()
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'closing the pin failed')
    }
    this.state.setOnline(false)
  }

  health(): DeviceHealth {
    return this.state.snapshot()
  }

  onHealth(listener: (health: DeviceHealth) => void): Unsubscribe {
    return this.state.onHealth(listener)
  }

  /** Cancels running timers (stop and replacement). */
  protected abstract halt(): void

  /** Writes the pin; on failure counts it, goes offline and returns false. Never throws. */
  protected write(value: PinLevel): boolean {
    const pin = this.openedPin
    if (!pin) {
      // Start said why (the open failed); before start there is no reason yet.
      if (this.health().lastError === null) this.state.error('the pin is not open')
      return false
    }
    try {
      pin.write(value)
      this.state.seen()
      // A write that succeeds after one that failed: the output works again (a pin freed by another process).
      if (this.active && !this.state.isOnline) this.state.setOnline(true)
      return true
    } catch (err) {
      const msg = `writing ${value} to the pin failed: ${(err as Error).message}`
      this.state.count('writeErrors')
      this.state.setOnline(false, msg)
      this.log.error(msg)
      return false
    }
  }
}
