// The central platform's side of a fleet run, in a process of its own (so that its CPU is measured apart from the
// gates'): K MQTT 5 clients in one shared subscription receive every gate's events, a DeliveryChecker de-duplicates
// and looks for gaps, and one more client watches the retained `status` of every gate for liveness.
// Started by fleet/fleet.ts with `fork`; talks to it over IPC (ConsumerCommand / ConsumerMessage).
import mqtt, { type MqttClient } from 'mqtt'
import { MQTT_QUIET } from '../cloud-bridge/bridge.ts'
import type { CloudEvent, StatusMessage } from '../cloud-bridge/envelope.ts'
import { DeliveryChecker, type DeliveryReport, type Expected } from './check.ts'

export interface ConsumerArgs {
  url: string
  baseTopic: string
  consumers: number
  /**
   * `shared`: the K members share one subscription (MQTT 5 `$share/{group}/...`), each message goes to one of them.
   * `plain`: one member with an ordinary subscription (the only choice that survives a mosquitto restart: see below).
   */
  subscription: 'shared' | 'plain'
  /** Shared-subscription group name. */
  group: string
}

export interface LivenessReport {
  /** Gates with a retained status seen. */
  gates: number
  /** Gates whose latest status is `online`. */
  online: number
  /** Gates whose latest status is `offline` (first few). */
  offlineGates: string[]
  /** `offline` status messages received as they were published (not retained copies): wills, and graceful stops. */
  offlineMessages: number
  /** Gates seen with more than one boot id (restarted). */
  rebooted: number
}

/** What a dashboard subscribing to everything gets at once: every retained message of the fleet. */
export interface RetainedSnapshot {
  messages: number
  byTopic: { status: number; device: number; summary: number; other: number }
  bytes: number
  /** From SUBSCRIBE to the last retained message. */
  ms: number
}

export type ConsumerCommand =
  | { cmd: 'progress' }
  | { cmd: 'report'; expected: Expected; idleMs: number }
  | { cmd: 'retained' }
  | { cmd: 'exit' }

export type ConsumerMessage =
  | { type: 'ready' }
  | { type: 'progress'; distinct: number; duplicates: number; malformed: number; connected: number }
  | { type: 'report'; delivery: DeliveryReport; liveness: LivenessReport; malformed: number; waitedMs: number }
  | { type: 'retained'; snapshot: RetainedSnapshot }
  | { type: 'error'; error: string }

/** The event topics a platform consumes (status is watched separately). */
export function eventFilters(baseTopic: string, share: string | null): string[] {
  return ['entry', 'alert', 'task', 'summary/+'].map((t) => `${share ? `$share/${share}/` : ''}${baseTopic}/+/+/${t}`)
}

class Consumer {
  private readonly checker = new DeliveryChecker()
  private readonly members: MqttClient[] = []
  private watcher: MqttClient | null = null
  private readonly status = new Map<string, { state: string; boots: Set<string> }>()
  private offlineMessages = 0
  private malformed = 0
  private readonly prefixLen: number

  constructor(private readonly a: ConsumerArgs) {
    this.prefixLen = a.baseTopic.length + 1
  }

  async start(): Promise<void> {
    if (this.a.subscription === 'plain' && this.a.consumers !== 1) throw new Error('a plain subscription is for one consumer')
    const filters = eventFilters(this.a.baseTopic, this.a.subscription === 'shared' ? this.a.group : null)
    const ready: Promise<void>[] = []
    for (let k = 0; k < this.a.consumers; k++) {
      // A persistent session (MQTT 5: clean start off, an expiry), so that what the broker queued for this member
      // survives the member's reconnect and a graceful broker restart (mosquitto persistence).
      const c = mqtt.connect(this.a.url, {
        protocolVersion: 5,
        clientId: `platform-${this.a.group}-${k}`,
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
        // Back before the gates (whose backoff starts at 1 s): what they publish before a subscription exists is lost.
        reconnectPeriod: 50,
        connectTimeout: 5000,
        resubscribe: false,
        log: MQTT_QUIET,
      })
      // Attached before the first CONNACK: a resumed session delivers at once (DEPENDENCIES §1 pitfall 6).
      c.on('message', (topic, payload) => this.onEvent(k, topic, payload))
      c.on('error', () => {})
      ready.push(
        new Promise<void>((resolve) => {
          // Subscribed again at every connection even when the session is present: mosquitto 2.0.11 restores a
          // persistent session and its queued messages after a restart, but not its shared subscriptions (VERIFIED).
          // Subscribing again replaces the subscription; rh 2 keeps retained summaries from being sent again.
          c.on('connect', () => {
            c.subscribe(filters, { qos: 1, rh: 2 }, (err) => {
              if (err) send({ type: 'error', error: `subscribe: ${err.message}` })
              else resolve()
            })
          })
        }),
      )
      this.members.push(c)
    }
    // Retained statuses arrive on subscribe; a plain subscription because shared ones never get retained messages.
    const w = mqtt.connect(this.a.url, { protocolVersion: 5, clientId: `platform-${this.a.group}-status`, clean: true, reconnectPeriod: 200, log: MQTT_QUIET })
    w.on('message', (topic, payload, packet) => this.onStatus(topic, payload, packet.retain))
    w.on('error', () => {})
    ready.push(
      new Promise<void>((resolve) => {
        w.on('connect', () => w.subscribe(`${this.a.baseTopic}/+/+/status`, { qos: 1 }, () => resolve()))
      }),
    )
    this.watcher = w
    await Promise.all(ready)
  }

