// Framing for line-mode scanners (DESIGN section 5, devices.md §1.5): what ends a code is the scanner's tail.
// Scanners are set to CR, CR LF, LF or TAB tails, or none (an idle gap then ends the code). A pass never contains
// CR, LF or TAB, so by default (`auto`) each of them ends a code and a run of them (CR LF) ends just one. For odd
// units a tail can be named exactly (`cr`, `crlf`, `lf`, `tab`, `none`, or hex bytes such as `"03"`): then only that
// sequence ends a code, and the other control bytes are data. Pure: no timers; the driver calls `flush()` after
// `idleMs` of silence, which ends a code in every mode.
//
// Hand-written rather than serialport's ReadlineParser/DelimiterParser: their buffers grow without bound when a
// scanner sends the wrong tail (DEPENDENCIES.md §3 pitfall 3), and they have no idle rule. Here a code is at most
// `maxLength` bytes in a fixed buffer; the rest of an over-long code is skipped up to the next tail.

const CR = 0x0d
const LF = 0x0a
const TAB = 0x09

/** The config key `tail` of line and gm65 scanners. */
export const TAIL_NAMES = ['auto', 'cr', 'crlf', 'lf', 'tab', 'none'] as const
export type TailName = (typeof TAIL_NAMES)[number]

/** `auto`: any of CR, LF, TAB ends a code. Otherwise exactly these bytes do (none: only an idle gap). */
export type Tail = { kind: 'auto' } | { kind: 'bytes'; bytes: Uint8Array }

const NAMED: Record<Exclude<TailName, 'auto'>, number[]> = { cr: [CR], crlf: [CR, LF], lf: [LF], tab: [TAB], none: [] }
const HEX_TAIL = /^[0-9a-f]{2}( ?[0-9a-f]{2}){0,7}$/i
/** Characters of a compact JWS (base64url and the dots). */
const PASS_CHARS = /[A-Za-z0-9._-]/

/**
 * Why `setting` is not a tail, or null when it is. A hex tail's first byte must not be one that occurs in a pass:
 * otherwise the tail could cut a pass in two, and the idle rule (which drops a half-received tail) could eat the end
 * of one.
 */
export function tailError(setting: string): string | null {
  if ((TAIL_NAMES as readonly string[]).includes(setting)) return null
  if (!HEX_TAIL.test(setting)) {
    return `expected one of ${TAIL_NAMES.join(', ')}, or 1-8 bytes in hex such as "0d0a" or "03" (got ${JSON.stringify(setting)})`
  }
  const first = parseInt(setting.slice(0, 2), 16)
  if (PASS_CHARS.test(String.fromCharCode(first))) {
    return `a tail starting with ${JSON.stringify(String.fromCharCode(first))} (0x${setting.slice(0, 2)}) would cut passes, which contain letters, digits, ".", "_" and "-"`
  }
  return null
}

/** The tail a config value names; throws on a bad one (the config schema checks with `tailError` first). */
export function parseTail(setting: string = 'auto'): Tail {
  const err = tailError(setting)
  if (err) throw new Error(`tail: ${err}`)
  if (setting === 'auto') return { kind: 'auto' }
  const named = NAMED[setting as Exclude<TailName, 'auto'>]
  return { kind: 'bytes', bytes: Uint8Array.from(named ?? Buffer.from(setting.replaceAll(' ', ''), 'hex')) }
}

export type LineError = 'tooLong' | 'badUtf8'

export type LineEvent =
  | { kind: 'code'; text: string; bytes: number }
  | { kind: 'error'; error: LineError; bytes: number }

export class LineFramer {
  /** An exact tail's bytes; null in auto mode. */
  private readonly tail: Uint8Array | null
  private readonly buf: Uint8Array
  private len = 0
  /** Inside a code that went over the limit: drop bytes up to the next tail. */
  private skipping = false
  private skipped = 0
  /** Exact tails: the last bytes seen since the last code ended (at most the tail's length). */
  private recent: number[] = []
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })

  constructor(
    readonly maxLength: number,
    tail: Tail = { kind: 'auto' },
  ) {
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`maxLength must be a positive integer, got ${maxLength}`)
    this.tail = tail.kind === 'auto' ? null : tail.bytes
    // Room for a code of maxLength plus the tail's first bytes, which are only known to be tail once it completes.
    this.buf = new Uint8Array(maxLength + Math.max(0, (this.tail?.length ?? 1) - 1))
  }

  /** Bytes of an unfinished code (0 when idle): the driver arms its idle timer while this is non-zero. */
  get pending(): number {
    return this.skipping ? this.skipped : this.len
  }

  push(chunk: Uint8Array): LineEvent[] {
    const out: LineEvent[] = []
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]!, out)
    return out
  }

  /** Idle gap: whatever is buffered is a complete code (units with no tail), less a half-received tail. */
  flush(): LineEvent[] {
    const out: LineEvent[] = []
    this.end(out, this.tail ? tailPrefixAtEnd(this.buf.subarray(0, this.len), this.tail) : 0)
    return out
  }

  /** Port closed or reopened: a half-received code is dropped. */
  reset(): void {
    this.len = 0
    this.skipping = false
    this.skipped = 0
    this.recent = []
  }

  private byte(b: number, out: LineEvent[]): void {
    const tail = this.tail
    if (tail === null) {
      // Empty codes are ignored in end(), so CR LF (or LF CR, CR CR) ends exactly one code.
      if (b === CR || b === LF || b === TAB) return this.end(out, 0)
    } else if (tail.length > 0) {
      this.recent.push(b)
      if (this.recent.length > tail.length) this.recent.shift()
      if (this.recent.length === tail.length && this.recent.every((x, i) => x === tail[i])) {
        // The tail's first bytes are already in the buffer: they are not part of the code.
        return this.end(out, tail.length - 1)
      }
    }
    if (this.skipping) {
      this.skipped++
      return
    }
    if (this.len === this.buf.length) {
      this.skipping = true
      this.skipped = this.len + 1
      this.len = 0
      out.push({ kind: 'error', error: 'tooLong', bytes: this.skipped })
      return
    }
    this.buf[this.len++] = b
  }

  /** A code ends; its last `drop` buffered bytes were the start of the tail. */
  private end(out: LineEvent[], drop: number): void {
    this.recent = []
    if (this.skipping) {
      this.skipping = false
      this.skipped = 0
      return
    }
    const bytes = Math.max(0, this.len - drop)
    this.len = 0
    if (bytes === 0) return
    if (bytes > this.maxLength) {
      out.push({ kind: 'error', error: 'tooLong', bytes })
      return
    }
    try {
      out.push({ kind: 'code', text: this.decoder.decode(this.buf.subarray(0, bytes)), bytes })
    } catch {
      out.push({ kind: 'error', error: 'badUtf8', bytes })
    }
  }
}

/** How many bytes at the end of `data` are a proper prefix of `tail` (a tail cut off by the idle gap). */
function tailPrefixAtEnd(data: Uint8Array, tail: Uint8Array): number {
  for (let n = Math.min(tail.length - 1, data.length); n > 0; n--) {
    let match = true
    for (let i = 0; i < n; i++) if (data[data.length - n + i] !== tail[i]) match = false
    if (match) return n
  }
  return 0
}
