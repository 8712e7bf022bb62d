// In-process scanner for the demo and tests (driver `simulated`): `inject(text)` is a person showing a code.
import type { Logger } from 'pino'
import type { ScannerConfig } from '../config.ts'
import { HealthTracker, Listeners } from '../health.ts'
import type { Clock, DeviceContext, DeviceHealth, Scanner, ScanRead, Unsubscribe } from '../types.ts'

export class SimulatedScanner implements Scanner {
  readonly kind = 'scanner' as const
  readonly name: string
  readonly direction: 'in' | 'out'
  private readonly state: HealthTracker
  private readonly scans: Listeners<[ScanRead]>
  private readonly clock: Clock
  private readonly log: Logger

  constructor(cfg: ScannerConfig, ctx: DeviceContext) {
    this.name = cfg.name
    this.direction = cfg.direction
    this.clock = ctx.clock
    this.log = ctx.log.child({ module: 'devices/scanners/simulated', device: cfg.name })
    this.state = new HealthTracker({ name: cfg.name, kind: 'scanner', driver: 'simulated' }, ctx.clock, this.log, ['scans'])
    this.scans = new Listeners(this.log, 'scan')
    this.state.info.simulated = true
    this.state.setOnline(true)
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.state.setOnline(false, 'stopped')
  }

  /** Emits a scan of `text` now; returns it, or null if the scanner is offline (nothing is emitted). */
  inject(text: string): ScanRead | null {
    if (!this.state.isOnline) return null
    const scan: ScanRead = { scanner: this.name, text, at: this.clock.now(), mono: this.clock.mono() }
    this.state.count('scans')
    this.state.seen()
    this.log.debug({ length: Buffer.byteLength(text) }, 'scan (simulated)')
    this.scans.emit(scan)
    return scan
  }

  /** Nothing to trigger: a simulated scan is `inject(text)`. */
  trigger(): Promise<void> {
    return Promise.reject(new Error(`scanner ${this.name}: driver "simulated" cannot start a scan by command; use inject(text)`))
  }

  setOnline(online: boolean): void {
    this.state.setOnline(online, online ? undefined : 'set offline (simulated)')
  }

  health(): DeviceHealth {
    return this.state.snapshot()
  }

  onHealth(listener: (health: DeviceHealth) => void): Unsubscribe {
    return this.state.onHealth(listener)
  }

  onScan(listener: (scan: ScanRead) => void): Unsubscribe {
    return this.scans.add(listener)
  }
}
