import { afterEach, describe, expect, it } from 'vitest'
import { crc16Modbus, fromHex, toHex } from '../../devices/protocols/crc.ts'
import {
  ModbusThermometerSim,
  type ModbusThermometerOptions,
} from '../../simulators/devices/modbusThermometer.ts'
import { rig, sleep, type Rig } from './host.ts'
import { v } from './vectors.ts'

/** A read request with a real CRC (low byte first). */
function req(unit: number, fc: number, start: number, qty: number): Buffer {
  const b = Buffer.from([unit, fc, start >> 8, start & 0xff, qty >> 8, qty & 0xff, 0, 0])
  b.writeUInt16LE(crc16Modbus(b, 0, 6), 6)
  return b
}

/** Object temperature of a 2-register reply, at scale 0.01. */
const objectOf = (reply: Buffer): number => reply.readInt16BE(3) / 100

let r: Rig<ModbusThermometerSim> | null = null
afterEach(async () => {
  await r?.close()
  r = null
})

async function start(opts: ModbusThermometerOptions = {}): Promise<Rig<ModbusThermometerSim>> {
  r = await rig(new ModbusThermometerSim(opts))
  return r
}

describe('Modbus RTU thermometer simulator', () => {
  it('answers read_ir_0_qty2_fc04 with object and ambient and a valid CRC', async () => {
    const { host, sim } = await start({ temperatureC: 36.5, ambientC: 25.1 })
    await host.write(v('modbus', 'read_ir_0_qty2_fc04'))
    const reply = await host.take(9)
    expect(toHex(reply.subarray(0, 7))).toBe('01 04 04 0E 42 09 CE')
    expect(crc16Modbus(reply)).toBe(0)
    expect(sim.stats.counters.replies).toBe(1)
  })

  it('reproduces the reply vectors byte for byte', async () => {
    const { host, sim } = await start({ scale: 0.1, temperatureC: 36.5 })
    await host.write(v('modbus', 'read_hr_0_qty1'))
    expect(await host.take(7)).toEqual(v('modbus', 'resp_1reg_365_x10'))
    sim.setTemperature(-5)
    await host.write(v('modbus', 'read_hr_0_qty1'))
    expect(await host.take(7)).toEqual(v('modbus', 'resp_1reg_-50_x10'))
    await r!.close()
    const r2 = await start({ temperatureC: 36.5, ambientC: 25.1 })
    await r2.host.write(v('modbus', 'read_hr_0_qty1'))
    expect(await r2.host.take(7)).toEqual(v('modbus', 'resp_1reg_3650_x100'))
    await r2.host.write(v('modbus', 'read_hr_0_qty2'))
    expect(await r2.host.take(9)).toEqual(v('modbus', 'resp_2reg_obj3650_amb2510_x100'))
  })

  it('answers out-of-map reads and unsupported functions with exceptions', async () => {
    const { host } = await start({ functions: [4] })
    await host.write(req(1, 4, 1, 2)) // registers 1-2: 2 is outside the map
    expect(await host.take(5)).toEqual(v('modbus', 'exc_fc04_illegal_addr'))
    await host.write(v('modbus', 'read_hr_0_qty1'))
    expect(await host.take(5)).toEqual(v('modbus', 'exc_fc03_illegal_func'))
    await host.write(v('modbus', 'write_single_reg_addr1_val98'))
    expect(toHex(await host.take(5))).toBe('01 86 01 83 A0')
  })

  it('uses its register and unit id; ignores other units, broadcasts and bad CRCs', async () => {
    const { host, sim } = await start({ unitId: 7, register: 0x10 })
    await host.write(req(1, 4, 0x10, 1))
    await host.write(v('modbus', 'mq485a_set_addr_2_broadcast0'))
    await host.write(fromHex('07 04 00 10 00 01 00 00'))
    expect(await host.quiet(100)).toHaveLength(0)
    expect(sim.stats.counters).toMatchObject({ otherUnit: 1, broadcast: 1, badCrc: 1, requests: 0 })
    await host.write(req(7, 3, 0x00, 1))
    expect(toHex(await host.take(5))).toBe(toHex(withCrc([7, 0x83, 2])))
    await host.write(req(7, 3, 0x11, 1))
    expect((await host.take(7)).readInt16BE(3)).toBe(2500)
  })

  it('takes a request split across writes', async () => {
    const { host } = await start()
    const frame = v('modbus', 'read_ir_0_qty2_fc04')
    await host.write(frame.subarray(0, 3))
    await sleep(1)
    await host.write(frame.subarray(3))
    expect(crc16Modbus(await host.take(9))).toBe(0)
  })

  it('plays queued readings, one per request, then keeps the last', async () => {
    const { host, sim } = await start()
    sim.queue(33.1, 37.8)
    const got: number[] = []
    for (let i = 0; i < 3; i++) {
      await host.write(v('modbus', 'read_ir_0_qty2_fc04'))
      got.push(objectOf(await host.take(9)))
    }
    expect(got).toEqual([33.1, 37.8, 37.8])
  })

  it('honours one-shot faults: silence, bad CRC, noise, exception, delay', async () => {
    const { host, sim } = await start()
    const read = v('modbus', 'read_ir_0_qty2_fc04')
    sim.silentFor(2)
    await host.write(read)
    expect(await host.quiet(60)).toHaveLength(0)
    await host.write(read)
    expect(await host.quiet(60)).toHaveLength(0)
    expect(sim.stats.counters.silenced).toBe(2)

    sim.corruptNextCrc()
    await host.write(read)
    expect(crc16Modbus(await host.take(9))).not.toBe(0)
    await host.write(read)
    expect(crc16Modbus(await host.take(9))).toBe(0)

    sim.noiseBefore(fromHex('FF 00'))
    await host.write(read)
    const noisy = await host.take(11)
    expect(toHex(noisy.subarray(0, 2))).toBe('FF 00')
    expect(crc16Modbus(noisy.subarray(2))).toBe(0)

    sim.exceptionNext(4)
    await host.write(read)
    expect(toHex(await host.take(5))).toBe(toHex(withCrc([1, 0x84, 4])))

    sim.respondDelayMs = 80
    const t0 = performance.now()
    await host.write(read)
    await host.take(9)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75)
  })
})

function withCrc(bytes: number[]): Buffer {
  const b = Buffer.from([...bytes, 0, 0])
  b.writeUInt16LE(crc16Modbus(b, 0, bytes.length), bytes.length)
  return b
}
