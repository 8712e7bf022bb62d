// The log at a million entries (DESIGN section 10: kiosk and summary queries ≤ 20 ms): a big estate's two months,
// about 16,000 passages a day, then the queries the gate makes while people wait and the kiosk and sheets make.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { Store } from '../gateway/store/store.ts'
import { localDay } from '../gateway/time.ts'
import { dayStartOf, summarize } from '../gateway/summaries.ts'
import { KioskRecords } from '../gateway/kiosk/records.ts'
import { taskDayFigures } from '../gateway/schedules/figures.ts'
import { daySheetCsv } from '../gateway/schedules/sheet.ts'
import { tempDirFor } from './util.ts'

export interface QueryTiming {
  name: string
  runs: number
  p50: number
  p99: number
  max: number
}

export interface StoreBenchResult {
  entries: number
  fillSeconds: number
  fileMB: number
  queries: QueryTiming[]
}

const TZ = 'Asia/Shanghai'

/** Fills a store with `count` entries spread over the days before `now`, newest last. */
export function fillStore(store: Store, count: number, now: number, days = 62): void {
  const insert = store.db.prepare(`INSERT INTO entries (event_id, ts, day, clock_trusted, boot_id, source, direction, kind, subject,
    pass_id, code_hash, temp_c, rechecked, decision, reasons, scanner, staff, policy_version, detail)
    VALUES (?, ?, ?, 1, 'bench', 'scan', ?, ?, ?, ?, NULL, ?, 0, ?, ?, ?, NULL, 'bench', NULL)`)
  const span = days * 86_400_000
  const start = now - span
  const batch = store.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const ts = start + Math.floor((i / count) * span)
      const fever = i % 997 === 0
      const deny = fever || i % 53 === 0
      const household = `H-${(i * 7919) % 3000}`
      insert.run(
        randomUUID(),
        ts,
        localDay(ts, TZ),
        i % 2 ? 'out' : 'in',
        i % 11 === 0 ? 'visitor' : 'resident',
        household,
        `p-${household}-${i % 40}`,
        fever ? 37.9 : 36.2 + (i % 9) / 10,
        deny ? 'deny' : 'admit',
        fever ? '["fever"]' : deny ? '["expired"]' : '[]',
        i % 2 ? 'scanner-out' : 'scanner-in',
      )
    }
  })
  // Indexes are built once at the end (the rows arrive in ts order anyway): a few times faster than row by row.
  const indexes = store.db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' AND sql IS NOT NULL`).all() as { name: string; sql: string }[]
  for (const ix of indexes) store.db.exec(`DROP INDEX "${ix.name}"`)
  for (let i = 0; i < count; i += 50_000) batch(i, Math.min(count, i + 50_000))
  for (const ix of indexes) store.db.exec(ix.sql)
  store.db.exec('ANALYZE')
}

export function time(name: string, runs: number, fn: (i: number) => unknown): QueryTiming {
  fn(0) // the first run reads pages from disk into the cache; a kiosk query repeats every few seconds
  const xs: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    fn(i)
    xs.push(performance.now() - t0)
  }
  xs.sort((a, b) => a - b)
  const r = (x: number): number => Math.round(x * 1000) / 1000
  return { name, runs, p50: r(xs[Math.floor(runs / 2)]!), p99: r(xs[Math.min(runs - 1, Math.floor(runs * 0.99))]!), max: r(xs[runs - 1]!) }
}

function kioskQueries(store: Store, now: number): QueryTiming[] {
  const k = new KioskRecords(store, TZ, { now: () => now, mono: () => performance.now() })
  return [
    time("kiosk: today's figures", 50, () => k.figures(now)),
    time('kiosk: open fever alarms (last 12 h)', 50, () => k.openAlarms(now - 12 * 3_600_000)),
    time('kiosk: shift summary (8 h)', 50, () => k.shift(now - 8 * 3_600_000, now)),
  ]
}

export interface StoreBenchOptions {
  count: number
  /** Extra queries from other parts (kiosk figures, day sheet), run against the filled store. */
  extra?: (store: Store, now: number) => QueryTiming[]
}

export function benchStore(o: StoreBenchOptions): StoreBenchResult {
  const dir = tempDirFor('bench-store')
  const path = join(dir, 'estate-gate.db')
  const store = new Store(path, { synchronous: 'full' })
  const now = Date.now()
  const t0 = performance.now()
  fillStore(store, o.count, now)
  store.db.pragma('wal_checkpoint(TRUNCATE)')
  const fillSeconds = Math.round((performance.now() - t0) / 100) / 10
  const today = localDay(now, TZ)
  const todayStart = dayStartOf(today, TZ)
  const queries: QueryTiming[] = [
    time("today's summary so far (the summary/day count)", 50, () => summarize(store, todayStart, now, today)),
    time('a whole past day summarised', 20, (i) => {
      const day = localDay(now - (i + 2) * 86_400_000, TZ)
      const from = dayStartOf(day, TZ)
      summarize(store, from, from + 86_400_000, day)
    }),
    time('entries of one household, newest 50', 200, (i) =>
      store.db.prepare(`SELECT * FROM entries WHERE subject = ? ORDER BY ts DESC LIMIT 50`).all(`H-${(i * 31) % 3000}`),
    ),
    time('last admitted direction of a pass (anti-passback)', 500, (i) => store.lastAdmittedDirection(`p-H-${(i * 31) % 3000}-${i % 40}`)),
    time('household outings in 2 days (quota)', 500, (i) => store.outingsSince(`H-${(i * 31) % 3000}`, now - 2 * 86_400_000)),
    time('recent entries (kiosk list)', 200, () => store.recentEntries(20)),
    ...kioskQueries(store, now),
    time('the day sheet (tasks per area, CSV)', 50, () => {
      const day = localDay(now - 86_400_000, TZ)
      daySheetCsv({ day, timeZone: TZ, site: { id: 's', name: 'S' }, gate: { id: 'g', name: 'G' }, figures: taskDayFigures(store.db, day, now), occurrences: [], now, lang: 'zh', staffName: (id) => id ?? '' })
    }),
    ...(o.extra?.(store, now) ?? []),
  ]
  const fileMB = Math.round((store.db.prepare('SELECT page_count * page_size AS b FROM pragma_page_count(), pragma_page_size()').get() as { b: number }).b / 2 ** 20)
  store.close()
  return { entries: o.count, fillSeconds, fileMB, queries }
}
