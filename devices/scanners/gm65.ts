// Grow GM65-family scanner (driver `gm65`, devices.md §1.1): line-mode scan output plus zone-bit commands.
// At each open (when `configure`) it probes the module, forces UART output and the tail (`tail`: CR for auto) by read-modify-write,
// saves only if something changed and reads the version zones. One command in flight; scans that arrive
// meanwhile are still scans (the demultiplexer tells replies from codes by their `02 00 00` header).
import type { ScannerConfig } from '../config.ts'
import { toHex } from '../protocols/crc.ts'
import { Gm65Demux, GM65_ZONE, gm65Read, gm65Save, gm65Write, type Gm65Event } from '../protocols/gm65.ts'
import { parseTail } from '../protocols/line.ts'
import type { DeviceContext } from '../types.ts'
import { SerialScanner, type SerialDeviceOptions } from './serialScanner.ts'

export interface Gm65Options extends SerialDeviceOptions {
  /** Wait for a reply (specter-diy uses 100 ms). */
  replyTimeoutMs?: number
  /** Tries per baud rate before moving on. */
  probeTries?: number
  /** After a failed probe, probe again this often while the port is open. */
  reprobeMs?: number
}

const FALLBACK_BAUD = 115200

/**
 * Zone 0x0060 bits 6-5 for each tail the module can send (devices.md §1.1: 00 CR, 01 CR LF, 10 TAB, 11 none), bit 0
 * on. `auto` asks for CR, as DESIGN says; `lf` and hex tails are not GM65 settings, so the module is left as it is.
 */
const GM65_TAIL_BITS: Record<string, number> = { auto: 0x01, cr: 0x01, crlf: 0x21, tab: 0x41, none: 0x61 }
const hex2 = (n: number): string => `0x${n.toString(16).padStart(4, '0').toUpperCase()}`

export class Gm65Scanner extends SerialScanner {
  private readonly demux: Gm65Demux
  private pending: ((data: Buffer | null) => void) | null = null
  private queue: Promise<unknown> = Promise.resolve()
  /** Bumped at every open and close, so a configuration run for an older connection stops. */
  private generation = 0
  private reprobe: NodeJS.Timeout | null = null
  private readonly replyTimeoutMs: number
  private readonly probeTries: number
  private readonly reprobeMs: number

  constructor(cfg: ScannerConfig, ctx: DeviceContext, opts: Gm65Options = {}) {
    super(cfg, ctx, 'gm65', opts, ['commands', 'commandTimeouts', 'strayReply', 'replyCrcMismatch', 'partialReply', 'probes'])
    this.demux = new Gm65Demux(cfg.maxLength, parseTail(cfg.tail))
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 100
    this.probeTries = opts.probeTries ?? 3
    this.reprobeMs = opts.reprobeMs ?? 5000
    Object.assign(this.state.info, { model: 'GM65 family', configured: false, hardwareVersion: null, softwareVersion: null })
  }

  /** Starts one scan by command (zone 0x0002 = 1); resolves on the module's acknowledgement. */
  async trigger(): Promise<void> {
    if (!this.link.isOpen) throw new Error(`scanner ${this.name}: ${this.cfg.path} is not open`)
    const ack = await this.command(gm65Write(GM65_ZONE.trigger, [1]), 'trigger')
    if (!ack) throw new Error(`scanner ${this.name}: expected an acknowledgement of the trigger (write 1 to zone 0x0002) within ${this.replyTimeoutMs} ms, got none`)
  }