  private onEvent(member: number, topic: string, payload: Buffer): void {
    const arrivalMs = performance.timeOrigin + performance.now()
    // {base}/{site}/{gate}/{rel}: the gate key is the two levels after the base topic.
    const rest = topic.slice(this.prefixLen)
    const i = rest.indexOf('/')
    const j = i < 0 ? -1 : rest.indexOf('/', i + 1)
    const ev = j < 0 ? null : parseJson<CloudEvent>(payload)
    const eventMs = ev ? Date.parse(ev.time) : NaN
    if (!ev || typeof ev.id !== 'string' || typeof ev.seq !== 'number' || Number.isNaN(eventMs)) {
      this.malformed++
      return
    }
    this.checker.record({ gate: rest.slice(0, j), seq: ev.seq, id: ev.id, member, eventMs, arrivalMs, historical: ev.historical === true })
  }

  private onStatus(topic: string, payload: Buffer, retained: boolean): void {
    const gate = topic.slice(this.prefixLen, -'/status'.length)
    const s = parseJson<StatusMessage>(payload)
    if (!s || (s.state !== 'online' && s.state !== 'offline')) {
      this.malformed++
      return
    }
    let g = this.status.get(gate)
    if (!g) this.status.set(gate, (g = { state: s.state, boots: new Set() }))
    g.state = s.state
    g.boots.add(s.bootId)
    if (s.state === 'offline' && !retained) this.offlineMessages++
  }

  progress(): ConsumerMessage {
    return {
      type: 'progress',
      distinct: this.checker.distinct,
      duplicates: this.checker.duplicates,
      malformed: this.malformed,
      connected: this.members.filter((m) => m.connected).length,
    }
  }

  /** Waits until every expected seq has arrived, or until nothing new arrived for `idleMs`; then reports. */
  async report(expected: Expected, idleMs: number): Promise<ConsumerMessage> {
    const t0 = performance.now()
    let seen = this.checker.distinct
    let lastNew = t0
    while (!this.checker.complete(expected)) {
      await new Promise((r) => setTimeout(r, 100))
      const now = performance.now()
      if (this.checker.distinct !== seen) {
        seen = this.checker.distinct
        lastNew = now
      } else if (now - lastNew > idleMs) break
    }
    const waitedMs = Math.round(performance.now() - t0)
    return { type: 'report', delivery: this.checker.report(expected), liveness: this.liveness(), malformed: this.malformed, waitedMs }
  }

  /** A new client subscribes to `{base}/#` and counts the retained messages, until 500 ms pass without one. */
  async retainedSnapshot(): Promise<RetainedSnapshot> {
    const c = mqtt.connect(this.a.url, { protocolVersion: 5, clientId: `platform-${this.a.group}-dashboard`, clean: true, reconnectPeriod: 0, log: MQTT_QUIET })
    c.on('error', () => {})
    const snap: RetainedSnapshot = { messages: 0, byTopic: { status: 0, device: 0, summary: 0, other: 0 }, bytes: 0, ms: 0 }
    try {
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve())
        c.once('error', reject)
      })
      let last = performance.now()
      const t0 = last
      c.on('message', (topic, payload, packet) => {
        if (!packet.retain) return
        last = performance.now()
        snap.messages++
        snap.bytes += payload.length + topic.length
        const rel = topic.split('/')[this.a.baseTopic.split('/').length + 2] ?? ''
        if (rel === 'status' || rel === 'device' || rel === 'summary') snap.byTopic[rel]++
        else snap.byTopic.other++
      })
      await c.subscribeAsync(`${this.a.baseTopic}/#`, { qos: 1 })
      while (performance.now() - last < 500) await new Promise((r) => setTimeout(r, 50))
      snap.ms = Math.round(last - t0)
    } finally {
      await c.endAsync(true)
    }
    return snap
  }

  private liveness(): LivenessReport {
    const offline = [...this.status].filter(([, g]) => g.state !== 'online').map(([k]) => k)
    return {
      gates: this.status.size,
      online: this.status.size - offline.length,
      offlineGates: offline.slice(0, 20),
      offlineMessages: this.offlineMessages,
      rebooted: [...this.status.values()].filter((g) => g.boots.size > 1).length,
    }
  }

  async close(): Promise<void> {
    // Sessions die with the broker of this run; end without waiting for anything.
    await Promise.all([...this.members, ...(this.watcher ? [this.watcher] : [])].map((c) => c.endAsync(true)))
  }
}

/** The payload as JSON, or null: a malformed message is counted, never thrown. */
function parseJson<T>(payload: Buffer): T | null {
  try {
    return JSON.parse(payload.toString()) as T
  } catch {
    return null
  }
}

function send(m: ConsumerMessage): void {
  process.send?.(m)
}

if (process.argv[1] === import.meta.filename) {
  const args = JSON.parse(process.argv[2] ?? '{}') as ConsumerArgs
  const consumer = new Consumer(args)
  process.on('message', (m: ConsumerCommand) => {
    if (m.cmd === 'progress') send(consumer.progress())
    else if (m.cmd === 'report') void consumer.report(m.expected, m.idleMs).then(send)
    else if (m.cmd === 'retained') void consumer.retainedSnapshot().then((snapshot) => send({ type: 'retained', snapshot }))
    else if (m.cmd === 'exit') void consumer.close().finally(() => process.exit(0))
  })
  // The parent died: do not stay behind.
  process.on('disconnect', () => process.exit(0))
  consumer.start().then(
    () => send({ type: 'ready' }),
    (err: Error) => send({ type: 'error', error: err.message }),
  )
}
