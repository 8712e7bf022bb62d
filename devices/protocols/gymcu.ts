// GY-MCU90614/90615 UART protocol (devices.md §2.1): `A5 <cmd> <sum>` commands, and 9-byte frames
// `5A 5A 45 04 TO_H TO_L TA_H TA_L SUM` (signed big-endian °C × 100, SUM = low byte of the 8 preceding bytes).
// Pure: no timers, no I/O.
import { sum8 } from './crc.ts'

export function gyMcuCommand(cmd: number): Buffer {
  return Buffer.from([0xa5, cmd & 0xff, (0xa5 + cmd) & 0xff])
}

/** `A5 45 EA`: stream frames (~14 Hz). */
export const GYMCU_CONTINUOUS = gyMcuCommand(0x45)
/** `A5 15 BA`: one frame per command (keep below 10 Hz). */
export const GYMCU_QUERY = gyMcuCommand(0x15)

const HEADER = [0x5a, 0x5a, 0x45, 0x04] as const
const FRAME_LEN = 9

/**
 * What the sensor can report at all (MLX90614 datasheet, devices.md §2.1): object −70…+380 °C, ambient −40…+125 °C.
 * A frame outside it passed a one-byte sum by chance (a false header inside noise or a cut frame), so it is dropped;
 * values inside it, however unlikely for a forehead, go to the gateway, which judges them.
 */
export const GYMCU_OBJECT_RANGE_C: readonly [number, number] = [-70, 380]
export const GYMCU_AMBIENT_RANGE_C: readonly [number, number] = [-40, 125]

export type GyMcuEvent =
  | { kind: 'frame'; objectC: number; ambientC: number }
  | { kind: 'badSum'; expected: number; got: number }
  | { kind: 'outOfRange'; objectC: number; ambientC: number }
  | { kind: 'noise'; bytes: number }

/** Decodes one complete 9-byte frame at `at`; null if the header or sum is wrong or the values impossible. */
export function decodeGyMcuFrame(b: Uint8Array, at = 0): { objectC: number; ambientC: number } | null {
  if (b.length < at + FRAME_LEN || headerAt(b, at) !== 'full' || sum8(b, at, at + 8) !== b[at + 8]) return null
  const v = Buffer.from(b.buffer, b.byteOffset + at, FRAME_LEN)
  const r = { objectC: v.readInt16BE(4) / 100, ambientC: v.readInt16BE(6) / 100 }
  return plausible(r.objectC, r.ambientC) ? r : null
}

/** Resynchronises on the header after noise or a bad frame; holds at most one frame's bytes between pushes. */
export class GyMcuParser {
  private buf: Buffer = Buffer.alloc(0)

  get pending(): number {
    return this.buf.length
  }

  reset(): void {
    this.buf = Buffer.alloc(0)
  }

  push(chunk: Uint8Array): GyMcuEvent[] {
    const out: GyMcuEvent[] = []
    const b = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk])
    let i = 0
    let noise = 0
    while (i < b.length) {
      const h = headerAt(b, i)
      if (h === 'no') {
        noise++
        i++
        continue
      }
      if (h === 'partial' || b.length - i < FRAME_LEN) break
      if (noise > 0) out.push({ kind: 'noise', bytes: noise })
      noise = 0
      const expected = sum8(b, i, i + 8)
      const objectC = b.readInt16BE(i + 4) / 100
      const ambientC = b.readInt16BE(i + 6) / 100
      if (expected === b[i + 8] && plausible(objectC, ambientC)) {
        out.push({ kind: 'frame', objectC, ambientC })
        i += FRAME_LEN
        continue
      }
      out.push(expected === b[i + 8] ? { kind: 'outOfRange', objectC, ambientC } : { kind: 'badSum', expected, got: b[i + 8]! })
      // Resume at the next header inside the bad frame, if one starts there; otherwise after it.
      let next = i + 1
      while (next < i + FRAME_LEN && headerAt(b, next) === 'no') next++
      i = next
    }
    if (noise > 0) out.push({ kind: 'noise', bytes: noise })
    this.buf = Buffer.from(b.subarray(i))
    return out
  }
}

function plausible(objectC: number, ambientC: number): boolean {
  const [olo, ohi] = GYMCU_OBJECT_RANGE_C
  const [alo, ahi] = GYMCU_AMBIENT_RANGE_C
  return objectC >= olo && objectC <= ohi && ambientC >= alo && ambientC <= ahi
}

/** Whether the header starts at `i`: fully there, a prefix cut off by the end of the buffer, or not. */
function headerAt(b: Uint8Array, i: number): 'full' | 'partial' | 'no' {
  for (let k = 0; k < HEADER.length; k++) {
    if (i + k >= b.length) return 'partial'
    if (b[i + k] !== HEADER[k]) return 'no'
  }
  return 'full'
}
