// A duress login end to end (issue 16, point 6): the real gateway process, a real mosquitto as the central broker,
// the embedded broker with a display on it, the staff screen's live feed open. The platform gets the silent alert;
// the display, the screen's feed and snapshot and the /tech log page get nothing of it, though the display does get
// the shift_login alert committed right after it (so its absence is not a matter of waiting long enough).
import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { Recorder, P } from '../bridge/helpers.ts'
import { assertMessage } from '../contracts/asyncapi.ts'
import { GatewayProcess } from '../helpers/gatewayProcess.ts'
import { readSse } from '../helpers/sse.ts'

const DISPLAY = { username: 'display', password: 'display-secret-1' }
const ZHANG = { id: 'zhang', name: '张伟', pin: '246810', duressPin: '864200' }

let cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanup.reverse()) await c()
  cleanup = []
})

/** The staff screen's feed as a browser reads it: every SSE event, in order. */
async function feed(url: string): Promise<{ events: { event: string; data: string }[]; close(): Promise<void> }> {
  const res = await fetch(`${url}/api/kiosk/events`)
  const events: { event: string; data: string }[] = []
  const sse = readSse(res, (event, data) => events.push({ event, data }))
  return { events, close: () => sse.close() }
}

describe('a duress login, real gateway, real mosquitto, embedded broker', () => {
  it('reaches the platform, and never the embedded broker, the screen or the /tech log page', async () => {
    const broker = await Mosquitto.start()
    cleanup.push(() => broker.dispose())
    const platform = await Recorder.connect(broker.url)
    cleanup.push(() => platform.client.endAsync(true))
    const localPort = await freePort()
    const gw = await GatewayProcess.start({
      central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      localBroker: { enabled: true, host: '127.0.0.1', port: localPort, users: [{ ...DISPLAY, role: 'display' }] },
      kiosk: { staffPins: [ZHANG], techPins: ['975310'] },
      log: { level: 'info' },
    })
    cleanup.push(() => gw.stop('SIGKILL'))
    await gw.until(async () => ((await gw.health()).components.uplink?.connected ? true : undefined), 10_000, 'uplink connected')

    // A display on the embedded broker: '#' is refused to it (the ACL), so it takes the widest it may, the gate's tree.
    const display: MqttClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${localPort}`, { protocolVersion: 4, ...DISPLAY, clientId: 'display-1', reconnectPeriod: 0 })
    cleanup.push(() => display.endAsync(true))
    const shown: { topic: string; body: string }[] = []
    display.on('message', (topic, payload) => shown.push({ topic, body: payload.toString() }))
    await expect(display.subscribeAsync('#', { qos: 1 })).rejects.toThrow(/Subscribe error/)
    await display.subscribeAsync(`${P}/#`, { qos: 1 })
    const screen = await feed(gw.url)
    cleanup.push(() => screen.close())
    await gw.until(() => (screen.events.some((e) => e.event === 'snapshot') ? true : undefined), 5000, 'the screen’s snapshot')

    const login = await fetch(`${gw.url}/api/kiosk/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: ZHANG.duressPin }) })
    expect(login.status).toBe(200)
    expect(await login.json()).toMatchObject({ staff: { id: 'zhang', name: '张伟' } })

    // The platform: the duress alert, then the shift's start, as one stream.
    const alerts = await gw.until(() => {
      const a = platform.events.filter((e) => e.topic === 'alert')
      return a.length >= 2 ? a : undefined
    }, 10_000, 'two alerts at the platform')
    const duress = alerts.find((a) => (a.event.data as { kind: string }).kind === 'duress')!
    assertMessage('alert', duress.event)
    expect(duress.event.data).toMatchObject({ kind: 'duress', severity: 'critical', staff: 'zhang', staffName: '张伟', loginFrom: 'screen' })
    const shiftLogin = alerts.find((a) => (a.event.data as { kind: string }).kind === 'shift_login')!
    expect(shiftLogin.event.seq).toBe(duress.event.seq + 1)

    // The display: the shift_login alert (committed after the duress one, mirrored in seq order), and no duress.
    await gw.until(() => (shown.some((m) => m.body.includes('"shift_login"')) ? true : undefined), 10_000, 'the shift_login alert at the display')
    expect(shown.map((m) => m.body).join('\n')).not.toMatch(/duress|864200/)
    expect(shown.every((m) => m.topic.startsWith(`${P}/`))).toBe(true)

    // The screen: the feed shows the shift taken by 张伟 and nothing else of it; a new snapshot neither.
    await gw.until(() => (screen.events.some((e) => e.event === 'duty' && e.data.includes('zhang')) ? true : undefined), 5000, 'the duty change on the screen')
    expect(screen.events.map((e) => e.data).join('\n')).not.toMatch(/duress/i)
    const again = await feed(gw.url)
    cleanup.push(() => again.close())
    const snap = await gw.until(() => again.events.find((e) => e.event === 'snapshot'), 5000, 'a new snapshot')
    expect(snap.data).toContain('张伟')
    expect(snap.data).not.toMatch(/duress/i)

    // The /tech log page has the login as any login; the journal (stdout) has the duress line, for the investigation.
    const tech = await fetch(`${gw.url}/api/tech/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: '975310' }) })
    const cookie = String(tech.headers.get('set-cookie')).split(';')[0]!
    const page = await (await fetch(`${gw.url}/api/tech/logs?limit=500`, { headers: { cookie } })).text()
    expect(page).toContain('staff logged in')
    expect(page).not.toMatch(/duress/i)
    expect(gw.logs.some((l) => l.journalOnly === true && l.staff === 'zhang' && /duress/.test(String(l.msg)))).toBe(true)
  }, 60_000)
})
