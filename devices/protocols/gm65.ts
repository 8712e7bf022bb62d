// Grow GM65-family zone-bit protocol (devices.md §1.1): command frames out, and a demultiplexer that tells the
// module's command replies apart from scan data on the same wire. Pure: no timers, no I/O.
import { crc16Xmodem } from './crc.ts'
import { LineFramer, type LineEvent, type Tail } from './line.ts'

export const GM65_READ = 0x07
export const GM65_WRITE = 0x08
export const GM65_SAVE = 0x09

/** Zones this gateway touches (devices.md zone map). */
export const GM65_ZONE = {
  trigger: 0x0002,
  serialOutput: 0x000d,
  outputFormat: 0x0060,
  hardwareVersion: 0x00e1,
  softwareVersion: 0x00e2,
} as const

export interface Gm65CommandOptions {
  /** Send `AB CD` instead of the CRC: the module then skips its check (manual §8.2). */
  noCrc?: boolean
}

/** `7E 00 <type> <len> <addrHi addrLo> <data…> <crcHi crcLo>`, CRC-16/XMODEM over type..data, high byte first. */
export function gm65Command(type: number, lens: number, addr: number, data: ArrayLike<number>, opts: Gm65CommandOptions = {}): Buffer {
  if (addr < 0 || addr > 0xffff) throw new RangeError(`zone address must be 0x0000..0xFFFF, got ${addr}`)
  const frame = Buffer.alloc(6 + data.length + 2)
  frame[0] = 0x7e
  frame[1] = 0x00
  frame[2] = type
  frame[3] = lens & 0xff
  frame.writeUInt16BE(addr, 4)
  for (let i = 0; i < data.length; i++) frame[6 + i] = data[i]! & 0xff
  const end = 6 + data.length
  if (opts.noCrc) {
    frame[end] = 0xab
    frame[end + 1] = 0xcd
  } else {
    frame.writeUInt16BE(crc16Xmodem(frame, 2, end), end)
  }
  return frame
}

/** Read `count` consecutive zone bytes (1..256; 256 is sent as 0x00). */
export function gm65Read(addr: number, count = 1, opts?: Gm65CommandOptions): Buffer {
  if (!Number.isInteger(count) || count < 1 || count > 256) throw new RangeError(`read count must be 1..256, got ${count}`)
  return gm65Command(GM65_READ, 0x01, addr, [count & 0xff], opts)
}

/** Write 1..256 zone bytes (the manual advises at most 245 per write). */
export function gm65Write(addr: number, data: ArrayLike<number>, opts?: Gm65CommandOptions): Buffer {
  if (data.length < 1 || data.length > 256) throw new RangeError(`write length must be 1..256, got ${data.length}`)
  return gm65Command(GM65_WRITE, data.length & 0xff, addr, data, opts)
}

/** Save the zone bits to EEPROM: `7E 00 09 01 00 00 00 DE C8`. */
export function gm65Save(opts?: Gm65CommandOptions): Buffer {
  return gm65Command(GM65_SAVE, 0x01, 0x0000, [0x00], opts)
}

export type Gm65Event =
  | LineEvent
  /** `02 00 00 …` command reply, or `03 00 00 …` heartbeat reply. A CRC mismatch is reported, not rejected. */
  | { kind: 'reply'; header: 0x02 | 0x03; data: Buffer; crcOk: boolean }
  /** A reply cut short by an idle gap (or a close): its bytes are dropped. */
  | { kind: 'partialReply'; bytes: number }

/**
 * Scan data and replies share the wire. A reply can only begin where a code could begin (nothing of a code is
 * buffered) and starts `02 00 00` or `03 00 00`: a NUL never occurs in a text code, so the two cannot be confused.
 * Bytes that start like a reply but then differ go back to the line framer as scan data.
 */
export class Gm65Demux {
  private readonly line: LineFramer
  /** Bytes of a reply being received (header included); empty when in scan-data mode. */
  private reply: number[] = []

  constructor(maxLength: number, tail?: Tail) {
    this.line = new LineFramer(maxLength, tail)
  }

  get pending(): number {
    return this.reply.length + this.line.pending
  }

  push(chunk: Uint8Array): Gm65Event[] {
    const out: Gm65Event[] = []
    let runStart = 0
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (this.reply.length === 0) {
        if (b === 0x02 || b === 0x03) {
          // Feed the scan bytes before this one first: only then does the framer know if a code is open.
          this.pushLine(chunk.subarray(runStart, i), out)
          runStart = i
          if (this.line.pending === 0) {
            this.reply.push(b)
            runStart = i + 1
          }
        }
        continue
      }
      runStart = i + 1
      this.replyByte(b, out)
    }
    this.pushLine(chunk.subarray(runStart), out)
    return out
  }

  /** Idle gap: a pending code ends; a half reply is dropped. */
  flush(): Gm65Event[] {
    const out: Gm65Event[] = []
    if (this.reply.length > 0) {
      out.push({ kind: 'partialReply', bytes: this.reply.length })
      this.reply = []
    }
    out.push(...this.line.flush())
    return out
  }

  reset(): void {
    this.reply = []
    this.line.reset()
  }

  private pushLine(bytes: Uint8Array, out: Gm65Event[]): void {
    if (bytes.length > 0) out.push(...this.line.push(bytes))
  }

  private replyByte(b: number, out: Gm65Event[]): void {
    const r = this.reply
    r.push(b)
    // Header check: bytes 1 and 2 must be 00; otherwise this was scan data that began with STX/ETX.
    if ((r.length === 2 || r.length === 3) && b !== 0x00) {
      this.reply = []
      out.push(...this.line.push(Uint8Array.from(r)))
      return
    }
    if (r.length < 4) return
    const lens = r[3] === 0 ? 256 : r[3]!
    if (r.length < 4 + lens + 2) return
    const frame = Buffer.from(r)
    this.reply = []
    const crc = crc16Xmodem(frame, 2, 4 + lens)
    out.push({
      kind: 'reply',
      header: frame[0] as 0x02 | 0x03,
      data: frame.subarray(4, 4 + lens),
      crcOk: crc === frame.readUInt16BE(4 + lens),
    })
  }
}
