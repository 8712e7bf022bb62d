// deploy/central/mosquitto.acl on a real mosquitto with a real password file (mosquitto_passwd): the gateway's own
// uplink, logged in as its gate, gets everything it publishes through; a gate cannot write or read another gate's
// topics; the platform reads everything and writes only requests; shared subscriptions and retained status behave
// as docs/central.md says.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { makeBridge, message, openStore, P, until } from '../bridge/helpers.ts'
import { DEPLOY } from './files.ts'

const BASE = 'estate-gate'
const GATE_A = { user: 'estate-001/north-1', password: 'gate-a-secret' }
const GATE_B = { user: 'estate-001/north-2', password: 'gate-b-secret' }
const PLATFORM = { user: 'platform', password: 'platform-secret' }
const PA = `${BASE}/${GATE_A.user}`
const PB = `${BASE}/${GATE_B.user}`

let broker: Mosquitto
const clients: MqttClient[] = []

beforeAll(async () => {
  // The password file as an operator makes it: mosquitto_passwd, one line per account.
  const dir = mkdtempSync(join(tmpdir(), 'estate-gate-acl-'))
  try {
    const file = join(dir, 'passwd')
    execFileSync('mosquitto_passwd', ['-b', '-c', file, GATE_A.user, GATE_A.password])
    for (const a of [GATE_B, PLATFORM]) execFileSync('mosquitto_passwd', ['-b', file, a.user, a.password])
    broker = await Mosquitto.start({ acl: readFileSync(join(DEPLOY, 'central', 'mosquitto.acl'), 'utf8'), passwordFile: readFileSync(file, 'utf8') })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await broker?.dispose()
})

type Got = { topic: string; payload: string; retain: boolean }

async function connect(account: { user: string; password: string }, opts: IClientOptions = {}): Promise<MqttClient & { got: Got[] }> {
  const c = (await mqtt.connectAsync(broker.url, {
    protocolVersion: 5,
    username: account.user,
    password: account.password,
    clientId: `${account.user.replace('/', '-')}-${clients.length}`,
    reconnectPeriod: 0,
    ...opts,
  })) as MqttClient & { got: Got[] }
  c.got = []
  c.on('message', (topic, payload, packet) => c.got.push({ topic, payload: payload.toString(), retain: packet.retain }))
  clients.push(c)
  return c
}

/** Publishes at QoS 1; resolves with the PUBACK's verdict (MQTT 5: 0x87 "not authorized" when the ACL refuses). */
async function publish(c: MqttClient, topic: string, payload: string, retain = false): Promise<'ok' | number> {
  try {
    await c.publishAsync(topic, payload, { qos: 1, retain })
    return 'ok'
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

/**
 * Waits until `sub` has the marker that `from` published after the messages under test: mosquitto delivers one
 * publisher's messages to a subscriber in the order it took them, so anything sent before the marker has arrived by
 * then, or never will (no sleeping and hoping).
 */
async function fence(from: MqttClient, fenceTopic: string, sub: MqttClient & { got: Got[] }): Promise<void> {
  const marker = `fence-${Math.random()}`
  expect(await publish(from, fenceTopic, marker)).toBe('ok')
  await until(() => sub.got.some((g) => g.payload === marker), `the fence on ${fenceTopic}`)
}

const NOT_AUTHORIZED = 0x87

describe('deploy/central/mosquitto.acl', () => {
  it('lets the real uplink of gate A publish all it publishes (events, retained status and health, will, responses)', async () => {
    expect(P).toBe(PA) // the bridge helpers' prefix is gate A's
    const platform = await connect(PLATFORM)
    await platform.subscribeAsync(`${BASE}/#`, { qos: 1 })
    const store = openStore()
    const topics = ['entry', 'alert', 'task', 'summary/hour', 'summary/day']
    store.enqueue(topics.map((t) => message(t, { probe: t })), Date.now())
    const bridge = makeBridge(store, broker.url, {
      username: GATE_A.user,
      password: GATE_A.password,
      onRequest: (command, payload) => ({ requestId: (JSON.parse(payload.toString()) as { requestId: string }).requestId, status: 'ok', data: { command } }),
    })
    bridge.start()
    try {
      bridge.publishDevice('scanner-in', { name: 'scanner-in', online: true })
      await until(() => platform.got.filter((g) => g.topic.startsWith(`${PA}/`)).length >= topics.length + 2, 'the gate events, status and device health')
      await until(() => bridge.status().backlog === 0, 'the outbox to drain')
      const arrived = platform.got.map((g) => g.topic)
      for (const t of [...topics, 'status', 'device/scanner-in']) expect(arrived).toContain(`${PA}/${t}`)
      expect(bridge.status().refused).toBe(0)

      // A request from the platform reaches the gate; its response (two-level command) reaches the platform.
      expect(await publish(platform, `${PA}/request/tasks/list`, JSON.stringify({ requestId: 'r-1', expires: new Date(Date.now() + 60_000).toISOString() }))).toBe('ok')
      await until(() => platform.got.some((g) => g.topic === `${PA}/response/tasks/list`), 'the response')
      expect(JSON.parse(platform.got.find((g) => g.topic === `${PA}/response/tasks/list`)!.payload)).toMatchObject({ requestId: 'r-1', status: 'ok' })

      // The will: the connection dies without DISCONNECT, the broker publishes the gate's retained "offline".
      const before = platform.got.length
      bridge.dropConnection('test: the network fails')
      await until(() => platform.got.slice(before).some((g) => g.topic === `${PA}/status` && JSON.parse(g.payload).state === 'offline'), 'the will')
    } finally {
      await bridge.stop()
      store.close()
    }
  })

  it('lets gate A write only under its own prefix, and never requests (not even its own)', async () => {
    const a = await connect(GATE_A)
    const platform = await connect(PLATFORM)
    await platform.subscribeAsync(`${BASE}/#`, { qos: 1 })
    expect(await publish(a, `${PA}/entry`, 'own entry')).toBe('ok')
    expect(await publish(a, `${PB}/entry`, 'forged entry for B')).toBe(NOT_AUTHORIZED)
    expect(await publish(a, `${PB}/status`, '{"state":"offline"}', true)).toBe(NOT_AUTHORIZED)
    expect(await publish(a, `${PA}/request/gate/open`, 'a gate opening itself')).toBe(NOT_AUTHORIZED)
    expect(await publish(a, `${BASE}/estate-001/north-10/entry`, 'a prefix of another id')).toBe(NOT_AUTHORIZED)
    expect(await publish(a, 'elsewhere/topic', 'outside the tree')).toBe(NOT_AUTHORIZED)
    await fence(a, `${PA}/alert`, platform)
    expect(platform.got.map((g) => g.payload)).toContain('own entry')
    expect(platform.got.filter((g) => /forged|itself|prefix of|outside/.test(g.payload) || g.topic === `${PB}/status`)).toEqual([])
  })

  it('lets gate A read its own requests and nothing of gate B, even with a wildcard subscription', async () => {
    const a = await connect(GATE_A)
    const b = await connect(GATE_B)
    const platform = await connect(PLATFORM)
    await a.subscribeAsync(`${BASE}/#`, { qos: 1 }) // mosquitto grants it, then delivers only what the ACL lets A read
    await b.subscribeAsync(`${PB}/request/#`, { qos: 1 })
    expect(await publish(b, `${PB}/entry`, 'B entry')).toBe('ok')
    expect(await publish(platform, `${PB}/request/gate/open`, 'request for B')).toBe('ok')
    expect(await publish(platform, `${PA}/request/gate/open`, 'request for A')).toBe('ok')
    await until(() => b.got.some((g) => g.payload === 'request for B'), 'B to get its request')
    await until(() => a.got.some((g) => g.payload === 'request for A'), 'A to get its request')
    // The platform sent B's request before A's: had A been allowed to read it, it would have arrived first.
    expect(a.got.map((g) => g.payload)).toEqual(['request for A'])
    expect(a.got.every((g) => g.topic.startsWith(`${PA}/request/`))).toBe(true)
  })

  it('lets the platform read every gate and write only requests', async () => {
    const a = await connect(GATE_A)
    const b = await connect(GATE_B)
    const platform = await connect(PLATFORM)
    const watcher = await connect(PLATFORM)
    await platform.subscribeAsync(`${BASE}/+/+/entry`, { qos: 1 })
    await watcher.subscribeAsync(`${BASE}/#`, { qos: 1 })
    expect(await publish(a, `${PA}/entry`, 'A1')).toBe('ok')
    expect(await publish(b, `${PB}/entry`, 'B1')).toBe('ok')
    await until(() => ['A1', 'B1'].every((p) => platform.got.some((g) => g.payload === p)), 'entries of both gates')
    for (const t of [`${PA}/entry`, `${PA}/status`, `${PA}/response/gate/open`, `${PB}/alert`, `${BASE}/x`, 'elsewhere']) {
      expect(await publish(platform, t, 'platform forging', t.endsWith('status')), t).toBe(NOT_AUTHORIZED)
    }
    expect(await publish(platform, `${PB}/request/lists/revoked`, 'platform request')).toBe('ok')
    await until(() => watcher.got.some((g) => g.payload === 'platform request'), 'the request')
    expect(watcher.got.filter((g) => g.payload === 'platform forging')).toEqual([])
  })

  it('refuses anonymous clients, unknown users and wrong passwords', async () => {
    const attempt = (opts: IClientOptions) =>
      mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...opts }).then(
        async (c) => {
          await c.endAsync(true)
          return 'connected'
        },
        (err: { code?: number }) => err.code,
      )
    // CONNACK 0x86 (bad user name or password) or 0x87 (not authorized): mosquitto 2.0.11 answers 0x87 to all three.
    const refused = [0x86, 0x87]
    expect(refused).toContain(await attempt({}))
    expect(refused).toContain(await attempt({ username: 'estate-001/south-9', password: 'x' }))
    expect(refused).toContain(await attempt({ username: GATE_A.user, password: 'wrong' }))
    expect(await attempt({ username: GATE_A.user, password: GATE_A.password })).toBe('connected')
  })

  it('lets the platform share the events among consumers ($share), and read the retained status on a plain subscription', async () => {
    const a = await connect(GATE_A)
    expect(await publish(a, `${PA}/status`, '{"state":"online"}', true)).toBe('ok')
    const c1 = await connect(PLATFORM)
    const c2 = await connect(PLATFORM)
    const liveness = await connect(PLATFORM)
    for (const c of [c1, c2]) await c.subscribeAsync(`$share/ingest/${BASE}/+/+/entry`, { qos: 1 })
    await liveness.subscribeAsync(`${BASE}/+/+/status`, { qos: 1 })
    await until(() => liveness.got.some((g) => g.topic === `${PA}/status` && g.retain), 'the retained status on a plain subscription')
    const sent = Array.from({ length: 10 }, (_, i) => `E${i}`)
    for (const p of sent) expect(await publish(a, `${PA}/entry`, p)).toBe('ok')
    await until(() => c1.got.length + c2.got.length >= sent.length, 'the entries at the group')
    const received = [...c1.got, ...c2.got].map((g) => g.payload)
    expect(received.sort()).toEqual(sent.sort()) // each exactly once across the group
    expect(c1.got.length).toBeGreaterThan(0) // mosquitto hands them out in turn
    expect(c2.got.length).toBeGreaterThan(0)
  })
})
