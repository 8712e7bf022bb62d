// Faults on the wires of the real gateway process while people keep coming: the scanner's and the thermometer's
// serial ports removed and recreated, and garbage, malformed and oversized requests on the MQTT request topics.
// The process must stay up, and every decision it committed must reach the platform, in seq order with no gap.
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { Recorder } from '../bridge/helpers.ts'
import { GatewayProcess } from '../helpers/gatewayProcess.ts'
import { openInboundDevices, type InboundDevices } from '../helpers/inboundDevices.ts'

const P = 'estate-gate/estate-001/north-1'
const issuer = newKeyPair('estate-key-1')
let n = 0
const pass = (): Promise<string> => issuePass(issuer, { sub: `H-9-${++n % 50}`, kind: 'resident', jti: `wire-${n}` }, { now: Date.now(), ttlSeconds: 3600 })

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let sub: Recorder | null = null
const closers: (() => Promise<unknown>)[] = []

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await sub?.client.endAsync(true)
  for (const c of closers.splice(0).reverse()) await c().catch(() => {})
  await broker?.dispose()
  gw = broker = sub = null
})

async function gate(reconnectMinMs = 200): Promise<InboundDevices> {
  broker = await Mosquitto.start()
  sub = await Recorder.connect(broker.url)
  const devices = await openInboundDevices(36.5)
  closers.push(() => devices.close())
  const { inPty, thermoPty } = devices
  gw = await GatewayProcess.start({
    devices: {
      scanners: [{ name: 'scanner-in', driver: 'line', path: inPty.gatewayPath, direction: 'in' }],
      thermometers: [{ name: 'thermo-in', driver: 'modbus-rtu', path: thermoPty.gatewayPath, unitId: 1, function: 4, register: 0, scale: 0.01, timeoutMs: 300 }],
      relays: [{ name: 'gate', driver: 'simulated', pulseMs: 100 }],
      buzzers: [{ name: 'buzzer', driver: 'simulated' }],
    },
    rules: { duplicateScanMs: 0, antiPassback: 'off', pairWindowMs: 1000 },
    passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
    central: { url: broker.url, reconnectMinMs, reconnectMaxMs: Math.max(1000, reconnectMinMs) },
    localBroker: { enabled: false },
    log: { level: 'info' },
  })
  await gw.until(async () => ((await gw!.health()).components['thermo-in']?.online ? true : undefined), 5000, 'thermometer online')
  return devices
}

/** Every committed decision at the platform, seq from 1 without a gap; the process still running. */
async function assertNothingLost(): Promise<void> {
  expect(gw!.child.exitCode).toBeNull()
  const ids = gw!.query<{ event_id: string }>('SELECT event_id FROM entries').map((r) => r.event_id)
  await gw!.until(() => (ids.every((id) => sub!.events.some((e) => e.event.id === id)) ? true : undefined), 20_000, 'every committed decision at the platform')
  const seqs = [...new Set(sub!.events.filter((e) => !e.topic.startsWith('response/')).map((e) => e.event.seq))].sort((a, b) => a - b)
  expect(seqs[0]).toBe(1)
  expect(seqs.length, 'no gap').toBe(seqs.at(-1))
}

const committed = (): number => gw!.query<{ n: number }>('SELECT count(*) AS n FROM entries')[0]!.n

