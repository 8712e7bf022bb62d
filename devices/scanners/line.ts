// Line-mode scanner (driver `line`): decoded text + its tail (config `tail`), or an idle gap. Online while its port is open.
import type { ScannerConfig } from '../config.ts'
import { LineFramer, parseTail, type LineEvent } from '../protocols/line.ts'
import type { DeviceContext } from '../types.ts'
import { SerialScanner, type SerialDeviceOptions } from './serialScanner.ts'

export class LineScanner extends SerialScanner {
  private readonly framer: LineFramer

  constructor(cfg: ScannerConfig, ctx: DeviceContext, opts: SerialDeviceOptions = {}) {
    super(cfg, ctx, 'line', opts)
    this.framer = new LineFramer(cfg.maxLength, parseTail(cfg.tail))
  }

  /** A line scanner has no command channel: it scans when a code is presented. */
  trigger(): Promise<void> {
    return Promise.reject(new Error(`scanner ${this.name}: driver "line" cannot start a scan by command (only gm65 can)`))
  }

  protected framePush(chunk: Buffer): LineEvent[] {
    return this.framer.push(chunk)
  }

  protected frameFlush(): LineEvent[] {
    return this.framer.flush()
  }

  protected framePending(): number {
    return this.framer.pending
  }

  protected frameReset(): void {
    this.framer.reset()
  }
}
