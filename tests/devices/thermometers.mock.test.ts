// Thermometer drivers over SerialPortMock.binding: request/response, counters, misses and polling, streaming.
import { afterEach, describe, expect, it } from 'vitest'
import { thermometerSchema } from '../../devices/config.ts'
import { fromHex } from '../../devices/protocols/crc.ts'
import { t35Ms } from '../../devices/protocols/modbus.ts'
import { SHARE_POLL_MS } from '../../devices/thermometers/common.ts'
import { GyMcuThermometer } from '../../devices/thermometers/gyMcu.ts'
import { ModbusThermometer } from '../../devices/thermometers/modbusRtu.ts'
import type { MeasureResult, Thermometer } from '../../devices/types.ts'
import { gyFrame, modbusException, modbusReply } from './fakeDevices.ts'
import { mockSerial, sleep, testCtx, waitFor } from './helpers.ts'

const mock = mockSerial()
const started: Thermometer[] = []

afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()))
  mock.reset()
})

const cfg = (path: string, extra: Record<string, unknown> = {}) =>
  thermometerSchema.parse({ name: 'thermo-in', driver: 'modbus-rtu', path, timeoutMs: 50, pollIntervalMs: 60_000, ...extra })
const req = (extra = {}) => ({ notBefore: performance.now(), timeoutMs: 500, ...extra })
const ok = (r: MeasureResult) => (r.ok ? r.reading : null)
// A request soon after the poll at open takes its reply; these tests are about exchanges of their own.
const pollAged = () => sleep(SHARE_POLL_MS + 10)

