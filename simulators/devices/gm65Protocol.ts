// GM65 zone-bit protocol seen from the module: a framer for host commands and the reply builders
// (shared/protocols/devices.md §1.1). Pure, so the timing rules can be tested without a pty.
import { crc16Xmodem, fromHex } from '../../devices/protocols/crc.ts'

export const GM65_TYPE = { read: 0x07, write: 0x08, save: 0x09, heartbeat: 0x0a } as const

/** Write and save both answer this; its `33 31` is the CRC of `00 01 00`. */
export const GM65_ACK = fromHex('02 00 00 01 00 33 31')
/** GM861/GM81S heartbeat reply (header 03, attested by code only). */
export const GM65_HEARTBEAT_REPLY = fromHex('03 00 00 01 00 33 31')

/** Zones the simulator gives meaning to. */
export const ZONE = {
  mode: 0x0000,
  trigger: 0x0002,
  readTimeout: 0x0006,
  iface: 0x000d,
  baudLo: 0x002a,
  baudHi: 0x002b,
  output: 0x0060,
  hwVersion: 0x00e1,
  swVersion: 0x00e2,
} as const

/**
 * A unit fresh from the factory, set up so that a gateway must fix it (DESIGN §5): output on USB, not UART
 * (0x000D bits1-0 = 01), no tail (0x0060 bits6-5 = 11, tail allowed), manual read mode. 0x000A = 0x3E as in the
 * manual's read example, so the `read_000A` vector answers `reply_read_3E`.
 */
export function factoryZones(): Uint8Array {
  const z = new Uint8Array(256)
  z[ZONE.mode] = 0xd4 // LED, buzzer, aimer + light standard, manual read mode
  z[0x0005] = 0x0a // 1 s between reads
  z[ZONE.readTimeout] = 0x32 // 5 s single-read timeout
  z[0x000a] = 0x3e
  z[ZONE.iface] = 0x01 // USB keyboard: scans do not reach the UART
  z[ZONE.baudLo] = 0x39 // 9600 (0x0139, little-endian)
  z[ZONE.baudHi] = 0x01
  z[0x002c] = 0x02 // all symbologies
  z[0x003f] = 0x01 // QR on
  z[ZONE.output] = 0x61 // tail none (bits6-5 = 11), tail allowed (bit0)
  z[ZONE.hwVersion] = 0x64 // V1.00
  z[ZONE.swVersion] = 0x8c // V1.40
  z.set([0x16, 0x05, 0x12], 0x00e3) // software date 2022-05-18
  return z
}

/** The state a configured gateway leaves behind: UART output, CR tail, command-trigger mode. */
export function configuredZones(): Uint8Array {
  const z = factoryZones()
  z[ZONE.mode] = 0xd5
  z[ZONE.iface] = 0x00
  z[ZONE.output] = 0x01
  return z
}

/** Documented baud divisors (0x002A LE); others by round(3e6 / baud), an inference from two points [UNVERIFIED]. */
const KNOWN_DIVISORS: Record<number, number> = { 9600: 0x0139, 115200: 0x001a }
const BAUDS = [1200, 4800, 9600, 14400, 19200, 38400, 57600, 115200]

export function baudDivisor(baud: number): number {
  return KNOWN_DIVISORS[baud] ?? Math.round(3_000_000 / baud)
}

/** The baud a divisor selects, or null if none of the module's rates matches (the unit is then deaf). */
export function baudFromDivisor(divisor: number): number | null {
  return BAUDS.find((b) => baudDivisor(b) === divisor) ?? null
}

/** Tail the module appends to scan data, per zone 0x0060 (bits6-5: CR, CRLF, TAB, none; bit0 allows it). */
export function tailFor(output: number): Buffer {
  if (!(output & 0x01)) return Buffer.alloc(0)
  return [Buffer.from([0x0d]), Buffer.from([0x0d, 0x0a]), Buffer.from([0x09]), Buffer.alloc(0)][(output >> 5) & 0x03]!
}

