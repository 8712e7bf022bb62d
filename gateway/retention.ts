// retention.days (DESIGN section 4): once a day, personal rows older than that many local days are deleted: the
// entries (holder ids, pass ids, temperatures, visitors' details), the task occurrences (who did what, notes) and
// the kiosk's own records. The aggregates stay: each day's summary was queued with its data (gateway/summaries.ts)
// before anything of that day is deleted, and the outbox is never touched (what is not yet sent is still sent).
import type { Logger } from 'pino'
import type { Clock } from '../devices/types.ts'
import type { Store } from './store/store.ts'
import { dayStartOf } from './summaries.ts'
import { localDay } from './time.ts'

export interface RetentionOptions {
  store: Store
  timeZone: string
  days: () => number
  clock: Clock
  log: Logger
  /** Lets the gate decide between batches, so that a big first purge never holds the event loop for long. */
  yieldBetweenBatches?: () => Promise<void>
  /** Rows per delete transaction (default 2,000: a few milliseconds each on a Pi's SD card). */
  batch?: number
}

export interface RetentionResult {
  /** Rows before this local day were deleted. */
  before: string
  deleted: Record<string, number>
}

/** Tables with personal rows, and the column holding their wall-clock time (ms). */
const TABLES: readonly { table: string; ts: string }[] = [
  { table: 'entries', ts: 'ts' },
  { table: 'task_occurrences', ts: 'due_at' },
  { table: 'kiosk_events', ts: 'ts' },
  { table: 'gate_events', ts: 'ts' },
]

export class Retention {
  private running: Promise<RetentionResult | null> | null = null

  constructor(private readonly o: RetentionOptions) {}

  /** Runs at most once per local day (and at start); returns null when today's run was already done. */
  maybeRun(): Promise<RetentionResult | null> {
    const today = localDay(this.o.clock.now(), this.o.timeZone)
    if (this.running || this.o.store.getMeta('retention_last_day') === today) return this.running ?? Promise.resolve(null)
    this.running = this.run().finally(() => (this.running = null))
    return this.running
  }

  async run(): Promise<RetentionResult> {
    const { store, timeZone, clock, log } = this.o
    const now = clock.now()
    const today = localDay(now, timeZone)
    // Whole local days are kept: with days = 30, today and the 29 days before it.
    const before = localDay(dayStartOf(today, timeZone) - (this.o.days() - 1) * 86_400_000 + 12 * 3_600_000, timeZone)
    const cutoff = dayStartOf(before, timeZone)
    // Never delete what has not been summarised: a day's aggregates must exist before its rows go.
    const summarisedTo = this.summarisedUntil()
    const limit = Math.min(cutoff, summarisedTo)
    const batch = this.o.batch ?? 2000
    const deleted: Record<string, number> = {}
    const existing = new Set((store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name))
    for (const { table, ts } of TABLES) {
      if (!existing.has(table)) continue
      const del = store.db.prepare(`DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM "${table}" WHERE "${ts}" < ? LIMIT ${batch})`)
      let n = 0
      for (;;) {
        const changes = del.run(limit).changes
        n += changes
        if (changes < batch) break
        await (this.o.yieldBetweenBatches ?? (() => new Promise<void>((r) => setImmediate(r))))()
      }
      if (n > 0) deleted[table] = n
    }
    store.setMeta('retention_purged_before', String(Math.max(limit, Number(store.getMeta('retention_purged_before') ?? '0'))))
    store.setMeta('retention_last_day', today)
    const result = { before: limit === cutoff ? before : localDay(limit, timeZone), deleted }
    if (Object.keys(deleted).length > 0) log.info({ ...result, days: this.o.days() }, 'retention: old personal rows deleted; the summaries are kept')
    // Only when rows past retention are actually kept for want of a summary: a fresh database (nothing summarised
    // yet, nothing old either) has nothing to warn about.
    if (limit < cutoff && TABLES.some(({ table, ts }) => existing.has(table) && store.db.prepare(`SELECT 1 FROM "${table}" WHERE "${ts}" < ? LIMIT 1`).get(cutoff))) {
      log.warn({ summarisedTo: new Date(summarisedTo).toISOString() }, 'retention: days not yet summarised are kept until they are')
    }
    return result
  }

  /** The end of the last day whose summary was queued (rows before it are counted in a kept summary). */
  private summarisedUntil(): number {
    const row = this.o.store.db.prepare(`SELECT max(period_start) AS p FROM summaries WHERE kind = 'day'`).get() as { p: number | null }
    if (row.p === null) return 0
    return dayStartOf(localDay(row.p + 36 * 3_600_000, this.o.timeZone), this.o.timeZone)
  }
}
