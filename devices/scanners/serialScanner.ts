// What the serial scanner drivers share: the link, the idle-gap timer that ends codes sent without a tail,
// turning framer events into ScanReads and counters, and health. A scanned code's text is never logged
// (personal data, DESIGN section 6): only its length.
import type { Logger } from 'pino'
import type { ScannerConfig } from '../config.ts'
import { HealthTracker, Listeners } from '../health.ts'
import type { LineEvent } from '../protocols/line.ts'
import { SerialLink, type SerialBinding } from '../transport/serialLink.ts'
import type { Clock, DeviceContext, DeviceHealth, Scanner, ScanRead, Unsubscribe } from '../types.ts'

export interface SerialDeviceOptions {
  /** `SerialPortMock.binding` in unit tests; the real binding otherwise. */
  binding?: SerialBinding
}

export const SCANNER_COUNTERS = ['scans', 'tooLong', 'badUtf8'] as const

export abstract class SerialScanner implements Scanner {
  readonly kind = 'scanner' as const
  readonly name: string
  readonly direction: 'in' | 'out'
  protected readonly link: SerialLink
  protected readonly state: HealthTracker
  protected readonly log: Logger
  protected readonly clock: Clock
  private readonly scans: Listeners<[ScanRead]>
  private idleTimer: NodeJS.Timeout | null = null
  private lastByteMono = 0

  constructor(
    protected readonly cfg: ScannerConfig,
    ctx: DeviceContext,
    driver: string,
    opts: SerialDeviceOptions,
    extraCounters: readonly string[] = [],
  ) {
    if (!cfg.path) throw new Error(`scanner ${cfg.name}: driver "${driver}" needs a serial path`)
    this.name = cfg.name
    this.direction = cfg.direction
    this.clock = ctx.clock
    this.log = ctx.log.child({ module: `devices/scanners/${driver}`, device: cfg.name })
    this.state = new HealthTracker({ name: cfg.name, kind: 'scanner', driver }, ctx.clock, this.log, [
      ...SCANNER_COUNTERS,
      ...extraCounters,
    ])
    Object.assign(this.state.info, { path: cfg.path, baudRate: cfg.baudRate, maxLength: cfg.maxLength, idleMs: cfg.idleMs, tail: cfg.tail })
    this.scans = new Listeners(this.log, 'scan')
    this.link = new SerialLink(
      { path: cfg.path, baudRate: cfg.baudRate, clock: ctx.clock, log: this.log, binding: opts.binding },
      {
        data: (chunk, mono) => this.data(chunk, mono),
        open: () => this.opened(),
        close: (disconnected) => this.closed(disconnected),
      },
    )
  }

  async start(): Promise<void> {
    await this.link.start()
    if (!this.link.isOpen) this.state.setOnline(false, `cannot open ${this.cfg.path}: ${this.link.openError ?? 'unknown error'}`)
  }

  async stop(): Promise<void> {
    this.clearIdle()
    await this.link.stop()
    this.state.setOnline(false)
  }

  health(): DeviceHealth {
    this.state.info.baudRate = this.link.baudRate
    return this.state.snapshot({ ...this.link.counters })
  }

  onHealth(listener: (health: DeviceHealth) => void): Unsubscribe {
    return this.state.onHealth(listener)
  }

  onScan(listener: (scan: ScanRead) => void): Unsubscribe {
    return this.scans.add(listener)
  }

  /** Framer hooks: bytes in, idle gap, bytes of an unfinished frame, drop everything. */
  protected abstract framePush(chunk: Buffer): readonly { kind: string }[]
  protected abstract frameFlush(): readonly { kind: string }[]
  protected abstract framePending(): number
  protected abstract frameReset(): void
  /** Events other than codes and line errors (gm65 replies). */
  protected otherEvent(_event: { kind: string }, _mono: number): void {}
  /** A valid code arrived (gm65: proof the module is alive even if it never answered a probe). */
  protected scanned(): void {}

  protected opened(): void {
    this.frameReset()
    this.state.setOnline(true, undefined)
  }

  protected closed(disconnected: boolean): void {
    this.clearIdle()
    this.frameReset()
    this.state.setOnline(false, disconnected ? `${this.cfg.path} disconnected` : `${this.cfg.path} closed`)
  }

  private data(chunk: Buffer, mono: number): void {
    this.lastByteMono = mono
    this.clearIdle()
    this.handle(this.framePush(chunk), mono)
    if (this.framePending() > 0) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null
        this.handle(this.frameFlush(), this.lastByteMono)
      }, this.cfg.idleMs)
    }
  }

  private handle(events: readonly { kind: string }[], mono: number): void {
    for (const ev of events) {
      if (ev.kind === 'code') this.emitScan(ev as Extract<LineEvent, { kind: 'code' }>, mono)
      else if (ev.kind === 'error') {
        const e = ev as Extract<LineEvent, { kind: 'error' }>
        this.state.count(e.error)
        this.log.warn({ error: e.error, length: e.bytes }, 'scan data rejected')
      } else this.otherEvent(ev, mono)
    }
  }

  private emitScan(ev: Extract<LineEvent, { kind: 'code' }>, mono: number): void {
    this.state.count('scans')
    this.state.seen()
    this.scanned()
    // Wall time of the last byte, not of this call (an idle-ended code is handled idleMs later).
    const at = this.clock.now() - Math.max(0, this.clock.mono() - mono)
    this.log.debug({ length: ev.bytes }, 'scan')
    this.scans.emit({ scanner: this.name, text: ev.text, at, mono })
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }
}
