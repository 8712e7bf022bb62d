import { describe, expect, it } from 'vitest'
import { LineFramer, parseTail, tailError, type LineEvent } from '../../devices/protocols/line.ts'

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

  it('ignores empty codes (bare CRs); a lone LF ends a code (LF-tail scanners)', () => {
    const f = new LineFramer(64)
    expect(codes(f.push(bytes('\r\r\r\nA\nB\r')))).toEqual(['A', 'B'])
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

// Issue 12 point 4: scanners are set to CR, CR LF, LF or TAB tails, or none; every one must deliver the pass.
const PASS = 'eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.eyJzdWIiOiJILTEifQ.c2lnbmF0dXJl-_'
const TAIL_BYTES: Record<string, string> = { cr: '\r', crlf: '\r\n', lf: '\n', tab: '\t', none: '' }

describe('LineFramer tails', () => {
  it.each(Object.entries(TAIL_BYTES))('auto: a pass with a %s tail, in one chunk, byte by byte, and ended by silence', (_, t) => {
    // Two scans, each followed by the idle gap (the driver's flush), which a tail-less unit relies on.
    const data = bytes(`${PASS}${t}`)
    const f = new LineFramer(2048)
    const g = new LineFramer(2048)
    const got: string[] = []
    for (let i = 0; i < 2; i++) {
      got.push(...codes(f.push(data)), ...codes(f.flush()))
      got.push(...codes(byteByByte(g, data)), ...codes(g.flush()))
    }
    expect(got).toEqual([PASS, PASS, PASS, PASS])
    // Back to back without a gap, every tail but none still separates them.
    if (t !== '') expect(codes(new LineFramer(2048).push(bytes(`${PASS}${t}${PASS}${t}`)))).toEqual([PASS, PASS])
  })

  it('auto: a lone LF ended by silence is not part of the code (the bug: every pass refused)', () => {
    const f = new LineFramer(2048)
    expect(codes(f.push(bytes(`${PASS}\n`)))).toEqual([PASS])
    expect(f.flush()).toEqual([])
    const g = new LineFramer(2048)
    g.push(bytes(PASS))
    g.push(bytes('\n'))
    expect(g.pending).toBe(0)
  })

  it.each([
    ['cr', '\r'],
    ['crlf', '\r\n'],
    ['lf', '\n'],
    ['tab', '\t'],
    ['03', '\x03'],
    ['0d 0a 04', '\r\n\x04'],
  ])('exact tail %s: that sequence ends a code, other control bytes are data', (setting, t) => {
    const f = new LineFramer(64, parseTail(setting))
    const other = t === '\t' ? '\n' : '\t'
    expect(codes(f.push(bytes(`A${other}B${t}C${t}`)))).toEqual([`A${other}B`, 'C'])
    // Split in the middle of the tail.
    const g = new LineFramer(64, parseTail(setting))
    expect(codes(byteByByte(g, bytes(`XY${t}`)))).toEqual(['XY'])
  })

  it('exact multi-byte tail cut off by silence: the half tail is dropped', () => {
    const f = new LineFramer(64, parseTail('crlf'))
    expect(f.push(bytes('ABC\r'))).toEqual([])
    expect(codes(f.flush())).toEqual(['ABC'])
    const g = new LineFramer(64, parseTail('0d0a04'))
    g.push(bytes('ABC\r\n'))
    expect(codes(g.flush())).toEqual(['ABC'])
  })

  it('none: only silence ends a code; CR and LF are data', () => {
    const f = new LineFramer(64, parseTail('none'))
    expect(f.push(bytes('A\rB\n'))).toEqual([])
    expect(codes(f.flush())).toEqual(['A\rB\n'])
  })

  it('an exact tail counts the code without it against maxLength', () => {
    const f = new LineFramer(4, parseTail('0d0a04'))
    expect(codes(f.push(bytes('1234\r\n\x04')))).toEqual(['1234'])
    const evs = f.push(bytes('12345\r\n\x04OK\r\n\x04'))
    expect(errors(evs)).toEqual(['tooLong'])
    expect(codes(evs)).toEqual(['OK'])
    f.push(bytes('12345'))
    expect(errors(f.flush())).toEqual(['tooLong'])
  })

  it('tail settings: names, hex, and what is refused', () => {
    expect(parseTail()).toEqual({ kind: 'auto' })
    expect(parseTail('none')).toEqual({ kind: 'bytes', bytes: new Uint8Array() })
    expect(parseTail('0D 0a')).toEqual({ kind: 'bytes', bytes: Uint8Array.of(0x0d, 0x0a) })
    expect(tailError('CR')).toMatch(/expected one of auto, cr, crlf, lf, tab, none, or 1-8 bytes in hex/)
    expect(tailError('0d0')).toMatch(/in hex/)
    expect(tailError('0d'.repeat(9))).toMatch(/in hex/)
    // A tail that starts with a character of a pass would cut passes in two.
    expect(tailError('2e0d')).toMatch(/would cut passes/)
    expect(tailError('41')).toMatch(/would cut passes/)
    expect(tailError('0d2e')).toBeNull()
  })
})
