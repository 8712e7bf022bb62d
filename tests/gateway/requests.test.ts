// Requests from the central platform, against a real gateway on simulated devices and a real SQLite file.
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { SimulatedRelay } from '../../devices/registry.ts'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { overridesPath, withOverrides } from '../../gateway/config/overrides.ts'
import { createLogger } from '../../gateway/logger.ts'
import { handleRequest, MAX_REQUEST_BYTES, type Response } from '../../gateway/requests.ts'
import { assertMessage, assertSchema } from '../contracts/asyncapi.ts'

const log = pino({ level: 'silent' })
let gw: Gateway | null = null

async function start(dataDir = mkdtempSync(join(tmpdir(), 'estate-gate-req-'))): Promise<Gateway> {
  const res = withOverrides(
    validateConfig({
      dataDir,
      kiosk: { host: '127.0.0.1', port: 0 },
      localBroker: { enabled: false },
      central: { password: 'secret-pw' },
    }),
  )
  if (!res.ok) throw new Error(res.errors.join('\n'))
  gw = await Gateway.start(res.config, { log })
  return gw
}

const later = (): string => new Date(Date.now() + 60_000).toISOString()
/** Every response must match the published contract (docs/asyncapi.yaml). */
const send = async (g: Gateway, command: string, body: unknown): Promise<Response> => {
  const r = await handleRequest(command, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), g.requestContext())
  assertMessage('response', JSON.parse(JSON.stringify(r)))
  return r
}

afterEach(async () => {
  await gw?.stop()
  gw = null
})

