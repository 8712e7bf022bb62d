// The technicians' API: device health and tests (a real GM65 simulator on a pty for the probe), serial ports with
// their by-id names, the config through the schema, recent logs, the outbox, and CSV exports.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { listSerialPorts } from '../../devices/transport/ports.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { overridesPath, withOverrides } from '../../gateway/config/overrides.ts'
import { checkForStart } from '../../gateway/config/preflight.ts'
import { Gm65Sim } from '../../simulators/devices/gm65.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { assertPublished, startKiosk } from './helpers.ts'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

describe('tech pages', () => {
  it('lists every device with live health and counters; pulses the relay (recorded and published), beeps, reads the thermometer', async () => {
    const k = await startKiosk()
    const tech = await k.login('97531', 'tech')
    const devices = await k.req('GET', '/api/tech/devices', undefined, tech)
    expect(Object.keys(devices.json.components)).toEqual(expect.arrayContaining(['scanner-in', 'scanner-out', 'thermo-in', 'gate', 'buzzer', 'store', 'uplink']))
    expect(devices.json.components.gate).toMatchObject({ online: true, counters: { pulses: 0 } })

    const pulse = await k.req('POST', '/api/tech/test/relay', { name: 'gate', ms: 200 }, tech)
    expect(pulse.json).toMatchObject({ device: 'gate', pulsed: true, health: { counters: { pulses: 1 } } })
    expect((await k.req('GET', '/api/tech/devices', undefined, tech)).json.components.gate.counters.pulses).toBe(1)
    expect(k.gw.store.db.prepare(`SELECT kind, staff, detail FROM kiosk_events`).get()).toEqual({ kind: 'tech_test', staff: 'tech-1', detail: '{"test":"pulse","device":"gate","ms":200}' })
    expect(assertPublished(k.outbox('alert').at(-1)!)).toMatchObject({ kind: 'device_test', severity: 'info', staff: 'tech-1', device: 'gate', test: 'pulse' })
    // A test pulse is not an entry.
    expect(k.gw.store.db.prepare('SELECT count(*) AS n FROM entries').get()).toEqual({ n: 0 })

    expect((await k.req('POST', '/api/tech/test/buzzer', { name: 'buzzer', pattern: 'fever' }, tech)).json).toMatchObject({ pattern: 'fever', health: { info: { playing: 'fever' } } })
    k.thermometer.queue(36.9)
    expect((await k.req('POST', '/api/tech/test/thermometer', { name: 'thermo-in' }, tech)).json).toMatchObject({ ok: true, celsius: 36.9, inValidRange: true })
    k.thermometer.setOnline(false)
    expect((await k.req('POST', '/api/tech/test/thermometer', { name: 'thermo-in' }, tech)).json).toMatchObject({ ok: false, error: 'offline' })
    expect((await k.req('POST', '/api/tech/test/relay', { name: 'nope' }, tech)).json.message).toBe('no relay "nope"; relays: gate')
    expect((await k.req('POST', '/api/tech/test/scanner', { name: 'scanner-in' }, tech)).json).toMatchObject({ error: 'not_supported' })
  })

  it('probes a GM65 module on a pty: output mode, tail and versions, read-only', async () => {
    const pair = await PtyPair.open({ name: 'gm65' })
    closers.push(() => pair.close())
    const sim = new Gm65Sim({ preset: 'configured' })
    await sim.open(pair.devicePath)
    closers.push(() => sim.close())
    const k = await startKiosk({ devices: { scanners: [{ name: 'gm', driver: 'gm65', path: pair.gatewayPath, direction: 'in' }, { name: 'out', driver: 'simulated', direction: 'out' }] } })
    const tech = await k.login('97531', 'tech')
    for (let i = 0; i < 100 && !(k.gw.scanners[0]!.health().info.configured === true); i++) await new Promise((r) => setTimeout(r, 50))
    const writes = sim.stats.counters.writes
    const r = await k.req('POST', '/api/tech/test/scanner', { name: 'gm' }, tech)
    expect(r.json).toMatchObject({ device: 'gm', answered: true, serialOutput: true, crTail: true, hardwareVersion: expect.stringMatching(/^V\d\.\d\d$/) })
    expect(sim.stats.counters.writes).toBe(writes)
  })

  it('lists serial ports with their /dev/serial/by-id names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-gate-ports-'))
    const dev = join(dir, 'dev')
    mkdirSync(join(dir, 'by-id'))
    mkdirSync(dev)
    writeFileSync(join(dev, 'ttyUSB0'), '')
    writeFileSync(join(dev, 'ttyUSB1'), '')
    symlinkSync(join(dev, 'ttyUSB1'), join(dir, 'by-id', 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'))
    symlinkSync(join(dir, 'nowhere'), join(dir, 'by-id', 'usb-dangling'))
    const ports = await listSerialPorts({
      byIdDir: join(dir, 'by-id'),
      list: async () => [{ path: join(dev, 'ttyUSB0') }, { path: join(dev, 'ttyUSB1'), manufacturer: 'FTDI', vendorId: '0403', productId: '6001' }],
    })
    expect(ports).toEqual([
      { path: join(dev, 'ttyUSB1'), byId: [join(dir, 'by-id', 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0')], manufacturer: 'FTDI', serialNumber: null, vendorId: '0403', productId: '6001' },
      { path: join(dev, 'ttyUSB0'), byId: [], manufacturer: null, serialNumber: null, vendorId: null, productId: null },
    ])
    const k = await startKiosk()
    const tech = await k.login('97531', 'tech')
    expect((await k.req('GET', '/api/tech/ports', undefined, tech)).json.ports).toEqual(expect.any(Array))
  })

  it('shows the config with secrets hidden and edits it through the schema: applied, restart needed, errors by key', async () => {
    const k = await startKiosk({ central: { password: 'uplink-secret' } })
    const tech = await k.login('97531', 'tech')
    const view = await k.req('GET', '/api/tech/config', undefined, tech)
    expect(view.json.config.central.password).toBe('[REDACTED]')
    expect(view.json.config.kiosk.staffPins).toBe('[REDACTED]')
    expect(view.body).not.toContain('uplink-secret')
    expect(view.body).not.toContain('246810')

    const live = await k.req('POST', '/api/tech/config', { patch: { rules: { feverC: 37.5 } } }, tech)
    expect(live.json).toMatchObject({ applied: ['rules.feverC'], restartNeeded: [] })
    expect(k.gw.config.rules.feverC).toBe(37.5)
    // The whole view sent back, secrets still [REDACTED]: they stay as they were.
    const back = await k.req('POST', '/api/tech/config', { patch: { ...view.json.config, rules: { ...view.json.config.rules, feverC: 37.5 }, kiosk: { ...view.json.config.kiosk, port: 8099 } } }, tech)
    expect(back.json).toMatchObject({ applied: [], restartNeeded: ['kiosk.port'] })
    expect(k.gw.config.central.password).toBe('uplink-secret')
    expect(k.gw.config.kiosk.staffPins).toHaveLength(2)

    const bad = await k.req('POST', '/api/tech/config', { patch: { rules: { feverC: 50, antiPassback: 'sometimes' } } }, tech)
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.json.fields).sort()).toEqual(['rules.antiPassback', 'rules.feverC'])
    expect(k.gw.config.rules.feverC).toBe(37.5)
  })

  it('devices changed at /tech go through the config file’s checks (schema, shared pins), are audited and kept for the next start', async () => {
    const k = await startKiosk()
    const tech = await k.login('97531', 'tech')
    const config = (patch: Record<string, unknown>) => k.req('POST', '/api/tech/config', { patch }, tech)
    const changes = (): { staff: string; via: string; keys: string }[] => k.gw.store.db.prepare(`SELECT staff, via, keys FROM config_changes`).all() as never
    const gpio = (name: string, pin: number) => ({ name, driver: 'gpio', pin })
    // Two outputs or an output and an input on one pin: the buzzer's pattern would open the gate.
    for (const [patch, key] of [
      [{ devices: { relays: [gpio('gate', 22)], buzzers: [gpio('buzzer', 22)] } }, 'devices.buzzers[0].pin'],
      [{ devices: { relays: [gpio('gate', 22)], inputs: [{ name: 'door', kind: 'door-contact', driver: 'gpio', pin: 22 }] } }, 'devices.inputs[0].pin'],
      [{ devices: { relays: [gpio('gate', 22), gpio('gate-2', 22)] } }, 'devices.relays[1].pin'],
      [{ devices: { relays: [{ name: 'gate', driver: 'gpio', pin: 99 }] } }, 'devices.relays[0].pin'],
      [{ devices: { relays: [{ name: 'gate', driver: 'relay-board' }] } }, 'devices.relays[0].driver'],
      [{ devices: { scanners: [] } }, 'devices.scanners'],
    ] as const) {
      const r = await config(patch)
      expect(r.status, JSON.stringify(patch)).toBe(400)
      expect(Object.keys(r.json.fields), JSON.stringify(patch)).toContain(key)
    }
    expect(r400Shared(await config({ devices: { relays: [gpio('gate', 22)], buzzers: [gpio('buzzer', 22)] } }))).toMatch(/GPIO22 is already used by devices\.relays\[0\]/)
    expect(changes()).toEqual([])
    expect(existsSync(overridesPath(k.gw.config.dataDir))).toBe(false)
    expect(k.logs.join('')).toMatch(/"tech":"tech-1","errors":1,"msg":"config change refused"/)

    // A good change: recorded with who made it and what, old and new (the config_changed alert), kept for the next start.
    const moved = await config({ devices: { relays: [{ ...gpio('gate', 23), pulseMs: 4000 }] } })
    expect(moved.json).toMatchObject({ applied: [], restartNeeded: ['devices.relays'] })
    expect(changes()).toEqual([{ staff: 'tech-1', via: 'kiosk', keys: '["devices.relays"]' }])
    const alert = assertPublished(k.outbox('alert').at(-1)!)
    expect(alert).toMatchObject({ kind: 'config_changed', via: 'kiosk', staff: 'tech-1', keys: ['devices.relays'], new: { 'devices.relays': [{ name: 'gate', driver: 'gpio', pin: 23, pulseMs: 4000 }] } })
    expect(alert.old['devices.relays']).toEqual([expect.objectContaining({ name: 'gate', driver: 'simulated' })])
    expect(JSON.parse(readFileSync(overridesPath(k.gw.config.dataDir), 'utf8'))).toEqual({ devices: { relays: [{ name: 'gate', driver: 'gpio', pin: 23, pulseMs: 4000 }] } })
    // The next start (and gpio safe) read it over the file, through the same checks.
    const next = checkForStart(validateConfig({ dataDir: k.gw.config.dataDir }))
    expect(next.ok ? next.config.devices.relays[0] : next.errors).toMatchObject({ name: 'gate', driver: 'gpio', pin: 23, pulseMs: 4000 })
  })

  it('a change the next start would refuse (a TLS file it cannot read) is refused at /tech, by key, and nothing is kept', async () => {
    const k = await startKiosk()
    const tech = await k.login('97531', 'tech')
    const missing = join(k.gw.config.dataDir, 'no-such.crt')
    const r = await k.req('POST', '/api/tech/config', { patch: { kiosk: { tls: { cert: missing, key: join(k.gw.config.dataDir, 'no-such.key') } } } }, tech)
    expect(r.status).toBe(400)
    expect(r.json.fields['kiosk.tls.cert']).toMatch(/^cannot read \S+no-such\.crt \(ENOENT\)$/)
    expect(k.gw.store.db.prepare(`SELECT count(*) AS n FROM config_changes`).get()).toEqual({ n: 0 })
    expect(existsSync(overridesPath(k.gw.config.dataDir))).toBe(false)
    expect(k.gw.config.kiosk.tls).toBeUndefined()
    // What start would say of the same change, had it been kept: the same key.
    const started = checkForStart(withOverrides(validateConfig({ dataDir: k.gw.config.dataDir, kiosk: { tls: { cert: missing, key: missing } } })))
    expect(started.ok ? [] : started.errors).toContainEqual(expect.stringMatching(/^kiosk\.tls\.cert: cannot read/))
  })

  it('shows recent log lines and the outbox backlog', async () => {
    const k = await startKiosk()
    const tech = await k.login('97531', 'tech')
    const staff = await k.login()
    await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, staff)
    const logs = await k.req('GET', '/api/tech/logs?limit=50', undefined, tech)
    expect(logs.json.lines.map((l: { msg: string }) => l.msg)).toEqual(expect.arrayContaining(['gateway ready', 'technician logged in', 'kiosk action']))
    expect(logs.body).not.toContain('97531')
    const outbox = await k.req('GET', '/api/tech/outbox', undefined, tech)
    // No uplink in this test: everything waits (the shift login alert and the override entry).
    expect(outbox.json).toMatchObject({ count: k.gw.store.outboxBacklog().count, byTopic: { entry: 1, alert: 1 } })
    expect(outbox.json.lastSeq).toBe(k.gw.store.lastSeq())
    // The latest decisions in full are a technician's, not anyone's on the network.
    expect((await k.req('GET', '/api/tech/entries/recent')).status).toBe(401)
    expect((await k.req('GET', '/api/entries/recent')).status).toBe(404)
    expect((await k.req('GET', '/api/tech/entries/recent?limit=5', undefined, tech)).json).toMatchObject([{ source: 'override', staff: 'zhang', reasons: ['manual_override'] }])
  })

  it('exports entries of a date range as UTF-8 CSV with a BOM, dates only in the URL; and the day sheet', async () => {
    const k = await startKiosk({ site: { id: 'estate-001', name: '演示社区', timezone: 'Asia/Shanghai' } })
    const staff = await k.login()
    await k.req('POST', '/api/kiosk/visitor', { name: '=HYPERLINK("x")', phoneLast4: '1234', hostUnit: '3-1-502', tempC: 36.6 }, staff)
    k.clock.advance(86_400_000)
    // A day later: the shift (and its session) is long over.
    expect((await k.req('POST', '/api/kiosk/vehicle', { plate: '沪A12345', occupants: 2, tempC: 37.8 }, staff)).status).toBe(401)
    await k.req('POST', '/api/kiosk/vehicle', { plate: '沪A12345', occupants: 2, tempC: 37.8 }, await k.login())
    const tech = await k.login('97531', 'tech')
    const day = (offset: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(k.clock.now() + offset)
    const r = await k.req('GET', `/api/tech/entries.csv?from=${day(-86_400_000)}&to=${day(0)}`, undefined, tech)
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(r.body.charCodeAt(0)).toBe(0xfeff)
    const lines = r.body.slice(1).trimEnd().split('\r\n')
    expect(lines[0]!.split(',').slice(0, 8)).toEqual(['时间', '日期', '方向', '结果', '原因', '类别', '持码人编号', '体温 °C'])
    expect(lines).toHaveLength(3)
    // The name is masked to its first character (here a formula's "=", defused with a quote).
    expect(lines[1]).toContain(",'=**,1234,3-1-502,")
    expect(lines[2]).toMatch(/,拒绝,发热,车辆,,37\.8,/)
    expect(lines[2]).toContain('沪A12345')
    expect((await k.req('GET', `/api/tech/entries.csv?from=${day(0)}&to=${day(0)}`, undefined, tech)).body.trimEnd().split('\r\n')).toHaveLength(2)
    expect((await k.req('GET', '/api/tech/entries.csv?from=2026-02-01&to=2026-01-01', undefined, tech)).json.message).toMatch(/after/)
    expect((await k.req('GET', '/api/tech/entries.csv?from=2025-01-01&to=2026-01-01', undefined, tech)).json.message).toMatch(/at most 92 days/)
    expect((await k.req('GET', '/api/tech/entries.csv?from=yesterday&to=today', undefined, tech)).status).toBe(400)
    expect((await k.req('GET', `/api/tech/entries.csv?from=${day(0)}&to=${day(0)}`)).status).toBe(401)

    const sheet = await k.req('GET', `/api/tech/day.csv?day=${day(0)}`, undefined, tech)
    expect(sheet.body.charCodeAt(0)).toBe(0xfeff)
    expect(sheet.body).toContain('演示社区')
    expect(sheet.body).toMatch(/\r\n1,0,0,1,1,1,0,37\.8\r\n/)
  })
})

/** The message of the one refused key of a 400 answer from /api/tech/config. */
function r400Shared(r: { status: number; json: Record<string, any> }): string {
  expect(r.status).toBe(400)
  return Object.values(r.json.fields as Record<string, string>).join('; ')
}