describe('ModbusThermometer (mock binding)', () => {
  function setup(path: string, answer: (w: Buffer) => Uint8Array | null, extra: Record<string, unknown> = {}) {
    mock.create(path)
    const times: number[] = []
    mock.respond(path, (w, reply) => {
      times.push(performance.now())
      const a = answer(w)
      if (a) reply(a)
    })
    const t = new ModbusThermometer(cfg(path, extra), testCtx(), { binding: mock.binding })
    started.push(t)
    return { t, times }
  }

  it('reads int16 × scale + offsetC, and asks with the configured function and register', async () => {
    const { t } = setup('/dev/mbA', () => modbusReply(1, 4, [3650]), { offsetC: 0.4 })
    await t.start()
    await waitFor(() => t.health().online, 'online after the first poll')
    await pollAged()
    const r = ok(await t.measure(req()))
    expect(r).toMatchObject({ device: 'thermo-in', rawCelsius: 36.5, celsius: 36.9, ambientCelsius: null, ambientOutOfRange: false })
    expect(mock.writes('/dev/mbA')[0]).toEqual(fromHex('01 04 00 00 00 01 31 CA'))
    expect(t.health().counters).toMatchObject({ requests: 2, readings: 2, timeouts: 0 })
  })

  it('reads negative values and the scale of ×10 sensors', async () => {
    const { t } = setup('/dev/mbB', () => fromHex('01 03 02 FF CE 78 20'), { function: 3, scale: 0.1 })
    await t.start()
    expect(ok(await t.measure(req()))?.celsius).toBe(-5)
  })

  it('counts exceptions, CRC errors and noise, and goes offline after three misses in a row', async () => {
    const answers: (Uint8Array | null)[] = [
      modbusReply(1, 4, [3650]), // the poll at open
      modbusException(1, 4, 2),
      Buffer.concat([Buffer.from([0xff, 0x13]), fromHex('01 04 02 0E 42 00 00')]), // noise, then a bad CRC
      null, // silence
      Buffer.concat([Buffer.from([0x00, 0x00, 0x00]), modbusReply(1, 4, [3700])]),
    ]
    const { t } = setup('/dev/mbC', () => answers.shift() ?? null)
    const health: boolean[] = []
    t.onHealth((h) => health.push(h.online))
    await t.start()
    await waitFor(() => t.health().online, 'online')
    await pollAged()
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'exception', detail: expect.stringMatching(/0x02 \(illegal data address\)/) })
    expect(t.health().online).toBe(true)
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'crc' })
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'timeout' })
    expect(t.health()).toMatchObject({ online: false, lastError: expect.stringMatching(/3 failed requests in a row/) })
    expect(ok(await t.measure(req()))?.celsius).toBe(37)
    expect(t.health().online).toBe(true)
    expect(health).toEqual([true, false, true])
    expect(t.health().counters).toMatchObject({ exceptions: 1, crcErrors: 1, timeouts: 1, noiseBytes: 5, readings: 2 })
  })

  it('keeps one request in flight and spaces requests by at least t3.5', async () => {
    const { t, times } = setup('/dev/mbD', () => modbusReply(1, 4, [3650]))
    await t.start()
    await waitFor(() => t.health().online, 'online')
    await pollAged()
    const results = await Promise.all([t.measure(req()), t.measure(req()), t.measure(req())])
    expect(results.every((r) => r.ok)).toBe(true)
    expect(times).toHaveLength(4)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(t35Ms(9600) - 0.5)
  })

  it('a reading asked for while the idle poll is on the wire, or just after its reply, takes it; an ambient one gets an exchange of its own', async () => {
    mock.create('/dev/mbG')
    const pending: (() => void)[] = []
    let value = 3650
    mock.respond('/dev/mbG', (_w, reply) => {
      const v = value
      pending.push(() => reply(modbusReply(1, 4, [v])))
    })
    const t = new ModbusThermometer(cfg('/dev/mbG', { pollIntervalMs: 100 }), testCtx(), { binding: mock.binding })
    started.push(t)
    const person = { accept: (c: number) => c >= 34 }
    await t.start()
    await waitFor(() => pending.length === 1, 'the poll at open on the wire')
    const shared = t.measure(req(person))
    pending.shift()!()
    expect(ok(await shared)?.celsius).toBe(36.5)
    expect(mock.writes('/dev/mbG')).toHaveLength(1)

    // Answered within t3.5 (a request of its own could not go out yet): still theirs. Later, a request of its own.
    expect(ok(await t.measure(req(person)))?.celsius).toBe(36.5)
    expect(mock.writes('/dev/mbG')).toHaveLength(1)

    // The next idle poll reads the empty gate (25 °C): the person's request then asks again.
    value = 2500
    await waitFor(() => pending.length === 1, 'the next idle poll on the wire')
    const own = t.measure(req(person))
    value = 3660
    pending.shift()!()
    await waitFor(() => pending.length === 1, 'an exchange of its own')
    pending.shift()!()
    expect(ok(await own)?.celsius).toBe(36.6)
    expect(mock.writes('/dev/mbG')).toHaveLength(3)
  })

  it('polls while idle so a silent sensor goes offline by itself', async () => {
    let answering = true
    const { t } = setup('/dev/mbE', () => (answering ? modbusReply(1, 4, [3650]) : null), { pollIntervalMs: 100 })
    await t.start()
    await waitFor(() => t.health().online, 'online')
    answering = false
    await waitFor(() => !t.health().online, 'offline from polls alone', 3000)
    answering = true
    await waitFor(() => t.health().online, 'online again from polls', 3000)
  })

  it('is offline at once when the port closes, and polls at once when it reopens', async () => {
    const { t } = setup('/dev/mbF', () => modbusReply(1, 4, [3650]))
    await t.start()
    await waitFor(() => t.health().online, 'online')
    mock.unplug('/dev/mbF')
    await waitFor(() => !t.health().online, 'offline')
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'offline' })
    await waitFor(() => t.health().online, 'online after reopen')
    expect(t.health().counters.reopens).toBe(1)
  })
})