describe('requests', () => {
  it('refuses malformed, oversized, unknown, invalid and expired requests, changing nothing', async () => {
    const g = await start()
    const seq = g.store.lastSeq()
    expect(await send(g, 'gate/open', '{not json')).toMatchObject({ requestId: null, status: 'error', error: { code: 'malformed' } })
    expect((await handleRequest('gate/open', Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20), g.requestContext())).error?.code).toBe('too_large')
    expect(await send(g, 'gate/explode', { requestId: 'r1', expires: later() })).toMatchObject({ requestId: 'r1', error: { code: 'unknown_command' } })
    expect(await send(g, 'gate/open', { requestId: 'r2', expires: later(), reason: 'Ambulance!' })).toMatchObject({ error: { code: 'invalid' } })
    expect((await send(g, 'gate/open', { requestId: 'r3', reason: 'ambulance' })).error?.message).toMatch(/expires/)
    const expired = await send(g, 'gate/open', { requestId: 'r4', expires: new Date(Date.now() - 1000).toISOString(), reason: 'ambulance' })
    expect(expired).toMatchObject({ requestId: 'r4', status: 'error', error: { code: 'expired' } })
    expect(g.store.lastSeq()).toBe(seq)
    expect(g.relays[0]!.health().counters.pulses).toBe(0)
  })

  it('gate/mode: docs/asyncapi.yaml (GateModeRequest and the request message) refuses exactly what the gateway refuses', async () => {
    const g = await start()
    const bodies: Record<string, unknown>[] = [
      { mode: 'remain-open', reason: 'fire drill' },
      { mode: 'normal', reason: ' ok ', staff: 'op-1' },
      { mode: 'remain-closed', reason: '夜间封闭' },
      { mode: 'remain-open' },
      { mode: 'remain-open', reason: 'x' },
      { mode: 'remain-open', reason: '   x   ' },
      { mode: 'remain-open', reason: '' },
      { mode: 'remain-open', reason: 'y'.repeat(201) },
      { mode: 'locked', reason: 'fire drill' },
      { reason: 'fire drill' },
      { mode: 'remain-open', reason: 'fire drill', direction: 'in' },
      { mode: 'remain-open', reason: 'fire drill', staff: '' },
      { mode: 'remain-open', reason: 42 },
    ]
    let n = 0
    for (const b of bodies) {
      const body = { requestId: `mode-${n++}`, expires: later(), ...b }
      const r = await send(g, 'gate/mode', body)
      const gateway = r.status === 'ok' ? 'ok' : r.error?.code
      const schema = (check: () => void): string => {
        try {
          check()
          return 'ok'
        } catch {
          return 'invalid'
        }
      }
      expect([gateway, schema(() => assertSchema('GateModeRequest', body)), schema(() => assertMessage('request', body))], JSON.stringify(b)).toEqual(
        gateway === 'ok' ? ['ok', 'ok', 'ok'] : ['invalid', 'invalid', 'invalid'],
      )
    }
  })

  it('gate/open is an audited override: its own row, an entry event, then the relay', async () => {
    const g = await start()
    const r = await send(g, 'gate/open', { requestId: 'r5', expires: later(), reason: 'ambulance', staff: 'duty-officer-7' })
    expect(r).toMatchObject({ requestId: 'r5', status: 'ok', data: { eventId: expect.any(String), seq: expect.any(Number), opened: true } })
    expect(g.store.recentEntries(1)[0]).toMatchObject({ source: 'override', decision: 'admit', reasons: '["manual_override"]', staff: 'platform:duty-officer-7' })
    const msg = g.store.outboxAfter(0, 100).find((m) => m.id === (r.data as { eventId: string }).eventId)
    expect(JSON.parse(msg!.data)).toMatchObject({ reasons: ['manual_override'], staff: 'platform:duty-officer-7', overrideReason: 'ambulance' })
    expect(g.relays[0]!.health().counters.pulses).toBe(1)
  })

  it('gate/open whose relay refuses the write: recorded, and the answer says the gate did not open', async () => {
    const g = await start()
    const relay = g.relays[0] as SimulatedRelay
    relay.pin.fail('EIO: injected by the test')
    const r = await send(g, 'gate/open', { requestId: 'r6', expires: later(), reason: 'fire' })
    expect(r).toMatchObject({ status: 'ok', data: { opened: false, relayFailures: [{ relay: relay.name, error: expect.stringContaining('EIO') }] } })
    expect(g.store.recentEntries(1)[0]).toMatchObject({ source: 'override', decision: 'admit' })
  })

  it('replaces the isolation and revoked lists, and they survive a restart', async () => {
    let g = await start()
    const dataDir = g.config.dataDir
    expect(await send(g, 'lists/isolation', { requestId: 'a', expires: later(), items: [{ subject: 'H-1-1-101', startDay: '2026-11-20', endDay: '2026-12-03' }] })).toMatchObject({ status: 'ok', data: { count: 1 } })
    expect(await send(g, 'lists/revoked', { requestId: 'b', expires: later(), passIds: ['p1', 'p2', 'p1'] })).toMatchObject({ status: 'ok', data: { count: 2 } })
    await g.stop()
    g = await start(dataDir)
    expect(g.store.isIsolated('H-1-1-101', '2026-11-25')).toBe(true)
    expect(g.store.isRevoked('p2')).toBe(true)
  })

  it.each([
    [{ subject: 'H-4-1-504', startDay: '2026-13-45' }, 'startDay'],
    [{ subject: 'H-4-1-504', startDay: '2026-02-30' }, 'startDay'],
    [{ subject: 'H-3-1-504', startDay: '2026-12-01', endDay: '2026-11-01' }, 'endDay'],
  ])('lists/isolation with %j is refused invalid, naming %s, and the list in force stays', async (bad, key) => {
    const g = await start()
    expect(await send(g, 'lists/isolation', { requestId: 'ok', expires: later(), items: [{ subject: 'H-1-1-101', startDay: '2026-11-20' }] })).toMatchObject({ status: 'ok' })
    const r = await send(g, 'lists/isolation', { requestId: 'bad', expires: later(), items: [{ subject: 'H-2-1-203', startDay: '2026-11-20' }, bad] })
    expect(r).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(r.error?.message).toContain(key)
    expect(g.store.isIsolated('H-1-1-101', '2026-11-25')).toBe(true)
    expect(g.store.isIsolated('H-2-1-203', '2026-11-25')).toBe(false)
  })

  it('config/get hides secrets; config/set applies rules at once, persists, and says what needs a restart', async () => {
    let g = await start()
    const got = (await send(g, 'config/get', { requestId: 'c', expires: later() })).data as { config: { central: { password: string }; rules: { feverC: number } } }
    expect(got.config.central.password).toBe('[REDACTED]')
    expect(got.config.rules.feverC).toBe(37.3)
    const before = g.pipeline.policyVersion
    const bad = await send(g, 'config/set', { requestId: 'd', expires: later(), config: { rules: { feverC: 'hot' } } })
    expect(bad).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(bad.error?.message).toMatch(/rules\.feverC/)
    expect(existsSync(overridesPath(g.config.dataDir))).toBe(false)
    const ok = await send(g, 'config/set', { requestId: 'e', expires: later(), config: { rules: { feverC: 37.5 }, retention: { days: 14 } } })
    expect(ok).toMatchObject({ status: 'ok', data: { applied: ['rules.feverC'], restartNeeded: ['retention.days'] } })
    expect(g.pipeline.policyVersion).not.toBe(before)
    const dataDir = g.config.dataDir
    await g.stop()
    g = await start(dataDir)
    expect(g.config.rules.feverC).toBe(37.5)
    expect(g.config.retention.days).toBe(14)
  })

  it('summary/resend and tasks/list answer', async () => {
    const g = await start()
    expect(await send(g, 'summary/resend', { requestId: 'f', expires: later(), from: '2026-11-22', to: '2026-11-21' })).toMatchObject({ status: 'error' })
    expect(await send(g, 'summary/resend', { requestId: 'g', expires: later(), from: '2000-01-01', to: '2000-01-02' })).toMatchObject({ status: 'ok', data: { days: expect.any(Array) } })
    expect((await send(g, 'summary/resend', { requestId: 'g2', expires: later(), from: '2000-01-01', to: '2026-01-01' })).error?.message).toMatch(/at most 62 days/)
    expect(await send(g, 'tasks/list', { requestId: 'h', expires: later() })).toMatchObject({ status: 'ok', data: { tasks: [] } })
  })
})

