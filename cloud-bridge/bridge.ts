// The uplink to the central broker (DESIGN section 7). The only importer of mqtt.
//
// Choices, and why:
// - One fresh mqtt.js client per connection, reconnecting ourselves with jittered backoff (reconnectPeriod 0).
//   mqtt.js's own reconnect replays its store one message at a time before 'connect' fires and would resend a
//   refused message on every reconnect (DEPENDENCIES §1 pitfalls 2-3); with a new client each time, the outbox is
//   the only queue and resending is ours: from the lowest unacknowledged seq.
// - `clean: true`, no broker session. The outbox in SQLite is the durable store; a broker session would only add
//   per-gate state on the central broker and a second, competing resend path. Requests carry `expires` and are
//   answered, so a request missed while offline is re-sent by the platform, not replayed stale.
// - MQTT 5 when configured, falling back to 3.1.1 for the bridge's life if the broker refuses the protocol version.
import { readFileSync } from 'node:fs'
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt'
import type { Store } from '../gateway/store/store.ts'
import { ACK_FLUSH_MS, Drain, type PublishFn } from './drain.ts'
import { CLOUDEVENTS_CONTENT_TYPE, eventSerializer, statusPayload, topics } from './envelope.ts'
import { storeOutbox, type BridgeOutbox } from './outbox.ts'
import { KickProbe } from './probe.ts'
import type { BridgeStatus, CloudBridgeOptions } from './types.ts'
import { backoffDelay } from './window.ts'

export type { BridgeStatus, CloudBridgeOptions } from './types.ts'

/** A connection that lasted this long resets the backoff even without an acknowledgement. */
const STABLE_MS = 10_000
/** mqtt.js formats a `debug` line (usually disabled) for every packet: about 7 % of a drain's CPU. */
export const MQTT_QUIET = (): void => {}

function isBridgeOutbox(o: Store | BridgeOutbox): o is BridgeOutbox {
  return 'acknowledgeMany' in o
}

export class CloudBridge {
  private readonly o: CloudBridgeOptions
  private readonly drain: Drain
  private readonly outbox: BridgeOutbox
  private readonly mono: () => number
  private readonly statusTopic: string
  private client: MqttClient | null = null
  private connected = false
  private started = false
  private stopping = false
  private protocol: 4 | 5
  private window: number
  private attempt = 0
  private connects = 0
  private connectedAt = 0
  private lastError: string | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private pollTimer: NodeJS.Timeout | null = null
  /** Why the current connection might close: used to tell a broker refusing a message from a network fault. */
  private conn = { errored: false, selfDropped: false, serverReason: null as number | null }
  private readonly probe = new KickProbe()
  /** The window this connection may use when not probing. */
  private fullWindow = 1
  private readonly devices = new Map<string, string>()
  private gateState: string | null = null
  /** The URL as logs show it: a password in it (mqtt://user:pass@host) never reaches a log line or /tech. */
  private readonly safeUrl: string

  constructor(opts: CloudBridgeOptions) {
    this.o = opts
    this.protocol = opts.protocolVersion
    this.window = opts.window ?? 256
    this.mono = opts.clock.mono ? () => opts.clock.mono!() : () => performance.now()
    this.statusTopic = topics.status(opts.prefix)
    this.safeUrl = opts.url.replace(/\/\/[^@/]*@/, '//[REDACTED]@')
    const outbox = isBridgeOutbox(opts.outbox) ? opts.outbox : storeOutbox(opts.outbox)
    this.drain = new Drain({
      outbox,
      prefix: opts.prefix,
      serialize: eventSerializer(opts.source, outbox.seqstream()),
      mono: this.mono,
      now: () => opts.clock.now(),
      log: opts.log,
      ackFlushMs: opts.ackFlushMs ?? ACK_FLUSH_MS,
      ...(opts.ackBatch !== undefined ? { ackBatch: opts.ackBatch } : {}),
    })
    this.drain.onTransient = (reason) => this.dropConnection(reason)
    this.drain.onProgress = (seq) => this.onProgress(seq)
    this.outbox = outbox
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.pollTimer = setInterval(() => this.tick(), this.o.pollMs ?? 1000).unref()
    this.connect()
  }

  /** The gateway committed outbox rows: send them now. */
  wake(): void {
    if (this.connected) this.drain.pump()
  }

