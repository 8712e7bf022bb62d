// Device-side behaviour for driver tests, independent of the transport (mock binding or pty): each takes the
// bytes the gateway wrote and calls `reply` with what the device would send back.
import { crc16Modbus, crc16Xmodem } from '../../devices/protocols/crc.ts'

export type Reply = (bytes: Uint8Array | string) => void

/** A GM65 with a 256-byte zone table (devices.md §1.1 simulator checklist). */
export class FakeGm65 {
  readonly zones = new Uint8Array(256)
  readonly commands: { type: number; addr: number; data: number[] }[] = []
  saves = 0
  /** What a triggered scan sends (after the ACK), tail included. */
  scanOnTrigger: string | null = null
  /** Replies are only sent while this returns true (e.g. "the host is at my baud rate"). */
  answering: () => boolean = () => true
  /** Corrupt the CRC of read replies (some firmware sends a constant `33 31`). */
  constantCrc = false
  private buf: number[] = []

  constructor(init: Record<number, number> = {}) {
    this.zones[0x0d] = 0x00
    this.zones[0x60] = 0x01
    this.zones[0xe1] = 0x64
    this.zones[0xe2] = 0x8c
    for (const [a, v] of Object.entries(init)) this.zones[Number(a)] = v
  }

  feed(bytes: Uint8Array, reply: Reply): void {
    this.buf.push(...bytes)
    for (;;) {
      const start = this.buf.findIndex((b, i) => b === 0x7e && this.buf[i + 1] === 0x00)
      if (start < 0) {
        this.buf = this.buf.slice(-1)
        return
      }
      this.buf = this.buf.slice(start)
      if (this.buf.length < 6) return
      const type = this.buf[2]!
      const lens = this.buf[3]!
      const dataLen = type === 0x07 ? 1 : lens === 0 ? 256 : lens
      const total = 6 + dataLen + 2
      if (this.buf.length < total) return
      const frame = Uint8Array.from(this.buf.slice(0, total))
      this.buf = this.buf.slice(total)
      const crc = (frame[total - 2]! << 8) | frame[total - 1]!
      if (crc !== 0xabcd && crc !== crc16Xmodem(frame, 2, total - 2)) continue // bad CRC: silence
      const addr = (frame[4]! << 8) | frame[5]!
      const data = [...frame.subarray(6, 6 + dataLen)]
      this.commands.push({ type, addr, data })
      if (!this.answering()) continue
      this.handle(type, addr, data, reply)
    }
  }

  private handle(type: number, addr: number, data: number[], reply: Reply): void {
    if (type === 0x07) {
      const count = data[0] === 0 ? 256 : data[0]!
      const values = [...this.zones.subarray(addr, addr + count)]
      reply(gm65Reply(values, this.constantCrc))
    } else if (type === 0x08) {
      data.forEach((v, i) => (this.zones[addr + i] = v))
      reply(gm65Reply([0x00]))
      if (addr === 0x0002 && data[0] === 1 && this.scanOnTrigger !== null) reply(this.scanOnTrigger)
    } else if (type === 0x09) {
      this.saves++
      reply(gm65Reply([0x00]))
    }
  }
}

export function gm65Reply(data: number[], constantCrc = false): Buffer {
  const body = Buffer.from([0x00, data.length & 0xff, ...data])
  const crc = constantCrc ? 0x3331 : crc16Xmodem(body)
  return Buffer.from([0x02, 0x00, ...body, crc >> 8, crc & 0xff])
}

/** `unit fc byteCount value… crcLo crcHi` for one or more int16 registers. */
export function modbusReply(unitId: number, fc: number, values: number[]): Buffer {
  const f = Buffer.alloc(3 + 2 * values.length + 2)
  f[0] = unitId
  f[1] = fc
  f[2] = 2 * values.length
  values.forEach((v, i) => f.writeInt16BE(v, 3 + 2 * i))
  f.writeUInt16LE(crc16Modbus(f, 0, f.length - 2), f.length - 2)
  return f
}

export function modbusException(unitId: number, fc: number, code: number): Buffer {
  const f = Buffer.from([unitId, fc | 0x80, code, 0, 0])
  f.writeUInt16LE(crc16Modbus(f, 0, 3), 3)
  return f
}

/** `5A 5A 45 04 TO TA SUM` for °C values. */
export function gyFrame(objectC: number, ambientC: number): Buffer {
  const f = Buffer.alloc(9)
  f.set([0x5a, 0x5a, 0x45, 0x04])
  f.writeInt16BE(Math.round(objectC * 100), 4)
  f.writeInt16BE(Math.round(ambientC * 100), 6)
  f[8] = [...f.subarray(0, 8)].reduce((a, b) => a + b, 0) & 0xff
  return f
}
