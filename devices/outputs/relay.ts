// Gate relay (drivers `gpio` and `simulated`): `pulse(ms)` energises now and releases after ms. A pulse during a
// pulse extends it. The release uses setTimeout (monotonic), never the wall clock, so an NTP step cannot hold
// the gate open. onActuate listeners run synchronously right after the pin is written on: the end of the
// scan-to-relay latency.
import type { RelayConfig } from '../config.ts'
import { Listeners } from '../health.ts'
import type { GpioPin } from '../transport/gpio.ts'
import type { DeviceContext, Relay, Unsubscribe } from '../types.ts'
import { PinDevice, type PinSource } from './pinDevice.ts'

export class PinRelay<P extends GpioPin = GpioPin> extends PinDevice<P> implements Relay {
  readonly kind = 'relay' as const
  readonly direction: 'in' | 'out' | 'both'
  private readonly actuated: Listeners<[number]>
  private offTimer: NodeJS.Timeout | null = null
  private offAt = 0
  private energised = false

  constructor(private readonly cfg: RelayConfig, ctx: DeviceContext, pin: PinSource<P>) {
    super(cfg.name, 'relay', cfg.driver, ctx, pin, ['pulses', 'failedPulses'])
    this.direction = cfg.direction
    this.actuated = new Listeners(this.log, 'actuate')
    Object.assign(this.state.info, { pin: cfg.pin, activeLow: cfg.activeLow, pulseMs: cfg.pulseMs })
  }

  get isOn(): boolean {
    return this.energised
  }

  pulse(ms: number = this.cfg.pulseMs): boolean {
    if (!Number.isFinite(ms) || ms <= 0) {
      this.state.count('failedPulses')
      this.log.warn({ ms }, 'pulse ignored: expected a positive duration in ms')
      return false
    }
    if (!this.write(1)) {
      this.state.count('failedPulses')
      this.log.warn({ lastError: this.health().lastError }, 'pulse not carried out: the relay pin refused or failed the write')
      return false
    }
    const mono = this.clock.mono()
    this.energised = true
    this.state.count('pulses')
    this.actuated.emit(mono)
    const until = mono + ms
    if (this.offTimer && until <= this.offAt) return true
    this.offAt = until
    if (this.offTimer) clearTimeout(this.offTimer)
    this.offTimer = setTimeout(() => {
      this.offTimer = null
      this.energised = false
      this.write(0)
    }, ms)
    return true
  }

  onActuate(listener: (mono: number) => void): Unsubscribe {
    return this.actuated.add(listener)
  }

  override async start(): Promise<void> {
    await super.start()
    // OnoffPin knows the sysfs number it found (chip base + BCM pin): worth showing a tech.
    const sysfs = (this.pin as { sysfsNumber?: number } | null)?.sysfsNumber
    if (typeof sysfs === 'number') this.state.info.sysfsNumber = sysfs
  }

  protected halt(): void {
    if (this.offTimer) clearTimeout(this.offTimer)
    this.offTimer = null
    this.energised = false
  }
}
