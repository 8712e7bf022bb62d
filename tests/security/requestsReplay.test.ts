// Issue 11 point 6, as a compromised platform account or anyone who captured a request would try it: the same
// gate/open again, again after a restart, valid until 2099, published retained while the gate listens, or left
// retained for the next subscription. The real gateway process, a real mosquitto (MQTT 5), the relay's counter.
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { tempDir, type GatewayProcess } from '../helpers/gatewayProcess.ts'
import { inSec, P, Platform, pulses, startGateway } from './requestsPlatform.ts'

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let platform: Platform | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await platform?.close()
  await broker?.dispose()
  gw = platform = broker = null
})

async function setUp(): Promise<{ broker: Mosquitto; platform: Platform }> {
  broker = await Mosquitto.start()
  platform = await Platform.connect(broker.url)
  return { broker, platform }
}

const overrides = (g: GatewayProcess): { staff: string; detail: string }[] => g.query(`SELECT staff, detail FROM entries WHERE source = 'override'`)

describe('platform requests cannot be replayed or stretched', () => {
  it('the same gate/open requestId opens the gate once, also after the gateway restarts', async () => {
    const { broker, platform } = await setUp()
    const dir = tempDir()
    gw = await startGateway(broker, platform, {}, dir)
    const open = { requestId: 'open-once', expires: inSec(120), reason: 'ambulance' }
    expect(await platform.ask('gate/open', open)).toMatchObject({ status: 'ok' })
    expect(await platform.ask('gate/open', open)).toMatchObject({ requestId: 'open-once', status: 'error', error: { code: 'duplicate' } })
    await gw.stop()
    gw = await startGateway(broker, platform, {}, dir)
    expect(await platform.ask('gate/open', open)).toMatchObject({ status: 'error', error: { code: 'duplicate' } })
    expect(await pulses(gw)).toBe(0)
    expect(overrides(gw)).toHaveLength(1)
  }, 60_000)

  it('expires in 2099 is refused (at most 300 s ahead by default)', async () => {
    const { broker, platform } = await setUp()
    gw = await startGateway(broker, platform)
    const far = await platform.ask('gate/open', { requestId: 'open-2099', expires: '2099-12-31T23:59:59Z', reason: 'ambulance' })
    expect(far).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(far.error.message).toMatch(/expires: at most 300 s ahead/)
    expect(await platform.ask('gate/open', { requestId: 'open-6min', expires: inSec(360), reason: 'ambulance' })).toMatchObject({ error: { code: 'invalid' } })
    expect(await pulses(gw)).toBe(0)
    expect(overrides(gw)).toHaveLength(0)
  }, 60_000)

  it('central.requestMaxAgeSec sets the limit', async () => {
    const { broker, platform } = await setUp()
    gw = await startGateway(broker, platform, { central: { requestMaxAgeSec: 60 } })
    expect(await platform.ask('gate/open', { requestId: 'open-90s', expires: inSec(90), reason: 'ambulance' })).toMatchObject({ error: { code: 'invalid', message: expect.stringMatching(/at most 60 s/) } })
    expect(await pulses(gw)).toBe(0)
    expect(await platform.ask('gate/open', { requestId: 'open-30s', expires: inSec(30), reason: 'ambulance' })).toMatchObject({ status: 'ok' })
    expect(await pulses(gw)).toBe(1)
  }, 60_000)

  it('a gate/open published retained while the gateway is subscribed is refused (mosquitto clears the flag on live delivery unless asked not to)', async () => {
    const { broker, platform } = await setUp()
    gw = await startGateway(broker, platform)
    const r = await platform.ask('gate/open', { requestId: 'open-retained-live', expires: inSec(120), reason: 'delivery' }, { retain: true })
    expect(r).toMatchObject({ status: 'error', error: { code: 'invalid', message: expect.stringMatching(/retained/) } })
    expect(await pulses(gw)).toBe(0)
    expect(overrides(gw)).toHaveLength(0)
    // The copy the broker keeps is replayed at the gateway's next subscription: refused again.
    await gw.stop('SIGKILL')
    const from = platform.responses.length
    gw = await startGateway(broker, platform)
    const replayed = await platform.next((x) => x.topic === `${P}/response/gate/open`, from)
    expect(replayed).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(await pulses(gw)).toBe(0)
    await platform.client.publishAsync(`${P}/request/gate/open`, '', { qos: 1, retain: true })
  }, 60_000)

  it('a retained gate/open waiting on the broker before the gateway subscribes is refused', async () => {
    const { broker, platform } = await setUp()
    await platform.client.publishAsync(`${P}/request/gate/open`, JSON.stringify({ requestId: 'open-stale', expires: inSec(120), reason: 'delivery' }), { qos: 1, retain: true })
    gw = await startGateway(broker, platform)
    const r = await platform.next((x) => x.topic === `${P}/response/gate/open`)
    expect(r).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(await pulses(gw)).toBe(0)
    await platform.client.publishAsync(`${P}/request/gate/open`, '', { qos: 1, retain: true })
  }, 60_000)

  it('a remote staff value is recorded as platform:<value>, so no CSV shows it as a kiosk open', async () => {
    const { broker, platform } = await setUp()
    gw = await startGateway(broker, platform, { kiosk: { staffPins: [{ id: 'staff-1', name: '王芳', pin: '2468' }], techPins: ['97531'] } })
    expect(await platform.ask('gate/open', { requestId: 'open-as-staff', expires: inSec(60), reason: 'ambulance', staff: 'staff-1' })).toMatchObject({ status: 'ok' })
    const [row] = overrides(gw)
    expect(row!.staff).toBe('platform:staff-1')
    const entry = await gw.until(() => platform.entries.find((e) => e.body.data.overrideReason === 'ambulance'), 5000, 'the entry event')
    expect(entry.body.data.staff).toBe('platform:staff-1')
    const login = await fetch(`${gw.url}/api/tech/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: '97531' }) })
    expect(login.status).toBe(200)
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    const csv = await (await fetch(`${gw.url}/api/tech/entries.csv?from=${yesterday}&to=${tomorrow}`, { headers: { cookie } })).text()
    expect(csv).toContain('platform:staff-1')
    expect(csv).not.toMatch(/,staff-1,/)
  }, 60_000)
})
