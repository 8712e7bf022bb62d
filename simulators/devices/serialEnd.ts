// The device end of a wire: a pty (or a real port) opened with the real serialport binding, as the device's UART.
// After `PtyPair.unplug()` the port closes as "disconnected"; we retry the same path until `replug()` brings a
// new pty behind it, like a module that powers up again when its USB adapter is plugged back in.
import { SerialPort } from 'serialport'

export interface SerialEndOptions {
  /** The rate our side opens at. On a pty the bytes are the same at any rate (Gm65Sim checks the host's rate). */
  baudRate?: number
  /** Retry period after a disconnect; 0 = stay closed. */
  reopenMs?: number
  /**
   * A blocked wire (no host has the pty open: socat stops reading) accepts no more bytes once this many are queued;
   * further writes are dropped, as a UART's bytes are lost when nobody listens. Without it a streaming device
   * would grow our write queue without bound. Default 4096.
   */
  maxQueuedBytes?: number
}

export interface SerialEndEvents {
  data: (chunk: Buffer) => void
  /** Every successful open, including reopens after a replug: the device "powers up". */
  open: () => void
  /** The port went away by itself (unplugged); not called for `close()`. */
  close: (disconnected: boolean) => void
}

export class SerialEnd {
  private port: SerialPort | null = null
  private path: string | null = null
  private retry: NodeJS.Timeout | null = null
  private closing = false
  private readonly baudRate: number
  private readonly reopenMs: number
  private readonly maxQueued: number

  constructor(
    private readonly on: Partial<SerialEndEvents> = {},
    opts: SerialEndOptions = {},
  ) {
    this.baudRate = opts.baudRate ?? 9600
    this.reopenMs = opts.reopenMs ?? 100
    this.maxQueued = opts.maxQueuedBytes ?? 4096
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false
  }

  /** Opens `path`; rejects if it cannot be opened now (reopen retries only start after a successful open). */
  async open(path: string): Promise<void> {
    if (this.port) throw new Error(`already open on ${this.path}`)
    this.path = path
    this.closing = false
    await this.tryOpen()
  }

  /** Writes and resolves once the bytes are handed to the OS. Returns false if dropped (closed or blocked wire). */
  write(bytes: Uint8Array): Promise<boolean> {
    const port = this.port
    if (!port?.isOpen) return Promise.resolve(false)
    // One write of any size is accepted on an idle wire (over-long codes are a test case).
    const queued = port.writableLength
    if (queued > 0 && queued + bytes.length > this.maxQueued) return Promise.resolve(false)
    return new Promise((resolve) => port.write(Buffer.from(bytes), (err) => resolve(!err)))
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.retry) clearTimeout(this.retry)
    this.retry = null
    const port = this.port
    this.port = null
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
  }

  private tryOpen(): Promise<void> {
    const path = this.path
    if (!path) return Promise.reject(new Error('no path'))
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: this.baudRate, autoOpen: false })
      port.open((err) => {
        if (err) return reject(err)
        if (this.closing) {
          port.close()
          return reject(new Error('closed while opening'))
        }
        this.port = port
        port.on('data', (chunk: Buffer) => this.on.data?.(chunk))
        // Read errors surface as 'close' with `disconnected`; 'error' must have a listener or it throws.
        port.on('error', () => {})
        port.on('close', (e?: Error & { disconnected?: boolean }) => this.lost(port, e?.disconnected === true))
        this.on.open?.()
        resolve()
      })
    })
  }

  private lost(port: SerialPort, disconnected: boolean): void {
    if (this.port !== port) return
    this.port = null
    this.on.close?.(disconnected)
    if (disconnected && !this.closing && this.reopenMs > 0) this.scheduleReopen()
  }

  private scheduleReopen(): void {
    this.retry = setTimeout(() => {
      this.retry = null
      this.tryOpen().catch(() => {
        if (!this.closing) this.scheduleReopen()
      })
    }, this.reopenMs)
  }
}
