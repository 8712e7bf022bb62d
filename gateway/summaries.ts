// Hourly and daily summaries (DESIGN section 7: summary/hour, summary/day), computed from the log. Each period is
// queued once: the summaries table records it in the same transaction as its outbox message. A catch-up from the
// last recorded period covers the hours missed while the gateway was off, and a wall-clock jump only means the
// next catch-up finds more (forward) or nothing (backward) to do.
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Clock } from '../devices/types.ts'
import { taskDayFigures } from './schedules/figures.ts'
import type { OutboxMessage, OutboxRow, Store } from './store/store.ts'
import { rfc3339 } from './time.ts'
import { zoneOffsetMs } from './zone.ts'

export type SummaryKind = 'hour' | 'day'

export interface SummaryCounts {
  entries: number
  in: number
  out: number
  admitted: number
  denied: number
  overrides: number
  fevers: number
  /** Decisions per reason (a decision may carry several). */
  byReason: Record<string, number>
  /** Admitted passages per pass kind and direction. */
  byKind: Record<string, { in: number; out: number }>
  /** Highest temperature recorded, for a quick look at the thermometer. */
  maxTempC: number | null
  isolatedHouseholds: number
}

const HOUR = 3_600_000

/** Start (epoch ms) of the local hour or day containing `ts`. */
export function periodStart(kind: SummaryKind, ts: number, timeZone: string): number {
  const off = zoneOffsetMs(ts, timeZone)
  const size = kind === 'hour' ? HOUR : 24 * HOUR
  return ts - (((ts + off) % size) + size) % size
}

/** Start of the next period; days are re-anchored so a DST change still lands on local midnight. */
export function nextPeriod(kind: SummaryKind, start: number, timeZone: string): number {
  return kind === 'hour' ? start + HOUR : periodStart('day', start + 26 * HOUR, timeZone)
}

/** `2026-11-23T10` (hour) or `2026-11-23` (day), local. */
export function periodLabel(kind: SummaryKind, start: number, timeZone: string): string {
  const local = new Date(start + zoneOffsetMs(start, timeZone)).toISOString()
  return kind === 'hour' ? local.slice(0, 13) : local.slice(0, 10)
}

export function summarize(store: Store, from: number, to: number, day: string): SummaryCounts {
  const db = store.db
  const c: SummaryCounts = { entries: 0, in: 0, out: 0, admitted: 0, denied: 0, overrides: 0, fevers: 0, byReason: {}, byKind: {}, maxTempC: null, isolatedHouseholds: 0 }
  const groups = db
    .prepare(`SELECT direction, decision, kind, source, count(*) AS n, max(temp_c) AS maxTemp,
        sum(source = 'override' AND decision = 'deny' AND reasons LIKE '%"fever"%' AND json_extract(detail, '$.reason') = 'secondary_check') AS confirmed
      FROM entries WHERE ts >= ? AND ts < ? GROUP BY direction, decision, kind, source`)
    .all(from, to) as { direction: 'in' | 'out'; decision: string; kind: string | null; source: string; n: number; maxTemp: number | null; confirmed: number }[]
  // An armpit check that confirms a fever is an entry of its own (byReason counts it) but not a second person with a
  // fever: fevers counts people, as the staff screen and its shift summary do (gateway/kiosk/records.ts).
  let confirmed = 0
  for (const g of groups) {
    confirmed += g.confirmed
    c.entries += g.n
    c[g.direction] += g.n
    if (g.decision === 'admit') {
      c.admitted += g.n
      const k = (c.byKind[g.kind ?? 'unknown'] ??= { in: 0, out: 0 })
      k[g.direction] += g.n
    } else c.denied += g.n
    if (g.source === 'override') c.overrides += g.n
    if (g.maxTemp !== null) c.maxTempC = Math.max(c.maxTempC ?? -Infinity, g.maxTemp)
  }
  const reasons = db
    .prepare(`SELECT j.value AS reason, count(*) AS n FROM entries, json_each(entries.reasons) AS j
      WHERE entries.ts >= ? AND entries.ts < ? GROUP BY j.value`)
    .all(from, to) as { reason: string; n: number }[]
  for (const r of reasons) c.byReason[r.reason] = r.n
  c.fevers = (c.byReason.fever ?? 0) - confirmed
  c.isolatedHouseholds = (
    db.prepare(`SELECT count(*) AS n FROM isolation WHERE start_day <= ? AND (end_day IS NULL OR end_day >= ?)`).get(day, day) as { n: number }
  ).n
  return c
}

export interface SummarizerOptions {
  store: Store
  timeZone: string
  clock: Clock
  log: Logger
  /** Called after summaries were queued (the uplink drains them). */
  onQueued?: () => void
}

export class Summarizer {
  constructor(private readonly o: SummarizerOptions) {}

