// A Grow GM65-family QR module from the module's side: zone-bit commands (read, write, save, heartbeat),
// scan output with the tail configured in zone 0x0060, and command-triggered reads (devices.md §1.1 checklist).
import { execFile } from 'node:child_process'
import { DeviceSim, type SimOpenOptions } from './deviceSim.ts'
import {
  GM65_ACK,
  GM65_HEARTBEAT_REPLY,
  GM65_TYPE,
  Gm65Framer,
  ZONE,
  baudDivisor,
  baudFromDivisor,
  configuredZones,
  factoryZones,
  readReply,
  tailFor,
  type Gm65Command,
} from './gm65Protocol.ts'

export interface Gm65Options extends SimOpenOptions {
  /** Starting state: 'factory' (default) needs the gateway's start-up fixes; 'configured' is UART + CR + command mode. */
  preset?: 'factory' | 'configured'
  /** Zone values on top of the preset, e.g. `{ 0x0060: 0x21 }`. They are the "flash" contents at power-up. */
  zones?: Record<number, number>
  /** Time from trigger (or `present` outside command mode) to scan output. */
  decodeDelayMs?: number
  /** Partial frames are dropped this long after their header (manual: 400 ms). */
  frameTimeoutMs?: number
  /** The module's UART rate (stored in zones 0x002A-0x002B). Only enforced together with `hostPath`. */
  baudRate?: number
  /**
   * The host's end of the pty (`PtyPair.gatewayPath`). A pty carries the same bytes at any baud rate, but the
   * rate the host set is visible in its termios: with this set, each command is answered only if
   * `stty -F hostPath speed` equals the module's rate, so a gateway's "retry at 115200" can be tested.
   */
  hostPath?: string
  /** Simpler stand-in for a wrong rate: ignore the first n well-formed commands. */
  respondAfterRetries?: number
}

const COUNTERS = [
  'commands', 'reads', 'writes', 'saves', 'heartbeats', 'unknown', 'badCrc', 'badFormat', 'frameTimeouts',
  'garbageBytes', 'ignoredBaud', 'ignoredRetries', 'triggers', 'scans', 'notUart', 'readTimeouts',
] as const
type Counter = (typeof COUNTERS)[number]

export class Gm65Sim extends DeviceSim<Counter> {
  /** Working zone table (RAM). */
  private readonly ram: Uint8Array
  /** Saved by type 0x09; loaded into RAM at every power-up. */
  private readonly flash: Uint8Array
  private readonly framer: Gm65Framer
  private readonly hostPath: string | undefined
  private retriesLeft: number
  private work: Promise<void> = Promise.resolve()
  /** Codes the camera "sees", decoded on the next trigger in command mode. */
  private readonly presented: string[] = []
  /** An open read after a trigger that found nothing presented yet. */
  private readWindow: NodeJS.Timeout | null = null
  private waitingForCode = false
  private decoding: NodeJS.Timeout | null = null
  decodeDelayMs: number

  constructor(opts: Gm65Options = {}) {
    super(COUNTERS, opts)
    this.flash = opts.preset === 'configured' ? configuredZones() : factoryZones()
    if (opts.baudRate !== undefined) {
      const d = baudDivisor(opts.baudRate)
      this.flash.set([d & 0xff, d >> 8], ZONE.baudLo)
    }
    for (const [addr, value] of Object.entries(opts.zones ?? {})) this.flash[Number(addr) & 0xff] = value & 0xff
    this.ram = Uint8Array.from(this.flash)
    this.framer = new Gm65Framer(opts.frameTimeoutMs ?? 400)
    this.hostPath = opts.hostPath
    this.retriesLeft = opts.respondAfterRetries ?? 0
    this.decodeDelayMs = opts.decodeDelayMs ?? 50
  }

  /** Current (RAM) value of a zone. */
  zone(addr: number): number {
    return this.ram[addr & 0xff]!
  }

  /** Saved (flash) value of a zone. */
  flashZone(addr: number): number {
    return this.flash[addr & 0xff]!
  }

  /** The module's UART rate per zones 0x002A-0x002B; null if the divisor matches no known rate. */
  get baudRate(): number | null {
    return baudFromDivisor(this.zone(ZONE.baudLo) | (this.zone(ZONE.baudHi) << 8))
  }

  /** Scan data reaches the UART only when zone 0x000D bits1-0 = 00; otherwise it goes to USB. */
  get uartOutput(): boolean {
    return (this.zone(ZONE.iface) & 0x03) === 0
  }

  get commandMode(): boolean {
    return (this.zone(ZONE.mode) & 0x03) === 0x01
  }

  /** RAM reloads from flash, as after a power cut. */
  powerCycle(): void {
    this.powerDown()
    this.powerUp()
  }

  /** A code decoded now (button pressed, or held in front in continuous mode). False if not sent on the UART. */
  async scan(text: string): Promise<boolean> {
    this.assertOpen('scan')
    return this.output(text)
  }

  /**
   * Puts a code in front of the camera. In command-trigger mode it is read on the next trigger (or by the
   * trigger now waiting); in other modes it is decoded after `decodeDelayMs` (button or continuous reading).
   */
  present(text: string): void {
    this.assertOpen('present')
    this.presented.push(text)
    if (!this.commandMode || this.waitingForCode) this.decodeNext()
  }

