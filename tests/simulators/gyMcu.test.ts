import { afterEach, describe, expect, it } from 'vitest'
import { sum8, toHex } from '../../devices/protocols/crc.ts'
import { GyMcuSim, gyMcuFrame, type GyMcuOptions } from '../../simulators/devices/gyMcu.ts'
import { rig, sleep, type Rig } from './host.ts'
import { v } from './vectors.ts'

const CONTINUOUS = 'A5 45 EA'
const QUERY = 'A5 15 BA'

let r: Rig<GyMcuSim> | null = null
afterEach(async () => {
  await r?.close()
  r = null
})

async function start(opts: GyMcuOptions = {}): Promise<Rig<GyMcuSim>> {
  r = await rig(new GyMcuSim(opts))
  return r
}

/** Splits a byte stream into 9-byte frames, checking each starts with 5A 5A 45 04. */
function frames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i + 9 <= bytes.length; i += 9) out.push(bytes.subarray(i, i + 9))
  for (const f of out) expect(toHex(f.subarray(0, 4))).toBe('5A 5A 45 04')
  return out
}

describe('GY-MCU906xx simulator', () => {
  it('builds the vector frames', () => {
    expect(gyMcuFrame(36.5, 25)).toEqual(v('gy_mcu906xx', 'to_36.50_ta_25.00'))
    expect(gyMcuFrame(37.3, 26.1)).toEqual(v('gy_mcu906xx', 'to_37.30_ta_26.10'))
    expect(gyMcuFrame(-5, -10)).toEqual(v('gy_mcu906xx', 'to_-5.00_ta_-10.00'))
    expect(gyMcuFrame(31.92, 33.53)).toEqual(v('gy_mcu906xx', 'vendor_example_31.92_33.53'))
  })

  it('in query mode sends one frame per A5 15 BA, matching the vectors', async () => {
    const { host, sim } = await start({ mode: 'query' })
    expect(await host.quiet(150)).toHaveLength(0) // no auto output at power-up
    await host.write(QUERY)
    expect(await host.take(9)).toEqual(v('gy_mcu906xx', 'to_36.50_ta_25.00'))
    sim.setTemperature(37.3, 26.1)
    await host.write(QUERY)
    expect(await host.take(9)).toEqual(v('gy_mcu906xx', 'to_37.30_ta_26.10'))
    sim.setTemperature(-5, -10)
    await host.write(QUERY)
    expect(await host.take(9)).toEqual(v('gy_mcu906xx', 'to_-5.00_ta_-10.00'))
    expect(await host.quiet(100)).toHaveLength(0)
  })

  it('streams at about 14 Hz after A5 45 EA, and a query stops the stream', async () => {
    const { host, sim } = await start({ mode: 'query' })
    await host.write(CONTINUOUS)
    const got = frames(await host.quiet(500))
    expect(got.length).toBeGreaterThanOrEqual(5)
    expect(got.length).toBeLessThanOrEqual(8)
    for (const f of got) expect(f).toEqual(v('gy_mcu906xx', 'to_36.50_ta_25.00'))
    expect(sim.continuous).toBe(true)
    await host.write(QUERY)
    await sleep(30)
    await host.quiet(0)
    expect(await host.quiet(200)).toHaveLength(0)
    expect(sim.continuous).toBe(false)
  })

  it('streams from power-up by default; queue, corruptNextSum and noise apply to the stream', async () => {
    const { host, sim } = await start({ intervalMs: 30 })
    expect(frames(await host.take(9))).toHaveLength(1)
    await host.quiet(40) // align on frame boundaries: nothing half-sent is left
    sim.queue(33, 37.5)
    sim.corruptNextSum()
    const [bad, next, after] = frames(await host.take(27))
    expect(bad!.readInt16BE(4)).toBe(3300)
    expect(bad![8]).not.toBe(sum8(bad!, 0, 8))
    expect(next).toEqual(gyMcuFrame(37.5, 25))
    expect(after).toEqual(gyMcuFrame(37.5, 25))
    await host.quiet(40)
    sim.setContinuous(false)
    await sim.noise(Buffer.from([0x5a, 0x00]))
    expect(toHex(await host.quiet(60))).toBe('5A 00')
  })

  it('silentFor leaves out the next frames (query timeouts)', async () => {
    const { host, sim } = await start({ mode: 'query' })
    sim.silentFor(1)
    await host.write(QUERY)
    expect(await host.quiet(100)).toHaveLength(0)
    await host.write(QUERY)
    expect(await host.take(9)).toEqual(gyMcuFrame(36.5, 25))
    expect(sim.stats.counters.silenced).toBe(1)
  })

  it('ignores commands with a bad sum and resynchronises on A5', async () => {
    const { host, sim } = await start({ mode: 'query' })
    await host.write('A5 15 BB 00 A5 A5 15 BA')
    expect(await host.take(9)).toEqual(gyMcuFrame(36.5, 25))
    expect(sim.stats.counters.badSum).toBe(2)
    expect(sim.stats.counters.queries).toBe(1)
  })

  it('keeps auto-output changes for the next power-up', async () => {
    const { host, sim, pair } = await start({ mode: 'query' })
    await host.write('A5 51 F6')
    await sleep(50)
    expect(sim.autoOutput).toBe(true)
    expect(sim.continuous).toBe(false)
    await host.close()
    await pair.unplug()
    await pair.replug()
    // Up to 5 s: on a loaded machine the reopen and the power-up state take a while.
    for (let i = 0; i < 250 && !(sim.isOpen && sim.continuous); i++) await sleep(20)
    expect(sim.continuous).toBe(true)
  })
})
