import { afterEach, describe, expect, it } from 'vitest'
import { buzzerSchema, relaySchema, scannerSchema, thermometerSchema } from '../../devices/config.ts'
import { createBuzzer, createRelay, createScanner, createThermometer } from '../../devices/registry.ts'
import { Gm65Scanner } from '../../devices/scanners/gm65.ts'
import { LineScanner } from '../../devices/scanners/line.ts'
import { SimulatedScanner } from '../../devices/scanners/simulated.ts'
import { GyMcuThermometer } from '../../devices/thermometers/gyMcu.ts'
import { ModbusThermometer } from '../../devices/thermometers/modbusRtu.ts'
import { SimulatedThermometer } from '../../devices/thermometers/simulated.ts'
import { SimulatedPin } from '../../devices/transport/gpio.ts'
import type { Device, ScanRead } from '../../devices/types.ts'
import { testCtx } from './helpers.ts'

const devices: Device[] = []
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()))
})

describe('registry', () => {
  it('maps each driver to its class', () => {
    const ctx = testCtx()
    const sc = (driver: string) => scannerSchema.parse({ name: 's', driver, path: '/dev/x', direction: 'in' })
    expect(createScanner(sc('line'), ctx)).toBeInstanceOf(LineScanner)
    expect(createScanner(sc('gm65'), ctx)).toBeInstanceOf(Gm65Scanner)
    expect(createScanner(sc('simulated'), ctx)).toBeInstanceOf(SimulatedScanner)
    const th = (driver: string) => thermometerSchema.parse({ name: 't', driver, path: '/dev/y' })
    expect(createThermometer(th('modbus-rtu'), ctx)).toBeInstanceOf(ModbusThermometer)
    expect(createThermometer(th('gy-mcu'), ctx)).toBeInstanceOf(GyMcuThermometer)
    expect(createThermometer(th('simulated'), ctx)).toBeInstanceOf(SimulatedThermometer)
  })

  it('names the known drivers for an unknown one', () => {
    const cfg = { ...scannerSchema.parse({ name: 's', driver: 'line', path: '/dev/x', direction: 'in' }), driver: 'honeywell' }
    expect(() => createScanner(cfg as never, testCtx())).toThrow(/unknown scanner driver "honeywell" for device "s"; known: line, gm65, simulated/)
  })

  it('simulated outputs expose their recording pin; gpio outputs without GPIO start offline', async () => {
    const ctx = testCtx()
    // A config whose type says `simulated` gets the concrete class (the demo may also use instanceof).
    const relay = createRelay({ ...relaySchema.parse({ name: 'gate', driver: 'simulated' }), driver: 'simulated' as const }, ctx)
    devices.push(relay)
    expect(relay.pin).toBeInstanceOf(SimulatedPin)
    await relay.start()
    relay.pulse(50)
    expect(relay.pin.level).toBe(1)
    const buzzer = createBuzzer({ ...buzzerSchema.parse({ name: 'buzzer', driver: 'simulated' }), driver: 'simulated' as const }, ctx)
    devices.push(buzzer)
    expect(buzzer.pin).toBeInstanceOf(SimulatedPin)

    const real = createRelay(relaySchema.parse({ name: 'gate2', driver: 'gpio', pin: 17 }), ctx)
    devices.push(real)
    await expect(real.start()).resolves.toBeUndefined()
    expect(real.health()).toMatchObject({ online: false, lastError: expect.stringMatching(/GPIO pin 17/) })
  })
})

describe('simulated devices', () => {
  it('scanner: inject emits a ScanRead while online; setOnline(false) silences it', () => {
    const cfg = scannerSchema.parse({ name: 'sim', driver: 'simulated', direction: 'out' })
    const s = createScanner({ ...cfg, driver: 'simulated' as const }, testCtx())
    const scans: ScanRead[] = []
    s.onScan((r) => scans.push(r))
    expect(s.health().online).toBe(true)
    expect(s.inject('PASS')).toMatchObject({ scanner: 'sim', text: 'PASS' })
    s.setOnline(false)
    expect(s.inject('LOST')).toBeNull()
    expect(scans.map((x) => x.text)).toEqual(['PASS'])
    expect(s.health()).toMatchObject({ online: false, counters: { scans: 1 } })
  })

  it('scanners without a command channel reject trigger() with the reason', async () => {
    const ctx = testCtx()
    const line = createScanner(scannerSchema.parse({ name: 'l', driver: 'line', path: '/dev/x', direction: 'in' }), ctx)
    await expect(line.trigger!()).rejects.toThrow(/cannot start a scan by command \(only gm65 can\)/)
    const sim = createScanner(scannerSchema.parse({ name: 's', driver: 'simulated', direction: 'in' }), ctx)
    await expect(sim.trigger!()).rejects.toThrow(/use inject/)
  })

  it('thermometer: queued readings in order (plus offsetC), then the default; faults and offline', async () => {
    const any = createThermometer(thermometerSchema.parse({ name: 'simt', driver: 'simulated', offsetC: 0.3 }), testCtx())
    if (!(any instanceof SimulatedThermometer)) throw new Error('expected a SimulatedThermometer')
    const t = any
    t.queue(37.5, 36.0)
    const req = { notBefore: 0, timeoutMs: 100 }
    expect(await t.measure(req)).toMatchObject({ ok: true, reading: { celsius: 37.8, rawCelsius: 37.5 } })
    expect(await t.measure(req)).toMatchObject({ ok: true, reading: { celsius: 36.3 } })
    expect(await t.measure(req)).toMatchObject({ ok: true, reading: { celsius: 36.8 } })
    t.setFault('fault', 'lens covered')
    expect(await t.measure(req)).toEqual({ ok: false, error: 'fault', detail: 'lens covered' })
    t.setFault(null)
    t.setOnline(false)
    expect(await t.measure(req)).toMatchObject({ ok: false, error: 'offline' })
    expect(t.health().counters).toMatchObject({ readings: 3, faults: 1 })
  })
})
