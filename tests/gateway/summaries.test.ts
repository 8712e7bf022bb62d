import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { entryMessage } from '../../gateway/pipeline/pipeline.ts'
import { Store, type EntryRecord } from '../../gateway/store/store.ts'
import { dayStartOf, periodLabel, periodStart, Summarizer } from '../../gateway/summaries.ts'
import { zoneOffsetMs as tzOffsetMs } from '../../gateway/zone.ts'

const TZ = 'Asia/Shanghai'
const at = (local: string): number => Date.parse(`${local}+08:00`)

function setup(startLocal: string) {
  const store = new Store(join(mkdtempSync(join(tmpdir(), 'estate-gate-sum-')), 'g.db'), { synchronous: 'normal' })
  let now = at(startLocal)
  const clock = { now: () => now, mono: () => now }
  const s = new Summarizer({ store, timeZone: TZ, clock, log: pino({ level: 'silent' }) })
  const entry = (local: string, over: Partial<EntryRecord> = {}): void => {
    const e: EntryRecord = {
      eventId: randomUUID(), ts: at(local), day: local.slice(0, 10), clockTrusted: true, bootId: 'b', source: 'scan', direction: 'in',
      kind: 'resident', subject: 'H-1', passId: randomUUID(), codeHash: null, tempC: 36.6, rechecked: false, decision: 'admit',
      reasons: [], scanner: 's', staff: null, policyVersion: 'p', detail: null, ...over,
    }
    store.recordDecision(e, [entryMessage(e)])
  }
  const summaries = (kind: string) =>
    store.outboxAfter(0, 1000).filter((r) => r.topic === `summary/${kind}`).map((r) => JSON.parse(r.data) as { period: string; counts: Record<string, unknown>; resent: boolean })
  return { store, s, entry, summaries, set: (local: string) => (now = at(local)) }
}

describe('time zone periods', () => {
  it('cuts hours and days at local boundaries', () => {
    expect(tzOffsetMs(at('2026-11-23T10:30:00'), TZ)).toBe(8 * 3_600_000)
    expect(periodStart('hour', at('2026-11-23T10:59:59'), TZ)).toBe(at('2026-11-23T10:00:00'))
    expect(periodStart('day', at('2026-11-23T00:30:00'), TZ)).toBe(at('2026-11-23T00:00:00'))
    expect(periodStart('day', at('2026-11-22T23:59:00'), TZ)).toBe(at('2026-11-22T00:00:00'))
    expect(periodLabel('hour', at('2026-11-23T07:00:00'), TZ)).toBe('2026-11-23T07')
    expect(dayStartOf('2026-11-23', TZ)).toBe(at('2026-11-23T00:00:00'))
    expect(periodStart('hour', Date.parse('2026-11-23T10:45:00+05:30'), 'Asia/Kolkata')).toBe(Date.parse('2026-11-23T10:00:00+05:30'))
  })
})

describe('summaries', () => {
  it('starts with the gateway: nothing before its first run, then each complete hour once', () => {
    const t = setup('2026-11-23T09:20:00')
    expect(t.s.catchUp()).toBe(0)
    t.entry('2026-11-23T09:30:00')
    t.entry('2026-11-23T09:40:00', { decision: 'deny', reasons: ['fever'], tempC: 38.1, rechecked: true })
    t.entry('2026-11-23T09:50:00', { direction: 'out', tempC: null })
    t.entry('2026-11-23T10:05:00')
    t.set('2026-11-23T10:00:10')
    expect(t.s.catchUp()).toBe(1)
    expect(t.s.catchUp()).toBe(0)
    const [h9] = t.summaries('hour')
    expect(h9).toMatchObject({
      period: '2026-11-23T09',
      counts: { entries: 3, in: 2, out: 1, admitted: 2, denied: 1, fevers: 1, byReason: { fever: 1 }, byKind: { resident: { in: 1, out: 1 } }, maxTempC: 38.1 },
    })
  })

  it('catches up the hours and the day missed while off, each once; a clock jump back repeats none', () => {
    const t = setup('2026-11-23T22:10:00')
    t.s.catchUp()
    t.entry('2026-11-23T22:30:00')
    // Off from 22:40 to 02:15 the next day.
    t.set('2026-11-24T02:15:00')
    expect(t.s.catchUp()).toBe(4 + 1)
    expect(t.summaries('hour').map((h) => h.period)).toEqual(['2026-11-23T22', '2026-11-23T23', '2026-11-24T00', '2026-11-24T01'])
    expect(t.summaries('day').map((d) => d.period)).toEqual(['2026-11-23'])
    expect(t.summaries('day')[0]!.counts).toMatchObject({ entries: 1, admitted: 1 })
    t.set('2026-11-24T01:00:00')
    expect(t.s.catchUp()).toBe(0)
    t.set('2026-11-24T03:00:01')
    expect(t.s.catchUp()).toBe(1)
  })

  it('resends days on request, marked as resent', () => {
    const t = setup('2026-11-20T12:00:00')
    t.s.catchUp()
    t.set('2026-11-23T12:00:00')
    t.s.catchUp()
    const before = t.summaries('day').length
    expect(t.s.resendDays('2026-11-21', '2026-11-22')).toEqual(['2026-11-21', '2026-11-22'])
    const after = t.summaries('day')
    expect(after.length).toBe(before + 2)
    expect(after.slice(-2).map((d) => [d.period, d.resent])).toEqual([['2026-11-21', true], ['2026-11-22', true]])
  })
})
