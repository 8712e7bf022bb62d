// A real gateway in this process (simulated devices, a real SQLite file, the real HTTP server on a loopback port)
// for the kiosk's API tests, with its log lines captured and a clock the test moves.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterEach } from 'vitest'
import type { SimulatedScanner } from '../../devices/scanners/simulated.ts'
import type { SimulatedThermometer } from '../../devices/thermometers/simulated.ts'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { createLogger, LogRing } from '../../gateway/logger.ts'
import { eventSerializer, eventSource } from '../../cloud-bridge/envelope.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'
import { issuers } from './passes.ts'

export const STAFF = [{ id: 'zhang', name: '张伟', pin: '246810' }, '135790']
export const TECH = ['97531']

export interface TestClock {
  now(): number
  mono(): number
  advance(ms: number): void
}

export function testClock(): TestClock {
  let offset = 0
  return { now: () => Date.now() + offset, mono: () => performance.now() + offset, advance: (ms) => void (offset += ms) }
}

export interface KioskEnv {
  gw: Gateway
  clock: TestClock
  /** Every log line the gateway wrote (JSON text). */
  logs: string[]
  /** Every URL requested through `req`. */
  urls: string[]
  req(method: 'GET' | 'POST', url: string, body?: unknown, cookie?: string): Promise<{ status: number; json: Record<string, any>; body: string; raw: Buffer; headers: Record<string, unknown> }>
  login(pin?: string, role?: 'staff' | 'tech'): Promise<string>
  scanner(direction: 'in' | 'out'): SimulatedScanner
  thermometer: SimulatedThermometer
  /** Outbox rows, with the CloudEvent the uplink will publish for each. */
  outbox(topic?: string): { seq: number; topic: string; data: any; event: Record<string, unknown> }[]
  /** Stops the gateway and removes its data (done after each test unless started `forFile`). */
  stop(): Promise<void>
}

/** A clock that stands still until the test moves it: sheets print times to the second. */
export function stillClock(startMs: number): TestClock {
  let t = startMs
  return { now: () => t, mono: () => t, advance: (ms) => void (t += ms) }
}

const dirs: string[] = []
const gateways: Gateway[] = []
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/**
 * A gateway for one test (stopped after it), or with `forFile` for every test of a describe block that shares it
 * (the caller stops it with `stop()`, e.g. in afterAll).
 */
export async function startKiosk(config: Record<string, unknown> = {}, opts: { clock?: TestClock; demo?: boolean; forFile?: boolean } = {}): Promise<KioskEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'estate-gate-kiosk-'))
  if (!opts.forFile) dirs.push(dataDir)
  const res = validateConfig({
    dataDir,
    kiosk: { host: '127.0.0.1', port: 0, staffPins: STAFF, techPins: TECH },
    localBroker: { enabled: false },
    rules: { recheckDelayMs: 0, duplicateScanMs: 0 },
    passes: { issuers },
    ...config,
  })
  if (!res.ok) throw new Error(res.errors.join('\n'))
  const logs: string[] = []
  const sink = new Writable({ write: (chunk, _enc, cb) => (logs.push(String(chunk)), cb()) })
  const ring = new LogRing(100)
  const log = createLogger('debug', sink, ring)
  const clock = opts.clock ?? testClock()
  const gw = await Gateway.start(res.config, { log, clock, logRing: ring, demo: opts.demo })
  if (!opts.forFile) gateways.push(gw)
  const urls: string[] = []
  const http = gw.httpServer!
  const env: KioskEnv = {
    gw,
    clock,
    logs,
    urls,
    async req(method, url, body, cookie) {
      urls.push(url)
      const r = await http.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }), headers: cookie ? { cookie } : {} })
      let json: Record<string, any> = {}
      try {
        json = r.json()
      } catch {
        /* CSV, HTML */
      }
      return { status: r.statusCode, json, body: r.body, raw: r.rawPayload, headers: r.headers }
    },
    async login(pin = '246810', role = 'staff') {
      const r = await env.req('POST', role === 'staff' ? '/api/kiosk/login' : '/api/tech/login', { pin })
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.body}`)
      return String(r.headers['set-cookie']).split(';')[0]!
    },
    scanner: (direction) => gw.scanners.find((s) => s.direction === direction) as SimulatedScanner,
    thermometer: gw.thermometers[0] as SimulatedThermometer,
    async stop() {
      await gw.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
    outbox(topic) {
      const wire = eventSerializer(eventSource(gw.config.site.id, gw.config.gate.id), gw.store.seqstream())
      return gw.store
        .outboxAfter(0, 100_000)
        .filter((r) => topic === undefined || r.topic === topic)
        .map((r) => ({ seq: r.seq, topic: r.topic, data: JSON.parse(r.data), event: JSON.parse(wire(r, false)) }))
    },
  }
  return env
}

/** Checks a message as the platform receives it against docs/asyncapi.yaml; returns its data. */
export function assertPublished(m: { topic: string; event: Record<string, unknown>; data: any }): any {
  assertMessage(messageForTopic(m.topic), m.event)
  return m.data
}

/** The staff screen's snapshot, as a screen that connects now gets it (open alarms, who is on duty). */
export async function snapshot(k: KioskEnv): Promise<Record<string, any>> {
  const res = await fetch(`${k.gw.url}/api/kiosk/events`)
  const reader = res.body!.getReader()
  let buf = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error('the feed ended before its snapshot')
    buf += Buffer.from(value).toString('utf8')
    const m = /event: snapshot\ndata: (.*)\n\n/.exec(buf)
    if (m) {
      await reader.cancel()
      return JSON.parse(m[1]!)
    }
  }
}
