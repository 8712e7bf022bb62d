import { createServer } from 'node:net'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { hashPassword } from '../../gateway/broker/passwords.ts'
import { newBridgeUser } from '../../gateway/broker/users.ts'
import { P, closed, connect, inbox, nextMessage, refusal, startTestBroker, type TestBroker } from './helpers.ts'

const bridgeUser = newBridgeUser()
let broker: TestBroker
let bridge: MqttClient
const open: MqttClient[] = []

const as = async (username: string, password: string, clientId?: string): Promise<MqttClient> => {
  const c = await connect(broker.url, { username, password, ...(clientId ? { clientId } : {}) })
  open.push(c)
  return c
}

beforeAll(async () => {
  broker = await startTestBroker(
    [
      { username: 'lobby', password: 'lobby-pw', role: 'display' },
      { username: 'guardhouse', password: await hashPassword('guard-pw') }, // role defaults to display
      { username: 'panel-1', password: 'panel-1-pw', role: 'device' },
      { username: 'panel-2', password: 'panel-2-pw', role: 'device' },
    ],
    [bridgeUser],
  )
  bridge = await as(bridgeUser.username, bridgeUser.password, 'gw-bridge')
})

afterAll(async () => {
  await Promise.all(open.map((c) => c.endAsync(true)))
  await broker.close()
})

describe('local broker: who may connect', () => {
  it('refuses anonymous clients, unknown users and wrong passwords (unknown and known alike: 4)', async () => {
    expect([4, 5]).toContain(await refusal(broker.url))
    expect(await refusal(broker.url, { username: 'nobody', password: 'x' })).toBe(4)
    expect(await refusal(broker.url, { username: 'lobby', password: 'not-the-pw-123' })).toBe(4)
    expect(await refusal(broker.url, { username: 'lobby' })).toBe(4)
    expect(broker.stats().refusedConnections).toBeGreaterThanOrEqual(4)
  })

  it('accepts a password stored as a hash made by hashPassword', async () => {
    const c = await as('guardhouse', 'guard-pw')
    expect(c.connected).toBe(true)
  })

  it('refuses MQTT 5 clients (aedes speaks 3.1.1 only)', async () => {
    const before = broker.stats().refusedConnections
    await expect(connect(broker.url, { protocolVersion: 5, username: 'lobby', password: 'lobby-pw' })).rejects.toThrow()
    // aedes reports this refusal only after the CONNACK has gone out.
    await vi.waitFor(() => expect(broker.stats().refusedConnections).toBe(before + 1))
  })

  it('refuses a client id held by another user, and the holder stays connected', async () => {
    expect(await refusal(broker.url, { username: 'lobby', password: 'lobby-pw', clientId: 'gw-bridge' })).toBe(2)
    expect(bridge.connected).toBe(true)
  })

  it("refuses a will the user could not publish (a display forging the gate's offline status)", async () => {
    const will = { topic: `${P}/status`, payload: Buffer.from('{"state":"offline"}'), qos: 1 as const, retain: true }
    expect(await refusal(broker.url, { username: 'lobby', password: 'lobby-pw', will })).toBe(5)
  })

  it('never logs a password', () => {
    const logs = broker.logs.join('')
    for (const pw of ['lobby-pw', 'guard-pw', 'panel-1-pw', 'not-the-pw-123', bridgeUser.password]) expect(logs).not.toContain(pw)
    expect(logs).toContain('broker refused a connection')
  })
})

