// GY-MCU90614/90615 UART thermometer (driver `gy-mcu`, devices.md §2.1). `continuous`: the module streams ~14
// frames a second; we keep a short history and pair a reading with a scan. `query`: one `A5 15 BA` per reading,
// polled while idle like modbus-rtu.
import type { ThermometerConfig } from '../config.ts'
import { toHex } from '../protocols/crc.ts'
import { GYMCU_CONTINUOUS, GYMCU_QUERY, GyMcuParser } from '../protocols/gymcu.ts'
import type { DeviceContext, MeasureRequest, MeasureResult, TemperatureRead } from '../types.ts'
import { makeReading, OnDemand } from './common.ts'
import { SerialThermometer, type SerialThermometerOptions } from './serialThermometer.ts'

export interface GyMcuOptions extends SerialThermometerOptions {
  /** Continuous mode: offline after this long without a valid frame (and the stream command is sent again). */
  staleMs?: number
  /** Readings kept for pairing with a scan (~2 s at 14 Hz). */
  historySize?: number
}

export const GYMCU_COUNTERS = ['frames', 'badSum', 'outOfRange', 'noiseBytes', 'requests', 'timeouts'] as const

interface Waiter {
  sample: (r: TemperatureRead) => void
  closed: () => void
}

export class GyMcuThermometer extends SerialThermometer {
  private readonly parser = new GyMcuParser()
  private readonly history: TemperatureRead[] = []
  private readonly waiters = new Set<Waiter>()
  private readonly core: OnDemand | null
  private pendingQuery: ((r: MeasureResult) => void) | null = null
  private staleTimer: NodeJS.Timeout | null = null
  private readonly staleMs: number
  private readonly historySize: number

  constructor(cfg: ThermometerConfig, ctx: DeviceContext, opts: GyMcuOptions = {}) {
    super(cfg, ctx, 'gy-mcu', opts, GYMCU_COUNTERS)
    this.staleMs = opts.staleMs ?? 1000
    this.historySize = opts.historySize ?? 32
    this.state.info.mode = cfg.mode
    this.core =
      cfg.mode === 'query'
        ? new OnDemand({
            clock: ctx.clock,
            state: this.state,
            log: this.log,
            minGapMs: 100, // the vendor text: keep queries below 10 Hz
            pollIntervalMs: cfg.pollIntervalMs,
            query: () => this.query(),
          })
        : null
  }

  measure(req: MeasureRequest): Promise<MeasureResult> {
    if (!this.link.isOpen) return Promise.resolve(this.offline())
    if (this.core) return this.core.measure(req.accept)
    if (!this.state.isOnline) return Promise.resolve(this.offline())
    return this.fromStream(req)
  }

  protected opened(): void {
    if (this.core) return this.core.opened()
    this.sendStreamCommand()
    this.armStale()
  }

  protected closed(): void {
    this.core?.closed()
    this.pendingQuery?.(this.offline())
    if (this.staleTimer) clearTimeout(this.staleTimer)
    this.staleTimer = null
    this.parser.reset()
    for (const w of [...this.waiters]) w.closed()
  }

  protected data(chunk: Buffer, mono: number): void {
    if (this.log.isLevelEnabled('debug')) this.log.debug({ hex: toHex(chunk) }, 'rx')
    for (const ev of this.parser.push(chunk)) {
      if (ev.kind === 'noise') this.state.count('noiseBytes', ev.bytes)
      else if (ev.kind === 'badSum') {
        this.state.count('badSum')
        this.log.warn({ expected: ev.expected, got: ev.got }, 'frame with a bad checksum dropped')
        this.pendingQuery?.({ ok: false, error: 'crc', detail: `frame sum expected 0x${ev.expected.toString(16)}, got 0x${ev.got.toString(16)}` })
      } else if (ev.kind === 'outOfRange') {
        this.state.count('outOfRange')
        this.log.warn({ objectC: ev.objectC, ambientC: ev.ambientC }, 'frame outside the sensor range dropped')
        this.pendingQuery?.({ ok: false, error: 'crc', detail: `frame values impossible for the sensor (object ${ev.objectC} °C, ambient ${ev.ambientC} °C)` })
      } else {
        this.state.count('frames')
        this.state.seen()
        const reading = makeReading(this.name, ev.objectC, ev.ambientC, this.cfg.offsetC, mono, this.clock)
        if (this.core) {
          this.pendingQuery?.({ ok: true, reading })
          continue
        }
        this.history.push(reading)
        if (this.history.length > this.historySize) this.history.shift()
        this.state.setOnline(true)
        this.armStale()
        for (const w of [...this.waiters]) w.sample(reading)
      }
    }
  }

  /**
   * The latest accepted reading at or after `notBefore`; else the next accepted one within `timeoutMs`; else the
   * latest unaccepted one (the gateway calls it invalid); else `no_reading`.
   */
  private fromStream(req: MeasureRequest): Promise<MeasureResult> {
    const accept = req.accept ?? (() => true)
    const recent = (): TemperatureRead[] => this.history.filter((r) => r.mono >= req.notBefore)
    const good = recent().findLast((r) => accept(r.celsius))
    if (good) return Promise.resolve({ ok: true, reading: good })
    return new Promise((resolve) => {
      const fallback = (): MeasureResult => {
        const any = recent().at(-1)
        return any ? { ok: true, reading: any } : { ok: false, error: 'no_reading', detail: `no frame within ${req.timeoutMs} ms` }
      }
      const done = (r: MeasureResult): void => {
        clearTimeout(timer)
        this.waiters.delete(waiter)
        resolve(r)
      }
      const waiter: Waiter = {
        sample: (r) => {
          if (r.mono >= req.notBefore && accept(r.celsius)) done({ ok: true, reading: r })
        },
        closed: () => {
          const r = fallback()
          done(r.ok ? r : this.offline())
        },
      }
      const timer = setTimeout(() => done(fallback()), req.timeoutMs)
      this.waiters.add(waiter)
    })
  }

  private query(): Promise<MeasureResult> {
    return new Promise((resolve) => {
      if (!this.link.isOpen) return resolve(this.offline())
      const timer = setTimeout(() => {
        this.state.count('timeouts')
        finish({ ok: false, error: 'timeout', detail: `no frame within ${this.cfg.timeoutMs} ms of A5 15 BA` })
      }, this.cfg.timeoutMs)
      const finish = (r: MeasureResult): void => {
        clearTimeout(timer)
        this.pendingQuery = null
        resolve(r)
      }
      this.pendingQuery = finish
      this.state.count('requests')
      if (!this.link.write(GYMCU_QUERY)) finish(this.offline())
    })
  }

  private sendStreamCommand(): void {
    this.log.debug({ hex: toHex(GYMCU_CONTINUOUS) }, 'tx continuous output')
    this.link.write(GYMCU_CONTINUOUS)
  }

  /** No valid frame for staleMs: offline, and ask for the stream again (a module reset loses the setting). */
  private armStale(): void {
    if (this.staleTimer) clearTimeout(this.staleTimer)
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null
      if (!this.link.isOpen) return
      this.state.setOnline(false, `no valid frame for ${this.staleMs} ms`)
      this.sendStreamCommand()
      this.armStale()
    }, this.staleMs)
  }
}
