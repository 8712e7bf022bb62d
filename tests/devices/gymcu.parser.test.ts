import { describe, expect, it } from 'vitest'
import { decodeGyMcuFrame, GYMCU_CONTINUOUS, GYMCU_QUERY, gyMcuCommand, GyMcuParser, type GyMcuEvent } from '../../devices/protocols/gymcu.ts'
import { fromHex } from '../../devices/protocols/crc.ts'
import { vec } from './helpers.ts'

const frames = (evs: GyMcuEvent[]) => evs.flatMap((e) => (e.kind === 'frame' ? [[e.objectC, e.ambientC]] : []))
const count = (evs: GyMcuEvent[], kind: 'noise' | 'badSum'): number =>
  evs.reduce((n, e) => n + (e.kind === kind ? (e.kind === 'noise' ? e.bytes : 1) : 0), 0)

describe('GY-MCU protocol', () => {
  it('builds the commands', () => {
    expect(GYMCU_CONTINUOUS).toEqual(fromHex('A5 45 EA'))
    expect(GYMCU_QUERY).toEqual(fromHex('A5 15 BA'))
    expect(gyMcuCommand(0xae)).toEqual(fromHex('A5 AE 53'))
  })

  it('decodes the vectors (signed, ×100)', () => {
    expect(decodeGyMcuFrame(vec('gy_mcu906xx', 'vendor_example_31.92_33.53'))).toEqual({ objectC: 31.92, ambientC: 33.53 })
    expect(decodeGyMcuFrame(vec('gy_mcu906xx', 'to_36.50_ta_25.00'))).toEqual({ objectC: 36.5, ambientC: 25 })
    expect(decodeGyMcuFrame(vec('gy_mcu906xx', 'to_37.30_ta_26.10'))).toEqual({ objectC: 37.3, ambientC: 26.1 })
    expect(decodeGyMcuFrame(vec('gy_mcu906xx', 'to_-5.00_ta_-10.00'))).toEqual({ objectC: -5, ambientC: -10 })
  })

  it('parses two frames in one chunk and the same byte by byte', () => {
    const data = Buffer.concat([vec('gy_mcu906xx', 'to_36.50_ta_25.00'), vec('gy_mcu906xx', 'to_37.30_ta_26.10')])
    expect(frames(new GyMcuParser().push(data))).toEqual([[36.5, 25], [37.3, 26.1]])
    const p = new GyMcuParser()
    const evs = [...data].flatMap((b) => p.push(Uint8Array.of(b)))
    expect(frames(evs)).toEqual([[36.5, 25], [37.3, 26.1]])
    expect(p.pending).toBe(0)
  })

  it('skips noise before a frame, including a false header start', () => {
    const noise = Buffer.from([0x00, 0x5a, 0x13, 0x5a, 0x5a, 0x5a])
    const evs = new GyMcuParser().push(Buffer.concat([noise, vec('gy_mcu906xx', 'to_36.50_ta_25.00')]))
    expect(frames(evs)).toEqual([[36.5, 25]])
    expect(count(evs, 'noise')).toBe(noise.length)
  })

  it('counts a bad sum and resumes at the next frame', () => {
    const bad = Buffer.from(vec('gy_mcu906xx', 'to_36.50_ta_25.00'))
    bad[8] = 0x00
    const evs = new GyMcuParser().push(Buffer.concat([bad, vec('gy_mcu906xx', 'to_37.30_ta_26.10')]))
    expect(count(evs, 'badSum')).toBe(1)
    expect(frames(evs)).toEqual([[37.3, 26.1]])
  })

  it('finds a frame that starts inside a truncated one', () => {
    const cut = vec('gy_mcu906xx', 'to_36.50_ta_25.00').subarray(0, 5)
    const evs = new GyMcuParser().push(Buffer.concat([cut, vec('gy_mcu906xx', 'to_37.30_ta_26.10')]))
    expect(frames(evs)).toEqual([[37.3, 26.1]])
  })

  it('passes values the sensor can report through, however unlikely for a forehead', () => {
    expect(frames(new GyMcuParser().push(vec('gy_mcu906xx', 'to_-5.00_ta_-10.00')))).toEqual([[-5, -10]])
  })

  it('drops a frame outside what the sensor can report (a sum that matched by chance)', () => {
    const f = Buffer.from([0x5a, 0x5a, 0x45, 0x04, 0x7f, 0xff, 0x80, 0x00, 0])
    f[8] = [...f.subarray(0, 8)].reduce((a, b) => a + b, 0) & 0xff
    const evs = new GyMcuParser().push(Buffer.concat([f, vec('gy_mcu906xx', 'to_36.50_ta_25.00')]))
    expect(evs[0]).toEqual({ kind: 'outOfRange', objectC: 327.67, ambientC: -327.68 })
    expect(frames(evs)).toEqual([[36.5, 25]])
    expect(decodeGyMcuFrame(f)).toBeNull()
  })
})
