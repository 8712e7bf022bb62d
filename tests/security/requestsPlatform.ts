// The attacker's seat for the request tests: a real mosquitto, the real gateway process connected to it, and an
// MQTT 5 client with the platform's rights publishing requests and reading responses, entries and alerts.
import { randomUUID } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { GatewayProcess } from '../helpers/gatewayProcess.ts'

export const P = 'estate-gate/estate-001/north-1'

export const inSec = (s: number): string => new Date(Date.now() + s * 1000).toISOString()

export interface Arrived {
  topic: string
  body: Record<string, any>
  retain: boolean
}

export class Platform {
  readonly responses: Arrived[] = []
  readonly entries: Arrived[] = []
  readonly alerts: Arrived[] = []

  private constructor(readonly client: MqttClient) {}

  static async connect(url: string): Promise<Platform> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `platform-${randomUUID().slice(0, 8)}`, reconnectPeriod: 0 })
    const p = new Platform(client)
    client.on('message', (topic, payload, packet) => {
      const a: Arrived = { topic, body: JSON.parse(payload.toString()) as Record<string, any>, retain: packet.retain }
      if (topic.startsWith(`${P}/response/`)) p.responses.push(a)
      else if (topic === `${P}/entry`) p.entries.push(a)
      else if (topic === `${P}/alert`) p.alerts.push(a)
    })
    await client.subscribeAsync([`${P}/response/#`, `${P}/entry`, `${P}/alert`], { qos: 1 })
    return p
  }

  /** Publishes a request (an object as JSON, a string as it is) and resolves with the response naming `requestId`. */
  async ask(command: string, body: Record<string, unknown> | string, opts: { retain?: boolean; requestId?: string } = {}): Promise<Record<string, any>> {
    const id = opts.requestId ?? (typeof body === 'string' ? null : String(body.requestId))
    const from = this.responses.length
    await this.client.publishAsync(`${P}/request/${command}`, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1, retain: opts.retain ?? false })
    return this.next((r) => r.topic === `${P}/response/${command}` && (id === null || r.body.requestId === id), from)
  }

  /** The first response at index `from` or later that matches. */
  async next(match: (r: Arrived) => boolean, from = 0, timeoutMs = 8000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.responses.slice(from).find(match)
      if (hit) return hit.body
      if (Date.now() > deadline) throw new Error(`no matching response within ${timeoutMs} ms; got ${JSON.stringify(this.responses.slice(from).map((r) => r.body))}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true)
  }
}

/** The gateway's config for these tests: the central broker is the test's mosquitto, no crowd, no local broker. */
export function gatewayConfig(brokerPort: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...over,
    central: { url: `mqtt://127.0.0.1:${brokerPort}`, reconnectMinMs: 200, reconnectMaxMs: 1000, ...(over.central as object | undefined) },
    localBroker: { enabled: false },
    simulation: { crowd: false },
    log: { level: 'info' },
  }
}

/** Starts the gateway and waits until its uplink is connected and subscribed (a first request is answered). */
export async function startGateway(broker: Mosquitto, platform: Platform, over: Record<string, unknown> = {}, dir?: string): Promise<GatewayProcess> {
  const gw = await GatewayProcess.start(gatewayConfig(broker.port, over), dir ? { dir } : {})
  await gw.until(async () => ((await gw.health()).components.uplink?.connected ? true : undefined), 10_000, 'the uplink connected')
  await gw.waitForLog((l) => l.msg === 'uplink connected')
  // The SUBSCRIBE follows the CONNACK: ask until something answers (a probe nobody else uses).
  for (let i = 0; ; i++) {
    const from = platform.responses.length
    const id = `probe-${randomUUID()}`
    await platform.client.publishAsync(`${P}/request/no-such/probe`, JSON.stringify({ requestId: id, expires: inSec(60) }), { qos: 1 })
    try {
      await platform.next((r) => r.body.requestId === id, from, 500)
      return gw
    } catch (err) {
      if (i > 20) throw err
    }
  }
}

/** The relay's pulse counter from /healthz: what the gate physically did. */
export async function pulses(gw: GatewayProcess): Promise<number> {
  return Number((await gw.health()).components.gate?.counters?.pulses ?? NaN)
}
