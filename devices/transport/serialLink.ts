// One serial port that keeps itself open: reopens with backoff after an unplug, a read error or a failed open.
// A fresh SerialPort per attempt and never destroy(): in serialport 13 destroy() leaves the fd open and locked
// (DEPENDENCIES.md §3 pitfall 2). A replugged adapter is back within ~1 s (backoff 100 ms doubling, cap 1000 ms).
import type { Logger } from 'pino'
import { SerialPort, type SerialPortMock } from 'serialport'
import type { Clock } from '../types.ts'

/** The real binding (default) or `SerialPortMock.binding` for fast unit tests. */
export type SerialBinding = typeof SerialPort.binding | typeof SerialPortMock.binding

export interface SerialLinkOptions {
  path: string
  baudRate: number
  clock: Clock
  log: Logger
  binding?: SerialBinding
  minBackoffMs?: number
  maxBackoffMs?: number
}

export interface SerialLinkHandlers {
  /** Bytes as they arrive, with the monotonic arrival time. Must not throw (it is guarded anyway). */
  data: (chunk: Buffer, mono: number) => void
  open: () => void
  /** `disconnected`: the device went away (unplug, read error) rather than being closed by us. */
  close: (disconnected: boolean) => void
}

export interface SerialLinkCounters {
  bytesIn: number
  bytesOut: number
  reopens: number
  openErrors: number
}

type CloseError = Error & { disconnected?: boolean }

export class SerialLink {
  readonly counters: SerialLinkCounters = { bytesIn: 0, bytesOut: 0, reopens: 0, openErrors: 0 }
  private port: SerialPort | null = null
  private baud: number
  private running = false
  private everOpened = false
  private backoff: number
  private retry: NodeJS.Timeout | null = null
  /** Open errors are logged once per outage, not on every retry. */
  private outageLogged = false
  private lastOpenError: string | null = null
  private readonly log: Logger
  private readonly minBackoff: number
  private readonly maxBackoff: number

  constructor(
    private readonly opts: SerialLinkOptions,
    private readonly on: Partial<SerialLinkHandlers> = {},
  ) {
    this.baud = opts.baudRate
    this.log = opts.log
    this.minBackoff = opts.minBackoffMs ?? 100
    this.maxBackoff = opts.maxBackoffMs ?? 1000
    this.backoff = this.minBackoff
  }

  get path(): string {
    return this.opts.path
  }

  get baudRate(): number {
    return this.baud
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false
  }

  /** The last reason an open failed (null once open). */
  get openError(): string | null {
    return this.lastOpenError
  }

  /** Starts opening; resolves after the first attempt, open or not. Never rejects: it keeps retrying. */
  start(): Promise<void> {
    if (this.running) return Promise.resolve()
    this.running = true
    return this.attempt()
  }

  /** Closes the port; no reconnect afterwards. */
  async stop(): Promise<void> {
    this.running = false
    if (this.retry) clearTimeout(this.retry)
    this.retry = null
    const port = this.port
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
    this.port = null
  }

  /** Queues bytes for the port; false (and nothing sent) if it is not open. */
  write(bytes: Uint8Array): boolean {
    const port = this.port
    if (!port?.isOpen) return false
    this.counters.bytesOut += bytes.length
    port.write(Buffer.from(bytes))
    return true
  }

  /** Changes the rate now if open, and for every reopen after. */
  async setBaudRate(baudRate: number): Promise<void> {
    this.baud = baudRate
    const port = this.port
    if (!port?.isOpen) return
    await new Promise<void>((resolve, reject) => port.update({ baudRate }, (err) => (err ? reject(err) : resolve())))
  }

  private attempt(): Promise<void> {
    const { path, binding } = this.opts
    // `binding` is not in SerialPort's option type, but its constructor takes it (serialport.js spreads options
    // over the detected binding): the one way to inject the mock binding while keeping a single code path.
    const options = { path, baudRate: this.baud, autoOpen: false, ...(binding ? { binding } : {}) }
    let port: SerialPort
    try {
      port = new SerialPort(options as ConstructorParameters<typeof SerialPort>[0])
    } catch (err) {
      this.openFailed(err as Error)
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      port.open((err) => {
        if (err) this.openFailed(err)
        else this.opened(port)
        resolve()
      })
    })
  }

  private opened(port: SerialPort): void {
    if (!this.running) {
      port.close()
      return
    }
    this.port = port
    this.backoff = this.minBackoff
    if (this.everOpened) this.counters.reopens++
    this.log.info({ path: this.opts.path, baudRate: this.baud, reopen: this.everOpened }, 'serial port open')
    this.everOpened = true
    this.outageLogged = false
    this.lastOpenError = null
    port.on('data', (chunk: Buffer) => {
      this.counters.bytesIn += chunk.length
      try {
        this.on.data?.(chunk, this.opts.clock.mono())
      } catch (err) {
        this.log.error({ err }, 'data handler threw; bytes dropped')
      }
    })
    // Write errors arrive here; read errors become a 'close' with `disconnected` (@serialport/stream).
    port.on('error', (err: Error) => this.log.warn({ err: err.message }, 'serial port error'))
    port.on('close', (err?: CloseError) => this.closed(port, err))
    // A read of 0 bytes ends the stream without closing the port: treat it as gone too.
    port.on('end', () => {
      if (port.isOpen) port.close()
    })
    this.guard(() => this.on.open?.())
  }

  private closed(port: SerialPort, err?: CloseError): void {
    if (this.port !== port) return
    this.port = null
    const disconnected = err?.disconnected === true
    if (this.running) this.log.warn({ path: this.opts.path, reason: err?.message ?? 'closed' }, 'serial port lost; reopening')
    this.guard(() => this.on.close?.(disconnected))
    if (this.running) this.schedule()
  }

  private openFailed(err: Error): void {
    this.counters.openErrors++
    this.lastOpenError = err.message
    if (!this.running) return
    if (!this.outageLogged) {
      this.outageLogged = true
      this.log.warn({ path: this.opts.path, err: err.message }, 'cannot open serial port; retrying with backoff')
    } else {
      this.log.debug({ path: this.opts.path, err: err.message }, 'serial port still unavailable')
    }
    this.schedule()
  }

  private schedule(): void {
    if (this.retry || !this.running) return
    const delay = this.backoff
    this.backoff = Math.min(this.backoff * 2, this.maxBackoff)
    this.retry = setTimeout(() => {
      this.retry = null
      if (this.running && !this.port) void this.attempt()
    }, delay)
  }

  private guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.error({ err }, 'serial link handler threw')
    }
  }
}
