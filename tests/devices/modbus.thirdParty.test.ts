// Modbus RTU against an implementation we did not write (issue 12): modbus-serial 8's master reads the project's
// thermometer simulator, and modbus-serial's ServerSerial (a slave) answers the project's driver, each over a real
// socat pty pair with the real serialport binding on both ends.
import modbusSerial from 'modbus-serial'
import { afterEach, describe, expect, it } from 'vitest'
import { thermometerSchema } from '../../devices/config.ts'
import { ModbusThermometer } from '../../devices/thermometers/modbusRtu.ts'
import { ModbusThermometerSim } from '../../simulators/devices/modbusThermometer.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { testCtx, waitFor } from './helpers.ts'

// A CommonJS package whose typings say `export default`: it also sets `module.exports.default`, which both agree on.
const { default: ModbusRTU, ServerSerial } = modbusSerial
type ModbusClient = InstanceType<typeof ModbusRTU>
type Slave = InstanceType<typeof ServerSerial>

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

async function pty(): Promise<PtyPair> {
  const pair = await PtyPair.open()
  cleanups.push(() => pair.close())
  return pair
}

/** modbus-serial's master on the host end of the pty. */
async function master(path: string, unitId: number): Promise<ModbusClient> {
  const client = new ModbusRTU()
  await client.connectRTUBuffered(path, { baudRate: 9600 })
  client.setID(unitId)
  client.setTimeout(1000)
  cleanups.push(() => new Promise<void>((resolve) => client.close(() => resolve())))
  return client
}

const modbusCode = (err: unknown): number | undefined => (err as { modbusCode?: number }).modbusCode

describe('a third-party master (modbus-serial) reads the thermometer simulator', () => {
  it('function 4 (input registers) and 3 (holding registers): object and ambient as int16 counts of the scale', async () => {
    const pair = await pty()
    const sim = new ModbusThermometerSim({ unitId: 1, register: 0, scale: 0.01, temperatureC: 36.5, ambientC: 22.25 })
    await sim.open(pair.devicePath)
    cleanups.push(() => sim.close())
    const client = await master(pair.gatewayPath, 1)

    const fc4 = await client.readInputRegisters(0, 2)
    expect(fc4.data).toEqual([3650, 2225])
    const fc3 = await client.readHoldingRegisters(0, 1)
    expect(fc3.data).toEqual([3650])
    // Signed: a reading below zero is two's complement in the register.
    sim.setTemperature(-12.34)
    const neg = await client.readInputRegisters(0, 1)
    expect(neg.buffer.readInt16BE(0)).toBe(-1234)
    expect(sim.stats.counters).toMatchObject({ requests: 3, replies: 3, badCrc: 0 })
  })

  it('another unit id, register and scale; exceptions for an address outside the map and a function it does not serve', async () => {
    const pair = await pty()
    const sim = new ModbusThermometerSim({ unitId: 7, register: 0x10, scale: 0.1, temperatureC: 37.4, functions: [4] })
    await sim.open(pair.devicePath)
    cleanups.push(() => sim.close())
    const client = await master(pair.gatewayPath, 7)

    expect((await client.readInputRegisters(0x10, 1)).data).toEqual([374])
    await expect(client.readInputRegisters(0x11, 2)).rejects.toSatisfy((e) => modbusCode(e) === 2)
    await expect(client.readHoldingRegisters(0x10, 1)).rejects.toSatisfy((e) => modbusCode(e) === 1)
    // A thermometer is read-only: writes (06, and 16 whose length the slave must take from its byte count) are refused.
    await expect(client.writeRegister(0x10, 1)).rejects.toSatisfy((e) => modbusCode(e) === 1)
    await expect(client.writeRegisters(0x10, [1, 2, 3])).rejects.toSatisfy((e) => modbusCode(e) === 1)
    expect(sim.stats.counters.exceptions).toBe(4)
    expect((await client.readInputRegisters(0x10, 1)).data).toEqual([374])
    // Unit 8 is someone else on the bus: no answer at all (a timeout, not an exception).
    client.setID(8)
    client.setTimeout(300)
    await expect(client.readInputRegisters(0x10, 1)).rejects.toSatisfy((e) => modbusCode(e) === undefined)
    expect(sim.stats.counters.otherUnit).toBe(1)
  })
})

describe('a third-party slave (modbus-serial ServerSerial) answers the project driver', () => {
  async function slave(path: string, unitID: number, registers: Record<number, number>) {
    const asked: { fc: 3 | 4; addr: number }[] = []
    const get = (fc: 3 | 4) => (addr: number) => {
      asked.push({ fc, addr })
      const v = registers[addr]
      if (v === undefined) throw Object.assign(new Error('no such register'), { modbusErrorCode: 0x02 })
      return v
    }
    const server = await new Promise<Slave>((resolve, reject) => {
      const s: Slave = new ServerSerial(
        { getInputRegister: get(4), getHoldingRegister: get(3) },
        { path, baudRate: 9600, unitID, openCallback: (err) => (err ? reject(err) : resolve(s)) },
      )
    })
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    return { asked, registers }
  }

  const driver = (path: string, extra: Record<string, unknown>) => {
    const t = new ModbusThermometer(
      thermometerSchema.parse({ name: 'thermo-in', driver: 'modbus-rtu', path, timeoutMs: 500, pollIntervalMs: 60_000, ...extra }),
      testCtx(),
    )
    cleanups.push(() => t.stop())
    return t
  }
  const req = () => ({ notBefore: performance.now(), timeoutMs: 1000 })

  it.each([
    [4, 0x20, 0.1, 0.4, 365, 36.5, 36.9],
    [3, 0x0100, 0.01, -0.2, 3712, 37.12, 36.92],
    // A register of 0xFFF1 is int16 -15: -1.5 °C at scale 0.1 (a fault or a cold sensor, never "normal").
    [4, 0, 0.1, 0, 0xfff1, -1.5, -1.5],
  ] as const)('function %i, register %i, scale %s, offsetC %s: register %i reads %s °C raw, %s °C', async (fc, register, scale, offsetC, value, raw, celsius) => {
    const pair = await pty()
    const s = await slave(pair.devicePath, 5, { [register]: value })
    const t = driver(pair.gatewayPath, { unitId: 5, function: fc, register, scale, offsetC })
    await t.start()
    await waitFor(() => t.health().online, 'online after the poll at open', 3000)
    const r = await t.measure(req())
    expect(r).toMatchObject({ ok: true, reading: { rawCelsius: raw, celsius } })
    expect(s.asked.every((a) => a.fc === fc && a.addr === register)).toBe(true)
    expect(t.health().counters).toMatchObject({ crcErrors: 0, exceptions: 0, timeouts: 0 })
  })

  it('an exception from the slave (illegal data address) is counted and reported, not a reading', async () => {
    const pair = await pty()
    await slave(pair.devicePath, 5, { 0: 3650 })
    const t = driver(pair.gatewayPath, { unitId: 5, function: 4, register: 9 })
    await t.start()
    const r = await t.measure(req())
    expect(r).toMatchObject({ ok: false, error: 'exception' })
    expect((r as { detail: string }).detail).toMatch(/exception 0x02 \(illegal data address\) to function 4/)
    expect(t.health().counters.exceptions).toBeGreaterThanOrEqual(1)
  })
})
