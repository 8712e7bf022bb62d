// A plain serial QR scanner (DESIGN §5 "line"): each decoded code is UTF-8 text plus a tail. It never reads
// what the host sends. Chunking and gaps reproduce how a code dribbles in at 9600 baud (about 1 ms a byte).
import { DeviceSim, type SimOpenOptions } from './deviceSim.ts'

/** The tails scanners are commonly set to (devices.md §1.5). */
export const TAIL_CHOICES = ['cr', 'crlf', 'lf', 'tab', 'none'] as const
export type Tail = (typeof TAIL_CHOICES)[number]

export interface ScanOptions {
  /** Default 'cr' (devices.md §1.1 recommends CR as the simulator default). */
  tail?: Tail
  /** Split the output into writes of these sizes; whatever is left goes as one final write. */
  chunkSizes?: number[]
  /** Pause between chunks (ms). */
  gapMs?: number
  /** Bytes sent (as their own write) before the code: line noise, a half code from before a power cut. */
  noiseBefore?: Uint8Array
}

export const TAILS: Record<Tail, Buffer> = {
  cr: Buffer.from([0x0d]),
  crlf: Buffer.from([0x0d, 0x0a]),
  lf: Buffer.from([0x0a]),
  tab: Buffer.from([0x09]),
  none: Buffer.alloc(0),
}

const COUNTERS = ['scans', 'rawWrites'] as const
type Counter = (typeof COUNTERS)[number]

export class LineScannerSim extends DeviceSim<Counter> {
  constructor(opts: SimOpenOptions = {}) {
    super(COUNTERS, opts)
  }

  /** Sends one code; resolves once the last byte is written. */
  async scan(text: string, opts: ScanOptions = {}): Promise<void> {
    this.assertOpen('scan')
    if (opts.noiseBefore?.length) await this.send(opts.noiseBefore)
    const bytes = Buffer.concat([Buffer.from(text, 'utf8'), TAILS[opts.tail ?? 'cr']])
    await this.sendChunked(bytes, opts.chunkSizes ?? [], opts.gapMs ?? 0)
    this.count('scans')
  }

  /** Writes bytes as they are: invalid UTF-8, over-long codes, a code with no tail. */
  async writeRaw(bytes: Uint8Array, chunking: Pick<ScanOptions, 'chunkSizes' | 'gapMs'> = {}): Promise<void> {
    this.assertOpen('writeRaw')
    await this.sendChunked(Buffer.from(bytes), chunking.chunkSizes ?? [], chunking.gapMs ?? 0)
    this.count('rawWrites')
  }

  protected override onBytes(): void {
    // A scanner in plain data mode ignores the host; stats keep what arrived.
  }

  private async sendChunked(bytes: Buffer, sizes: number[], gapMs: number): Promise<void> {
    let at = 0
    for (const size of sizes) {
      if (at >= bytes.length) break
      if (!Number.isInteger(size) || size < 1) throw new Error(`chunk sizes must be positive integers, got ${size}`)
      await this.send(bytes.subarray(at, at + size))
      at += size
      if (at < bytes.length) await this.sleep(gapMs)
    }
    if (at < bytes.length) await this.send(bytes.subarray(at))
  }
}
