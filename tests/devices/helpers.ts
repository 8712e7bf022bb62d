// Shared test plumbing for the device layer: a context with a capturing logger, the protocol vectors, a
// SerialPortMock binding whose ports tests can answer from, and polling waits (no fixed sleeps).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { SerialPortMock } from 'serialport'
import { fromHex } from '../../devices/protocols/crc.ts'
import { systemClock, type DeviceContext } from '../../devices/types.ts'

/** The repository's copy of shared/protocols/vectors.json (tests/simulators checks it matches the original). */
export const VECTORS_PATH = fileURLToPath(new URL('../fixtures/vectors.json', import.meta.url))

type Vectors = Record<string, Record<string, unknown>>
export const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Vectors

/** A vector by group and key, as bytes; throws if the vectors file lacks it (a renamed key must fail loudly). */
export function vec(group: string, key: string): Buffer {
  const v = vectors[group]?.[key]
  if (typeof v !== 'string') throw new Error(`vectors.json has no string ${group}.${key}`)
  return fromHex(v)
}

export interface TestContext extends DeviceContext {
  /** Every log line, parsed. */
  lines: Record<string, unknown>[]
  /** All log output as one string (to assert a code's text never appears). */
  text(): string
}

export function testCtx(level = 'debug'): TestContext {
  const raw: string[] = []
  const log = pino({ level }, { write: (s: string) => void raw.push(s) })
  return {
    clock: systemClock,
    log,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>)
    },
    text: () => raw.join(''),
  }
}

/** Polls `cond` every 5 ms until true; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const t0 = performance.now()
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(5)
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

type MockPort = Awaited<ReturnType<typeof SerialPortMock.binding.open>>
type Responder = (written: Buffer, reply: (bytes: Uint8Array | string) => void) => void

/**
 * SerialPortMock.binding wrapped so tests can reach the opened port: `emit(path, bytes)` is the device sending,
 * `respond(path, fn)` answers writes like a device would, `writes(path)` is what the driver sent, and
 * `unplug(path)` fails the pending read, which @serialport/stream reports as a disconnect.
 */
export function mockSerial() {
  const base = SerialPortMock.binding
  const open = new Map<string, MockPort>()
  const sent = new Map<string, Buffer[]>()
  const responders = new Map<string, Responder>()
  const unplugged = new WeakSet<MockPort>()
  const binding: typeof base = {
    ...base,
    async open(options) {
      const port = await base.open(options)
      const path = options.path
      open.set(path, port)
      const read = port.read.bind(port)
      port.read = async (buffer: Buffer, offset: number, length: number) => {
        if (unplugged.has(port)) throw new Error('simulated unplug')
        return read(buffer, offset, length)
      }
      const write = port.write.bind(port)
      port.write = async (buf: Buffer) => {
        await write(buf)
        const copy = Buffer.from(buf)
        sent.set(path, [...(sent.get(path) ?? []), copy])
        const r = responders.get(path)
        if (r) setImmediate(() => r(copy, (bytes) => port.isOpen && port.emitData(Buffer.from(bytes as Uint8Array))))
      }
      return port
    },
  }
  return {
    binding,
    create(path: string): void {
      base.createPort(path, {})
    },
    port(path: string): MockPort {
      const p = open.get(path)
      if (!p?.isOpen) throw new Error(`mock port ${path} is not open`)
      return p
    },
    isOpen(path: string): boolean {
      return open.get(path)?.isOpen ?? false
    },
    emit(path: string, bytes: Uint8Array | string): void {
      this.port(path).emitData(typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes))
    },
    respond(path: string, fn: Responder | null): void {
      if (fn) responders.set(path, fn)
      else responders.delete(path)
    },
    writes(path: string): Buffer[] {
      return sent.get(path) ?? []
    },
    /** Reads fail with a non-cancel error: the stream closes the port as disconnected. Reopening works. */
    unplug(path: string): void {
      const port = this.port(path)
      unplugged.add(port)
      ;(port as unknown as { pendingRead: ((err: Error) => void) | null }).pendingRead?.(new Error('simulated unplug'))
    },
    reset(): void {
      base.reset()
      open.clear()
      sent.clear()
      responders.clear()
    },
  }
}