/** `02 00 00 <lens> <data> <crc>` with the real XMODEM CRC over `00 lens data` (lens 0x00 = 256 bytes). */
export function readReply(data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from([0x00, data.length & 0xff]), data])
  const crc = crc16Xmodem(body)
  return Buffer.concat([Buffer.from([0x02, 0x00]), body, Buffer.from([crc >> 8, crc & 0xff])])
}

export interface Gm65Command {
  type: number
  lens: number
  addr: number
  data: Buffer
  /** The CRC field was `AB CD` (manual: skip the check). */
  crcSkipped: boolean
}

export type FramerEvent =
  | { kind: 'command'; cmd: Gm65Command }
  | { kind: 'badCrc'; frame: Buffer }
  /** A partial frame abandoned 400 ms after its header. */
  | { kind: 'timeout'; partial: Buffer }
  /** Bytes outside any frame, skipped while looking for `7E 00`. */
  | { kind: 'garbage'; bytes: number }

/** Splits host bytes into commands: resynchronises on `7E 00`, sizes frames by type and lens, checks CRC. */
export class Gm65Framer {
  private buf = Buffer.alloc(0)
  private headerAt: number | null = null

  constructor(private readonly timeoutMs = 400) {}

  /** `now` is a monotonic ms clock; a header older than `timeoutMs` drops its partial frame before `chunk` is added. */
  push(chunk: Buffer, now: number): FramerEvent[] {
    const out: FramerEvent[] = []
    if (this.headerAt !== null && now - this.headerAt > this.timeoutMs) {
      out.push({ kind: 'timeout', partial: this.buf })
      this.buf = Buffer.alloc(0)
      this.headerAt = null
    }
    this.buf = Buffer.concat([this.buf, chunk])
    for (;;) {
      const start = findHeader(this.buf)
      if (start < 0) {
        // Keep a trailing 7E: it may be the first half of a header.
        const keep = this.buf[this.buf.length - 1] === 0x7e ? 1 : 0
        if (this.buf.length > keep) out.push({ kind: 'garbage', bytes: this.buf.length - keep })
        this.buf = this.buf.subarray(this.buf.length - keep)
        this.headerAt = null
        return out
      }
      if (start > 0) {
        out.push({ kind: 'garbage', bytes: start })
        this.buf = this.buf.subarray(start)
        this.headerAt = null
      }
      this.headerAt ??= now
      const len = frameLength(this.buf)
      if (len === null || this.buf.length < len) return out
      const frame = this.buf.subarray(0, len)
      const crcSkipped = frame[len - 2] === 0xab && frame[len - 1] === 0xcd
      const crcOk = crcSkipped || crc16Xmodem(frame, 2, len - 2) === frame.readUInt16BE(len - 2)
      if (crcOk) {
        out.push({ kind: 'command', cmd: parse(frame, crcSkipped) })
        this.buf = this.buf.subarray(len)
      } else {
        // Skip only the header: a truncated frame may have swallowed the start of the next one.
        out.push({ kind: 'badCrc', frame: Buffer.from(frame) })
        this.buf = this.buf.subarray(2)
      }
      this.headerAt = null
    }
  }
}

function findHeader(buf: Buffer): number {
  for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === 0x7e && buf[i + 1] === 0x00) return i
  return -1
}

/** 2 + 1 + 1 + 2 + (read ? 1 : lens, 0 meaning 256) + 2; null until type and lens have arrived. */
function frameLength(buf: Buffer): number | null {
  const type = buf[2]
  const lens = buf[3]
  if (type === undefined || lens === undefined) return null
  return 6 + (type === GM65_TYPE.read ? 1 : lens || 256) + 2
}

function parse(frame: Buffer, crcSkipped: boolean): Gm65Command {
  return {
    type: frame[2]!,
    lens: frame[3]!,
    addr: frame.readUInt16BE(4),
    data: Buffer.from(frame.subarray(6, frame.length - 2)),
    crcSkipped,
  }
}