describe('requests and trust', () => {
  const rows = (g: Gateway, sql: string): Record<string, unknown>[] => g.store.db.prepare(sql).all() as Record<string, unknown>[]
  const alerts = (g: Gateway): Record<string, unknown>[] =>
    g.store
      .outboxAfter(0, 1000)
      .filter((m) => m.topic === 'alert')
      .map((m) => JSON.parse(m.data) as Record<string, unknown>)

  it('a requestId is carried out once; the memory survives a restart', async () => {
    let g = await start()
    const body = { requestId: 'once-1', expires: later(), reason: 'ambulance' }
    expect(await send(g, 'gate/open', body)).toMatchObject({ status: 'ok' })
    expect(await send(g, 'gate/open', body)).toMatchObject({ requestId: 'once-1', status: 'error', error: { code: 'duplicate' } })
    const dataDir = g.config.dataDir
    await g.stop()
    g = await start(dataDir)
    expect(await send(g, 'gate/open', body)).toMatchObject({ error: { code: 'duplicate' } })
    expect(g.relays[0]!.health().counters.pulses).toBe(0)
    expect(rows(g, `SELECT count(*) AS n FROM entries WHERE source = 'override'`)[0]!.n).toBe(1)
  })

  it('expires at most central.requestMaxAgeSec ahead; lowercase t and z accepted (RFC 3339 section 5.6)', async () => {
    const g = await start()
    const far = await send(g, 'gate/open', { requestId: 'far', expires: '2099-01-01T00:00:00Z', reason: 'ambulance' })
    expect(far).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(far.error?.message).toMatch(/expires: at most 300 s ahead/)
    const justOver = new Date(Date.now() + 301_000).toISOString()
    expect(await send(g, 'tasks/list', { requestId: 'over', expires: justOver })).toMatchObject({ error: { code: 'invalid' } })
    const lower = new Date(Date.now() + 60_000).toISOString().toLowerCase()
    expect(lower).toMatch(/t.*z$/)
    expect(await send(g, 'tasks/list', { requestId: 'lower', expires: lower })).toMatchObject({ status: 'ok' })
    expect(await send(g, 'tasks/list', { requestId: 'offset', expires: new Date(Date.now() + 60_000 + 8 * 3600_000).toISOString().replace('Z', '+08:00') })).toMatchObject({ status: 'ok' })
    // Refused before it was remembered: the same id with a sound expires is carried out.
    expect(await send(g, 'gate/open', { requestId: 'far', expires: later(), reason: 'ambulance' })).toMatchObject({ status: 'ok' })
  })

  it.each([
    [{ passes: { issuers: [{ kid: 'evil', publicKeyPem: '-----BEGIN PUBLIC KEY-----x' }] } }, 'passes.issuers'],
    [{ kiosk: { staffPins: ['1111'] } }, 'kiosk.staffPins'],
    [{ localBroker: { users: [{ username: 'evil', password: 'x', role: 'device' }] } }, 'localBroker.users'],
    [{ localBroker: { host: '0.0.0.0' } }, 'localBroker.host'],
    [{ central: { url: 'mqtt://evil.example:1883' } }, 'central.url'],
    [{ central: { requestKeys: [] } }, 'central.requestKeys'],
    [{ dataDir: '/tmp/elsewhere' }, 'dataDir'],
    [{ devices: { relays: [] } }, 'devices.relays'],
    [{ log: { level: 'silent' } }, 'log.level'],
    // fatal and error hide as much as silent: nothing a technician reads is logged at those levels.
    [{ log: { level: 'fatal' } }, 'log.level'],
    [{ log: { level: 'error' } }, 'log.level'],
    [{ site: { id: 'other-estate' } }, 'site.id'],
    [{ simulation: { crowd: true } }, 'simulation.crowd'],
  ])('config/set %j is refused forbidden, naming %s, and changes nothing', async (config, key) => {
    const g = await start()
    const before = JSON.stringify(g.config)
    const r = await send(g, 'config/set', { requestId: 'f', expires: later(), config })
    expect(r).toMatchObject({ status: 'error', error: { code: 'forbidden' } })
    expect(r.error?.message).toContain(`${key}:`)
    expect(JSON.stringify(g.config)).toBe(before)
    expect(existsSync(overridesPath(g.config.dataDir))).toBe(false)
    expect(rows(g, 'SELECT * FROM config_changes')).toEqual([])
  })

  it('config/set of more schedules than a gate should run refused invalid, naming the key; 32 are fine', async () => {
    const g = await start()
    const task = (i: number) => ({ id: `s${i}`, kind: 'disinfection', area: 'x', cron: '* * * * *' })
    const many = await send(g, 'config/set', { requestId: 'many', expires: later(), config: { schedules: Array.from({ length: 2800 }, (_, i) => task(i)) } })
    expect(many).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(many.error?.message).toContain('schedules:')
    expect(rows(g, 'SELECT * FROM config_changes')).toEqual([])
    const fine = await send(g, 'config/set', { requestId: 'fine', expires: later(), config: { schedules: Array.from({ length: 32 }, (_, i) => task(i)) } })
    expect(fine).toMatchObject({ status: 'ok' })
  })

  it.each([
    [{ feverC: 42.5 }, 'rules.feverC'],
    [{ feverC: 36.9 }, 'rules.feverC'],
    [{ validRangeC: [30, 42.5] }, 'rules.validRangeC[0]'],
    [{ validRangeC: [34, 45] }, 'rules.validRangeC[1]'],
    [{ pairWindowMs: 120_000 }, 'rules.pairWindowMs'],
    [{ recheckDelayMs: 0 }, 'rules.recheckDelayMs'],
  ])('config/set rules %j is outside the safe bounds: invalid, naming %s', async (rules, key) => {
    const g = await start()
    const r = await send(g, 'config/set', { requestId: 'b', expires: later(), config: { rules } })
    expect(r).toMatchObject({ status: 'error', error: { code: 'invalid' } })
    expect(r.error?.message).toContain(`${key}:`)
    expect(g.config.rules.feverC).toBe(37.3)
  })

  it('an applied change is a config_changes row and a config_changed alert with old and new values; the same again changes nothing', async () => {
    const g = await start()
    const r = await send(g, 'config/set', { requestId: 'chg-1', expires: later(), config: { rules: { feverC: 37.5 }, site: { name: '新社区' } } })
    expect(r).toMatchObject({ status: 'ok', data: { applied: ['rules.feverC'], restartNeeded: ['site.name'] } })
    const [row] = rows(g, 'SELECT * FROM config_changes')
    expect(row).toMatchObject({ via: 'platform', request_id: 'chg-1', staff: null })
    expect(JSON.parse(String(row!.keys))).toEqual(['site.name', 'rules.feverC'])
    expect(JSON.parse(String(row!.old_values))).toEqual({ 'site.name': '演示社区', 'rules.feverC': 37.3 })
    expect(JSON.parse(String(row!.new_values))).toEqual({ 'site.name': '新社区', 'rules.feverC': 37.5 })
    const [alert] = alerts(g)
    expect(alert).toMatchObject({ kind: 'config_changed', via: 'platform', requestId: 'chg-1', keys: ['site.name', 'rules.feverC'], old: { 'rules.feverC': 37.3 }, new: { 'rules.feverC': 37.5 } })
    const msg = g.store.outboxAfter(0, 1000).find((m) => m.topic === 'alert')!
    expect(msg.id).toBe(row!.event_id)
    expect(await send(g, 'config/set', { requestId: 'chg-2', expires: later(), config: { rules: { feverC: 37.5 } } })).toMatchObject({ status: 'ok', data: { applied: [] } })
    expect(rows(g, 'SELECT * FROM config_changes')).toHaveLength(1)
  })

  it('a kiosk change is recorded with the tech id, secrets masked', async () => {
    const g = await start()
    const r = g.setConfig({ kiosk: { techPins: ['scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g='] }, rules: { feverC: 39 } }, { via: 'kiosk', staff: 'tech-1' })
    expect(r).toMatchObject({ ok: true })
    const [alert] = alerts(g)
    expect(alert).toMatchObject({ kind: 'config_changed', via: 'kiosk', staff: 'tech-1', old: { 'kiosk.techPins': '[REDACTED]', 'rules.feverC': 37.3 }, new: { 'kiosk.techPins': '[REDACTED]', 'rules.feverC': 39 } })
    expect(JSON.stringify(rows(g, 'SELECT * FROM config_changes'))).not.toContain('scrypt')
  })

  it('a refused request is logged with why, through the real logger (its error code is not taken for a secret)', async () => {
    const g = await start()
    const lines: Record<string, unknown>[] = []
    const sink = { write: (t: string): boolean => (lines.push(...t.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)), true) }
    const ctx = { ...g.requestContext(), log: createLogger('info', sink as unknown as NodeJS.WritableStream, undefined, { isTTY: false }) }
    await handleRequest('gate/open', Buffer.from('{not json'), ctx)
    expect(lines.find((l) => l.msg === 'request refused')).toMatchObject({ command: 'gate/open', error: 'malformed', reason: expect.any(String) })
  })

  it('config/get masks a password inside central.url', async () => {
    const res = validateConfig({ dataDir: mkdtempSync(join(tmpdir(), 'estate-gate-req-')), kiosk: { host: '127.0.0.1', port: 0 }, localBroker: { enabled: false }, central: { url: 'mqtt://gate:s3cret-pw@127.0.0.1:1' } })
    if (!res.ok) throw new Error(res.errors.join('\n'))
    gw = await Gateway.start(res.config, { log })
    const r = await send(gw, 'config/get', { requestId: 'u', expires: later() })
    expect(JSON.stringify(r)).not.toContain('s3cret-pw')
    expect((r.data as { config: { central: { url: string } } }).config.central.url).toBe('mqtt://gate:[REDACTED]@127.0.0.1:1')
  })
})

describe('central.requestKeys in the config', () => {
  it('must be Ed25519 public keys: anything else stops start-up naming the key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey
    const ok = validateConfig({ central: { requestKeys: [{ kid: 'p1', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }] } })
    expect(ok.ok).toBe(true)
    const bad = validateConfig({
      central: {
        requestKeys: [
          { kid: 'rsa', publicKeyPem: rsa.export({ type: 'spki', format: 'pem' }).toString() },
          { kid: 'priv', publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()}` },
        ],
        requestMaxAgeSec: 86_400,
      },
    })
    expect(bad.ok).toBe(false)
    const errors = bad.ok ? [] : bad.errors
    expect(errors).toEqual([
      expect.stringMatching(/^central\.requestKeys\[0\]\.publicKeyPem: .*Ed25519.*type rsa/),
      expect.stringMatching(/^central\.requestKeys\[1\]\.publicKeyPem: .*PRIVATE key/),
      expect.stringMatching(/^central\.requestMaxAgeSec: /),
    ])
  })
})
