// retention.days: personal rows older than that are deleted once a day; the summaries (with their counts), the
// outbox and the recent rows stay, and a summary/resend of a purged day sends what was counted, not zeros.
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { entryMessage } from '../../gateway/pipeline/pipeline.ts'
import { Retention } from '../../gateway/retention.ts'
import { Store, type EntryRecord } from '../../gateway/store/store.ts'
import { Summarizer } from '../../gateway/summaries.ts'
import { localDay } from '../../gateway/time.ts'

const TZ = 'Asia/Shanghai'
const at = (local: string): number => Date.parse(`${local}+08:00`)
const DAY = 86_400_000
const log = pino({ level: 'silent' })

function gate(startLocal: string, days = 30) {
  const store = new Store(join(mkdtempSync(join(tmpdir(), 'estate-gate-ret-')), 'g.db'), { synchronous: 'normal' })
  let now = at(startLocal)
  const clock = { now: () => now, mono: () => now }
  const summarizer = new Summarizer({ store, timeZone: TZ, clock, log })
  let yields = 0
  const retention = new Retention({ store, timeZone: TZ, days: () => days, clock, log, batch: 40, yieldBetweenBatches: async () => void yields++ })
  const entry = (ts: number, i: number): void => {
    const e: EntryRecord = {
      eventId: randomUUID(), ts, day: localDay(ts, TZ), clockTrusted: true, bootId: 'b', source: 'scan', direction: i % 2 ? 'out' : 'in',
      kind: 'resident', subject: `H-${i % 7}`, passId: `p-${i}`, codeHash: null, tempC: i % 50 === 0 ? 38.1 : 36.5, rechecked: false,
      decision: i % 50 === 0 ? 'deny' : 'admit', reasons: i % 50 === 0 ? ['fever'] : [], scanner: 's', staff: null, policyVersion: 'p', detail: null,
    }
    store.recordDecision(e, [entryMessage(e)])
  }
  return { store, summarizer, retention, entry, set: (t: number) => (now = t), now: () => now, yields: () => yields }
}

describe('retention', () => {
  it('keeps 30 local days of entries, deletes the rest in batches, and keeps every summary with its counts', async () => {
    const g = gate('2026-10-01T06:00:00')
    g.summarizer.catchUp() // the first start: summaries begin today
    // 45 days of a gate, 100 people a day between 06:00 and 22:00, the minutely work run each hour.
    let i = 0
    for (let d = 0; d < 45; d++) {
      for (let h = 6; h < 24; h++) {
        const hourStart = at('2026-10-01T00:00:00') + d * DAY + h * 3_600_000
        if (h < 22) for (let k = 0; k < 6; k++) g.entry(hourStart + k * 600_000, i++)
        g.set(hourStart + 3_599_000)
        g.summarizer.catchUp()
        await g.retention.maybeRun()
      }
    }
    // Now: 2026-11-14 23:59 local. Kept: 2026-10-16 .. 2026-11-14 (30 days).
    const days = g.store.db.prepare('SELECT DISTINCT day FROM entries ORDER BY day').all() as { day: string }[]
    expect(days[0]!.day).toBe('2026-10-16')
    expect(days.at(-1)!.day).toBe('2026-11-14')
    expect(days).toHaveLength(30)
    expect(g.yields()).toBeGreaterThan(0)
    // Every day's summary is kept with its data, purged days included.
    const kept = g.store.db.prepare(`SELECT period, data FROM summaries WHERE kind = 'day' ORDER BY period_start`).all() as { period: string; data: string }[]
    expect(kept[0]!.period).toBe('2026-10-01')
    expect(kept).toHaveLength(44)
    expect(JSON.parse(kept[0]!.data).counts).toMatchObject({ entries: 96, fevers: 2 })
    // The outbox is not retention's: every entry event not yet sent is still there.
    expect(g.store.outboxBacklog().count).toBeGreaterThan(i)
  })

  it('a resend of a purged day sends the counts it had, not zeros', async () => {
    const g = gate('2026-10-01T06:00:00', 3)
    g.summarizer.catchUp()
    for (let k = 0; k < 12; k++) g.entry(at('2026-10-01T08:00:00') + k * 60_000, k)
    for (let d = 1; d <= 6; d++) {
      g.set(at('2026-10-01T12:00:00') + d * DAY)
      g.summarizer.catchUp()
      await g.retention.maybeRun()
    }
    expect(g.store.db.prepare(`SELECT count(*) AS n FROM entries WHERE day = '2026-10-01'`).get()).toEqual({ n: 0 })
    const seqBefore = g.store.lastSeq()
    expect(g.summarizer.resendDays('2026-10-01', '2026-10-01')).toEqual(['2026-10-01'])
    const [resent] = g.store.outboxAfter(seqBefore, 10)
    const data = JSON.parse(resent!.data) as { period: string; resent: boolean; counts: { entries: number; fevers: number } }
    expect(data).toMatchObject({ period: '2026-10-01', resent: true, counts: { entries: 12, fevers: 1 } })
  })

  it('runs once per local day, and never deletes a day that has not been summarised', async () => {
    const g = gate('2026-10-01T06:00:00', 1)
    // No summaries at all (the summarizer never ran): nothing may go, however old.
    for (let k = 0; k < 5; k++) g.entry(at('2026-09-01T08:00:00') + k * 60_000, k)
    const r = await g.retention.maybeRun()
    expect(r?.deleted).toEqual({})
    expect(await g.retention.maybeRun()).toBeNull()
    expect(g.store.db.prepare('SELECT count(*) AS n FROM entries').get()).toEqual({ n: 5 })
  })

  it('warns that unsummarised days are kept only when such rows exist: never on a fresh database', async () => {
    const warnings = (): string[] => lines.filter((l) => l.level === 40).map((l) => l.msg)
    const lines: { level: number; msg: string }[] = []
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk)) as { level: number; msg: string }), cb()) })
    const fresh = gate('2026-10-01T06:00:00')
    const clock = { now: () => fresh.now(), mono: () => fresh.now() }
    const run = (store: Store): Promise<unknown> => new Retention({ store, timeZone: TZ, days: () => 30, clock, log: pino({ level: 'info' }, sink) }).run()
    await run(fresh.store)
    expect(warnings()).toEqual([])
    // Rows older than 30 days with no day summary (the summarizer never ran): kept, and said so.
    const old = gate('2026-10-01T06:00:00')
    for (let k = 0; k < 3; k++) old.entry(at('2026-08-01T08:00:00') + k * 60_000, k)
    await run(old.store)
    expect(warnings()).toEqual(['retention: days not yet summarised are kept until they are'])
  })
})
