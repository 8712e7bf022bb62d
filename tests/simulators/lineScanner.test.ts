import { existsSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../devices/protocols/crc.ts'
import { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import { rig, type Rig } from './host.ts'
import { SHARED_VECTORS_FILE, VECTORS_FILE } from './vectors.ts'

let r: Rig<LineScannerSim> | null = null
afterEach(async () => {
  await r?.close()
  r = null
})

describe('line scanner simulator', () => {
  it('writes the text as UTF-8 plus the chosen tail', async () => {
    const { host, sim } = (r = await rig(new LineScannerSim()))
    await sim.scan('AB')
    await sim.scan('CD', { tail: 'crlf' })
    await sim.scan('EF', { tail: 'none' })
    await sim.scan('路砦')
    await sim.scan('GH', { tail: 'lf' })
    await sim.scan('IJ', { tail: 'tab' })
    expect(toHex(await host.take(22))).toBe('41 42 0D 43 44 0D 0A 45 46 E8 B7 AF E7 A0 A6 0D 47 48 0A 49 4A 09')
    expect(sim.stats.counters.scans).toBe(6)
    expect(sim.stats.bytesOut).toBe(22)
  })

  it('splits a code into chunks with gaps, after optional noise', async () => {
    const { host, sim } = (r = await rig(new LineScannerSim()))
    const t0 = performance.now()
    await sim.scan('HELLO', { chunkSizes: [1, 2], gapMs: 30, noiseBefore: Buffer.from([0x00, 0xff]) })
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55)
    expect(toHex(await host.take(8))).toBe('00 FF 48 45 4C 4C 4F 0D')
    expect(sim.stats.sent.map((b) => b.length)).toEqual([2, 1, 2, 3])
    // The gaps survive the pty: the last chunk arrives at least two gaps after the first.
    const times = host.arrivals.map((a) => a.at)
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(50)
  })

  it('writes raw garbage as given', async () => {
    const { host, sim } = (r = await rig(new LineScannerSim()))
    await sim.writeRaw(Buffer.from([0xc3, 0x28, 0x0d]))
    const long = Buffer.alloc(3000, 0x41)
    await sim.writeRaw(long, { chunkSizes: [1000, 1000], gapMs: 5 })
    const huge = Buffer.alloc(10_000, 0x42) // one write of any size passes an idle wire
    await sim.writeRaw(huge)
    expect(toHex(await host.take(3))).toBe('C3 28 0D')
    expect(await host.take(3000)).toEqual(long)
    expect(await host.take(10_000)).toEqual(huge)
    expect(sim.stats.counters.rawWrites).toBe(3)
  })

  it('refuses to scan before open', async () => {
    await expect(new LineScannerSim().scan('X')).rejects.toThrow(/not open/)
  })

  it('bounds its write queue, as a blocked wire (no host reading) must not grow memory', async () => {
    const { sim } = (r = await rig(new LineScannerSim({ maxQueuedBytes: 8192 })))
    await Promise.all(Array.from({ length: 40 }, () => sim.writeRaw(Buffer.alloc(1000, 0x43))))
    expect(sim.stats.dropped).toBeGreaterThanOrEqual(30)
  })
})

describe('vectors.json copy', () => {
  it.skipIf(!existsSync(SHARED_VECTORS_FILE))('matches shared/protocols/vectors.json', () => {
    expect(readFileSync(VECTORS_FILE, 'utf8')).toBe(readFileSync(SHARED_VECTORS_FILE, 'utf8'))
  })
})
