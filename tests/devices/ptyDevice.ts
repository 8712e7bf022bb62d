// The device end of a socat pty pair for component tests: a second real SerialPort on `devicePath` that
// answers what the gateway writes, as the hardware would.
import { SerialPort } from 'serialport'
import type { Reply } from './fakeDevices.ts'

export class PtyDevice {
  private port: SerialPort | null = null
  readonly received: Buffer[] = []

  constructor(
    private readonly path: string,
    /** Called with each chunk the gateway sent; `reply` writes back. */
    public onData: ((chunk: Buffer, reply: Reply) => void) | null = null,
  ) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.path, baudRate: 9600, autoOpen: false })
      port.open((err) => {
        if (err) return reject(err)
        this.port = port
        port.on('error', () => {})
        port.on('data', (chunk: Buffer) => {
          this.received.push(chunk)
          this.onData?.(chunk, (bytes) => void this.write(bytes))
        })
        resolve()
      })
    })
  }

  /** Resolves once the bytes are handed to the pty. */
  write(bytes: Uint8Array | string): Promise<void> {
    const port = this.port
    if (!port?.isOpen) return Promise.resolve()
    return new Promise((resolve) => port.write(typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes), () => port.drain(() => resolve())))
  }

  async close(): Promise<void> {
    const port = this.port
    this.port = null
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
  }
}
