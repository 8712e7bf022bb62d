import { describe, expect, it } from 'vitest'
import { LineFramer, type LineEvent } from '../../devices/protocols/line.ts'

const codes = (evs: LineEvent[]): string[] => evs.flatMap((e) => (e.kind === 'code' ? [e.text] : []))
const errors = (evs: LineEvent[]): string[] => evs.flatMap((e) => (e.kind === 'error' ? [e.error] : []))
const bytes = (s: string): Buffer => Buffer.from(s, 'utf8')

function byteByByte(f: LineFramer, data: Buffer): LineEvent[] {
  const out: LineEvent[] = []
  for (const b of data) out.push(...f.push(Uint8Array.of(b)))
  return out
}

describe('LineFramer', () => {
  it('ends a code at CR and at CR LF, stripping the LF', () => {
    const f = new LineFramer(64)
    expect(codes(f.push(bytes('ABC\rDEF\r\nGHI\r')))).toEqual(['ABC', 'DEF', 'GHI'])
  })

  it('never makes an empty code from the LF of a CR LF split across chunks', () => {
    const f = new LineFramer(64)
    expect(codes(f.push(bytes('ABC\r')))).toEqual(['ABC'])
    expect(f.push(bytes('\n'))).toEqual([])
    expect(f.pending).toBe(0)
    expect(f.flush()).toEqual([])
  })

  it('delivers the same codes byte by byte as in one chunk', () => {
    const data = bytes('路砦社区-1\r\nsecond\rthird\r\n')
    expect(codes(byteByByte(new LineFramer(64), data))).toEqual(['路砦社区-1', 'second', 'third'])
  })

  it('ignores empty codes (bare CRs) and keeps a lone LF as data', () => {
    const f = new LineFramer(64)
    expect(codes(f.push(bytes('\r\r\r\nA\nB\r')))).toEqual(['A\nB'])
  })

  it('ends a code without a tail on flush (idle gap)', () => {
    const f = new LineFramer(64)
    expect(f.push(bytes('NOTAIL'))).toEqual([])
    expect(f.pending).toBe(6)
    expect(codes(f.flush())).toEqual(['NOTAIL'])
    expect(f.pending).toBe(0)
  })

  it('accepts exactly maxLength bytes and rejects maxLength + 1 once, then recovers', () => {
    const f = new LineFramer(8)
    expect(codes(f.push(bytes('12345678\r')))).toEqual(['12345678'])
    const evs = f.push(bytes(`${'x'.repeat(5000)}\rOK\r`))
    expect(errors(evs)).toEqual(['tooLong'])
    expect(codes(evs)).toEqual(['OK'])
  })

  it('drops the rest of an over-long code that ends with an idle gap', () => {
    const f = new LineFramer(4)
    expect(errors(f.push(bytes('abcdefgh')))).toEqual(['tooLong'])
    expect(f.flush()).toEqual([])
    expect(codes(f.push(bytes('ok\r')))).toEqual(['ok'])
  })

  it('rejects invalid UTF-8 and delivers the next code', () => {
    const f = new LineFramer(64)
    const evs = f.push(Buffer.concat([Buffer.from([0xff, 0xfe, 0x41]), bytes('\rNEXT\r')]))
    expect(errors(evs)).toEqual(['badUtf8'])
    expect(codes(evs)).toEqual(['NEXT'])
  })

  it('rejects a truncated multi-byte character', () => {
    const f = new LineFramer(64)
    expect(errors(f.push(Buffer.from([0xe8, 0xb7, 0x0d])))).toEqual(['badUtf8'])
  })

  it('reset drops a half-received code', () => {
    const f = new LineFramer(64)
    f.push(bytes('HALF'))
    f.reset()
    expect(codes(f.push(bytes('WHOLE\r')))).toEqual(['WHOLE'])
  })
})