  /** Device health, retained on P/device/{name}; remembered and re-published after every reconnect. */
  publishDevice(name: string, health: unknown): void {
    const topic = topics.device(this.o.prefix, name)
    const payload = JSON.stringify(health)
    this.devices.set(name, payload)
    if (this.connected && this.client) this.publishOwn(this.client, topic, payload)
  }

  /** The gate's state, retained on P/gate; remembered and re-published after every reconnect, like device health. */
  publishGate(state: unknown): void {
    const payload = JSON.stringify(state)
    this.gateState = payload
    if (this.connected && this.client) this.publishOwn(this.client, topics.gate(this.o.prefix), payload)
  }

  status(): BridgeStatus {
    return {
      connected: this.connected,
      backlog: Math.max(0, this.outbox.outboxBacklog().count - this.drain.pendingAckCount),
      inFlight: this.drain.inFlight,
      lastAckedSeq: this.drain.lastAckedSeq,
      sentTotal: this.drain.sentTotal,
      ackedTotal: this.drain.ackedTotal,
      refused: this.drain.refusedTotal,
      reconnects: Math.max(0, this.connects - 1),
      protocolVersion: this.protocol,
      window: this.window,
      lastError: this.lastError,
    }
  }

  /** Resolves when connected with nothing in flight and nothing left in the outbox (bench, tests, shutdown). */
  whenDrained(): Promise<void> {
    return this.drain.whenDrained()
  }

  /**
   * Drops the connection the way a network failure would (no DISCONNECT, so the broker publishes the will);
   * the bridge reconnects with backoff and resends what was unacknowledged. Also used on an ack timeout.
   */
  dropConnection(reason = 'dropped on request'): void {
    if (!this.client) return
    this.lastError = reason
    this.conn.selfDropped = true
    this.client.stream.destroy()
  }

  /** Graceful: waits briefly for in-flight acks, publishes the retained `offline` status, disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.clearTimers()
    this.drain.pause()
    const client = this.client
    if (client && this.connected) {
      const deadline = this.mono() + (this.o.stopTimeoutMs ?? 2000)
      while (this.connected && this.drain.inFlight > 0 && this.mono() < deadline) await sleep(10)
      this.drain.flushAcks()
      if (this.connected) {
        const offline = statusPayload('offline', this.o.clock.now(), this.o.bootId, this.o.version)
        await within(1000, (done) => client.publish(this.statusTopic, offline, { qos: 1, retain: true }, () => done()))
      }
      await within(1000, (done) => client.end(false, {}, () => done()))
    }
    client?.end(true)
    this.client = null
    this.connected = false
    this.drain.end()
  }

  /** Simulates SIGKILL or power loss (tests): the socket dies, nothing is flushed, nothing runs afterwards. */
  kill(): void {
    this.stopping = true
    this.clearTimers()
    this.drain.crash()
    const client = this.client
    this.client = null // from here on, every event of the old client is ignored
    this.connected = false
    client?.end(true)
  }

  private connect(): void {
    this.reconnectTimer = null
    if (this.stopping) return
    this.conn = { errored: false, selfDropped: false, serverReason: null }
    let client: MqttClient
    try {
      client = mqtt.connect(this.o.url, this.clientOptions())
    } catch (err) {
      this.noteError(err as Error)
      return this.scheduleReconnect()
    }
    this.client = client
    const mine = (): boolean => this.client === client
    client.on('connect', (p) => mine() && this.onConnect(client, p))
    client.on('disconnect', (p) => mine() && (this.conn.serverReason = p.reasonCode ?? 0))
    client.on('error', (err) => mine() && this.onError(err))
    client.on('close', () => mine() && this.onClose(client))
    client.on('message', (topic, payload, packet) => mine() && this.onRequest(client, topic, payload, packet.retain))
  }

  /** Re-publishes the retained online status with the current backlog (the gateway calls it once a minute). */
  refreshStatus(): void {
    const client = this.client
    if (!client || !this.connected) return
    this.publishOwn(client, this.statusTopic, statusPayload('online', this.o.clock.now(), this.o.bootId, this.o.version, this.status().backlog))
  }

