// A GY-MCU90614/90615 UART thermometer module (devices.md §2.1): `A5 <cmd> <sum>` commands in, 9-byte
// `5A 5A 45 04 TO TA SUM` frames out (°C × 100, int16 big-endian), streamed at ~14 Hz or one per query.
import { sum8 } from '../../devices/protocols/crc.ts'
import { DeviceSim, type SimOpenOptions } from './deviceSim.ts'

export const GY_CMD = {
  continuous: 0x45,
  query: 0x15,
  baud9600: 0xae,
  baud115200: 0xaf,
  autoOutputOn: 0x51,
  autoOutputOff: 0x52,
} as const

export interface GyMcuOptions extends SimOpenOptions {
  /** What the module does at power-up: 'continuous' = auto output on (factory default), 'query' = silent until asked. */
  mode?: 'continuous' | 'query'
  /** Period of continuous output; the BCC version runs at about 14 Hz. */
  intervalMs?: number
  temperatureC?: number
  ambientC?: number
}

const COUNTERS = ['commands', 'queries', 'badSum', 'unknown', 'garbageBytes', 'frames', 'silenced'] as const
type Counter = (typeof COUNTERS)[number]

/** One temperature frame, as the module sends it. */
export function gyMcuFrame(objectC: number, ambientC: number): Buffer {
  const f = Buffer.from([0x5a, 0x5a, 0x45, 0x04, 0, 0, 0, 0, 0])
  f.writeInt16BE(centi(objectC), 4)
  f.writeInt16BE(centi(ambientC), 6)
  f[8] = sum8(f, 0, 8)
  return f
}

/** °C × 100 as int16, saturating like the module's range limits. */
function centi(c: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(c * 100)))
}

export class GyMcuSim extends DeviceSim<Counter> {
  temperatureC: number
  ambientC: number
  intervalMs: number
  /** Power-up behaviour; `A5 51 F6` / `A5 52 F7` change it (saved on the module, effective at the next power-up). */
  autoOutput: boolean
  /** Rate selected by `A5 AE 53` / `A5 AF 54`, effective after a power cycle; a pty carries the same bytes anyway. */
  savedBaud = 9600
  private streaming = false
  private tick: NodeJS.Timeout | null = null
  private buf = Buffer.alloc(0)
  private readonly queued: number[] = []
  private corruptSum = false
  private silent = 0

  constructor(opts: GyMcuOptions = {}) {
    super(COUNTERS, opts)
    this.autoOutput = (opts.mode ?? 'continuous') === 'continuous'
    this.intervalMs = opts.intervalMs ?? 70
    this.temperatureC = opts.temperatureC ?? 36.5
    this.ambientC = opts.ambientC ?? 25
  }

  /** Whether frames are being streamed now. */
  get continuous(): boolean {
    return this.streaming
  }

  setTemperature(objectC: number, ambientC?: number): void {
    this.temperatureC = objectC
    if (ambientC !== undefined) this.ambientC = ambientC
  }

  /** Object readings for the next frames, one each; the last one then stays. */
  queue(...objectC: number[]): void {
    this.queued.push(...objectC)
  }

  corruptNextSum(): void {
    this.corruptSum = true
  }

  /** Leave out the next n frames (queried or streamed): the host sees timeouts or a stale stream. */
  silentFor(n: number): void {
    this.silent = n
  }

  /** Writes stray bytes now (between frames, or before the next queried one). */
  async noise(bytes: Uint8Array): Promise<void> {
    this.assertOpen('noise')
    await this.send(bytes)
  }

  /** Starts or stops streaming, as `A5 45 EA` / `A5 15 BA` from a host would. */
  setContinuous(on: boolean): void {
    this.streaming = on
    this.cancel(this.tick)
    this.tick = null
    if (on && this.isOpen) this.schedule() // a closed module streams nothing (and holds no timer)
  }

  protected override powerUp(): void {
    this.buf = Buffer.alloc(0)
    this.setContinuous(this.autoOutput)
  }

  protected override powerDown(): void {
    super.powerDown()
    this.tick = null
    this.streaming = false
  }

  protected override onBytes(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk])
    for (;;) {
      const start = this.buf.indexOf(0xa5)
      if (start < 0) {
        this.count('garbageBytes', this.buf.length)
        this.buf = Buffer.alloc(0)
        return
      }
      if (start > 0) this.count('garbageBytes', start)
      this.buf = this.buf.subarray(start)
      if (this.buf.length < 3) return
      const cmd = this.buf[1]!
      if (this.buf[2] !== ((0xa5 + cmd) & 0xff)) {
        // Skip the A5 only: the next command may start inside this bad one.
        this.count('badSum')
        this.buf = this.buf.subarray(1)
        continue
      }
      this.buf = this.buf.subarray(3)
      this.command(cmd)
    }
  }

  private command(cmd: number): void {
    this.count('commands')
    switch (cmd) {
      case GY_CMD.continuous:
        if (!this.streaming) this.setContinuous(true)
        return
      case GY_CMD.query:
        // A query leaves continuous output [UNVERIFIED]: a polling host does not want the stream as well.
        this.setContinuous(false)
        this.count('queries')
        void this.sendFrame()
        return
      case GY_CMD.autoOutputOn:
      case GY_CMD.autoOutputOff:
        this.autoOutput = cmd === GY_CMD.autoOutputOn
        return
      case GY_CMD.baud9600:
      case GY_CMD.baud115200:
        this.savedBaud = cmd === GY_CMD.baud9600 ? 9600 : 115200
        return
      default:
        this.count('unknown')
    }
  }

  private schedule(): void {
    this.tick = this.later(this.intervalMs, () => {
      this.schedule()
      void this.sendFrame()
    })
  }

  private async sendFrame(): Promise<void> {
    if (this.silent > 0) {
      this.silent--
      return this.count('silenced')
    }
    const next = this.queued.shift()
    if (next !== undefined) this.temperatureC = next
    const frame = gyMcuFrame(this.temperatureC, this.ambientC)
    if (this.corruptSum) {
      frame[8] = (frame[8]! + 1) & 0xff
      this.corruptSum = false
    }
    this.count('frames')
    await this.send(frame)
  }
}