describe('local broker: displays', () => {
  it("receive their gate's entries from the bridge, but not requests", async () => {
    const display = await as('lobby', 'lobby-pw')
    await display.subscribeAsync(`${P}/#`, { qos: 1 })
    const got = inbox(display)
    const entry = nextMessage(display, `${P}/entry`)
    await bridge.publishAsync(`${P}/request/gate/open`, '{"requestId":"r1"}', { qos: 1 })
    await bridge.publishAsync(`${P}/entry`, '{"id":"e1"}', { qos: 1 })
    expect(await entry).toBe('{"id":"e1"}')
    expect(got.map((m) => m.topic)).toEqual([`${P}/entry`])
  })

  it("cannot subscribe to other gates' topics, to # or to requests (SUBACK 128, still connected)", async () => {
    const display = await as('lobby', 'lobby-pw')
    const before = broker.stats().refusedSubscribes
    // One topic a call: mqtt.js rejects the whole subscribeAsync when any topic is refused.
    for (const filter of ['#', '+/#', 'estate-gate/+/+/entry', 'estate-gate/estate-001/south-2/entry', `${P}/request/#`, '$SYS/#']) {
      await expect(display.subscribeAsync(filter), filter).rejects.toThrow(/Subscribe error/)
    }
    expect(broker.stats().refusedSubscribes).toBe(before + 6)
    expect(display.connected).toBe(true)
    await expect(display.subscribeAsync(`${P}/entry`)).resolves.toEqual([expect.objectContaining({ qos: 0 })])
  })

  it('have their publish refused by closing the connection', async () => {
    const display = await as('lobby', 'lobby-pw')
    const before = broker.stats().refusedPublishes
    display.publish(`${P}/entry`, 'forged', { qos: 1 })
    await closed(display)
    expect(broker.stats().refusedPublishes).toBe(before + 1)
  })
})

describe('local broker: devices', () => {
  it('publish under their own topic, and hear nothing from other devices', async () => {
    const p1 = await as('panel-1', 'panel-1-pw')
    const p2 = await as('panel-2', 'panel-2-pw')
    await expect(p1.subscribeAsync(`${P}/devices/panel-2/#`)).rejects.toThrow(/Subscribe error/)
    await expect(p1.subscribeAsync(`${P}/devices/+/#`)).rejects.toThrow(/Subscribe error/)
    await p1.subscribeAsync(`${P}/devices/panel-1/#`, { qos: 1 })
    const got = inbox(p1)
    // The bridge hears panel-2's scan: by then the broker has routed it to every subscriber it had.
    await bridge.subscribeAsync(`${P}/devices/#`, { qos: 1 })
    const heard = nextMessage(bridge, `${P}/devices/panel-2/scan`)
    await p2.publishAsync(`${P}/devices/panel-2/scan`, 'p2', { qos: 1 })
    expect(await heard).toBe('p2')
    const own = nextMessage(p1, `${P}/devices/panel-1/cmd`)
    await bridge.publishAsync(`${P}/devices/panel-1/cmd`, 'beep', { qos: 1 })
    expect(await own).toBe('beep')
    expect(got).toEqual([{ topic: `${P}/devices/panel-1/cmd`, payload: 'beep' }])
    expect(p1.connected && p2.connected).toBe(true)
  })

  it('have a publish to P/entry refused by closing the connection', async () => {
    const p1 = await as('panel-1', 'panel-1-pw')
    p1.publish(`${P}/entry`, 'forged', { qos: 1 })
    await closed(p1)
    expect(broker.logs.join('')).toContain('broker refused a publish')
  })
})

describe('local broker: lifecycle', () => {
  it('reports the real port for port 0, and close() frees it', async () => {
    const b = await startTestBroker([{ username: 'lobby', password: 'lobby-pw' }])
    expect(b.port).toBeGreaterThan(0)
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`)
    const c = await connect(b.url, { username: 'lobby', password: 'lobby-pw' })
    expect(b.stats().clients).toBe(1)
    await b.close()
    await closed(c)
    const srv = createServer()
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(b.port, '127.0.0.1', () => resolve()))
    await new Promise<void>((resolve) => srv.close(() => resolve()))
    await c.endAsync(true)
  })

  it('forgets a client whose connection is cut without DISCONNECT', async () => {
    const c = await as('guardhouse', 'guard-pw')
    const before = broker.stats().clients
    c.stream.destroy()
    await vi.waitFor(() => expect(broker.stats().clients).toBe(before - 1))
  })

  it('refuses to start with users it cannot use, naming each', async () => {
    const start = startTestBroker([
      { username: 'a/b', password: 'x', role: 'device' },
      { username: 'lobby', password: 'scrypt$nope' },
      { username: 'lobby', password: 'y' },
    ])
    await expect(start).rejects.toThrow(/users\[0\]\.username: a device's username[\s\S]*users\[1\]\.password[\s\S]*users\[2\]\.username: "lobby" is already used/)
  })
})
