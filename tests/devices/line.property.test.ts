// Property tests of the line framer's tails (issue 12 point 4): whatever tail a scanner is set to, and however the
// bytes are chunked on the way, the codes that come out are the passes that went in.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LineFramer, parseTail, tailError, type LineEvent } from '../../devices/protocols/line.ts'

const RUNS = { numRuns: 300 }
const PASS_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'
/** Text with the characters of a pass (compact JWS: base64url and dots). */
const passText = (max: number) => fc.string({ unit: fc.constantFrom(...PASS_ALPHABET), minLength: 1, maxLength: max })
const AUTO_TAILS = { cr: '\r', crlf: '\r\n', lf: '\n', tab: '\t' } as const
/** Tails one can configure exactly: the names, and hex whose first byte cannot occur in a pass. */
const exactTail = fc.oneof(
  fc.constantFrom('cr', 'crlf', 'lf', 'tab'),
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .map((u) => Buffer.from(u).toString('hex'))
    .filter((hex) => tailError(hex) === null),
)

/** Splits `data` at the given cut points. */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const c of [...at, data.length]) {
    out.push(data.subarray(prev, c))
    prev = c
  }
  return out
}

const run = (f: LineFramer, chunks: Uint8Array[]): LineEvent[] => chunks.flatMap((c) => f.push(c))
const codes = (evs: LineEvent[]): string[] => evs.flatMap((e) => (e.kind === 'code' ? [e.text] : []))

describe('LineFramer tails, properties', () => {
  it('auto: passes with any mix of CR, CR LF, LF and TAB tails, any chunking, come out exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(passText(300), fc.constantFrom(...Object.values(AUTO_TAILS))), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (scans, cuts) => {
          const data = Buffer.from(scans.map(([p, t]) => p + t).join(''))
          const f = new LineFramer(300)
          expect(codes(run(f, split(data, cuts)))).toEqual(scans.map(([p]) => p))
          expect(f.pending).toBe(0)
        },
      ),
      RUNS,
    )
  })

  it('auto and none: a code ended only by the idle gap comes out whole', () => {
    fc.assert(
      fc.property(fc.array(passText(300), { minLength: 1, maxLength: 10 }), fc.constantFrom('auto', 'none'), fc.array(fc.nat(), { maxLength: 10 }), (passes, tail, cuts) => {
        const f = new LineFramer(300, parseTail(tail))
        const got = passes.flatMap((p) => [...codes(run(f, split(Buffer.from(p), cuts))), ...codes(f.flush())])
        expect(got).toEqual(passes)
      }),
      RUNS,
    )
  })

  it('an exact tail (named or hex) separates passes, any chunking, with or without a gap after each', () => {
    fc.assert(
      fc.property(
        exactTail,
        fc.array(fc.tuple(passText(200), fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (setting, scans, cuts) => {
          const tail = parseTail(setting)
          if (tail.kind !== 'bytes') throw new Error('exact tails only')
          const f = new LineFramer(200, tail)
          const got: string[] = []
          for (const [p, gapAfter] of scans) {
            const data = Buffer.concat([Buffer.from(p), tail.bytes])
            got.push(...codes(run(f, split(data, cuts))))
            if (gapAfter) expect(f.flush()).toEqual([])
          }
          expect(got).toEqual(scans.map(([p]) => p))
          // The tail cut short by the idle gap: the half tail is dropped, the pass is whole.
          const [first] = scans[0]!
          f.push(Buffer.concat([Buffer.from(first), tail.bytes.subarray(0, tail.bytes.length - 1)]))
          expect(codes(f.flush())).toEqual([first])
        },
      ),
      RUNS,
    )
  })

  it('any bytes, any tail: the same events whatever the chunking, no code over maxLength, bounded buffer', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('auto'), fc.constant('none'), exactTail),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (setting, data, cuts, max) => {
          const whole = new LineFramer(max, parseTail(setting))
          const chunked = new LineFramer(max, parseTail(setting))
          const a = [...whole.push(data), ...whole.flush()]
          const b = [...run(chunked, split(data, cuts)), ...chunked.flush()]
          expect(b).toEqual(a)
          for (const e of a) if (e.kind === 'code') expect(e.bytes).toBeLessThanOrEqual(max)
          const held = chunked as unknown as { len: number; buf: Uint8Array }
          expect(held.buf.length).toBeLessThanOrEqual(max + 7)
        },
      ),
      RUNS,
    )
  })
})
