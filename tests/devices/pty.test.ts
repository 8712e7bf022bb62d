// Each serial driver over a real socat pseudo-terminal, with the device's real bytes written on the other end:
// the real serialport binding, real reopen after an unplug.
import { afterEach, describe, expect, it } from 'vitest'
import { scannerSchema, thermometerSchema } from '../../devices/config.ts'
import { fromHex } from '../../devices/protocols/crc.ts'
import { Gm65Scanner } from '../../devices/scanners/gm65.ts'
import { LineScanner } from '../../devices/scanners/line.ts'
import { SHARE_POLL_MS } from '../../devices/thermometers/common.ts'
import { GyMcuThermometer } from '../../devices/thermometers/gyMcu.ts'
import { ModbusThermometer } from '../../devices/thermometers/modbusRtu.ts'
import type { Device, MeasureResult, ScanRead } from '../../devices/types.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { FakeGm65, gyFrame, modbusReply } from './fakeDevices.ts'
import { sleep, testCtx, waitFor } from './helpers.ts'
import { PtyDevice } from './ptyDevice.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

async function rig(onData: PtyDevice['onData'] = null) {
  const pair = await PtyPair.open()
  cleanups.push(() => pair.close())
  const dev = new PtyDevice(pair.devicePath, onData)
  await dev.open()
  cleanups.push(() => dev.close())
  return { pair, dev }
}

function track<D extends Device>(d: D): D {
  cleanups.push(() => d.stop())
  return d
}

const req = () => ({ notBefore: performance.now(), timeoutMs: 500 })

describe('line scanner over a pty', () => {
  it('delivers a code, rejects garbage, then still delivers the next code', async () => {
    const { pair, dev } = await rig()
    const ctx = testCtx()
    const s = track(new LineScanner(scannerSchema.parse({ name: 'scanner-in', driver: 'line', path: pair.gatewayPath, direction: 'in' }), ctx))
    const scans: ScanRead[] = []
    s.onScan((r) => scans.push(r))
    await s.start()
    expect(s.health().online).toBe(true)
    await dev.write('eyJhbGciOiJFZERTQSJ9.PASS-ONE\r\n')
    await waitFor(() => scans.length === 1, 'first code')
    await dev.write(Buffer.from([0xc3, 0x28, 0xff, 0x0d, 0x0a]))
    await dev.write('PASS-TWO\r')
    await waitFor(() => scans.length === 2, 'second code')
    expect(scans.map((x) => x.text)).toEqual(['eyJhbGciOiJFZERTQSJ9.PASS-ONE', 'PASS-TWO'])
    expect(s.health().counters).toMatchObject({ scans: 2, badUtf8: 1 })
    expect(ctx.text()).not.toContain('PASS-')
  })
})

describe('modbus-rtu thermometer over a pty', () => {
  const cfg = (path: string) =>
    thermometerSchema.parse({ name: 'thermo-in', driver: 'modbus-rtu', path, function: 3, timeoutMs: 80, pollIntervalMs: 60_000 })

  it('answers from a hand-written responder; counts noise and a wrong CRC; offline after 3 misses; back on a good reply', async () => {
    const script: (Buffer | null)[] = [
      modbusReply(1, 3, [3650]), // poll at open
      Buffer.concat([Buffer.from([0x00, 0xff, 0x01]), fromHex('01 03 02 0E 42 3C 15')]), // noise, then 36.50
      fromHex('01 03 02 0E 42 3C 16'), // wrong CRC
      null,
      null,
      modbusReply(1, 3, [3710]),
    ]
    const requests: Buffer[] = []
    const { pair } = await rig((chunk, reply) => {
      requests.push(chunk)
      const next = script.shift()
      if (next) reply(next)
    })
    const t = track(new ModbusThermometer(cfg(pair.gatewayPath), testCtx()))
    const online: boolean[] = []
    t.onHealth((h) => online.push(h.online))
    await t.start()
    await waitFor(() => t.health().online, 'online after the poll at open')
    expect(requests[0]).toEqual(fromHex('01 03 00 00 00 01 84 0A'))
    // Past the window in which a person's request takes the poll's reply: each measure below asks for itself.
    await sleep(SHARE_POLL_MS + 10)
    const r1 = await t.measure(req())
    expect(r1).toMatchObject({ ok: true, reading: { celsius: 36.5 } })
    expect(t.health().counters.noiseBytes).toBe(3)
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'crc' })
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'timeout' })
    expect(t.health().online).toBe(true)
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'timeout' })
    expect(t.health().online).toBe(false)
    const back: MeasureResult = await t.measure(req())
    expect(back).toMatchObject({ ok: true, reading: { celsius: 37.1 } })
    expect(t.health().online).toBe(true)
    expect(online).toEqual([true, false, true])
    expect(t.health().counters).toMatchObject({ crcErrors: 1, timeouts: 2, readings: 3 })
  })

  it('goes offline when the adapter is unplugged and is back within 2 s of the replug', async () => {
    const answer = (_c: Buffer, reply: (b: Uint8Array) => void) => reply(modbusReply(1, 3, [3650]))
    const { pair, dev } = await rig(answer)
    const t = track(new ModbusThermometer(cfg(pair.gatewayPath), testCtx()))
    await t.start()
    await waitFor(() => t.health().online, 'online')
    await dev.close()
    await pair.unplug()
    await waitFor(() => !t.health().online, 'offline after unplug', 1000)
    expect(await t.measure(req())).toMatchObject({ ok: false, error: 'offline' })
    await pair.replug()
    const dev2 = new PtyDevice(pair.devicePath, answer)
    await dev2.open()
    cleanups.push(() => dev2.close())
    await waitFor(() => t.health().online, 'online within 2 s of the replug', 2000)
    expect(t.health().counters.reopens).toBe(1)
    expect(await t.measure(req())).toMatchObject({ ok: true })
  })
})

