// Issue 11 points 6 and 8, issue 12 point 7: what config/set from a compromised platform account can change, that
// every change is recorded and published, that no secret is shown or written in plain text. The real gateway process,
// a real mosquitto (MQTT 5), the gateway's own files and database.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { assertMessage } from '../contracts/asyncapi.ts'
import { freePort, GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'
import { gatewayConfig, inSec, Platform, startGateway } from './requestsPlatform.ts'

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let platform: Platform | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await platform?.close()
  await broker?.dispose()
  gw = platform = broker = null
})

async function setUp(over: Record<string, unknown> = {}, dir?: string): Promise<{ gw: GatewayProcess; platform: Platform }> {
  broker = await Mosquitto.start()
  platform = await Platform.connect(broker.url)
  gw = await startGateway(broker, platform, over, dir)
  return { gw, platform }
}

const overridesFile = (g: GatewayProcess): string => join(g.dataDir, 'config-overrides.json')
let n = 0
const set = (p: Platform, config: Record<string, unknown>): Promise<Record<string, any>> => p.ask('config/set', { requestId: `set-${++n}`, expires: inSec(60), config })
const get = async (p: Platform): Promise<Record<string, any>> => (await p.ask('config/get', { requestId: `get-${++n}`, expires: inSec(60) })).data.config