  /** Codes presented and not yet read. */
  get pending(): readonly string[] {
    return this.presented
  }

  protected override powerUp(): void {
    this.ram.set(this.flash)
    this.ram[ZONE.trigger] = 0
  }

  protected override powerDown(): void {
    super.powerDown()
    this.readWindow = null
    this.decoding = null
    this.waitingForCode = false
  }

  protected override onBytes(chunk: Buffer): void {
    for (const ev of this.framer.push(chunk, performance.now())) {
      if (ev.kind === 'badCrc') this.count('badCrc')
      else if (ev.kind === 'timeout') this.count('frameTimeouts')
      else if (ev.kind === 'garbage') this.count('garbageBytes', ev.bytes)
      else {
        const cmd = ev.cmd
        // One command at a time, in order: the host-rate check is asynchronous.
        this.work = this.work.then(() => this.handle(cmd)).catch(() => {})
      }
    }
  }

  private async handle(cmd: Gm65Command): Promise<void> {
    if (!(await this.hearsHost())) return this.count('ignoredBaud')
    if (this.retriesLeft > 0) {
      this.retriesLeft--
      return this.count('ignoredRetries')
    }
    this.count('commands')
    switch (cmd.type) {
      case GM65_TYPE.read:
        return this.read(cmd)
      case GM65_TYPE.write:
        return this.write(cmd)
      case GM65_TYPE.save:
        // Data 0x00 = save. specter-diy sends data 0x02 to restore defaults [UNVERIFIED]; we only acknowledge it.
        this.count('saves')
        if (cmd.data[0] === 0x00) this.flash.set(this.ram)
        await this.send(GM65_ACK)
        return
      case GM65_TYPE.heartbeat:
        this.count('heartbeats')
        await this.send(GM65_HEARTBEAT_REPLY)
        return
      default:
        this.count('unknown') // manual: unknown commands get no reply
    }
  }

  private async read(cmd: Gm65Command): Promise<void> {
    const n = cmd.data[0] || 256
    if (cmd.lens !== 1 || cmd.addr + n > 256) return this.count('badFormat')
    this.count('reads')
    await this.send(readReply(this.ram.subarray(cmd.addr, cmd.addr + n)))
  }

  private async write(cmd: Gm65Command): Promise<void> {
    this.count('writes')
    // The table is 256 zones; writes beyond it are acknowledged and forgotten.
    cmd.data.forEach((v, i) => {
      if (cmd.addr + i < 256) this.ram[cmd.addr + i] = v
    })
    // The ACK goes out before the read starts (Hamlet manual §8.4: "output 7 byte responding first").
    await this.send(GM65_ACK)
    if (cmd.addr <= ZONE.trigger && ZONE.trigger < cmd.addr + cmd.data.length) {
      if (this.zone(ZONE.trigger) & 0x01) this.startRead()
      else this.endRead()
    }
  }

  private startRead(): void {
    this.count('triggers')
    this.endRead()
    this.ram[ZONE.trigger] = 0x01
    if (this.presented.length > 0) return this.decodeNext()
    this.waitingForCode = true
    const timeout = this.zone(ZONE.readTimeout) * 100 // 0.1 s units; 0 = wait for ever
    if (timeout > 0)
      this.readWindow = this.later(timeout, () => {
        this.count('readTimeouts')
        this.endRead()
      })
  }

  private endRead(): void {
    this.cancel(this.readWindow)
    this.cancel(this.decoding)
    this.readWindow = this.decoding = null
    this.waitingForCode = false
    this.ram[ZONE.trigger] = 0
  }

  private decodeNext(): void {
    if (this.decoding) return
    this.cancel(this.readWindow)
    this.readWindow = null
    this.waitingForCode = false
    this.decoding = this.later(this.decodeDelayMs, () => {
      this.decoding = null
      const text = this.presented.shift()
      if (this.commandMode) this.ram[ZONE.trigger] = 0 // one code per trigger
      if (text !== undefined) void this.output(text)
      if (!this.commandMode && this.presented.length > 0) this.decodeNext()
    })
  }

  private async output(text: string): Promise<boolean> {
    this.count('scans')
    if (!this.uartOutput) {
      this.count('notUart')
      return false
    }
    // Passes are ASCII; the module's GBK default only differs from UTF-8 outside it.
    return this.send(Buffer.concat([Buffer.from(text, 'utf8'), tailFor(this.zone(ZONE.output))]))
  }

  /** Whether the host's port is set to the module's rate (always, without `hostPath`). */
  private async hearsHost(): Promise<boolean> {
    if (!this.hostPath) return true
    const host = await sttySpeed(this.hostPath)
    return host !== null && host === this.baudRate
  }
}

/** The baud rate set on a tty by whoever has it open; null if it is gone. */
function sttySpeed(path: string): Promise<number | null> {
  return new Promise((resolve) => {
    execFile('stty', ['-F', path, 'speed'], { timeout: 2000 }, (err, stdout) => {
      const n = Number.parseInt(String(stdout).trim(), 10)
      resolve(err || !Number.isFinite(n) ? null : n)
    })
  })
}