describe('gy-mcu thermometer over a pty', () => {
  it('streams after A5 45 EA; offline on unplug; back within 2 s of the replug', async () => {
    let streaming: NodeJS.Timeout | null = null
    const stream = (d: PtyDevice) => (chunk: Buffer) => {
      if (!chunk.includes(0x45)) return
      if (streaming) clearInterval(streaming)
      streaming = setInterval(() => void d.write(gyFrame(36.4, 22)), 70) // ~14 Hz
    }
    cleanups.push(async () => {
      if (streaming) clearInterval(streaming)
    })
    const { pair, dev } = await rig()
    dev.onData = stream(dev)
    const t = track(new GyMcuThermometer(thermometerSchema.parse({ name: 'gy', driver: 'gy-mcu', path: pair.gatewayPath }), testCtx()))
    await t.start()
    await waitFor(() => t.health().online, 'online once frames flow')
    expect(await t.measure({ notBefore: performance.now() - 500, timeoutMs: 500 })).toMatchObject({ ok: true, reading: { celsius: 36.4, ambientCelsius: 22 } })
    if (streaming) clearInterval(streaming)
    await dev.close()
    await pair.unplug()
    await waitFor(() => !t.health().online, 'offline after unplug', 1000)
    await pair.replug()
    const dev2 = new PtyDevice(pair.devicePath)
    dev2.onData = stream(dev2)
    await dev2.open()
    cleanups.push(() => dev2.close())
    await waitFor(() => t.health().online, 'online within 2 s of the replug', 2000)
  })
})

describe('gm65 scanner over a pty', () => {
  it('probes and configures the module, then a triggered scan arrives as a scan', async () => {
    const gm = new FakeGm65({ 0x0d: 0x01, 0x60: 0x61 }) // USB output, no tail
    gm.scanOnTrigger = 'GM65-PASS\r'
    const { pair } = await rig((chunk, reply) => gm.feed(chunk, reply))
    const s = track(new Gm65Scanner(scannerSchema.parse({ name: 'gm', driver: 'gm65', path: pair.gatewayPath, direction: 'in' }), testCtx()))
    const scans: ScanRead[] = []
    s.onScan((r) => scans.push(r))
    await s.start()
    await waitFor(() => s.health().online, 'configured')
    expect(gm.zones[0x0d]).toBe(0x00)
    expect(gm.zones[0x60]).toBe(0x01)
    expect(gm.saves).toBe(1)
    expect(s.health().info).toMatchObject({ configured: true, softwareVersion: 'V1.40' })
    await s.trigger()
    await waitFor(() => scans.length === 1, 'triggered scan')
    expect(scans[0]!.text).toBe('GM65-PASS')
    expect(s.health().counters.strayReply).toBe(0)
  })
})
