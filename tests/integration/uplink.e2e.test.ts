// The uplink end to end: the real gateway process, a real mosquitto started here, a subscriber standing in for the
// central platform. Decisions come from a fast simulated crowd; the truth is the gateway's own SQLite log.
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'
import { Recorder } from '../bridge/helpers.ts'
import { GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let sub: Recorder | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await sub?.client.endAsync(true)
  await broker?.dispose()
  gw = null
  sub = null
  broker = null
})

function config(port: number): Record<string, unknown> {
  return {
    central: { url: `mqtt://127.0.0.1:${port}`, reconnectMinMs: 200, reconnectMaxMs: 1000 },
    localBroker: { enabled: false },
    simulation: { crowd: true, intervalMs: 200 },
    log: { level: 'info' },
  }
}

/** Every outbox message the gateway committed (entries, alerts, summaries) by seq, from its own database. */
function committed(g: GatewayProcess): Map<number, string> {
  const rows = g.query<{ event_id: string }>('SELECT event_id FROM entries')
  return new Map(rows.map((r, i) => [i, r.event_id]))
}

/** Asserts what the platform relies on: seq from 1 with no gap, first arrivals in order, a duplicate only with its id. */
function assertStream(r: Recorder): void {
  const firstById = new Map<number, string>()
  let last = 0
  for (const a of r.events.filter((e) => !e.topic.startsWith('response/') && !e.topic.startsWith('request/'))) {
    assertMessage(messageForTopic(a.topic), a.event)
    const seen = firstById.get(a.event.seq)
    if (seen !== undefined) {
      expect(a.event.id, `seq ${a.event.seq} arrived again with another id`).toBe(seen)
      continue
    }
    expect(a.event.seq, 'first arrivals in seq order').toBeGreaterThan(last)
    firstById.set(a.event.seq, a.event.id)
    last = a.event.seq
  }
  const seqs = [...firstById.keys()].sort((a, b) => a - b)
  expect(seqs[0]).toBe(1)
  expect(seqs.length, 'no gap').toBe(seqs.at(-1))
}

const entryIds = (r: Recorder): Set<string> => new Set(r.events.filter((a) => a.topic === 'entry').map((a) => a.event.id))