  /**
   * Queues every complete hour and day not yet summarised, from the last one recorded (or, on the very first run,
   * from now: there is nothing before the gateway's first start). Returns how many were queued.
   */
  catchUp(): number {
    const { store, clock, timeZone } = this.o
    const now = clock.now()
    let queued = 0
    for (const kind of ['hour', 'day'] as const) {
      const last = store.db.prepare(`SELECT max(period_start) AS p FROM summaries WHERE kind = ?`).get(kind) as { p: number | null }
      let start: number
      if (last.p === null) {
        // First run: remember where summaries begin; the current period is the first to be summarised.
        start = periodStart(kind, now, timeZone)
        const key = `summaries_since_${kind}`
        const since = store.getMeta(key)
        if (since === null) store.setMeta(key, String(start))
        else start = Number(since)
      } else start = nextPeriod(kind, last.p, timeZone)
      for (let end = nextPeriod(kind, start, timeZone); end <= now; start = end, end = nextPeriod(kind, start, timeZone)) {
        this.queue(kind, start, end, false)
        queued++
      }
    }
    if (queued > 0) {
      this.o.log.info({ queued }, 'summaries queued')
      this.o.onQueued?.()
    }
    return queued
  }

  /**
   * Queues the daily summaries of `fromDay`..`toDay` (local dates) again, with new event ids (summary/resend). They
   * go out unretained and marked `resend: true`: the retained P/summary/day stays the last complete day.
   */
  resendDays(fromDay: string, toDay: string): string[] {
    const { timeZone, clock } = this.o
    const days: string[] = []
    const end = clock.now()
    for (let start = dayStartOf(fromDay, timeZone); ; ) {
      const next = nextPeriod('day', start, timeZone)
      const label = periodLabel('day', start, timeZone)
      if (label > toDay || next > end) break
      this.queue('day', start, next, true)
      days.push(label)
      start = next
    }
    if (days.length > 0) this.o.onQueued?.()
    return days
  }

  /** The last hour and day summaries queued (not resends), as outbox rows, oldest first (the local mirror). */
  lastQueued(): OutboxRow[] {
    const rows: OutboxRow[] = []
    for (const kind of ['hour', 'day'] as const) {
      const text = this.o.store.getMeta(`last_summary_${kind}`)
      if (text === null) continue
      let row = this.lastRows.get(kind)
      if (row?.text !== text) this.lastRows.set(kind, (row = { text, row: JSON.parse(text) as OutboxRow }))
      rows.push(row.row)
    }
    return rows.sort((a, b) => a.seq - b.seq)
  }

  private readonly lastRows = new Map<SummaryKind, { text: string; row: OutboxRow }>()

  /** Entries before this wall-clock time were deleted by retention (0: none yet). */
  private purgedBefore(): number {
    return Number(this.o.store.getMeta('retention_purged_before') ?? '0')
  }

  private keptData(kind: SummaryKind, start: number): Record<string, unknown> | null {
    const row = this.o.store.db.prepare(`SELECT data FROM summaries WHERE kind = ? AND period_start = ?`).get(kind, start) as { data: string | null } | undefined
    return row?.data ? (JSON.parse(row.data) as Record<string, unknown>) : null
  }

  private queue(kind: SummaryKind, start: number, end: number, resent: boolean): void {
    const { store, timeZone, clock } = this.o
    const period = periodLabel(kind, start, timeZone)
    const day = periodLabel('day', start, timeZone)
    // A day already purged by retention (gateway/retention.ts) is resent from what was counted then.
    const kept = resent && start < this.purgedBefore() ? this.keptData(kind, start) : null
    const msg: OutboxMessage = {
      id: randomUUID(),
      topic: `summary/${kind}`,
      type: 'estategate.summary.v1',
      time: rfc3339(clock.now()),
      data: kept ? { ...kept, resent } : {
        kind, period, from: rfc3339(start), to: rfc3339(end), timeZone, resent, counts: summarize(store, start, end, day),
        // Disinfection and duty checks per area: done on time, late, missed (gateway/schedules).
        ...(kind === 'day' ? { tasks: taskDayFigures(store.db, day, clock.now()) } : {}),
      },
      ...(resent ? { resend: true } : {}),
    }
    store.db.transaction(() => {
      const [seq] = store.enqueue([msg], clock.now())
      // The last summary of each kind, as queued: the local mirror re-publishes it retained (cloud-bridge/mirror.ts).
      if (!resent) {
        const row: OutboxRow = { seq: seq!, id: msg.id, topic: msg.topic, type: msg.type, time: msg.time, data: JSON.stringify(msg.data), createdAt: clock.now() }
        store.setMeta(`last_summary_${kind}`, JSON.stringify(row))
      }
      store.db
        .prepare(`INSERT OR REPLACE INTO summaries (kind, period_start, period, event_id, queued_at, data) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(kind, start, period, msg.id, clock.now(), JSON.stringify(msg.data))
    })()
  }
}

/** Local midnight of a YYYY-MM-DD date. */
export function dayStartOf(day: string, timeZone: string): number {
  const noonUtc = Date.parse(`${day}T12:00:00Z`)
  if (Number.isNaN(noonUtc)) throw new Error(`expected a date YYYY-MM-DD, got ${JSON.stringify(day)}`)
  return periodStart('day', noonUtc - zoneOffsetMs(noonUtc, timeZone), timeZone)
}
