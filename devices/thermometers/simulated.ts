// In-process thermometer for the demo and tests (driver `simulated`): `queue(36.6, 38.1)` sets what the next
// measures read (raw, before offsetC), then a default; `setOnline` and `setFault` model a broken sensor.
import type { Logger } from 'pino'
import type { ThermometerConfig } from '../config.ts'
import { HealthTracker } from '../health.ts'
import type { Clock, DeviceContext, DeviceHealth, MeasureError, MeasureRequest, MeasureResult, Thermometer, Unsubscribe } from '../types.ts'
import { makeReading } from './common.ts'

export class SimulatedThermometer implements Thermometer {
  readonly kind = 'thermometer' as const
  readonly name: string
  private readonly state: HealthTracker
  private readonly clock: Clock
  private readonly log: Logger
  private readonly queued: number[] = []
  private fault: { error: MeasureError; detail?: string } | null = null
  /** Read when nothing is queued: a healthy forehead. */
  defaultCelsius = 36.5
  ambientCelsius: number | null = 24

  constructor(private readonly cfg: ThermometerConfig, ctx: DeviceContext) {
    this.name = cfg.name
    this.clock = ctx.clock
    this.log = ctx.log.child({ module: 'devices/thermometers/simulated', device: cfg.name })
    this.state = new HealthTracker({ name: cfg.name, kind: 'thermometer', driver: 'simulated' }, ctx.clock, this.log, ['readings', 'faults'])
    Object.assign(this.state.info, { simulated: true, offsetC: cfg.offsetC })
    this.state.setOnline(true)
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.state.setOnline(false, 'stopped')
  }

  /** Raw readings (°C, before offsetC) returned by the next measures, in order. */
  queue(...celsius: number[]): void {
    this.queued.push(...celsius)
  }

  setOnline(online: boolean): void {
    this.state.setOnline(online, online ? undefined : 'set offline (simulated)')
  }

  /** Every measure fails with `error` until `setFault(null)`. */
  setFault(error: MeasureError | null, detail?: string): void {
    this.fault = error === null ? null : { error, ...(detail === undefined ? {} : { detail }) }
    if (error !== null) this.state.error(`${error}${detail ? `: ${detail}` : ''} (simulated)`)
  }

  async measure(_request: MeasureRequest): Promise<MeasureResult> {
    if (!this.state.isOnline) return { ok: false, error: 'offline', detail: 'set offline (simulated)' }
    if (this.fault) {
      this.state.count('faults')
      return { ok: false, ...this.fault }
    }
    const raw = this.queued.shift() ?? this.defaultCelsius
    this.state.count('readings')
    this.state.seen()
    return { ok: true, reading: makeReading(this.name, raw, this.ambientCelsius, this.cfg.offsetC, this.clock.mono(), this.clock) }
  }

  health(): DeviceHealth {
    return this.state.snapshot()
  }

  onHealth(listener: (health: DeviceHealth) => void): Unsubscribe {
    return this.state.onHealth(listener)
  }
}
