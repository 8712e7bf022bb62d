// The test plays the gateway: it opens the gateway end of a real pty with the real serialport binding and
// collects what the simulator sends, with timestamps so ordering and delays can be asserted.
import { SerialPort } from 'serialport'
import { fromHex } from '../../devices/protocols/crc.ts'
import { PtyPair } from '../../simulators/pty.ts'

export interface Arrival {
  at: number
  bytes: Buffer
}

export class Host {
  /** Every chunk received, in order. */
  readonly arrivals: Arrival[] = []
  private rx = Buffer.alloc(0)
  private wake: (() => void) | null = null

  private constructor(private readonly port: SerialPort) {
    port.on('data', (chunk: Buffer) => {
      this.arrivals.push({ at: performance.now(), bytes: chunk })
      this.rx = Buffer.concat([this.rx, chunk])
      this.wake?.()
    })
    port.on('error', () => {})
  }

  static open(path: string, baudRate = 9600): Promise<Host> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false })
      port.open((err) => (err ? reject(err) : resolve(new Host(port))))
    })
  }

  /** Writes bytes, or a hex string such as a vectors.json entry. */
  write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? fromHex(data) : Buffer.from(data)
    return new Promise((resolve, reject) => this.port.write(bytes, (err) => (err ? reject(err) : resolve())))
  }

  /** Waits for `n` bytes and removes them from the receive buffer. */
  async take(n: number, timeoutMs = 1000): Promise<Buffer> {
    const deadline = performance.now() + timeoutMs
    while (this.rx.length < n) {
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`expected ${n} bytes, got ${this.rx.length}: ${this.rx.toString('hex')}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.wake = null
    }
    const out = this.rx.subarray(0, n)
    this.rx = this.rx.subarray(n)
    return Buffer.from(out)
  }

  /** Waits `ms` and returns (and clears) whatever arrived: for asserting silence. */
  async quiet(ms: number): Promise<Buffer> {
    await new Promise((r) => setTimeout(r, ms))
    const out = this.rx
    this.rx = Buffer.alloc(0)
    return out
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Simulator {
  open(path: string): Promise<void>
  close(): Promise<void>
}

export interface Rig<S> {
  pair: PtyPair
  sim: S
  host: Host
  close(): Promise<void>
}

/**
 * A pty pair with a simulator on the device end and a Host on the gateway end; `close()` releases all three
 * (including a Host the test swapped in). Pass a function to build the simulator from the pair's paths.
 */
export async function rig<S extends Simulator>(make: S | ((pair: PtyPair) => S), hostBaud = 9600): Promise<Rig<S>> {
  const pair = await PtyPair.open()
  const sim = typeof make === 'function' ? make(pair) : make
  await sim.open(pair.devicePath)
  const host = await Host.open(pair.gatewayPath, hostBaud)
  const r: Rig<S> = {
    pair,
    sim,
    host,
    async close() {
      await r.host.close()
      await sim.close()
      await pair.close()
    },
  }
  return r
}