describe('faults on the wires (real gateway process)', () => {
  it('the scanner and the thermometer unplugged and plugged back mid-stream: nothing committed is lost, both come back', async () => {
    const { inPty, thermoPty, scanner, thermo } = await gate()
    let stop = false
    // People keep scanning at about 5 a second whatever happens to the cables.
    const stream = (async () => {
      while (!stop) {
        await scanner.scan(await pass()).catch(() => {})
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
    await gw!.until(() => (committed() >= 5 ? true : undefined), 15_000, 'decisions before the faults')
    // The thermometer's cable out: inbound people wait for a typed temperature (none comes) and are refused.
    await thermoPty.unplug()
    await thermo.close()
    await gw!.until(async () => ((await gw!.health()).components['thermo-in']?.online === false ? true : undefined), 3000, 'thermometer offline')
    // The scanner's cable out and back, while the thermometer is still out.
    await scanner.close()
    await inPty.unplug()
    await gw!.until(async () => ((await gw!.health()).components['scanner-in']?.online === false ? true : undefined), 3000, 'scanner offline')
    await inPty.replug()
    await scanner.open(inPty.devicePath)
    await thermoPty.replug()
    await thermo.open(thermoPty.devicePath)
    await gw!.until(async () => {
      const h = await gw!.health()
      return h.components['thermo-in']?.online && h.components['scanner-in']?.online ? true : undefined
    }, 3000, 'both back online')
    const after = committed()
    await gw!.until(() => (gw!.query<{ n: number }>(`SELECT count(*) AS n FROM entries WHERE decision = 'admit' AND temp_c IS NOT NULL`)[0]!.n > 0 && committed() >= after + 5 ? true : undefined), 15_000, 'admitted with a temperature again')
    stop = true
    await stream
    await assertNothingLost()
    const offline = sub!.events.filter((e) => e.topic === 'alert' && (e.event.data as { kind: string }).kind === 'device_offline')
    expect(offline.map((e) => (e.event.data as { device: string }).device).sort()).toEqual(['scanner-in', 'thermo-in'])
  }, 90_000)

  it('mosquitto killed (SIGKILL) and started again mid-stream, twice: nothing committed is lost', async () => {
    // The subscriber (50 ms) is back on the new broker before the gate (≥ 1 s): a broker that crashed keeps no
    // session, so what the gate resent before the subscriber was back would be lost to it, not to the gate.
    const { scanner } = await gate(1000)
    let stop = false
    const stream = (async () => {
      while (!stop) {
        await scanner.scan(await pass()).catch(() => {})
        await new Promise((r) => setTimeout(r, 100))
      }
    })()
    for (let round = 0; round < 2; round++) {
      const seen = sub!.maxSeq
      await gw!.until(() => (sub!.maxSeq >= seen + 5 ? true : undefined), 15_000, 'a stream to the broker')
      // The subscriber reconnects by itself; what the broker held in flight dies with it.
      await broker!.crashAndRestart()
      await gw!.until(async () => ((await gw!.health()).components.uplink?.connected ? true : undefined), 15_000, 'the uplink back')
    }
    stop = true
    await stream
    await assertNothingLost()
  }, 90_000)

  it('garbage, malformed, oversized and unknown requests: each refused with an error or dropped, and the gate goes on', async () => {
    const { scanner } = await gate()
    const platform = await mqtt.connectAsync(broker!.url, { protocolVersion: 5 })
    closers.push(() => platform.endAsync(true))
    const responses: { topic: string; body: Record<string, unknown> }[] = []
    platform.on('message', (topic, payload) => responses.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }))
    await platform.subscribeAsync(`${P}/response/#`, { qos: 1 })
    const later = new Date(Date.now() + 60_000).toISOString()
    const bad: [string, string | Buffer][] = [
      ['gate/open', 'not json at all'],
      ['gate/open', Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x80])],
      ['gate/open', JSON.stringify([1, 2, 3])],
      ['gate/open', JSON.stringify({ requestId: 'r-x' })],
      ['gate/open', JSON.stringify({ requestId: 'r-big', expires: later, reason: 'x'.repeat(300_000) })],
      ['config/set', JSON.stringify({ requestId: 'r-cfg', expires: later, patch: { rules: { feverC: 'hot' } } })],
      ['lists/isolation', JSON.stringify({ requestId: 'r-iso', expires: later, holders: 'everyone' })],
      ['no/such/command', JSON.stringify({ requestId: 'r-unknown', expires: later })],
      // Nested deeper than any JSON parser's stack.
      ['gate/open', `{"requestId":"r-deep","expires":"${later}","reason":${'['.repeat(20_000)}${']'.repeat(20_000)}}`],
    ]
    for (const [command, body] of bad) {
      await platform.publishAsync(`${P}/request/${command}`, body, { qos: 1 })
      await scanner.scan(await pass())
    }
    // A good request still works after the garbage.
    await platform.publishAsync(`${P}/request/lists/revoked`, JSON.stringify({ requestId: 'r-ok', expires: later, passIds: ['p-1'] }), { qos: 1 })
    const ok = await gw!.until(() => responses.find((r) => r.body.requestId === 'r-ok'), 10_000, 'the good request answered')
    expect(ok.body).toMatchObject({ status: 'ok' })
    // None of the bad ones opened the gate or changed the config.
    expect(responses.filter((r) => r.body.requestId !== 'r-ok').every((r) => r.body.status === 'error')).toBe(true)
    for (const id of ['r-cfg', 'r-iso', 'r-unknown']) expect(responses.find((r) => r.body.requestId === id)?.body.status).toBe('error')
    expect(gw!.query<{ n: number }>("SELECT count(*) AS n FROM entries WHERE source = 'override'")[0]!.n).toBe(0)
    expect((await (await fetch(`${gw!.url}/healthz`)).json()).status).not.toBe('down')
    await gw!.until(() => (committed() >= bad.length ? true : undefined), 15_000, 'every person decided')
    await assertNothingLost()
  }, 90_000)
})
