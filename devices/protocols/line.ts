// Framing for line-mode scanners (DESIGN section 5, devices.md §1.5): a code ends at CR or CR LF, or after an
// idle gap for units set to send no tail. Pure: no timers; the driver calls `flush()` after `idleMs` of silence.
//
// Hand-written rather than serialport's ReadlineParser/DelimiterParser: their buffers grow without bound when a
// scanner sends the wrong tail (DEPENDENCIES.md §3 pitfall 3), and they have no idle rule. Here a code is at most
// `maxLength` bytes in a fixed buffer; the rest of an over-long code is skipped up to the next terminator.

const CR = 0x0d
const LF = 0x0a

export type LineError = 'tooLong' | 'badUtf8'

export type LineEvent =
  | { kind: 'code'; text: string; bytes: number }
  | { kind: 'error'; error: LineError; bytes: number }

export class LineFramer {
  private readonly buf: Uint8Array
  private len = 0
  /** Inside a code that went over the limit: drop bytes up to the next terminator. */
  private skipping = false
  private skipped = 0
  /** The previous byte was CR: a LF now is the second half of CR LF, never an empty code. */
  private afterCr = false
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })

  constructor(readonly maxLength: number) {
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`maxLength must be a positive integer, got ${maxLength}`)
    this.buf = new Uint8Array(maxLength)
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

  /** Idle gap: whatever is buffered is a complete code (units with no tail). */
  flush(): LineEvent[] {
    const out: LineEvent[] = []
    this.end(out)
    return out
  }

  /** Port closed or reopened: a half-received code is dropped. */
  reset(): void {
    this.len = 0
    this.skipping = false
    this.skipped = 0
    this.afterCr = false
  }

  private byte(b: number, out: LineEvent[]): void {
    const afterCr = this.afterCr
    this.afterCr = b === CR
    if (b === LF && afterCr) return
    if (b === CR) {
      this.end(out)
      return
    }
    if (this.skipping) {
      this.skipped++
      return
    }
    if (this.len === this.maxLength) {
      this.skipping = true
      this.skipped = this.len + 1
      this.len = 0
      out.push({ kind: 'error', error: 'tooLong', bytes: this.skipped })
      return
    }
    this.buf[this.len++] = b
  }

  private end(out: LineEvent[]): void {
    if (this.skipping) {
      this.skipping = false
      this.skipped = 0
      return
    }
    if (this.len === 0) return
    const bytes = this.len
    this.len = 0
    try {
      out.push({ kind: 'code', text: this.decoder.decode(this.buf.subarray(0, bytes)), bytes })
    } catch {
      out.push({ kind: 'error', error: 'badUtf8', bytes })
    }
  }
}
