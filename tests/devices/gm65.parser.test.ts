import { describe, expect, it } from 'vitest'
import { Gm65Demux, gm65Read, gm65Save, gm65Write, type Gm65Event } from '../../devices/protocols/gm65.ts'
import { vec } from './helpers.ts'

const kinds = (evs: Gm65Event[]): string[] => evs.map((e) => e.kind)
const codes = (evs: Gm65Event[]): string[] => evs.flatMap((e) => (e.kind === 'code' ? [e.text] : []))
const replies = (evs: Gm65Event[]) => evs.flatMap((e) => (e.kind === 'reply' ? [e] : []))

describe('GM65 commands', () => {
  it('builds the manual frames with XMODEM CRC', () => {
    expect(gm65Read(0x000a)).toEqual(vec('gm65', 'read_000A'))
    expect(gm65Read(0x0000)).toEqual(vec('gm65', 'read_0000'))
    expect(gm65Write(0x000a, [0x3e])).toEqual(vec('gm65', 'write_000A_3E'))
    expect(gm65Write(0x0000, [0xd5])).toEqual(vec('gm65', 'write_0000_D5_cmdmode'))
    expect(gm65Write(0x0060, [0x21])).toEqual(vec('gm65', 'write_0060_0x21_crlf'))
    expect(gm65Write(0x0002, [0x01])).toEqual(vec('gm65', 'trigger_crc'))
    expect(gm65Write(0x0002, [0x00])).toEqual(vec('gm65', 'stop_crc'))
    expect(gm65Save()).toEqual(vec('gm65', 'save_eeprom'))
  })

  it('can send AB CD instead of the CRC', () => {
    expect(gm65Write(0x0002, [0x01], { noCrc: true })).toEqual(vec('gm65', 'trigger_nocrc'))
  })

  it('rejects out-of-range arguments with what was expected', () => {
    expect(() => gm65Read(0x10000)).toThrow(/0x0000..0xFFFF/)
    expect(() => gm65Read(1, 0)).toThrow(/1..256/)
    expect(() => gm65Write(1, [])).toThrow(/1..256/)
  })
})

describe('Gm65Demux', () => {
  it('parses the reply vectors with their CRC', () => {
    const d = new Gm65Demux(64)
    const evs = d.push(Buffer.concat([vec('gm65', 'reply_ok'), vec('gm65', 'reply_read_3E'), vec('gm65', 'reply_read_D5')]))
    expect(replies(evs).map((r) => [r.header, [...r.data], r.crcOk])).toEqual([
      [2, [0x00], true],
      [2, [0x3e], true],
      [2, [0xd5], true],
    ])
  })

  it('reports (does not reject) a reply CRC mismatch', () => {
    const bad = Buffer.from(vec('gm65', 'reply_read_3E'))
    bad[6] = 0x00
    const [r] = replies(new Gm65Demux(64).push(bad))
    expect(r).toMatchObject({ kind: 'reply', crcOk: false })
    expect([...r!.data]).toEqual([0x3e])
  })

  it('recognises a heartbeat reply (03 00 00)', () => {
    const evs = new Gm65Demux(64).push(Buffer.from([0x03, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31]))
    expect(replies(evs)[0]).toMatchObject({ header: 3, crcOk: true })
  })

  it('separates an ACK followed by scan data in one chunk, and byte by byte', () => {
    const data = Buffer.concat([vec('gm65', 'reply_ok'), Buffer.from('PASS-1\r')])
    expect(kinds(new Gm65Demux(64).push(data))).toEqual(['reply', 'code'])
    const d = new Gm65Demux(64)
    const evs: Gm65Event[] = []
    for (const b of data) evs.push(...d.push(Uint8Array.of(b)))
    expect(kinds(evs)).toEqual(['reply', 'code'])
    expect(codes(evs)).toEqual(['PASS-1'])
  })

  it('takes a reply that comes right after a code', () => {
    const evs = new Gm65Demux(64).push(Buffer.concat([Buffer.from('A\r\n'), vec('gm65', 'reply_read_3E'), Buffer.from('B\r')]))
    expect(kinds(evs)).toEqual(['code', 'reply', 'code'])
  })

  it('treats STX inside or at the start of scan text as data', () => {
    const evs = new Gm65Demux(64).push(Buffer.from('\x02AB\x02\x00x\r', 'latin1'))
    expect(codes(evs)).toEqual(['\x02AB\x02\x00x'])
  })

  it('drops a reply cut short by an idle gap', () => {
    const d = new Gm65Demux(64)
    expect(d.push(Buffer.from([0x02, 0x00, 0x00, 0x01]))).toEqual([])
    expect(d.flush()).toEqual([{ kind: 'partialReply', bytes: 4 }])
    expect(codes(d.push(Buffer.from('OK\r')))).toEqual(['OK'])
  })

  it('applies the line rules to scan data (too long, bad UTF-8)', () => {
    const d = new Gm65Demux(16)
    const evs = d.push(Buffer.concat([Buffer.from('y'.repeat(40) + '\r'), Buffer.from([0xc3, 0x28, 0x0d]), Buffer.from('fine\r')]))
    expect(evs.filter((e) => e.kind === 'error').map((e) => (e.kind === 'error' ? e.error : ''))).toEqual(['tooLong', 'badUtf8'])
    expect(codes(evs)).toEqual(['fine'])
  })
})
