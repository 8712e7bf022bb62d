// The wire as software nobody here wrote reads it (issue 12, points 1, 5, 6 and 8), through the real gateway process:
// a real mosquitto (MQTT 5) as the central broker, the embedded aedes broker enabled for a local display, the wall
// clock stepped a day forward (libfaketime) so that hours, a day, tasks and alerts all fall due. Every event the
// platform receives is parsed by the CloudEvents SDK through its MQTT binding (with the MQTT 5 Content Type) and
// strictly as structured JSON; the display on the embedded broker gets the gate's own topics and never a request.
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CloudEvent as SdkEvent, MQTT } from 'cloudevents'
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'
import { GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'

const P = 'estate-gate/estate-001/north-1'
const DAY = 86_400_000
const STEP_HOURS = 26
const CE_TYPE = 'application/cloudevents+json; charset=utf-8'
const EVENT_TOPICS = ['entry', 'alert', 'task', 'summary/hour', 'summary/day']

function libfaketime(): string {
  const found = execFileSync('sh', ['-c', 'ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null || true']).toString().trim().split('\n')[0]
  if (!found || !existsSync(found)) throw new Error('libfaketime not found: apt-get install faketime (.ci/run does)')
  return found
}

interface Received {
  topic: string
  body: string
  retain: boolean
  properties: IPublishPacket['properties']
}

/** Records every PUBLISH below P with its MQTT properties (the platform on MQTT 5, a display on 3.1.1). */
class Listener {
  readonly got: Received[] = []
  private constructor(readonly client: MqttClient) {}

  static async connect(url: string, opts: mqtt.IClientOptions, filter = `${P}/#`): Promise<Listener> {
    const client = mqtt.connect(url, { reconnectPeriod: 100, connectTimeout: 5000, ...opts })
    const l = new Listener(client)
    client.on('message', (topic, payload, packet) =>
      l.got.push({ topic: topic.slice(P.length + 1), body: payload.toString(), retain: packet.retain, properties: packet.properties }),
    )
    client.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      setTimeout(() => reject(new Error(`could not connect to ${url}`)), 5000)
    })
    const granted = await client.subscribeAsync(filter, { qos: 1 })
    if (granted.some((g) => g.qos === 128)) throw new Error(`subscription to ${filter} refused`)
    return l
  }

  events(): Received[] {
    return this.got.filter((r) => EVENT_TOPICS.includes(r.topic))
  }

  json<T = Record<string, unknown>>(topic: string): T[] {
    return this.got.filter((r) => r.topic === topic).map((r) => JSON.parse(r.body) as T)
  }
}

let broker: Mosquitto
let gw: GatewayProcess
let platform: Listener
let display: Listener
let localUrl: string
const opened: Listener[] = []
const DISPLAY = { username: 'display', password: 'display-secret-1' }

/** The local date (YYYY-MM-DD, Asia/Shanghai: the default site.timezone) of a wall-clock time. */
const localDay = (ts: number): string => new Date(ts + 8 * 3_600_000).toISOString().slice(0, 10)