  /** P/request/{command} → the gateway's handler → P/response/{command}. */
  private onRequest(client: MqttClient, topic: string, payload: Buffer, retained: boolean): void {
    const base = `${this.o.prefix}/request/`
    // An empty payload is how MQTT deletes a retained message, not a request.
    if (!this.o.onRequest || !topic.startsWith(base) || payload.length === 0) return
    const command = topic.slice(base.length)
    const answer = (response: unknown): void => {
      if (this.client !== client) return // the connection it came on is gone; the platform asks again
      this.drain.ordinal++
      client.publish(topics.response(this.o.prefix, command), JSON.stringify(response), { qos: 1, retain: false }, (err) => {
        if (err) this.o.log.warn({ command, err: err.message }, 'uplink: could not publish a response')
      })
    }
    // The retain flag goes to the handler, which refuses such a request (it would be carried out again at every
    // reconnect). Live delivery of a retained publish keeps the flag only on MQTT 5 with retain-as-published (see
    // onConnect); what the flag cannot show, the handler's at-most-once requestId and requestMaxAgeSec cover.
    const failed = (err: unknown): void => answer({ requestId: null, status: 'error', error: { code: 'failed', message: (err as Error).message } })
    try {
      Promise.resolve(this.o.onRequest(command, payload, { retained })).then(answer, failed)
    } catch (err) {
      failed(err)
    }
  }

  private clientOptions(): IClientOptions {
    const o = this.o
    const offline = statusPayload('offline', o.clock.now(), o.bootId, o.version)
    return {
      clientId: o.clientId,
      protocolVersion: this.protocol,
      clean: true,
      keepalive: o.keepaliveSec ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      will: { topic: this.statusTopic, payload: Buffer.from(offline), qos: 1, retain: true },
      log: MQTT_QUIET,
      // No cache of 65,536 packet-id Buffers in mqtt-packet (6 MB of heap, see gateway/broker/broker.ts).
      writeCache: false,
      username: o.username,
      password: o.password,
      // Read at each connection, so renewed certificates are picked up without a restart.
      ca: o.caFile ? readFileSync(o.caFile) : undefined,
      cert: o.certFile ? readFileSync(o.certFile) : undefined,
      key: o.keyFile ? readFileSync(o.keyFile) : undefined,
    }
  }

  private onConnect(client: MqttClient, connack: IConnackPacket): void {
    this.connected = true
    this.connects++
    this.connectedAt = this.mono()
    const p = connack.properties
    // MQTT 5: never more unacknowledged publishes than the broker's receive-maximum [MQTT-4.9.0-2].
    this.fullWindow = Math.max(1, Math.min(this.o.window ?? 256, p?.receiveMaximum ?? Infinity))
    this.window = this.probe.active ? 1 : this.fullWindow
    // Outbox events are CloudEvents: on MQTT 5 they say so in the Content Type (binding §3.2.1). One options object
    // per retain flag and connection: mqtt.js copies it, never changes it.
    const props = this.protocol === 5 ? { properties: { contentType: CLOUDEVENTS_CONTENT_TYPE } } : {}
    const unretained = { qos: 1 as const, retain: false, ...props }
    const retained = { qos: 1 as const, retain: true, ...props }
    const publish: PublishFn = (topic, payload, retain, done) => client.publish(topic, payload, retain ? retained : unretained, done)
    this.drain.begin(publish, { window: this.window, maxPacket: p?.maximumPacketSize ?? null })
    const backlog = this.status().backlog
    this.o.log.info({ protocol: this.protocol, window: this.window, backlog }, 'uplink connected')
    this.publishOwn(client, this.statusTopic, statusPayload('online', this.o.clock.now(), this.o.bootId, this.o.version, backlog))
    for (const [name, payload] of this.devices) this.publishOwn(client, topics.device(this.o.prefix, name), payload)
    if (this.gateState !== null) this.publishOwn(client, topics.gate(this.o.prefix), this.gateState)
    // Each connection is a clean session: subscribe again every time.
    if (this.o.onRequest) {
      // rap (MQTT 5 retain-as-published): a request published retained keeps its flag on live delivery too, so it
      // is refused at once; 3.1.1 clears it [MQTT-3.3.1-9] and mqtt.js leaves the option out there.
      client.subscribe(topics.request(this.o.prefix, '#'), { qos: 1, rap: true }, (err) => {
        if (err) this.o.log.error({ err: err.message }, 'uplink: cannot subscribe to requests')
      })
    }
    this.drain.pump()
  }

