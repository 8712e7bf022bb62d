// What the serial thermometer drivers share: the self-reopening link, health with the link's counters,
// and the lifecycle. A closed port is offline at once.
import type { Logger } from 'pino'
import type { ThermometerConfig } from '../config.ts'
import { HealthTracker } from '../health.ts'
import { SerialLink, type SerialBinding } from '../transport/serialLink.ts'
import type { Clock, DeviceContext, DeviceHealth, MeasureRequest, MeasureResult, Thermometer, Unsubscribe } from '../types.ts'

export interface SerialThermometerOptions {
  /** `SerialPortMock.binding` in unit tests; the real binding otherwise. */
  binding?: SerialBinding
}

export abstract class SerialThermometer implements Thermometer {
  readonly kind = 'thermometer' as const
  readonly name: string
  protected readonly link: SerialLink
  protected readonly state: HealthTracker
  protected readonly log: Logger
  protected readonly clock: Clock
  private stopped = false

  constructor(
    protected readonly cfg: ThermometerConfig,
    ctx: DeviceContext,
    driver: string,
    opts: SerialThermometerOptions,
    counters: readonly string[],
  ) {
    if (!cfg.path) throw new Error(`thermometer ${cfg.name}: driver "${driver}" needs a serial path`)
    this.name = cfg.name
    this.clock = ctx.clock
    this.log = ctx.log.child({ module: `devices/thermometers/${driver}`, device: cfg.name })
    this.state = new HealthTracker({ name: cfg.name, kind: 'thermometer', driver }, ctx.clock, this.log, counters)
    Object.assign(this.state.info, { path: cfg.path, baudRate: cfg.baudRate, offsetC: cfg.offsetC })
    this.link = new SerialLink(
      { path: cfg.path, baudRate: cfg.baudRate, clock: ctx.clock, log: this.log, binding: opts.binding },
      {
        data: (chunk, mono) => this.data(chunk, mono),
        open: () => {
          if (!this.stopped) this.opened()
        },
        close: (disconnected) => {
          this.state.setOnline(false, `${cfg.path} ${disconnected ? 'disconnected' : 'closed'}`)
          this.closed()
        },
      },
    )
  }

  abstract measure(request: MeasureRequest): Promise<MeasureResult>
  protected abstract data(chunk: Buffer, mono: number): void
  protected abstract opened(): void
  /** Also called by stop(); must settle anything waiting with `offline`. */
  protected abstract closed(): void

  async start(): Promise<void> {
    this.stopped = false
    await this.link.start()
    if (!this.link.isOpen) this.state.setOnline(false, `cannot open ${this.cfg.path}: ${this.link.openError ?? 'unknown error'}`)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.closed()
    await this.link.stop()
    this.state.setOnline(false)
  }

  health(): DeviceHealth {
    return this.state.snapshot({ ...this.link.counters })
  }

  onHealth(listener: (health: DeviceHealth) => void): Unsubscribe {
    return this.state.onHealth(listener)
  }

  protected offline(): MeasureResult {
    return { ok: false, error: 'offline', detail: this.state.snapshot().lastError ?? `${this.cfg.path} is not open` }
  }
}