async function techCookie(g: GatewayProcess): Promise<string> {
  const res = await fetch(`${g.url}/api/tech/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: '97531' }) })
  expect(res.status).toBe(200)
  return res.headers.get('set-cookie')!.split(';')[0]!
}

const ISSUER = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n'

describe('config/set from the platform cannot rewrite trust', () => {
  it('trust, storage, devices and a silent log are refused forbidden, naming the key; nothing is written', async () => {
    const { gw, platform } = await setUp()
    const attempts: [Record<string, unknown>, string][] = [
      [{ passes: { issuers: [{ kid: 'attacker', publicKeyPem: ISSUER }] } }, 'passes.issuers'],
      [{ kiosk: { staffPins: ['1111'], techPins: ['22222'] } }, 'kiosk.staffPins'],
      [{ localBroker: { users: [{ username: 'evil', password: 'evil-password', role: 'device' }] } }, 'localBroker.users'],
      [{ localBroker: { host: '0.0.0.0' } }, 'localBroker.host'],
      [{ central: { url: 'mqtt://attacker.example:1883' } }, 'central.url'],
      [{ dataDir: '/tmp' }, 'dataDir'],
      [{ devices: { relays: [{ name: 'gate', driver: 'simulated', pulseMs: 600_000 }] } }, 'devices.relays'],
      [{ log: { level: 'silent' } }, 'log.level'],
    ]
    for (const [config, key] of attempts) {
      const r = await set(platform, config)
      expect(r, key).toMatchObject({ status: 'error', error: { code: 'forbidden' } })
      expect(r.error.message).toContain(`${key}:`)
    }
    expect(existsSync(overridesFile(gw))).toBe(false)
    const now = await get(platform)
    expect(now.passes.issuers).toEqual([])
    expect(now.localBroker).toMatchObject({ host: '127.0.0.1', users: [] })
    expect(now.log.level).toBe('info')
    expect(gw.query('SELECT * FROM config_changes')).toEqual([])
  }, 60_000)

  it('rules outside the safe bounds are refused invalid, naming the key; a schema error is invalid too, not failed', async () => {
    const { gw, platform } = await setUp()
    const fever = await set(platform, { rules: { feverC: 42.5 } })
    expect(fever).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(fever.error.message).toContain('rules.feverC:')
    expect(await set(platform, { rules: { pairWindowMs: 120_000 } })).toMatchObject({ error: { code: 'invalid', message: expect.stringContaining('rules.pairWindowMs:') } })
    expect(await set(platform, { rules: { validRangeC: [30, 42.5] } })).toMatchObject({ error: { code: 'invalid' } })
    const typo = await set(platform, { rules: { feverC: 'hot' } })
    expect(typo).toMatchObject({ status: 'error', error: { code: 'invalid', message: expect.stringContaining('rules.feverC') } })
    assertMessage('response', typo)
    expect((await get(platform)).rules.feverC).toBe(37.3)
    expect(existsSync(overridesFile(gw))).toBe(false)
  }, 60_000)

  it('an applied change is a row in the store and a config_changed alert on P/alert, with old and new values', async () => {
    const { gw, platform } = await setUp()
    const ok = await set(platform, { rules: { feverC: 37.6 }, gate: { name: '北门二号' } })
    expect(ok).toMatchObject({ status: 'ok', data: { applied: ['rules.feverC'] } })
    const alert = await gw.until(() => platform.alerts.find((a) => a.body.data.kind === 'config_changed'), 8000, 'the config_changed alert')
    assertMessage('alert', alert.body)
    expect(alert.body.data).toMatchObject({
      kind: 'config_changed',
      via: 'platform',
      requestId: `set-${n}`,
      keys: expect.arrayContaining(['rules.feverC', 'gate.name']),
      old: { 'rules.feverC': 37.3, 'gate.name': '北门' },
      new: { 'rules.feverC': 37.6, 'gate.name': '北门二号' },
    })
    const rows = gw.query<{ via: string; request_id: string; event_id: string }>('SELECT via, request_id, event_id FROM config_changes')
    expect(rows).toEqual([{ via: 'platform', request_id: `set-${n}`, event_id: alert.body.id }])
    expect((await get(platform)).rules.feverC).toBe(37.6)
  }, 60_000)

  it('config/get and /api/tech/config never show the password inside central.url', async () => {
    broker = await Mosquitto.start()
    platform = await Platform.connect(broker.url)
    gw = await startGateway(broker, platform, { central: { url: `mqtt://gate-a:url-secret-77@127.0.0.1:${broker.port}` }, kiosk: { techPins: ['97531'] } })
    const viaMqtt = await platform.ask('config/get', { requestId: 'get-url', expires: inSec(60) })
    expect(JSON.stringify(viaMqtt)).not.toContain('url-secret-77')
    expect(viaMqtt.data.config.central.url).toBe(`mqtt://gate-a:[REDACTED]@127.0.0.1:${broker.port}`)
    const cookie = await techCookie(gw)
    const viaTech = await (await fetch(`${gw.url}/api/tech/config`, { headers: { cookie } })).text()
    expect(viaTech).not.toContain('url-secret-77')
    expect(viaTech).toContain('gate-a:[REDACTED]@')
    // Nor does a log line when the broker cannot be reached (they are shown at /tech too).
    await gw.stop('SIGKILL')
    gw = await GatewayProcess.start(gatewayConfig(await freePort(), { central: { url: `mqtt://gate-a:url-secret-77@127.0.0.1:${await freePort()}` } }))
    await gw.waitForLog((l) => l.msg === 'uplink error')
    expect(JSON.stringify(gw.logs)).not.toContain('url-secret-77')
  }, 60_000)

  it('a change at /tech is recorded with the tech id, and no plain PIN reaches config-overrides.json', async () => {
    const dir = tempDir()
    const kiosk = { kiosk: { techPins: ['97531'], staffPins: ['2468'] } }
    const { gw: first, platform } = await setUp(kiosk, dir)
    let g = first
    const cookie = await techCookie(g)
    const res = await fetch(`${g.url}/api/tech/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ patch: { kiosk: { staffPins: ['2468', { id: 'li', name: '李娜', pin: '135790' }] }, rules: { feverC: 37.4 } } }),
    })
    expect(res.status).toBe(200)
    const file = readFileSync(overridesFile(g), 'utf8')
    expect(file).not.toContain('135790')
    expect(file).not.toContain('"2468"')
    expect((JSON.parse(file) as { kiosk: { staffPins: unknown[] } }).kiosk.staffPins).toEqual([expect.stringMatching(/^scrypt\$/), { id: 'li', name: '李娜', pin: expect.stringMatching(/^scrypt\$/) }])
    const alert = await g.until(() => platform.alerts.find((a) => a.body.data.kind === 'config_changed'), 8000, 'the config_changed alert')
    expect(alert.body.data).toMatchObject({ via: 'kiosk', staff: 'tech-1', old: { 'kiosk.staffPins': '[REDACTED]', 'rules.feverC': 37.3 }, new: { 'kiosk.staffPins': '[REDACTED]', 'rules.feverC': 37.4 } })
    expect(JSON.stringify(alert.body)).not.toContain('135790')
    expect(g.query('SELECT via, staff FROM config_changes')).toEqual([{ via: 'kiosk', staff: 'tech-1' }])
    // A secret that must stay plain to be used is refused at /tech: it belongs in the config file.
    const again = await fetch(`${g.url}/api/tech/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ patch: { central: { password: 'plain-uplink-secret' } } }),
    })
    expect(again.status).toBe(400)
    expect(readFileSync(overridesFile(g), 'utf8')).not.toContain('plain-uplink-secret')
    // The hashed PIN is what the next start reads, and it works.
    await g.stop()
    g = gw = await startGateway(broker!, platform, kiosk, dir)
    const login = await fetch(`${g.url}/api/kiosk/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: '135790' }) })
    expect(login.status).toBe(200)
    expect(await login.json()).toMatchObject({ staff: { id: 'li' } })
  }, 60_000)

  it('expires with a lowercase t and z (RFC 3339 section 5.6) is accepted', async () => {
    const { platform } = await setUp()
    const lower = inSec(60).toLowerCase()
    expect(await platform.ask('tasks/list', { requestId: 'lowercase', expires: lower })).toMatchObject({ status: 'ok' })
  }, 60_000)
})
