import { describe, expect, it } from 'vitest'
import { crc16Modbus } from '../../devices/protocols/crc.ts'
import { ModbusReplyParser, modbusReadRequest, t35Ms, type ModbusEvent } from '../../devices/protocols/modbus.ts'
import { vec, vectors } from './helpers.ts'

function parse(want: { unitId: number; fc: 3 | 4; quantity: number }, ...chunks: Buffer[]): ModbusEvent[] {
  const p = new ModbusReplyParser()
  p.expect(want)
  return chunks.flatMap((c) => p.push(c))
}
const fc3 = { unitId: 1, fc: 3 as const, quantity: 1 }

describe('Modbus requests', () => {
  it('builds read requests with CRC low byte first', () => {
    expect(modbusReadRequest(1, 3, 0, 1)).toEqual(vec('modbus', 'read_hr_0_qty1'))
    expect(modbusReadRequest(1, 3, 0, 2)).toEqual(vec('modbus', 'read_hr_0_qty2'))
    expect(modbusReadRequest(1, 4, 0, 2)).toEqual(vec('modbus', 'read_ir_0_qty2_fc04'))
    expect(modbusReadRequest(1, 3, 0, 8)).toEqual(vec('modbus', 'mq485a_read8'))
  })

  it('refuses broadcast and silly quantities', () => {
    expect(() => modbusReadRequest(0, 3, 0)).toThrow(/1..247/)
    expect(() => modbusReadRequest(1, 3, 0, 126)).toThrow(/1..125/)
  })

  it('t3.5 matches vectors.json modbus_timing', () => {
    const timing = vectors.modbus_timing as Record<string, { 't3.5_ms': number }>
    for (const [baud, t] of Object.entries(timing)) expect(t35Ms(Number(baud))).toBeCloseTo(t['t3.5_ms'], 2)
    expect(t35Ms(57600)).toBe(1.75)
  })

  it('CRC over a whole good frame is 0', () => {
    expect(crc16Modbus(vec('modbus', 'resp_1reg_3650_x100'))).toBe(0)
  })
})

describe('ModbusReplyParser', () => {
  it('reads int16 registers, including negatives', () => {
    expect(parse(fc3, vec('modbus', 'resp_1reg_365_x10'))).toEqual([{ kind: 'reply', unitId: 1, fc: 3, registers: [365] }])
    expect(parse(fc3, vec('modbus', 'resp_1reg_3650_x100'))[0]).toMatchObject({ registers: [3650] })
    expect(parse(fc3, vec('modbus', 'resp_1reg_-50_x10'))[0]).toMatchObject({ registers: [-50] })
    expect(parse({ ...fc3, quantity: 2 }, vec('modbus', 'resp_2reg_obj3650_amb2510_x100'))[0]).toMatchObject({ registers: [3650, 2510] })
    const mq = parse({ ...fc3, quantity: 8 }, vec('modbus', 'mq485a_resp_25.79_30.67'))[0]
    expect(mq).toMatchObject({ kind: 'reply' })
    expect(mq?.kind === 'reply' && mq.registers.slice(0, 2)).toEqual([2579, 3067])
  })

  it('assembles a reply fed byte by byte', () => {
    const p = new ModbusReplyParser()
    p.expect(fc3)
    const out: ModbusEvent[] = []
    for (const b of vec('modbus', 'resp_1reg_3650_x100')) out.push(...p.push(Uint8Array.of(b)))
    expect(out).toEqual([{ kind: 'reply', unitId: 1, fc: 3, registers: [3650] }])
  })

  it('skips noise before the reply and counts it', () => {
    const noise = Buffer.from([0xff, 0x00, 0x01, 0x01, 0x13, 0x01])
    const evs = parse(fc3, noise, vec('modbus', 'resp_1reg_3650_x100'))
    const noiseBytes = evs.reduce((n, e) => n + (e.kind === 'noise' ? e.bytes : 0), 0)
    expect(noiseBytes).toBe(noise.length)
    expect(evs.at(-1)).toMatchObject({ kind: 'reply', registers: [3650] })
  })

  it('resynchronises past a false start whose CRC fails', () => {
    // "01 03 02 .." inside noise, then the real frame
    const evs = parse(fc3, Buffer.from([0x01, 0x03, 0x02]), vec('modbus', 'resp_1reg_3650_x100'))
    expect(evs.filter((e) => e.kind === 'crcError')).toEqual([])
    expect(evs.at(-1)).toMatchObject({ kind: 'reply', registers: [3650] })
  })

  it('reports a CRC error with both values', () => {
    const bad = Buffer.from(vec('modbus', 'resp_1reg_3650_x100'))
    bad[5] = bad[5]! ^ 0xff
    expect(parse(fc3, bad)).toEqual([{ kind: 'crcError', expected: 0x153c, got: 0x15c3, bytes: 7 }])
  })

  it('reports exceptions', () => {
    expect(parse(fc3, vec('modbus', 'exc_fc03_illegal_addr'))).toEqual([{ kind: 'exception', unitId: 1, fc: 3, code: 2 }])
    expect(parse(fc3, vec('modbus', 'exc_fc03_illegal_func'))[0]).toMatchObject({ code: 1 })
    expect(parse({ ...fc3, fc: 4 }, vec('modbus', 'exc_fc04_illegal_addr'))[0]).toMatchObject({ kind: 'exception', code: 2 })
  })

  it('treats another unit or function, and bytes after the reply, as noise', () => {
    const other = Buffer.from([0x02, 0x03, 0x02, 0x0e, 0x42])
    const evs = parse(fc3, Buffer.concat([other, vec('modbus', 'resp_1reg_365_x10'), Buffer.from([0xaa, 0xbb])]))
    expect(evs).toEqual([
      { kind: 'noise', bytes: 5 },
      { kind: 'reply', unitId: 1, fc: 3, registers: [365] },
      { kind: 'noise', bytes: 2 },
    ])
  })

  it('with no request in flight, everything is noise', () => {
    const p = new ModbusReplyParser()
    expect(p.push(vec('modbus', 'resp_1reg_365_x10'))).toEqual([{ kind: 'noise', bytes: 7 }])
  })
})
