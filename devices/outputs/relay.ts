// Gate relay (drivers `gpio` and `simulated`): `pulse(ms)` opens the gate now and closes it after ms; a pulse during
// a pulse extends it. `hold(true)` keeps it open (remain-open, fire linkage) until `hold(false)`. The release uses
// setTimeout (monotonic), never the wall clock, so an NTP step cannot hold the gate open. onActuate listeners run
// synchronously right after the pin is written: the end of the scan-to-relay latency.
//
// Open is energised, unless `failSafe`: a magnetic lock is energised to stay shut, so open is de-energised and the
// relay is energised from start until stop. Stop (and a crash, through the unit's ExecStopPost) de-energises it.
import type { RelayConfig } from '../config.ts'
import { Listeners } from '../health.ts'
import type { GpioPin, PinLevel } from '../transport/gpio.ts'
import type { DeviceContext, Relay, Unsubscribe } from '../types.ts'
import { PinDevice, type PinSource } from './pinDevice.ts'

export class PinRelay<P extends GpioPin = GpioPin> extends PinDevice<P> implements Relay {
  readonly kind = 'relay' as const
  readonly direction: 'in' | 'out' | 'both' | 'none'
  private readonly actuated: Listeners<[number]>
  private offTimer: NodeJS.Timeout | null = null
  private offAt = 0
  private pulsing = false
  private held = false
  private energised = false
  private readonly openLevel: PinLevel
  private readonly closedLevel: PinLevel

  constructor(private readonly cfg: RelayConfig, ctx: DeviceContext, pin: PinSource<P>) {
    super(cfg.name, 'relay', cfg.driver, ctx, pin, ['pulses', 'failedPulses', 'holds'])
    this.direction = cfg.direction
    this.openLevel = cfg.failSafe ? 0 : 1
    this.closedLevel = cfg.failSafe ? 1 : 0
    this.actuated = new Listeners(this.log, 'actuate')
    Object.assign(this.state.info, { pin: cfg.pin, activeLow: cfg.activeLow, pulseMs: cfg.pulseMs, failSafe: cfg.failSafe })
  }

  /** The coil is energised now (the last write that succeeded): for a failSafe relay that is "locked". */
  get isOn(): boolean {
    return this.energised
  }

  get isOpen(): boolean {
    return this.pulsing || this.held
  }

  pulse(ms: number = this.cfg.pulseMs): boolean {
    if (!Number.isFinite(ms) || ms <= 0) {
      this.state.count('failedPulses')
      this.log.warn({ ms }, 'pulse ignored: expected a positive duration in ms')
      return false
    }
    if (!this.write(this.openLevel)) {
      this.state.count('failedPulses')
      this.log.warn({ lastError: this.health().lastError }, 'pulse not carried out: the relay pin refused or failed the write')
      return false
    }
    const mono = this.clock.mono()
    this.pulsing = true
    this.state.count('pulses')
    this.actuated.emit(mono)
    const until = mono + ms
    if (this.offTimer && until <= this.offAt) return true
    this.offAt = until
    if (this.offTimer) clearTimeout(this.offTimer)
    this.offTimer = setTimeout(() => {
      this.offTimer = null
      this.pulsing = false
      if (!this.held) this.write(this.closedLevel)
    }, ms)
    return true
  }

  hold(open: boolean): boolean {
    if (open) {
      if (!this.write(this.openLevel)) {
        this.log.warn({ lastError: this.health().lastError }, 'hold open not carried out: the relay pin refused or failed the write')
        return false
      }
      if (!this.held) this.state.count('holds')
      this.held = true
      this.actuated.emit(this.clock.mono())
      return true
    }
    this.held = false
    // A pulse still running closes the gate when it runs out.
    if (this.pulsing) return true
    return this.write(this.closedLevel)
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

  protected override restLevel(): PinLevel {
    return this.closedLevel
  }

  protected override write(value: PinLevel): boolean {
    const ok = super.write(value)
    if (ok) this.energised = value === 1
    return ok
  }

  protected halt(): void {
    if (this.offTimer) clearTimeout(this.offTimer)
    this.offTimer = null
    this.pulsing = false
    this.held = false
  }
}