describe('uplink to a real mosquitto', () => {
  it('uplink down at start: decisions wait, then arrive in seq order with no gap, marked historical', async () => {
    // The platform's persistent session exists before the gate starts, as it would in production.
    broker = await Mosquitto.start({ persistence: true })
    sub = await Recorder.connect(broker.url, { persistent: true, clientId: 'platform-1' })
    await broker.stop()
    gw = await GatewayProcess.start(config(broker.port))
    await gw.until(() => (committed(gw!).size >= 5 ? true : undefined), 15_000, 'five decisions while the uplink is down')
    expect((await gw.health()).components.uplink).toMatchObject({ connected: false })
    await broker.restart()
    await gw.until(async () => ((await gw!.health()).components.uplink?.connected ? true : undefined), 10_000, 'uplink connected')
    // Everything committed before and since arrives.
    await gw.until(() => {
      const ids = entryIds(sub!)
      return [...committed(gw!).values()].every((id) => ids.has(id)) ? true : undefined
    }, 15_000, 'every committed entry at the subscriber')
    assertStream(sub)
    expect(sub.events[0]!.event.historical).toBe(true)
    const status = sub.statuses.at(-1)!
    expect(status.status).toMatchObject({ state: 'online', bootId: expect.any(String), backlog: expect.any(Number) })
    assertMessage('status', status.status)
    for (const d of sub.devices) assertMessage('device', d.health)
    expect(sub.devices.map((d) => d.name)).toEqual(expect.arrayContaining(['scanner-in', 'thermo-in', 'gate']))
  })

  it('mosquitto restarted mid-stream, then the gateway killed with SIGKILL mid-burst and started again: nothing missing, seq continues', async () => {
    broker = await Mosquitto.start({ persistence: true })
    sub = await Recorder.connect(broker.url, { persistent: true, clientId: 'platform-1' })
    const dir = tempDir()
    gw = await GatewayProcess.start(config(broker.port), { dir })
    await gw.until(() => (sub!.maxSeq >= 5 ? true : undefined), 15_000, 'a first stream')
    await broker.restart()
    await gw.until(() => (sub!.maxSeq >= 15 ? true : undefined), 20_000, 'the stream after the broker restart')
    const pid = gw.child.pid!
    const killed = await gw.stop('SIGKILL')
    expect(killed.signal).toBe('SIGKILL')
    // The gateway itself died, not a wrapper around it.
    expect(() => process.kill(pid, 0)).toThrow()
    // Everything the killed gateway committed, and nothing of it missing, once it runs again.
    gw = await GatewayProcess.start(config(broker.port), { dir })
    const beforeKill = [...committed(gw).values()]
    await gw.until(() => {
      const ids = entryIds(sub!)
      return beforeKill.every((id) => ids.has(id)) ? true : undefined
    }, 20_000, 'every entry committed before the kill')
    const maxBefore = sub.maxSeq
    await gw.until(() => (sub!.maxSeq >= maxBefore + 5 ? true : undefined), 20_000, 'seq continuing after the restart')
    assertStream(sub)
  })

  it('answers requests on P/response/{command}: gate/open is audited; expired and retained requests change nothing', async () => {
    broker = await Mosquitto.start()
    const P = 'estate-gate/estate-001/north-1'
    const platform = await mqtt.connectAsync(broker.url, { protocolVersion: 5 })
    const responses: Record<string, unknown>[] = []
    const entries: { data: Record<string, unknown> }[] = []
    platform.on('message', (topic, payload) => {
      if (topic.startsWith(`${P}/response/`)) responses.push(JSON.parse(payload.toString()))
      if (topic === `${P}/entry`) entries.push(JSON.parse(payload.toString()))
    })
    await platform.subscribeAsync([`${P}/response/#`, `${P}/entry`], { qos: 1 })
    // A stale retained gate/open waiting on the broker: replayed when the gateway subscribes, it must not open.
    const later = new Date(Date.now() + 60_000).toISOString()
    await platform.publishAsync(`${P}/request/gate/open`, JSON.stringify({ requestId: 'r-0', expires: later, reason: 'delivery' }), { qos: 1, retain: true })
    gw = await GatewayProcess.start({ ...config(broker.port), simulation: { crowd: false } })
    const stale = await gw.until(() => responses[0], 10_000, 'the answer to the retained request')
    expect(stale).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    await platform.publishAsync(`${P}/request/gate/open`, '', { qos: 1, retain: true })
    const ask = async (command: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const n = responses.length
      await platform.publishAsync(`${P}/request/${command}`, JSON.stringify(body), { qos: 1 })
      return gw!.until(() => responses[n], 5000, `the response to ${command}`)
    }
    try {
      const ok = await ask('gate/open', { requestId: 'r-1', expires: later, reason: 'ambulance', staff: 'platform-operator' })
      expect(ok).toMatchObject({ requestId: 'r-1', status: 'ok' })
      assertMessage('response', ok)
      const entry = await gw.until(() => entries.find((e) => e.data.overrideReason === 'ambulance'), 5000, 'the override entry event')
      expect(entry.data).toMatchObject({ reasons: ['manual_override'], staff: 'platform:platform-operator', decision: 'admit' })
      const expired = await ask('gate/open', { requestId: 'r-2', expires: new Date(Date.now() - 1000).toISOString(), reason: 'delivery' })
      expect(expired).toMatchObject({ requestId: 'r-2', status: 'error', error: { code: 'expired' } })
      expect(gw.query<{ n: number }>("SELECT count(*) AS n FROM entries WHERE source = 'override'")[0]!.n).toBe(1)
      const revoked = await ask('lists/revoked', { requestId: 'r-4', expires: later, passIds: ['p-lost-1'] })
      expect(revoked).toMatchObject({ status: 'ok', data: { count: 1 } })
    } finally {
      await platform.endAsync(true)
    }
  })
})