describe('GyMcuThermometer (mock binding)', () => {
  const gcfg = (path: string, extra: Record<string, unknown> = {}) => cfg(path, { driver: 'gy-mcu', ...extra })

  it('continuous: asks for the stream, pairs the latest accepted reading, flags ambient', async () => {
    mock.create('/dev/gyA')
    const t = new GyMcuThermometer(gcfg('/dev/gyA', { offsetC: 0.5 }), testCtx(), { binding: mock.binding })
    started.push(t)
    await t.start()
    await waitFor(() => mock.writes('/dev/gyA').length === 1, 'stream command')
    expect(mock.writes('/dev/gyA')[0]).toEqual(fromHex('A5 45 EA'))
    const scan = performance.now()
    mock.emit('/dev/gyA', Buffer.concat([gyFrame(36.2, 25), gyFrame(30.1, 12.5)]))
    await waitFor(() => t.health().online, 'online')
    const accept = (c: number) => c >= 34 && c <= 42.5
    expect(ok(await t.measure(req({ notBefore: scan, accept })))).toMatchObject({ rawCelsius: 36.2, celsius: 36.7, ambientCelsius: 25, ambientOutOfRange: false })
    // Nothing accepted: the latest unaccepted one, after the wait.
    const r = ok(await t.measure(req({ notBefore: scan, accept: (c: number) => c > 50, timeoutMs: 30 })))
    expect(r).toMatchObject({ rawCelsius: 30.1, ambientOutOfRange: true })
  })

  it('continuous: waits for the next accepted reading, else reports no_reading', async () => {
    mock.create('/dev/gyB')
    const t = new GyMcuThermometer(gcfg('/dev/gyB'), testCtx(), { binding: mock.binding })
    started.push(t)
    await t.start()
    mock.emit('/dev/gyB', gyFrame(20, 25))
    await waitFor(() => t.health().online, 'online')
    const pending = t.measure(req({ notBefore: performance.now(), accept: (c: number) => c > 34 }))
    await sleep(20)
    mock.emit('/dev/gyB', Buffer.concat([gyFrame(33, 25), gyFrame(36.6, 25)]))
    expect(ok(await pending)?.celsius).toBe(36.6)
    expect(await t.measure(req({ notBefore: performance.now() + 1, timeoutMs: 30 }))).toMatchObject({ ok: false, error: 'no_reading' })
  })

  it('continuous: counts bad sums and noise; offline after staleMs without a valid frame, then asks again', async () => {
    mock.create('/dev/gyC')
    const t = new GyMcuThermometer(gcfg('/dev/gyC'), testCtx(), { binding: mock.binding, staleMs: 150 })
    started.push(t)
    await t.start()
    const bad = gyFrame(36.5, 25)
    bad[8] = bad[8]! ^ 0x01
    mock.emit('/dev/gyC', Buffer.concat([Buffer.from([1, 2, 3]), bad, gyFrame(36.5, 25)]))
    await waitFor(() => t.health().online, 'online')
    expect(t.health().counters).toMatchObject({ badSum: 1, noiseBytes: 3, frames: 1 })
    await waitFor(() => !t.health().online, 'stale', 1000)
    expect(t.health().lastError).toMatch(/no valid frame for 150 ms/)
    expect(mock.writes('/dev/gyC').length).toBeGreaterThanOrEqual(2)
  })

  it('query: one A5 15 BA per measure, answered by a frame', async () => {
    mock.create('/dev/gyD')
    mock.respond('/dev/gyD', (w, reply) => {
      if (w.equals(fromHex('A5 15 BA'))) reply(gyFrame(36.8, 40))
    })
    const t = new GyMcuThermometer(gcfg('/dev/gyD', { mode: 'query' }), testCtx(), { binding: mock.binding })
    started.push(t)
    await t.start()
    await waitFor(() => t.health().online, 'online after the first poll')
    await pollAged()
    expect(ok(await t.measure(req()))).toMatchObject({ celsius: 36.8, ambientCelsius: 40, ambientOutOfRange: true })
    mock.respond('/dev/gyD', null)
    for (let i = 0; i < 3; i++) expect(await t.measure(req())).toMatchObject({ ok: false, error: 'timeout' })
    expect(t.health().online).toBe(false)
  })
})
