// Modbus RTU read requests and a reply parser (devices.md §2.3-2.4). Frames are taken by expected length, as
// libmodbus does, not by t3.5 silences: a Node process on a Pi cannot time 1.75-4 ms gaps through a USB adapter.
import { crc16Modbus } from './crc.ts'

export type ModbusReadFunction = 3 | 4

/** `unit fc regHi regLo qtyHi qtyLo crcLo crcHi` (CRC-16/MODBUS, low byte first). */
export function modbusReadRequest(unitId: number, fc: ModbusReadFunction, register: number, quantity = 1): Buffer {
  if (unitId < 1 || unitId > 247) throw new RangeError(`unit id must be 1..247 (0 is broadcast: no reply), got ${unitId}`)
  if (quantity < 1 || quantity > 125) throw new RangeError(`quantity must be 1..125 registers, got ${quantity}`)
  const frame = Buffer.alloc(8)
  frame[0] = unitId
  frame[1] = fc
  frame.writeUInt16BE(register, 2)
  frame.writeUInt16BE(quantity, 4)
  frame.writeUInt16LE(crc16Modbus(frame, 0, 6), 6)
  return frame
}

/** t3.5 in ms for 11-bit characters; a fixed 1.75 ms above 19200 baud (Modbus serial line guide V1.02, p. 13). */
export function t35Ms(baudRate: number): number {
  return baudRate > 19200 ? 1.75 : (3.5 * 11 * 1000) / baudRate
}

export const EXCEPTION_NAMES: Record<number, string> = {
  0x01: 'illegal function',
  0x02: 'illegal data address',
  0x03: 'illegal data value',
  0x04: 'server device failure',
  0x05: 'acknowledge',
  0x06: 'server device busy',
  0x08: 'memory parity error',
  0x0a: 'gateway path unavailable',
  0x0b: 'gateway target failed to respond',
}

export interface ModbusExpectation {
  unitId: number
  fc: ModbusReadFunction
  quantity: number
}

export type ModbusEvent =
  | { kind: 'reply'; unitId: number; fc: number; registers: number[] }
  | { kind: 'exception'; unitId: number; fc: number; code: number }
  | { kind: 'crcError'; expected: number; got: number; bytes: number }
  | { kind: 'noise'; bytes: number }

/**
 * Parses the reply to the one request in flight from a growing buffer. Bytes before `unitId, fc` (or
 * `unitId, fc|0x80`) are noise; a normal reply must carry `byteCount = 2 × quantity`, which makes a false start
 * inside noise unlikely. The buffer never holds more than one frame's worth (5 + 250 bytes).
 */
export class ModbusReplyParser {
  private buf = Buffer.alloc(0)
  private want: ModbusExpectation | null = null

  /** Sets the reply to look for; `null` between requests (late bytes are then noise). Clears the buffer. */
  expect(want: ModbusExpectation | null): ModbusEvent[] {
    const out: ModbusEvent[] = []
    if (this.buf.length > 0) out.push({ kind: 'noise', bytes: this.buf.length })
    this.buf = Buffer.alloc(0)
    this.want = want
    return out
  }

  push(chunk: Uint8Array): ModbusEvent[] {
    if (!this.want) return chunk.length > 0 ? [{ kind: 'noise', bytes: chunk.length }] : []
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk])
    const out: ModbusEvent[] = []
    while (this.want && this.buf.length > 0 && this.step(this.want, out)) {
      /* each step consumes bytes or stops */
    }
    return out
  }

  /** Returns true if it consumed something and should run again. */
  private step(want: ModbusExpectation, out: ModbusEvent[]): boolean {
    const start = this.findStart(want)
    if (start > 0) {
      out.push({ kind: 'noise', bytes: start })
      this.buf = this.buf.subarray(start)
    }
    if (start < 0) {
      out.push({ kind: 'noise', bytes: this.buf.length })
      this.buf = Buffer.alloc(0)
      return false
    }
    const len = this.frameLength(want)
    if (len === null || this.buf.length < len) return false
    const expected = crc16Modbus(this.buf, 0, len - 2)
    const got = this.buf.readUInt16LE(len - 2)
    if (expected !== got) {
      // A false start inside noise, if a real one begins within this span: skip one byte and look again.
      if (this.hasFullHeader(want, 1, len)) {
        out.push({ kind: 'noise', bytes: 1 })
        this.buf = this.buf.subarray(1)
        return true
      }
      out.push({ kind: 'crcError', expected, got, bytes: len })
    } else if ((this.buf[1]! & 0x80) !== 0) {
      out.push({ kind: 'exception', unitId: want.unitId, fc: want.fc, code: this.buf[2]! })
    } else {
      const registers: number[] = []
      for (let i = 0; i < want.quantity; i++) registers.push(this.buf.readInt16BE(3 + 2 * i))
      out.push({ kind: 'reply', unitId: want.unitId, fc: want.fc, registers })
    }
    // One reply per request: whatever follows it is noise.
    if (this.buf.length > len) out.push({ kind: 'noise', bytes: this.buf.length - len })
    this.buf = Buffer.alloc(0)
    this.want = null
    return false
  }

  /** Index of the first plausible frame start at or after `from` (and before `to`), or -1. */
  private findStart(want: ModbusExpectation, from = 0, to = this.buf.length): number {
    const b = this.buf
    for (let i = from; i < to; i++) {
      if (b[i] !== want.unitId) continue
      if (i + 1 >= b.length) return i
      const fc = b[i + 1]!
      if (fc === (want.fc | 0x80)) return i
      if (fc !== want.fc) continue
      if (i + 2 >= b.length || b[i + 2] === 2 * want.quantity) return i
    }
    return -1
  }

  /** A complete 3-byte header (unit, fc, byte count or fc|0x80) begins in [from, to). */
  private hasFullHeader(want: ModbusExpectation, from: number, to: number): boolean {
    const b = this.buf
    for (let i = from; i < to && i + 2 < b.length; i++) {
      if (b[i] !== want.unitId) continue
      if (b[i + 1] === (want.fc | 0x80) || (b[i + 1] === want.fc && b[i + 2] === 2 * want.quantity)) return true
    }
    return false
  }

  private frameLength(want: ModbusExpectation): number | null {
    if (this.buf.length < 2) return null
    return (this.buf[1]! & 0x80) !== 0 ? 5 : 3 + 2 * want.quantity + 2
  }
}
