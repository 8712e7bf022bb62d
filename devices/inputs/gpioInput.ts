// Driver `gpio`: a contact on a BCM pin through onoff (devices/transport/gpio.ts), interrupts on both edges,
// debounced here. A pin that cannot be opened leaves the input offline with the reason (GPIO does not come and go,
// so there is no retry); a failed read is counted and the level kept.
import type { InputConfig } from '../config.ts'
import type { InputPin } from '../transport/gpio.ts'
import type { DeviceContext } from '../types.ts'
import { InputDevice } from './inputDevice.ts'

export class GpioInput<P extends InputPin = InputPin> extends InputDevice {
  private openedPin: P | null = null
  private running = false

  /** `open` makes the pin at start (OnoffInputPin throws if the hardware is missing). */
  constructor(cfg: InputConfig, ctx: DeviceContext, private readonly open: () => P) {
    super(cfg, ctx, 'gpio')
    this.state.info.pin = cfg.pin ?? null
  }

  /** The pin (null before start and after a failed open): tests and the tech page read it. */
  get pin(): P | null {
    return this.openedPin
  }

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    let pin: P
    try {
      pin = this.open()
    } catch (err) {
      const msg = (err as Error).message
      this.state.setOnline(false, msg)
      this.log.error({ err: msg }, 'cannot open input pin')
      return
    }
    this.openedPin = pin
    const sysfs = (pin as { sysfsNumber?: number }).sysfsNumber
    if (typeof sysfs === 'number') this.state.info.sysfsNumber = sysfs
    // Watch before the first read, so an edge between the two is not lost (it is then just a sample).
    pin.watch((err, value) => {
      if (!this.running) return
      if (err) this.readError(`reading GPIO${this.cfg.pin ?? '?'} on an edge failed: ${err.message}`)
      else {
        this.observe(value === 1)
        // The first read failed but the pin reads now: the input works.
        if (!this.state.isOnline) this.state.setOnline(true)
      }
    })
    const first = this.readPin()
    if (first === null) {
      this.state.setOnline(false)
      return
    }
    this.observe(first)
    this.state.setOnline(true)
  }

  async stop(): Promise<void> {
    this.running = false
    this.forget()
    try {
      this.openedPin?.close()
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'closing the pin failed')
    }
    this.openedPin = null
    this.state.setOnline(false)
  }

  protected override confirm(): boolean | null {
    return this.readPin()
  }

  private readPin(): boolean | null {
    if (!this.openedPin) return null
    try {
      return this.openedPin.read() === 1
    } catch (err) {
      this.readError(`reading GPIO${this.cfg.pin ?? '?'} failed: ${(err as Error).message}`)
      return null
    }
  }
}
