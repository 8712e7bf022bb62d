// What a kill -9 resends: the real gateway process draining to a real mosquitto, a subscriber standing in for the
// platform. Rows the broker acknowledged leave the outbox within 250 ms of their PUBACK, so a gateway killed later
// than that resends only what was in flight at the kill (here nothing), not everything acknowledged recently.
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { Recorder } from '../bridge/helpers.ts'
import { GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'

const P = 'estate-gate/estate-001/north-1'

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let sub: Recorder | null = null
let platform: mqtt.MqttClient | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await platform?.endAsync(true)
  await sub?.client.endAsync(true)
  await broker?.dispose()
  gw = broker = sub = platform = null
})

interface Uplink {
  connected: boolean
  backlog: number
  inFlight: number
  lastAckedSeq: number | null
  window: number
}
const TECH_PIN = '975310'
const techCookies = new WeakMap<GatewayProcess, string>()
/**
 * The uplink's running counts (in flight, last acknowledged seq) as the tech pages show them: /healthz leaves them out
 * (a duress alert would move them; Gateway.health).
 */
const uplink = async (g: GatewayProcess): Promise<Uplink> => {
  let cookie = techCookies.get(g)
  if (!cookie) {
    const login = await fetch(`${g.url}/api/tech/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: TECH_PIN }) })
    if (login.status !== 200) throw new Error(`tech login: ${login.status} ${await login.text()}`)
    cookie = String(login.headers.get('set-cookie')).split(';')[0]!
    techCookies.set(g, cookie)
  }
  const res = await fetch(`${g.url}/api/tech/devices`, { headers: { cookie } })
  return ((await res.json()) as { components: { uplink: Uplink } }).components.uplink
}

describe('kill -9 after the acknowledgements (real gateway process, real mosquitto)', () => {
  it('resends at most what was in flight: nothing, once every PUBACK is 250 ms old', async () => {
    broker = await Mosquitto.start()
    sub = await Recorder.connect(broker.url)
    const dir = tempDir()
    const config = {
      central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      localBroker: { enabled: false },
      kiosk: { techPins: [TECH_PIN] },
      log: { level: 'info' },
    }
    gw = await GatewayProcess.start(config, { dir })
    await gw.until(async () => ((await uplink(gw!)).connected ? true : undefined), 10_000, 'uplink connected')

    // Twelve gates opened by the platform in a burst: twelve entries, committed and drained at once.
    platform = await mqtt.connectAsync(broker.url, { protocolVersion: 5 })
    const expires = new Date(Date.now() + 60_000).toISOString()
    for (let i = 0; i < 12; i++) {
      await platform.publishAsync(`${P}/request/gate/open`, JSON.stringify({ requestId: `kill-${i}`, expires, reason: 'delivery', staff: 'op' }), { qos: 1 })
    }
    const committed = (): { seq: number }[] => gw!.query<{ seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`)
    await gw.until(() => (gw!.query<{ n: number }>('SELECT count(*) AS n FROM entries')[0]!.n === 12 ? true : undefined), 10_000, 'twelve entries')
    const lastSeq = committed()[0]!.seq
    // Every message at the platform and its PUBACK back at the gate (the gate's own count, from /healthz).
    await gw.until(() => (sub!.maxSeq >= lastSeq ? true : undefined), 10_000, 'every message at the subscriber')
    await gw.until(async () => {
      const u = await uplink(gw!)
      return u.inFlight === 0 && (u.lastAckedSeq ?? 0) >= lastSeq ? true : undefined
    }, 10_000, 'every PUBACK back at the gate')
    // More than 250 ms after the last PUBACK (with room for a loaded machine, and well under the old 1 s flush),
    // then the kill.
    await new Promise((r) => setTimeout(r, 400))
    const atKill = await uplink(gw)
    const killed = await gw.stop('SIGKILL')
    expect(killed.signal).toBe('SIGKILL')
    const left = gw.query<{ n: number }>('SELECT count(*) AS n FROM outbox')[0]!.n
    const before = sub.events.length

    gw = await GatewayProcess.start(config, { dir })
    await gw.until(async () => {
      const u = await uplink(gw!)
      return u.connected && u.backlog === 0 && u.inFlight === 0 ? true : undefined
    }, 20_000, 'the restarted gateway drained')
    const resent = sub.events.slice(before).filter((e) => e.event.seq <= lastSeq).length
    const check = sub.check(1, lastSeq)
    expect(check.missing).toEqual([])
    expect(check.idConflicts).toBe(0)
    // The bound is the in-flight window at the kill (at most `window`, 256 or the broker's receive-maximum):
    // here nothing was in flight, so nothing comes twice.
    expect(atKill.inFlight).toBe(0)
    expect(resent, `messages resent after the kill (window ${atKill.window})`).toBeLessThanOrEqual(atKill.inFlight)
    expect(left, `outbox rows left after the kill (window ${atKill.window})`).toBeLessThanOrEqual(atKill.inFlight)
    expect(check.duplicates).toBe(resent)
  }, 60_000)
})
