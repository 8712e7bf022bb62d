// The gate core end to end: the real gateway process, real pseudo-terminals, device simulators writing the
// devices' real bytes. What a person at the gate and a technician would see: decisions, rows, counters, health.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import { ModbusThermometerSim } from '../../simulators/devices/modbusThermometer.ts'
import { GatewayProcess } from '../helpers/gatewayProcess.ts'

/** Reports each use of ICU's formatters on stderr (see the last test). */
const INTL_WATCH = fileURLToPath(new URL('../helpers/intlWatch.cjs', import.meta.url))

const issuer = newKeyPair('estate-key-1')
const stranger = newKeyPair('estate-key-1') // same kid, another key: a forgery
let passNo = 0
const pass = (kind: 'resident' | 'visitor' = 'resident', key = issuer): Promise<string> =>
  issuePass(key, { sub: `H-3-1-${500 + ++passNo}`, kind, jti: `pass-${passNo}` }, { now: Date.now(), ttlSeconds: 3600 })

const isRecheck = (l: Record<string, unknown>): boolean => l.msg === 'prompt' && (l.prompt as { kind?: string } | undefined)?.kind === 'recheck'

interface EntryRow {
  id: number
  decision: string
  reasons: string
  temp_c: number | null
  rechecked: number
  pass_id: string | null
  subject: string | null
  code_hash: string | null
  direction: string
}