  /**
   * A technician's probe (the kiosk's /tech page): reads the output mode, the tail setting and the version zones.
   * Read-only, so it is safe on a working gate; it shares the one-command-at-a-time queue with everything else.
   */
  async identify(): Promise<{ answered: boolean; baudRate: number; serialOutput: boolean | null; crTail: boolean | null; hardwareVersion: string | null; softwareVersion: string | null }> {
    if (!this.link.isOpen) throw new Error(`scanner ${this.name}: ${this.cfg.path} is not open`)
    const mode = await this.readZone(GM65_ZONE.serialOutput)
    const format = await this.readZone(GM65_ZONE.outputFormat)
    const hw = await this.readZone(GM65_ZONE.hardwareVersion)
    const sw = await this.readZone(GM65_ZONE.softwareVersion)
    return {
      answered: mode !== null,
      baudRate: this.link.baudRate,
      serialOutput: mode === null ? null : (mode & 0x03) === 0,
      crTail: format === null ? null : (format & 0x61) === 0x01,
      hardwareVersion: hw === null ? null : version(hw),
      softwareVersion: sw === null ? null : version(sw),
    }
  }

  override async stop(): Promise<void> {
    this.generation++
    this.clearReprobe()
    await super.stop()
  }

  protected framePush(chunk: Buffer): Gm65Event[] {
    return this.demux.push(chunk)
  }

  protected frameFlush(): Gm65Event[] {
    return this.demux.flush()
  }

  protected framePending(): number {
    return this.demux.pending
  }

  protected frameReset(): void {
    this.demux.reset()
  }

  protected override opened(): void {
    this.frameReset()
    const gen = ++this.generation
    if (!this.cfg.configure) {
      this.state.setOnline(true)
      return
    }
    void this.configure(gen).catch((err: Error) => this.log.error({ err }, 'gm65 configuration failed'))
  }

  protected override closed(disconnected: boolean): void {
    this.generation++
    this.clearReprobe()
    this.pending?.(null)
    super.closed(disconnected)
  }

  protected override scanned(): void {
    if (this.link.isOpen) this.state.setOnline(true)
  }

  protected override otherEvent(ev: { kind: string }): void {
    const e = ev as Gm65Event
    if (e.kind === 'partialReply') {
      this.state.count('partialReply')
      this.log.warn({ length: e.bytes }, 'incomplete reply dropped')
      return
    }
    if (e.kind !== 'reply') return
    if (this.log.isLevelEnabled('debug')) this.log.debug({ header: e.header, data: toHex(e.data), crcOk: e.crcOk }, 'reply')
    // devices.md §1.1 [CONFLICT]: some firmware sends a constant `33 31`; count a mismatch, keep the reply.
    if (!e.crcOk) {
      if (this.state.counters.replyCrcMismatch === 0) this.log.warn('reply CRC does not match (kept; some firmware sends a constant 33 31)')
      this.state.count('replyCrcMismatch')
    }
    if (!this.pending) {
      this.state.count('strayReply')
      this.log.warn({ length: e.data.length }, 'reply with no command in flight ignored')
      return
    }
    this.state.seen()
    this.pending(e.data)
  }

  /** Sends one command after the previous one finished; resolves with the reply's data, or null on timeout. */
  private command(frame: Buffer, what: string): Promise<Buffer | null> {
    const run = (): Promise<Buffer | null> =>
      new Promise((resolve) => {
        if (!this.link.write(frame)) return resolve(null)
        this.state.count('commands')
        this.log.debug({ hex: toHex(frame) }, `command: ${what}`)
        const timer = setTimeout(() => {
          this.pending = null
          this.state.count('commandTimeouts')
          this.log.debug(`no reply to ${what} within ${this.replyTimeoutMs} ms`)
          // Hold the next command back a little: a late reply to this one then lands as stray instead of
          // being taken as the next command's answer.
          setTimeout(() => resolve(null), Math.min(50, this.replyTimeoutMs))
        }, this.replyTimeoutMs)
        this.pending = (data) => {
          clearTimeout(timer)
          this.pending = null
          resolve(data)
        }
      })
    const p = this.queue.then(run, run)
    this.queue = p
    return p
  }

  private async readZone(addr: number): Promise<number | null> {
    const data = await this.command(gm65Read(addr), `read ${hex2(addr)}`)
    return data?.[0] ?? null
  }

