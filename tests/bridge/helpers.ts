// Shared pieces of the bridge tests: a Store on a temp file, a bridge wired for tests, and a subscriber that records
// what arrives and checks the seq contract (every seq at least once, first arrivals in order, duplicates same id).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll } from 'vitest'
import { CloudBridge, type CloudBridgeOptions } from '../../cloud-bridge/bridge.ts'
import { eventSource, gatePrefix, type CloudEvent, type StatusMessage } from '../../cloud-bridge/envelope.ts'
import { Store, type OutboxMessage } from '../../gateway/store/store.ts'

export const P = gatePrefix('estate-gate', 'estate-001', 'north-1')
export const SOURCE = eventSource('estate-001', 'north-1')
export const log = pino({ level: process.env.BRIDGE_TEST_LOG ?? 'silent' })

const tempDirs: string[] = []
// Registered on the importing test file's root suite.
afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

export function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'estate-gate-bridge-'))
  tempDirs.push(dir)
  return join(dir, 'gate.db')
}

export function openStore(path = tempDbPath()): Store {
  return new Store(path, { synchronous: 'normal' })
}

const TYPES: Record<string, string> = {
  entry: 'estategate.entry.v1',
  alert: 'estategate.alert.v1',
  task: 'estategate.task.v1',
  'summary/hour': 'estategate.summary.v1',
  'summary/day': 'estategate.summary.v1',
}

export function message(topic = 'entry', data: unknown = { direction: 'in', decision: 'admit' }): OutboxMessage {
  return { id: randomUUID(), topic, type: TYPES[topic] ?? 'estategate.test.v1', time: new Date().toISOString(), data }
}

/** Commits `n` entry messages in transactions of `batch`; returns their seqs. */
export function enqueue(store: Store, n: number, batch = 500): number[] {
  const seqs: number[] = []
  for (let i = 0; i < n; i += batch) {
    const msgs = Array.from({ length: Math.min(batch, n - i) }, (_, k) => message('entry', { i: i + k, direction: 'in', decision: 'admit' }))
    seqs.push(...store.enqueue(msgs, Date.now()))
  }
  return seqs
}

export function makeBridge(store: Store, url: string, over: Partial<CloudBridgeOptions> = {}): CloudBridge {
  return new CloudBridge({
    url,
    protocolVersion: 5,
    clientId: 'gw-estate-001-north-1',
    prefix: P,
    source: SOURCE,
    bootId: randomUUID(),
    version: '0.1.0-test',
    outbox: store,
    clock: { now: () => Date.now() },
    log,
    backoff: { initialMs: 100, maxMs: 800 },
    pollMs: 100,
    ackFlushMs: 20,
    ...over,
  })
}

export async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export interface Arrival {
  topic: string
  event: CloudEvent
  retain: boolean
}

export interface SeqCheck {
  missing: number[]
  /** First arrivals whose seq is lower than an earlier first arrival. */
  outOfOrder: number
  duplicates: number
  /** Same seq arriving with a different id. */
  idConflicts: number
}

/** A subscriber on P/# that sorts what arrives: events, status messages, device health. */
export class Recorder {
  readonly events: Arrival[] = []
  readonly statuses: { status: StatusMessage; retain: boolean }[] = []
  readonly devices: { name: string; health: unknown; retain: boolean }[] = []
  /** P/gate: the gate's state (plain JSON, no seq), kept apart from the events. */
  readonly gates: { state: Record<string, unknown>; retain: boolean }[] = []
  maxSeq = 0

  private constructor(readonly client: MqttClient) {}

  /** `persistent`: an MQTT 5 session that outlives disconnects (and, with broker persistence, restarts). */
  static async connect(url: string, opts: { persistent?: boolean; clientId?: string } = {}): Promise<Recorder> {
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      clientId: opts.clientId ?? `sub-${randomUUID().slice(0, 8)}`,
      clean: !opts.persistent,
      ...(opts.persistent ? { properties: { sessionExpiryInterval: 300 } } : {}),
      reconnectPeriod: 50,
      connectTimeout: 5000,
    })
    const r = new Recorder(client)
    // Attached before the CONNACK can arrive: a resumed session delivers at once (DEPENDENCIES §1 pitfall 6).
    client.on('message', (topic, payload, packet) => r.record(topic, payload.toString(), packet.retain))
    client.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      setTimeout(() => reject(new Error('subscriber could not connect')), 5000)
    })
    await client.subscribeAsync(`${P}/#`, { qos: 1 })
    return r
  }

  private record(topic: string, payload: string, retain: boolean): void {
    const rel = topic.slice(P.length + 1)
    // Requests are what the platform sends, not what the gate publishes (and may be garbage on purpose).
    if (rel.startsWith('request/')) return
    if (rel === 'status') this.statuses.push({ status: JSON.parse(payload) as StatusMessage, retain })
    else if (rel.startsWith('device/')) this.devices.push({ name: rel.slice(7), health: JSON.parse(payload) as unknown, retain })
    else if (rel === 'gate') this.gates.push({ state: JSON.parse(payload) as Record<string, unknown>, retain })
    else {
      const event = JSON.parse(payload) as CloudEvent
      this.events.push({ topic: rel, event, retain })
      if (event.seq > this.maxSeq) this.maxSeq = event.seq
    }
  }

  /** Checks the delivery contract for seqs `from`..`to`. */
  check(from: number, to: number): SeqCheck {
    const ids = new Map<number, string>()
    let last = 0
    const out: SeqCheck = { missing: [], outOfOrder: 0, duplicates: 0, idConflicts: 0 }
    for (const { event } of this.events) {
      const seen = ids.get(event.seq)
      if (seen !== undefined) {
        out.duplicates++
        if (seen !== event.id) out.idConflicts++
        continue
      }
      ids.set(event.seq, event.id)
      if (event.seq < last) out.outOfOrder++
      last = Math.max(last, event.seq)
    }
    for (let s = from; s <= to; s++) if (!ids.has(s)) out.missing.push(s)
    return out
  }

  async close(): Promise<void> {
    await this.client.endAsync(true)
  }
}