describe('gate core over pseudo-terminals', () => {
  let inPty: PtyPair, outPty: PtyPair, thermoPty: PtyPair
  let scanIn: LineScannerSim, scanOut: LineScannerSim, thermo: ModbusThermometerSim
  let gw: GatewayProcess

  beforeAll(async () => {
    ;[inPty, outPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'in' }), PtyPair.open({ name: 'out' }), PtyPair.open({ name: 'thermo' })])
    scanIn = new LineScannerSim()
    scanOut = new LineScannerSim()
    thermo = new ModbusThermometerSim({ unitId: 1, register: 0, scale: 0.01, temperatureC: 36.6 })
    await Promise.all([scanIn.open(inPty.devicePath), scanOut.open(outPty.devicePath), thermo.open(thermoPty.devicePath)])
    gw = await GatewayProcess.start({
      devices: {
        scanners: [
          { name: 'scanner-in', driver: 'line', path: inPty.gatewayPath, direction: 'in' },
          { name: 'scanner-out', driver: 'line', path: outPty.gatewayPath, direction: 'out' },
        ],
        thermometers: [
          { name: 'thermo-in', driver: 'modbus-rtu', path: thermoPty.gatewayPath, unitId: 1, function: 4, register: 0, scale: 0.01, timeoutMs: 300 },
        ],
        relays: [{ name: 'gate', driver: 'simulated', pulseMs: 500 }],
        buzzers: [{ name: 'buzzer', driver: 'simulated' }],
      },
      rules: { recheckDelayMs: 400, duplicateScanMs: 0 },
      passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
      localBroker: { enabled: false },
    }, { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${INTL_WATCH}` } })
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online ? true : undefined), 5000, 'thermometer online')
  })

  afterAll(async () => {
    const exit = await gw?.stop()
    await Promise.all([scanIn, scanOut, thermo].map((s) => s?.close()))
    await Promise.all([inPty, outPty, thermoPty].map((p) => p?.close()))
    // SIGTERM is a clean stop.
    expect(exit?.code).toBe(0)
  })

  const rowsAfter = (id: number): EntryRow[] => gw.query<EntryRow>('SELECT * FROM entries WHERE id > ? ORDER BY id', id)
  const lastId = (): number => gw.query<{ id: number | null }>('SELECT max(id) AS id FROM entries')[0]?.id ?? 0
  const nextRow = (after: number, what: string): Promise<EntryRow> => gw.until(() => rowsAfter(after)[0], 10_000, what)
  const counters = async (device: string): Promise<Record<string, number>> => (await gw.health()).components[device]?.counters ?? {}

  it('admits a valid resident pass at 36.6 °C: a row in SQLite, then the relay pulses', async () => {
    const before = lastId()
    const pulsesBefore = (await counters('gate')).pulses ?? 0
    thermo.setTemperature(36.6)
    const code = await pass()
    await scanIn.scan(code, { tail: 'cr' })
    const row = await nextRow(before, 'the admit row')
    expect(row).toMatchObject({ decision: 'admit', reasons: '[]', temp_c: 36.6, rechecked: 0, direction: 'in', pass_id: `pass-${passNo}` })
    const pulses = await gw.until(async () => {
      const n = (await counters('gate')).pulses ?? 0
      return n > pulsesBefore ? n : undefined
    }, 3000, 'a relay pulse')
    expect(pulses).toBe(pulsesBefore + 1)
    // Its outbox message is there, with the entry's id.
    const [msg] = gw.query<{ topic: string; data: string }>('SELECT topic, data FROM outbox ORDER BY seq DESC LIMIT 1')
    expect(msg?.topic).toBe('entry')
    expect(JSON.parse(msg!.data)).toMatchObject({ decision: 'admit', tempC: 36.6, scanner: 'scanner-in', direction: 'in' })
  })

  it('denies 37.8 then 37.9 °C as fever after one re-check, and raises an alert', async () => {
    const before = lastId()
    const mark = gw.logs.length
    thermo.setTemperature(37.8)
    await scanIn.scan(await pass(), { tail: 'crlf' })
    await gw.waitForLog(isRecheck, 10_000, mark)
    thermo.setTemperature(37.9)
    const row = await nextRow(before, 'the fever row')
    expect(row).toMatchObject({ decision: 'deny', reasons: '["fever"]', temp_c: 37.9, rechecked: 1 })
    const alerts = gw.query<{ data: string }>("SELECT data FROM outbox WHERE topic = 'alert' ORDER BY seq DESC LIMIT 1")
    expect(JSON.parse(alerts[0]!.data)).toMatchObject({ kind: 'fever', tempC: 37.9 })
    thermo.setTemperature(36.6)
  })

  it('lets a fever reading that the re-check clears pass', async () => {
    const before = lastId()
    const mark = gw.logs.length
    thermo.setTemperature(37.5)
    await scanIn.scan(await pass())
    await gw.waitForLog(isRecheck, 10_000, mark)
    thermo.setTemperature(36.8)
    const row = await nextRow(before, 'the re-checked row')
    expect(row).toMatchObject({ decision: 'admit', temp_c: 36.8, rechecked: 1 })
    thermo.setTemperature(36.6)
  })

  it('refuses a pass signed by an unknown key as bad_signature, keeping only a hash of the code', async () => {
    const before = lastId()
    const forged = await pass('resident', stranger)
    await scanIn.scan(forged)
    const row = await nextRow(before, 'the forged-pass row')
    expect(row).toMatchObject({ decision: 'deny', reasons: '["bad_signature"]', subject: null, pass_id: null })
    expect(row.code_hash).toMatch(/^[0-9a-f]{32}$/)
    // The code's text is nowhere in the database or the logs.
    const dump = JSON.stringify(gw.query('SELECT * FROM entries')) + JSON.stringify(gw.query('SELECT * FROM outbox'))
    expect(dump).not.toContain(forged.slice(-20))
    expect(JSON.stringify(gw.logs)).not.toContain(forged.slice(-20))
  })

  it('counts and rejects invalid UTF-8 and an over-long code, then still reads the next scan', async () => {
    const before = lastId()
    const c0 = await counters('scanner-in')
    await scanIn.writeRaw(Buffer.from([0x48, 0xc3, 0x28, 0xff, 0xfe, 0x0d]))
    await scanIn.writeRaw(Buffer.concat([Buffer.alloc(3000, 0x41), Buffer.from([0x0d])]))
    await gw.until(async () => {
      const c = await counters('scanner-in')
      return (c.badUtf8 ?? 0) > (c0.badUtf8 ?? 0) && (c.tooLong ?? 0) > (c0.tooLong ?? 0) ? c : undefined
    }, 5000, 'the garbage counters')
    expect(rowsAfter(before)).toEqual([])
    await scanIn.scan(await pass())
    expect(await nextRow(before, 'the next valid scan')).toMatchObject({ decision: 'admit' })
  })

  it('skips noise before a Modbus reply and survives a wrong CRC, counting both', async () => {
    const c0 = await counters('thermo-in')
    let before = lastId()
    thermo.setTemperature(36.6)
    thermo.noiseBefore(Buffer.from([0xff, 0x00, 0x13, 0x37]))
    await scanIn.scan(await pass())
    expect(await nextRow(before, 'a row after noise')).toMatchObject({ decision: 'admit', temp_c: 36.6 })
    before = lastId()
    thermo.corruptNextCrc()
    await scanIn.scan(await pass())
    expect(await nextRow(before, 'a row after a bad CRC')).toMatchObject({ decision: 'admit', temp_c: 36.6 })
    const c1 = await counters('thermo-in')
    expect(c1.noiseBytes).toBeGreaterThan(c0.noiseBytes ?? 0)
    expect(c1.crcErrors).toBeGreaterThan(c0.crcErrors ?? 0)
  })

  it('lets residents out through the outbound scanner without a temperature', async () => {
    const before = lastId()
    await scanOut.scan(await pass())
    expect(await nextRow(before, 'the exit row')).toMatchObject({ direction: 'out', decision: 'admit', temp_c: null })
  })

  it('takes an unplugged thermometer offline and back online within 2 s of its return', async () => {
    await thermoPty.unplug()
    await thermo.close()
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online === false ? true : undefined), 2000, 'offline')
    expect((await gw.health()).status).toBe('degraded')
    const alert = await gw.until(() => gw.query<{ data: string }>("SELECT data FROM outbox WHERE topic = 'alert' AND data LIKE '%device_offline%'")[0], 3000, 'the device_offline alert')
    expect(JSON.parse(alert.data)).toMatchObject({ kind: 'device_offline', device: 'thermo-in', severity: 'warning' })
    await thermoPty.replug()
    await thermo.open(thermoPty.devicePath)
    const t0 = Date.now()
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online ? true : undefined), 2000, 'online again')
    expect(Date.now() - t0).toBeLessThanOrEqual(2000)
    const before = lastId()
    thermo.setTemperature(36.6)
    await scanIn.scan(await pass())
    expect(await nextRow(before, 'a row after replug')).toMatchObject({ decision: 'admit', temp_c: 36.6 })
  })

  it('keeps ICU out of memory: no Intl formatter nor toLocale* on any path the tests above took', () => {
    // Run last: the admits, denials, fevers, re-checks, bad frames and replugs above, and the schedules' start.
    const uses = gw.stderr.split('\n').filter((l) => l.startsWith('intl-watch:'))
    expect(uses, gw.stderr.slice(0, 2000)).toEqual([])
  })
})
