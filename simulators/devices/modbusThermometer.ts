// An RS-485 Modbus RTU IR thermometer (slave side, devices.md §2.3-2.4): function 03/04 reads of a two-register
// map (object temperature at `register`, ambient at `register + 1`, int16 × 1/scale), CRC-16/MODBUS low byte
// first, silence on a bad CRC or another unit id, exceptions for bad addresses. Faults are scriptable one-shots.
import { crc16Modbus } from '../../devices/protocols/crc.ts'
import { DeviceSim, type SimOpenOptions } from './deviceSim.ts'

export interface ModbusThermometerOptions extends SimOpenOptions {
  unitId?: number
  /** First register of the map (object temperature); ambient is the next one. */
  register?: number
  /** °C per count (0.01: 36.50 °C is 3650). */
  scale?: number
  /** Function codes the unit answers; others get exception 01. Default both 3 and 4. */
  functions?: readonly (3 | 4)[]
  temperatureC?: number
  ambientC?: number
  /** Cheap sensors answer after 10-50 ms [UNVERIFIED]; 0 answers at once (the bench's reference). */
  respondDelayMs?: number
  /** Silence that ends an incomplete request (t3.5 at 9600 is 4.01 ms). */
  frameGapMs?: number
}

const COUNTERS = ['requests', 'replies', 'exceptions', 'badCrc', 'otherUnit', 'broadcast', 'silenced'] as const
type Counter = (typeof COUNTERS)[number]

/** Request lengths by function code, for the codes whose requests have a fixed size. */
const FIXED_LENGTH: Record<number, number> = { 1: 8, 2: 8, 3: 8, 4: 8, 5: 8, 6: 8 }

export class ModbusThermometerSim extends DeviceSim<Counter> {
  readonly unitId: number
  readonly register: number
  readonly scale: number
  temperatureC: number
  ambientC: number
  respondDelayMs: number
  private readonly functions: ReadonlySet<number>
  private readonly frameGapMs: number
  private buf = Buffer.alloc(0)
  private gap: NodeJS.Timeout | null = null
  private readonly queued: number[] = []
  private noise: Buffer | null = null
  private corruptCrc = false
  private silent = 0
  private exception: number | null = null

  constructor(opts: ModbusThermometerOptions = {}) {
    super(COUNTERS, opts)
    this.unitId = opts.unitId ?? 1
    this.register = opts.register ?? 0
    this.scale = opts.scale ?? 0.01
    this.functions = new Set(opts.functions ?? [3, 4])
    this.temperatureC = opts.temperatureC ?? 36.5
    this.ambientC = opts.ambientC ?? 25
    this.respondDelayMs = opts.respondDelayMs ?? 0
    this.frameGapMs = opts.frameGapMs ?? 5
  }

  setTemperature(objectC: number, ambientC?: number): void {
    this.temperatureC = objectC
    if (ambientC !== undefined) this.ambientC = ambientC
  }

  /** Object readings for the next requests, one each; the last one then stays. */
  queue(...objectC: number[]): void {
    this.queued.push(...objectC)
  }

  /** Bytes sent just before the next reply (line noise on the RS-485 bus). */
  noiseBefore(bytes: Uint8Array): void {
    this.noise = Buffer.from(bytes)
  }

  corruptNextCrc(): void {
    this.corruptCrc = true
  }

  /** Ignore the next n requests addressed to us: the host sees timeouts. */
  silentFor(n: number): void {
    this.silent = n
  }

  /** Answer the next request with this exception code (e.g. 4 server device failure, 6 busy). */
  exceptionNext(code: number): void {
    this.exception = code
  }

  /** Register value for a temperature: int16 counts of `scale`, clamped as a sensor saturates. */
  counts(celsius: number): number {
    return Math.max(-32768, Math.min(32767, Math.round(celsius / this.scale)))
  }

  protected override onBytes(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk])
    this.cancel(this.gap)
    this.gap = null
    for (;;) {
      const len = requestLength(this.buf)
      if (len === null || this.buf.length < len) break
      const frame = this.buf.subarray(0, len)
      this.buf = this.buf.subarray(len)
      this.frame(frame)
    }
    // The length rule comes first; a silence ends whatever is left, as t3.5 does on a real bus: requests of
    // unknown length (answered with exception 01 if their CRC holds) and fragments (dropped as bad CRC).
    if (this.buf.length > 0)
      this.gap = this.later(this.frameGapMs, () => {
        const rest = this.buf
        this.gap = null
        this.buf = Buffer.alloc(0)
        this.frame(rest)
      })
  }

  protected override powerDown(): void {
    super.powerDown()
    this.gap = null
    this.buf = Buffer.alloc(0)
  }

  private frame(frame: Buffer): void {
    if (frame.length < 4 || crc16Modbus(frame) !== 0) {
      // A good frame including its CRC has CRC 0; a bad one is dropped in silence, like real slaves.
      if (frame.length > 0) this.count('badCrc')
      this.buf = Buffer.alloc(0) // resynchronise at the next silence-delimited request
      return
    }
    const unit = frame[0]!
    if (unit === 0) return this.count('broadcast') // broadcasts are never answered
    if (unit !== this.unitId) return this.count('otherUnit')
    this.count('requests')
    if (this.silent > 0) {
      this.silent--
      return this.count('silenced')
    }
    void this.answer(frame)
  }

  private async answer(req: Buffer): Promise<void> {
    const fc = req[1]!
    const reply = this.reply(req)
    await this.sleep(this.respondDelayMs)
    if (this.noise) {
      await this.send(this.noise)
      this.noise = null
    }
    const crc = crc16Modbus(reply)
    const out = Buffer.concat([reply, Buffer.from([crc & 0xff, crc >> 8])])
    if (this.corruptCrc) {
      out[out.length - 1]! ^= 0xff
      this.corruptCrc = false
    }
    if (out[1] === (fc | 0x80)) this.count('exceptions')
    else this.count('replies')
    await this.send(out)
  }

  /** The reply without its CRC. */
  private reply(req: Buffer): Buffer {
    const fc = req[1]!
    const exc = (code: number): Buffer => Buffer.from([this.unitId, fc | 0x80, code])
    if (this.exception !== null) {
      const code = this.exception
      this.exception = null
      return exc(code)
    }
    if ((fc !== 3 && fc !== 4) || !this.functions.has(fc)) return exc(0x01)
    const start = req.readUInt16BE(2)
    const qty = req.readUInt16BE(4)
    if (qty < 1 || qty > 125) return exc(0x03)
    if (start < this.register || start + qty > this.register + 2) return exc(0x02)
    if (start === this.register && this.queued.length > 0) this.temperatureC = this.queued.shift()!
    const regs = [this.counts(this.temperatureC), this.counts(this.ambientC)].slice(start - this.register)
    const data = Buffer.alloc(qty * 2)
    for (let i = 0; i < qty; i++) data.writeInt16BE(regs[i]!, i * 2)
    return Buffer.concat([Buffer.from([this.unitId, fc, data.length]), data])
  }
}

/** Expected request length: fixed for 01-06, `7 + byte count + 2` for 0F/10; unknown codes wait for a silence. */
function requestLength(buf: Buffer): number | null {
  const fc = buf[1]
  if (fc === undefined) return null
  const fixed = FIXED_LENGTH[fc]
  if (fixed !== undefined) return fixed
  if (fc === 0x0f || fc === 0x10) {
    const n = buf[6]
    return n === undefined ? null : 9 + n
  }
  return null
}
