// The wire format: CloudEvents 1.0 structured JSON, topic names, the status payload.
import { describe, expect, it } from 'vitest'
import { eventSerializer, eventSource, gatePrefix, isRetained, isValidEventTopic, statusPayload, topics } from '../../cloud-bridge/envelope.ts'
import type { OutboxRow } from '../../gateway/store/store.ts'

const row: OutboxRow = {
  seq: 42,
  id: '0b0f6c1e-1d2f-4c1a-9f3e-5a1b2c3d4e5f',
  topic: 'entry',
  type: 'estategate.entry.v1',
  time: '2026-11-23T02:00:00.000Z',
  data: JSON.stringify({ direction: 'in', decision: 'deny', reasons: ['fever'], note: 'quote " and \\ and 中文' }),
  createdAt: 1,
}

describe('envelope', () => {
  it('serializes an outbox row as a structured-mode CloudEvent with seq and seqstream, historical and resend only when true', () => {
    const ser = eventSerializer(eventSource('estate-001', 'north-1'), '0f3a9c')
    expect(JSON.parse(ser(row, false))).toEqual({
      specversion: '1.0',
      id: row.id,
      source: '/estate-gate/estate-001/north-1',
      type: 'estategate.entry.v1',
      time: '2026-11-23T02:00:00.000Z',
      datacontenttype: 'application/json',
      seq: 42,
      seqstream: '0f3a9c',
      data: { direction: 'in', decision: 'deny', reasons: ['fever'], note: 'quote " and \\ and 中文' },
    })
    expect(JSON.parse(ser(row, true))).toMatchObject({ seq: 42, historical: true })
    expect(ser(row, false)).not.toContain('historical')
    expect(ser(row, false)).not.toContain('resend')
    expect(JSON.parse(ser({ ...row, resend: true }, false))).toMatchObject({ seq: 42, resend: true })
    // Strings from the row are escaped, not spliced.
    const odd = { ...row, id: 'a"b', type: 't\\x', time: 'x\ny' }
    expect(JSON.parse(ser(odd, false))).toMatchObject({ id: 'a"b', type: 't\\x', time: 'x\ny' })
  })

  it('builds topics under P and refuses wildcards and empty levels', () => {
    const P = gatePrefix('estate-gate', 'estate-001', 'north-1')
    expect(P).toBe('estate-gate/estate-001/north-1')
    expect(gatePrefix('a/b', 's', 'g')).toBe('a/b/s/g')
    expect(() => gatePrefix('estate-gate', 'site+', 'g')).toThrow()
    expect(() => gatePrefix('estate-gate', 's', '')).toThrow()
    expect(() => gatePrefix('$SYS', 's', 'g')).toThrow()
    expect(topics.status(P)).toBe(`${P}/status`)
    expect(topics.event(P, 'summary/hour')).toBe(`${P}/summary/hour`)
    expect(topics.device(P, 'thermo-in')).toBe(`${P}/device/thermo-in`)
    expect(() => topics.device(P, 'a/b')).toThrow(/device name/)
    expect(() => topics.device(P, '#')).toThrow()
    expect(topics.request(P, 'gate/open')).toBe(`${P}/request/gate/open`)
    expect(topics.response(P, 'gate/open')).toBe(`${P}/response/gate/open`)
  })

  it('retains summaries only, and accepts only plain outbox topics', () => {
    expect(['entry', 'alert', 'task', 'summary/hour', 'summary/day'].filter(isRetained)).toEqual(['summary/hour', 'summary/day'])
    expect(['entry', 'summary/day'].every(isValidEventTopic)).toBe(true)
    expect(['', 'a//b', '/entry', 'entry/', 'a/+', '#', 'x\u0000'].some(isValidEventTopic)).toBe(false)
  })

  it('status payload', () => {
    expect(JSON.parse(statusPayload('online', Date.UTC(2026, 10, 23), 'boot', '1.0.0'))).toEqual({
      state: 'online',
      ts: '2026-11-23T00:00:00.000Z',
      bootId: 'boot',
      version: '1.0.0',
    })
  })
})
