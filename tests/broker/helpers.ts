// Real mqtt.js 5 clients against the embedded broker on port 0, with its logs captured.
import { connect as tcpConnect } from 'node:net'
import { Writable } from 'node:stream'
import mqtt, { MqttClient, type IClientOptions } from 'mqtt'
import { pino } from 'pino'
import { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from '../../gateway/broker/broker.ts'
import type { InternalUserConfig } from '../../gateway/broker/users.ts'

export const P = 'estate-gate/estate-001/north-1'

export interface TestBroker extends LocalBroker {
  logs: string[]
}

export async function startTestBroker(
  users: LocalBrokerOptions['users'],
  internalUsers: InternalUserConfig[] = [],
  more: Partial<LocalBrokerOptions> = {},
): Promise<TestBroker> {
  const logs: string[] = []
  const sink = new Writable({ write: (chunk, _enc, cb) => (logs.push(String(chunk)), cb()) })
  const log = pino({ level: 'debug' }, sink)
  const broker = await startLocalBroker({ host: '127.0.0.1', port: 0, users, prefix: P, log, internalUsers, ...more })
  return Object.assign(broker, { logs })
}

/** Tests never reconnect: a refusal must show up as a rejection, not a loop. */
export function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts })
}

/**
 * An mqtt.js client whose TCP connection comes from `localAddress` (e.g. 127.0.0.2: another source, as far as the
 * broker's per-source backoff is concerned); mqtt.js itself has no option for it.
 */
export function connectFrom(localAddress: string, url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const u = new URL(url)
  const client = new MqttClient(() => tcpConnect({ host: u.hostname, port: Number(u.port), localAddress }), {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...opts,
  })
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('error', (err) => (client.end(true), reject(err)))
  })
}

/** The CONNACK return code of a refused connection. */
export async function refusal(url: string, opts: IClientOptions = {}): Promise<number> {
  try {
    const c = await connect(url, opts)
    await c.endAsync(true)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'number') return code
    throw new Error(`expected a CONNACK refusal, got ${String(err)}`)
  }
  throw new Error('expected the connection to be refused, but it was accepted')
}

export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()))
}

/** Collects every message a client receives. */
export function inbox(client: MqttClient): { topic: string; payload: string }[] {
  const got: { topic: string; payload: string }[] = []
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }))
  return got
}

/** Resolves with the first message on `topic`. */
export function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer): void => {
      if (t !== topic) return
      client.off('message', onMessage)
      resolve(payload.toString())
    }
    client.on('message', onMessage)
  })
}
