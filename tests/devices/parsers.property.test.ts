// Garbage on any wire: random bytes in random chunks never throw and never grow a parser's buffer past one frame.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gm65Demux } from '../../devices/protocols/gm65.ts'
import { GyMcuParser } from '../../devices/protocols/gymcu.ts'
import { LineFramer } from '../../devices/protocols/line.ts'
import { ModbusReplyParser } from '../../devices/protocols/modbus.ts'

const chunks = fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 40 })
// Bytes that hit the interesting paths (terminators, headers, unit id 1 / fc 3) more often than uniform ones do.
const biased = fc.array(
  fc.uint8Array({ maxLength: 200 }).chain((u) =>
    fc.constantFrom(0x0d, 0x0a, 0x02, 0x03, 0x00, 0x01, 0x5a, 0x45, 0x04, 0x83).map((b) => Uint8Array.from([...u, b])),
  ),
  { maxLength: 60 },
)
const RUNS = { numRuns: 300 }

describe('parsers under random bytes', () => {
  it('LineFramer: no throw, buffer ≤ maxLength, every code within the limit', () => {
    fc.assert(
      fc.property(fc.oneof(chunks, biased), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 10 }), (cs, max, every) => {
        const f = new LineFramer(max)
        const held = f as unknown as { len: number; buf: Uint8Array }
        cs.forEach((c, i) => {
          for (const e of f.push(c)) if (e.kind === 'code') expect(Buffer.byteLength(e.text)).toBeLessThanOrEqual(max)
          expect(held.len).toBeLessThanOrEqual(max)
          expect(held.buf.length).toBe(max)
          if (i % every === 0) f.flush() // an idle gap now and then
        })
      }),
      RUNS,
    )
  })

  it('Gm65Demux: no throw, held bytes ≤ one reply + one code', () => {
    fc.assert(
      fc.property(fc.oneof(chunks, biased), (cs) => {
        const d = new Gm65Demux(64)
        for (const c of cs) {
          d.push(c)
          // A reply holds at most 4 + 256 + 2 bytes; the framer's buffer at most maxLength.
          expect((d as unknown as { reply: number[] }).reply.length).toBeLessThanOrEqual(262)
        }
        d.flush()
      }),
      RUNS,
    )
  })

  it('ModbusReplyParser: no throw, buffer < one frame after each push', () => {
    fc.assert(
      fc.property(fc.oneof(chunks, biased), fc.integer({ min: 1, max: 125 }), (cs, quantity) => {
        const p = new ModbusReplyParser()
        p.expect({ unitId: 1, fc: 3, quantity })
        for (const c of cs) {
          for (const e of p.push(c)) if (e.kind === 'noise') expect(e.bytes).toBeGreaterThan(0)
          expect((p as unknown as { buf: Buffer }).buf.length).toBeLessThan(5 + 2 * quantity)
        }
      }),
      RUNS,
    )
  })

  it('GyMcuParser: no throw, holds fewer than 9 bytes, and every frame is plausible', () => {
    fc.assert(
      fc.property(fc.oneof(chunks, biased), (cs) => {
        const p = new GyMcuParser()
        for (const c of cs) {
          for (const e of p.push(c)) if (e.kind === 'frame') expect(Math.abs(e.ambientC)).toBeLessThanOrEqual(125)
          expect(p.pending).toBeLessThan(9)
        }
      }),
      RUNS,
    )
  })
})
