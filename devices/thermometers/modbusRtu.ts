// RS-485 Modbus RTU IR thermometer (driver `modbus-rtu`, devices.md §2.3-2.4): one register holding the object
// temperature as int16 × scale. Read on demand; polled while idle so an unplugged or silent sensor shows offline.
import type { ThermometerConfig } from '../config.ts'
import { toHex } from '../protocols/crc.ts'
import { EXCEPTION_NAMES, ModbusReplyParser, modbusReadRequest, t35Ms, type ModbusEvent } from '../protocols/modbus.ts'
import type { DeviceContext, MeasureRequest, MeasureResult } from '../types.ts'
import { makeReading, OnDemand } from './common.ts'
import { SerialThermometer, type SerialThermometerOptions } from './serialThermometer.ts'

export const MODBUS_COUNTERS = ['requests', 'readings', 'timeouts', 'crcErrors', 'exceptions', 'noiseBytes'] as const

export class ModbusThermometer extends SerialThermometer {
  private readonly parser = new ModbusReplyParser()
  private readonly core: OnDemand
  private pending: ((r: MeasureResult) => void) | null = null

  constructor(cfg: ThermometerConfig, ctx: DeviceContext, opts: SerialThermometerOptions = {}) {
    super(cfg, ctx, 'modbus-rtu', opts, MODBUS_COUNTERS)
    Object.assign(this.state.info, { unitId: cfg.unitId, function: cfg.function, register: cfg.register, scale: cfg.scale })
    this.core = new OnDemand({
      clock: ctx.clock,
      state: this.state,
      log: this.log,
      // devices.md §2.4: at least t3.5 between frames; a USB adapter adds jitter, so never less than 1.75 ms.
      minGapMs: t35Ms(this.cfg.baudRate),
      pollIntervalMs: cfg.pollIntervalMs,
      query: () => this.query(),
    })
  }

  /** Asks the sensor now (or takes the idle poll just sent); the reply's arrival time is the reading's. */
  measure(request: MeasureRequest): Promise<MeasureResult> {
    if (!this.link.isOpen) return Promise.resolve(this.offline())
    return this.core.measure(request.accept)
  }

  protected opened(): void {
    this.core.opened()
  }

  protected closed(): void {
    this.core.closed()
    this.pending?.(this.offline())
  }

  protected data(chunk: Buffer, mono: number): void {
    if (this.log.isLevelEnabled('debug')) this.log.debug({ hex: toHex(chunk) }, 'rx')
    this.handle(this.parser.push(chunk), mono)
  }

  private query(): Promise<MeasureResult> {
    return new Promise((resolve) => {
      if (!this.link.isOpen) return resolve(this.offline())
      const { unitId, register, timeoutMs } = this.cfg
      const fc = this.cfg.function
      this.handle(this.parser.expect({ unitId, fc, quantity: 1 }), this.clock.mono())
      const frame = modbusReadRequest(unitId, fc, register, 1)
      const timer = setTimeout(() => {
        this.state.count('timeouts')
        finish({ ok: false, error: 'timeout', detail: `no reply from unit ${unitId} within ${timeoutMs} ms` })
      }, timeoutMs)
      const finish = (r: MeasureResult): void => {
        clearTimeout(timer)
        this.pending = null
        this.handle(this.parser.expect(null), this.clock.mono())
        resolve(r)
      }
      this.pending = finish
      this.state.count('requests')
      this.log.debug({ hex: toHex(frame) }, 'tx')
      if (!this.link.write(frame)) finish(this.offline())
    })
  }

  private handle(events: ModbusEvent[], mono: number): void {
    for (const ev of events) {
      switch (ev.kind) {
        case 'noise':
          this.state.count('noiseBytes', ev.bytes)
          this.log.debug({ bytes: ev.bytes }, 'noise skipped')
          break
        case 'crcError': {
          this.state.count('crcErrors')
          const detail = `reply CRC expected 0x${hex4(ev.expected)}, got 0x${hex4(ev.got)}`
          this.log.warn(detail)
          this.pending?.({ ok: false, error: 'crc', detail })
          break
        }
        case 'exception': {
          this.state.count('exceptions')
          const detail = `exception 0x${ev.code.toString(16).padStart(2, '0')} (${EXCEPTION_NAMES[ev.code] ?? 'unknown'}) to function ${ev.fc}`
          this.log.warn(detail)
          this.pending?.({ ok: false, error: 'exception', detail })
          break
        }
        case 'reply': {
          const raw = ev.registers[0]!
          this.state.count('readings')
          const reading = makeReading(this.name, raw * this.cfg.scale, null, this.cfg.offsetC, mono, this.clock)
          this.pending?.({ ok: true, reading })
          break
        }
      }
    }
  }
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0').toUpperCase()