beforeAll(async () => {
  broker = await Mosquitto.start()
  platform = await Listener.connect(broker.url, { protocolVersion: 5 })
  const dir = tempDir()
  const offsetFile = join(dir, 'faketime')
  writeFileSync(offsetFile, '+0\n')
  const localPort = await freePort()
  localUrl = `mqtt://127.0.0.1:${localPort}`
  gw = await GatewayProcess.start(
    {
      central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      localBroker: { enabled: true, host: '127.0.0.1', port: localPort, users: [{ ...DISPLAY, role: 'display' }] },
      simulation: { crowd: true, intervalMs: 200 },
      schedules: [{ id: 'hourly-round', kind: 'disinfection', area: 'gate', cron: '0 * * * *', graceMinutes: 30 }],
      log: { level: 'info' },
    },
    { dir, env: { LD_PRELOAD: libfaketime(), FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' } },
  )
  display = await Listener.connect(localUrl, { protocolVersion: 4, ...DISPLAY, clientId: 'display-1' })
  opened.push(platform, display)
  // A day forward: hours, at least one day, the hourly task (due, overdue: alerts) all fall due.
  await gw.until(() => (platform.json('entry').length >= 3 ? true : undefined), 20_000, 'decisions before the step')
  writeFileSync(offsetFile, `+${STEP_HOURS}h\n`)
  await gw.until(() => (platform.json('summary/day').length >= 1 ? true : undefined), 30_000, 'a day summary after the step')
  await gw.until(() => (EVENT_TOPICS.every((t) => platform.got.some((r) => r.topic === t)) ? true : undefined), 30_000, 'entry, alert, task and summaries')
}, 120_000)

afterAll(async () => {
  await gw?.stop('SIGKILL')
  for (const l of opened) await l.client.endAsync(true)
  await broker?.dispose()
})

describe('the wire, read by third-party implementations (real gateway, mosquitto MQTT 5, embedded broker)', () => {
  it('every event on MQTT 5 carries the CloudEvents Content Type; the SDK reads each through its MQTT binding and strictly as JSON', () => {
    const events = platform.events()
    expect(new Set(events.map((e) => e.topic))).toEqual(new Set(EVENT_TOPICS))
    const stream = gw.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'seqstream'`)[0]?.value
    for (const e of events) {
      // The binding's Message: User Properties as headers, the PUBLISH's Content Type (cloudevents/dist/message/mqtt).
      const message = { body: e.body, headers: { ...(e.properties?.userProperties ?? {}) }, PUBLISH: { 'Content Type': e.properties?.contentType ?? '' } }
      // strict: "No CloudEvent detected" unless the Content Type says so (the SDK's Deserializer type omits the flag).
      const viaBinding = (MQTT.toEvent as (m: typeof message, strict: boolean) => unknown)(message, true) as SdkEvent<Record<string, unknown>>
      expect(MQTT.isEvent(message)).toBe(true)
      expect(e.properties?.contentType, `${e.topic}: MQTT 5 Content Type`).toBe(CE_TYPE)
      const strict = new SdkEvent<Record<string, unknown>>(JSON.parse(e.body) as never, true)
      for (const ev of [viaBinding, strict]) {
        expect(ev.specversion).toBe('1.0')
        expect(ev.source).toBe('/estate-gate/estate-001/north-1')
        expect(ev.datacontenttype).toBe('application/json')
        expect(ev.seqstream, 'the extension seqstream, as the SDK reads it').toBe(stream)
        expect(typeof ev.seq).toBe('number')
      }
      expect(viaBinding.id).toBe(strict.id)
      assertMessage(messageForTopic(e.topic), JSON.parse(e.body))
    }
    expect(stream).toMatch(/^[0-9a-f]{32}$/)
  })

  it('the embedded broker carries the gate’s own topics for a display (status, entry, device health, summaries), never a request or a response', async () => {
    // The platform asks something: a request and its response pass through the central broker only.
    const fakeNow = Date.now() + STEP_HOURS * 3_600_000
    const platformClient = platform.client
    await platformClient.publishAsync(`${P}/request/tasks/list`, JSON.stringify({ requestId: 'r-list', expires: new Date(fakeNow + 60_000).toISOString() }), { qos: 1 })
    await gw.until(() => platform.json<{ requestId: string }>('response/tasks/list').find((r) => r.requestId === 'r-list'), 10_000, 'the response on mosquitto')
    const n = display.json('entry').length
    await gw.until(() => (display.json('entry').length >= n + 3 ? true : undefined), 15_000, 'live entries at the display')

    const status = display.json<{ state: string; bootId: string }>('status')
    expect(status.at(-1)).toMatchObject({ state: 'online' })
    assertMessage('status', status.at(-1))
    expect(status.at(-1)!.bootId).toBe(platform.json<{ bootId: string }>('status').at(-1)!.bootId)
    const devices = display.got.filter((r) => r.topic.startsWith('device/'))
    expect(new Set(devices.map((d) => d.topic))).toEqual(new Set(['device/scanner-in', 'device/scanner-out', 'device/thermo-in', 'device/gate', 'device/buzzer']))
    for (const d of devices) assertMessage('device', JSON.parse(d.body))
    for (const e of display.events()) {
      assertMessage(messageForTopic(e.topic), JSON.parse(e.body))
      expect(new SdkEvent(JSON.parse(e.body) as never, true).id).toBeTruthy()
    }
    // The same events as upstream (same ids), on 3.1.1 without properties.
    const upstream = new Set(platform.events().map((e) => (JSON.parse(e.body) as { id: string }).id))
    expect(display.events().filter((e) => e.topic === 'entry').every((e) => upstream.has((JSON.parse(e.body) as { id: string }).id))).toBe(true)
    expect(display.got.filter((r) => r.topic.startsWith('request/') || r.topic.startsWith('response/'))).toEqual([])
    expect((await gw.health()).components.localBroker).toMatchObject({ status: 'ok', mirror: { connected: true, lastError: null } })
    // Retained on the embedded broker: a display that subscribes now gets status, devices and the summaries at once.
    const late = await Listener.connect(localUrl, { protocolVersion: 4, ...DISPLAY, clientId: 'display-2' })
    opened.push(late)
    await gw.until(() => (['status', 'summary/hour', 'summary/day', 'device/gate'].every((t) => late.got.some((r) => r.topic === t && r.retain)) ? true : undefined), 5000, 'retained topics at a late display')
  })

  it('summary/resend of older days: published unretained and marked resend; the retained P/summary/day stays the last complete day', async () => {
    const fakeNow = Date.now() + STEP_HOURS * 3_600_000
    const lastComplete = localDay(fakeNow - DAY)
    const days = platform.json<{ data: { period: string } }>('summary/day').map((e) => e.data.period)
    expect(days).toContain(lastComplete)
    const from = localDay(fakeNow - 5 * DAY)
    const to = localDay(fakeNow - 3 * DAY)
    const before = platform.json('summary/day').length
    await platform.client.publishAsync(`${P}/request/summary/resend`, JSON.stringify({ requestId: 'r-resend', expires: new Date(fakeNow + 60_000).toISOString(), from, to }), { qos: 1 })
    const answer = await gw.until(() => platform.json<{ requestId: string; status: string }>('response/summary/resend').find((r) => r.requestId === 'r-resend'), 10_000, 'the resend response')
    expect(answer).toMatchObject({ status: 'ok' })
    await gw.until(() => (platform.json('summary/day').length >= before + 3 ? true : undefined), 10_000, 'three resent days')
    // A fresh subscriber on each broker: what is retained is still the last complete day.
    const freshCentral = await Listener.connect(broker.url, { protocolVersion: 5 }, `${P}/summary/day`)
    const freshLocal = await Listener.connect(localUrl, { protocolVersion: 4, ...DISPLAY, clientId: 'display-3' }, `${P}/summary/day`)
    opened.push(freshCentral, freshLocal)
    for (const fresh of [freshCentral, freshLocal]) {
      const retained = await gw.until(() => fresh.got.find((r) => r.retain), 5000, 'the retained day summary')
      const ev = JSON.parse(retained.body) as { resend?: boolean; data: { period: string } }
      expect(ev.data.period).toBe(lastComplete)
      expect(ev.resend).toBeUndefined()
    }
    // The resent days themselves: marked, unretained, and read by the SDK with the extension.
    const resent = platform.got.filter((r) => r.topic === 'summary/day').slice(before)
    expect(resent.map((r) => (JSON.parse(r.body) as { data: { period: string } }).data.period).sort()).toEqual([from, localDay(fakeNow - 4 * DAY), to])
    for (const r of resent) {
      const ev = JSON.parse(r.body) as { resend?: boolean; data: { period: string; resent: boolean } }
      expect(ev).toMatchObject({ resend: true, data: { resent: true } })
      expect(new SdkEvent(ev as never, true).resend).toBe(true)
      assertMessage('summary', ev)
    }
  })
})