  /** Status and device health: retained, QoS 1, outside the outbox window; a refusal is logged, not retried. */
  private publishOwn(client: MqttClient, topic: string, payload: string): void {
    this.drain.ordinal++
    client.publish(topic, payload, { qos: 1, retain: true }, (err) => {
      const code = (err as (Error & { code?: unknown }) | undefined)?.code
      if (err && typeof code === 'number') this.o.log.warn({ topic, err: err.message }, 'uplink: the broker refused a status message')
    })
  }

  private onError(err: Error): void {
    const code = (err as Error & { code?: unknown }).code
    if (!this.connected && this.protocol === 5 && (code === 1 || code === 0x84)) {
      this.protocol = 4
      this.attempt = 0
      this.o.log.warn({ url: this.safeUrl }, 'uplink: the broker does not speak MQTT 5; using 3.1.1')
      return
    }
    if (this.connected) this.conn.errored = true
    this.noteError(err)
  }

  private noteError(err: Error): void {
    // Log a failure once, not every minute of a day-long outage.
    if (err.message !== this.lastError) this.o.log.warn({ err: err.message, url: this.safeUrl }, 'uplink error')
    this.lastError = err.message
  }

  private onClose(client: MqttClient): void {
    this.client = null
    const wasConnected = this.connected
    this.connected = false
    client.end(true)
    if (wasConnected) {
      // Only a 3.1.1 broker refuses a message by closing the connection; MQTT 5 refuses it with a PUBACK reason
      // code (see the drain). On MQTT 5 a close is the network, the broker, or another client taking our client id
      // over (mosquitto 2.0 closes the old session with no DISCONNECT): never the message's fault, so never
      // grounds for setting a decision aside.
      if (this.protocol === 4) this.judgeClose()
      if (this.mono() - this.connectedAt >= STABLE_MS) this.attempt = 0
    }
    const from = this.drain.end()
    if (wasConnected && !this.stopping) this.o.log.warn({ resendFrom: from, lastError: this.lastError }, 'uplink connection lost')
    if (!this.stopping) this.scheduleReconnect()
  }

  private onProgress(seq: number): void {
    this.attempt = 0
    if (this.probe.onAck(seq)) {
      this.window = this.fullWindow
      this.o.log.info('uplink: past the suspect messages; back to the full window')
      if (this.connected) this.drain.setWindow(this.window)
    }
  }

  /** A 3.1.1 broker refuses a publish by closing the connection: see probe.ts. */
  private judgeClose(): void {
    const c = this.conn
    const verdict = this.probe.onClose({
      oldest: this.drain.oldest(),
      highestSent: this.drain.highestSent,
      window: this.window,
      peerClosed: !c.errored && !c.selfDropped && !this.stopping,
      serverReason: c.serverReason,
      now: this.mono(),
    })
    if (verdict?.probing) this.o.log.warn(verdict.probing, 'uplink: the broker closed the connection after a send; probing one message at a time')
    if (verdict?.refuse !== undefined) {
      this.drain.refuse(verdict.refuse, `the broker closed the connection each time this message was sent alone (${verdict.kicks} times)`)
      this.attempt = 0
    }
  }

  private scheduleReconnect(): void {
    const b = this.o.backoff ?? { initialMs: 1000, maxMs: 60_000 }
    const delay = backoffDelay(this.attempt++, b.initialMs, b.maxMs, this.o.random ?? Math.random)
    this.reconnectTimer = setTimeout(() => this.connect(), delay)
  }

  private tick(): void {
    if (!this.connected) return
    const f = this.drain.oldest()
    const limit = this.o.ackTimeoutMs ?? 30_000
    if (f && this.mono() - f.sentAt > limit) return this.dropConnection(`no PUBACK for seq ${f.seq} within ${limit} ms`)
    this.drain.pump()
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    if (this.pollTimer) clearInterval(this.pollTimer)
    this.reconnectTimer = this.pollTimer = null
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Runs `fn` and resolves when it calls done or after `ms`, whichever is first. */
function within(ms: number, fn: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    fn(() => {
      clearTimeout(t)
      resolve()
    })
  })
}