  private async writeZone(addr: number, value: number): Promise<boolean> {
    const ok = (await this.command(gm65Write(addr, [value]), `write ${hex2(addr)}`)) !== null
    if (!ok) this.log.warn({ zone: hex2(addr), value }, 'zone write not acknowledged')
    return ok
  }

  /** specter-diy's start-up sequence (devices.md §1.1 "Host start-up sequence"). */
  private async configure(gen: number): Promise<void> {
    this.state.count('probes')
    const stale = (): boolean => gen !== this.generation
    const bauds = [...new Set([this.link.baudRate, this.cfg.baudRate, FALLBACK_BAUD])]
    const serial = await this.probe(bauds, stale)
    if (stale()) return
    if (serial === null) {
      const msg = `no reply to a read of zone 0x000D at ${bauds.join(' or ')} baud (module powered, in UART mode, TX/RX crossed?)`
      this.state.setOnline(false, msg)
      this.log.warn(msg)
      this.reprobe = setTimeout(() => {
        this.reprobe = null
        if (!stale() && this.link.isOpen) void this.configure(gen)
      }, this.reprobeMs)
      return
    }
    let changed = false
    // Zone 0x000D bits 1-0: 00 = serial (TTL) output.
    if ((serial & 0x03) !== 0) changed = (await this.writeZone(GM65_ZONE.serialOutput, serial & ~0x03)) || changed
    // Zone 0x0060 bits 6-5: the tail; bit 0: tail enabled. Other bits (prefix, suffix, CodeID) kept.
    const format = await this.readZone(GM65_ZONE.outputFormat)
    const tailBits = GM65_TAIL_BITS[this.cfg.tail]
    if (format !== null && tailBits !== undefined) {
      const want = (format & ~0x61) | tailBits
      if (want !== format) changed = (await this.writeZone(GM65_ZONE.outputFormat, want)) || changed
    } else if (format !== null) {
      this.log.info({ tail: this.cfg.tail }, "tail is not a GM65 setting: the module's own tail setting is left as it is")
    }
    if (changed && (await this.command(gm65Save(), 'save')) === null) this.log.warn('save to EEPROM not acknowledged')
    const hw = await this.readZone(GM65_ZONE.hardwareVersion)
    const sw = await this.readZone(GM65_ZONE.softwareVersion)
    if (stale()) return
    Object.assign(this.state.info, {
      configured: format !== null,
      saved: changed,
      baudRate: this.link.baudRate,
      hardwareVersion: hw === null ? null : version(hw),
      softwareVersion: sw === null ? null : version(sw),
    })
    this.log.info({ baudRate: this.link.baudRate, changed, hardwareVersion: this.state.info.hardwareVersion, softwareVersion: this.state.info.softwareVersion }, 'gm65 configured')
    this.state.setOnline(true, format === null ? 'zone 0x0060 (tail) could not be read' : undefined)
  }

  /** Reads zone 0x000D at the current rate, the configured one, then 115200; leaves the link at the rate that answered. */
  private async probe(bauds: number[], stale: () => boolean): Promise<number | null> {
    for (const baud of bauds) {
      if (stale()) return null
      if (this.link.baudRate !== baud) {
        await this.link.setBaudRate(baud).catch((err: Error) => this.log.warn({ err: err.message, baud }, 'cannot change baud rate'))
        this.demux.reset()
      }
      for (let i = 0; i < this.probeTries; i++) {
        const v = await this.readZone(GM65_ZONE.serialOutput)
        if (v !== null) {
          if (baud !== this.cfg.baudRate) this.log.info({ baud, configured: this.cfg.baudRate }, 'module answers at a different baud rate')
          return v
        }
        if (stale()) return null
      }
    }
    return null
  }

  private clearReprobe(): void {
    if (this.reprobe) clearTimeout(this.reprobe)
    this.reprobe = null
  }
}

/** Version zones: 0x64 = V1.00 … 0x8C = V1.40. */
function version(v: number): string {
  return `V${(v / 100).toFixed(2)}`
}
