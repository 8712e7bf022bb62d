// Disinfection rounds and duty checks (DESIGN section 8): raises each occurrence once, records who did it, and tells
// the platform (P/task) what was due, done, overdue or missed.
//
// Evaluation works from a high-water mark kept in SQLite, never from timers firing at wall-clock times: each
// evaluation raises every occurrence in (mark, now] and moves the mark to max(mark, now), in the same transaction as
// the rows and their outbox messages. So a clock stepped back repeats nothing, a clock stepped forward (NTP on a
// board without a real-time clock) raises each occurrence it skipped once, with its real dueAt, and a crash between
// two evaluations loses nothing (UNIQUE (task_id, due_at) keeps a replay from raising twice).
import type { Logger } from 'pino'
import type { Clock } from '../../devices/types.ts'
import { systemAlertMessage } from '../alerts.ts'
import type { ScheduleConfig } from '../config/schema.ts'
import type { Db } from '../store/db.ts'
import type { OutboxMessage, Store } from '../store/store.ts'
import { localDay, rfc3339 } from '../time.ts'
import { randomUUID } from 'node:crypto'
import { taskDayFigures, type AreaFigures } from './figures.ts'
import { OccurrenceSource } from './occurrences.ts'

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/**
 * The longest stretch of past time raised at once. A Pi has no real-time clock: one that boots at 1970 (or at a
 * stale fake-hwclock time) and is then stepped to today by NTP would otherwise raise decades of occurrences, millions
 * of rows and events for a per-minute task. A week covers any real downtime worth reporting task by task; what lies
 * before it is summed up in one alert (task_catchup_capped).
 */
export const CATCH_UP_MS = 7 * DAY

export type TaskStatus = 'due' | 'overdue' | 'missed' | 'done'
export type TaskEventName = 'due' | 'done' | 'overdue' | 'missed'

export interface TaskOccurrence {
  id: number
  taskId: string
  kind: 'disinfection' | 'duty-check'
  area: string
  /** Local date (site.timezone) of dueAt. */
  day: string
  dueAt: string
  /** dueAt + graceMinutes: not done by then, it is overdue. */
  overdueAt: string
  graceMinutes: number
  status: TaskStatus
  doneBy: string | null
  note: string | null
  doneAt: string | null
  late: boolean | null
}

/** On the gateway bus at every change, after it was committed (the kiosk shows a banner). */
export interface TaskChange {
  event: TaskEventName
  occurrence: TaskOccurrence
}

export interface EvaluationResult {
  changes: TaskChange[]
  /** Set when the stretch to catch up exceeded CATCH_UP_MS: the part that was not raised. */
  capped: { from: string; to: string } | null
}

export type DoneResult = { ok: true; occurrence: TaskOccurrence } | { ok: false; code: 'not_found' | 'already_done'; occurrence?: TaskOccurrence }

export interface TaskSchedulerOptions {
  store: Store
  schedules: readonly ScheduleConfig[]
  timeZone: string
  clock: Clock
  log: Logger
  onChange?: (change: TaskChange) => void
  catchUpMs?: number
}

interface Row {
  id: number
  task_id: string
  due_at: number
  day: string
  kind: TaskOccurrence['kind']
  area: string
  grace_minutes: number
  status: TaskStatus
  done_by: string | null
  note: string | null
  done_at: number | null
  late: number | null
}

/** One thing that happened, placed at the wall-clock time it happened so a catch-up keeps the real order. */
interface Pending {
  at: number
  event: TaskEventName
  occurrence: TaskOccurrence
}

export class TaskScheduler {
  private readonly sources: OccurrenceSource[]
  private readonly db: Db
  private evaluations = 0
  private timer: NodeJS.Timeout | null = null
  private started = false

  constructor(private readonly o: TaskSchedulerOptions) {
    this.db = o.store.db
    this.sources = o.schedules.map((s) => new OccurrenceSource(s, o.timeZone))
  }

  /** The high-water mark (wall ms), or null before the very first evaluation. */
  mark(): number | null {
    const row = this.db.prepare(`SELECT evaluated_until AS t FROM task_evaluation WHERE id = 1`).get() as { t: number } | undefined
    return row?.t ?? null
  }

  /**
   * Raises what fell due since the last evaluation and what went past its grace. The first evaluation of a process
   * reports occurrences whose grace ran out while the gateway was off as `missed`; on a very first start (no mark)
   * nothing before now exists.
   */
  evaluate(): EvaluationResult {
    const { clock, store, log } = this.o
    const now = clock.now()
    // Counted once committed: a first evaluation that failed (disk full) still reports the downtime as missed next time.
    const first = this.evaluations === 0
    const catchUp = this.o.catchUpMs ?? CATCH_UP_MS
    const pending: Pending[] = []
    let capped: EvaluationResult['capped'] = null
    this.db.transaction(() => {
      const mark = this.mark()
      if (mark !== null && now > mark) {
        let from = mark
        if (now - mark > catchUp) {
          from = now - catchUp
          capped = { from: rfc3339(mark), to: rfc3339(from) }
        }
        const raised = this.sources.flatMap((src) => [...src.between(from, now)].map((dueAt) => ({ src, dueAt }))).sort((a, b) => a.dueAt - b.dueAt)
        for (const { src, dueAt } of raised) {
          const t = src.task
          const deadline = dueAt + t.graceMinutes * MINUTE
          const late = now >= deadline
          const status: TaskStatus = late ? (first ? 'missed' : 'overdue') : 'due'
          const info = this.db
            .prepare(`INSERT OR IGNORE INTO task_occurrences (task_id, due_at, day, kind, area, grace_minutes, status, raised_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
            .run(t.id, dueAt, localDay(dueAt, this.o.timeZone), t.kind, t.area, t.graceMinutes, status, now)
          if (info.changes === 0) continue
          const occ = toOccurrence(this.row(Number(info.lastInsertRowid))!)
          if (status === 'missed') pending.push({ at: deadline, event: 'missed', occurrence: occ })
          else {
            pending.push({ at: dueAt, event: 'due', occurrence: { ...occ, status: 'due' } })
            if (status === 'overdue') pending.push({ at: deadline, event: 'overdue', occurrence: occ })
          }
        }
      }
      // Open occurrences whose grace ran out (raised earlier, in this process or before a restart).
      const expired = this.db
        .prepare(`SELECT * FROM task_occurrences WHERE status = 'due' AND due_at + grace_minutes * 60000 <= ? ORDER BY due_at`)
        .all(now) as Row[]
      for (const r of expired) {
        this.db.prepare(`UPDATE task_occurrences SET status = 'overdue' WHERE id = ?`).run(r.id)
        pending.push({ at: r.due_at + r.grace_minutes * MINUTE, event: 'overdue', occurrence: toOccurrence({ ...r, status: 'overdue' }) })
      }
      pending.sort((a, b) => a.at - b.at)
      const messages = pending.flatMap((p) => this.messagesFor(p.event, p.occurrence, now))
      if (capped) {
        const c = capped as { from: string; to: string }
        messages.unshift(
          systemAlertMessage(
            {
              kind: 'task_catchup_capped',
              severity: 'warning',
              message: `the clock moved ${Math.round((now - (mark ?? now)) / HOUR)} h since the last task evaluation; occurrences between ${c.from} and ${c.to} were not raised (at most ${Math.round(catchUp / DAY)} days are caught up)`,
              from: c.from,
              to: c.to,
              tasks: this.sources.map((s) => s.task.id),
            },
            now,
          ),
        )
      }
      if (messages.length > 0) store.enqueue(messages, now)
      this.db
        .prepare(`INSERT INTO task_evaluation (id, evaluated_until) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET evaluated_until = max(evaluated_until, excluded.evaluated_until)`)
        .run(now)
    })()
    this.evaluations++
    if (capped) log.warn({ capped }, 'task catch-up capped: the clock moved further than the catch-up window')
    const changes = pending.map((p) => ({ event: p.event, occurrence: p.occurrence }))
    for (const c of changes) {
      log.info({ taskId: c.occurrence.taskId, occurrenceId: c.occurrence.id, event: c.event, dueAt: c.occurrence.dueAt }, `task ${c.event}`)
      this.emit(c)
    }
    return { changes, capped }
  }

  /** Staff did it: who, and a note (disinfectant and amount). Done after its grace counts as late. */
  markDone(id: number, staff: string, note: string): DoneResult {
    const now = this.o.clock.now()
    let result: DoneResult = { ok: false, code: 'not_found' }
    this.db.transaction(() => {
      const r = this.row(id)
      if (!r) return
      if (r.status === 'done') {
        result = { ok: false, code: 'already_done', occurrence: toOccurrence(r) }
        return
      }
      const late = r.status !== 'due' || now >= r.due_at + r.grace_minutes * MINUTE
      this.db.prepare(`UPDATE task_occurrences SET status = 'done', done_by = ?, note = ?, done_at = ?, late = ? WHERE id = ?`).run(staff, note, now, late ? 1 : 0, id)
      const occ = toOccurrence(this.row(id)!)
      this.o.store.enqueue(this.messagesFor('done', occ, now), now)
      result = { ok: true, occurrence: occ }
    })()
    const res = result as DoneResult
    if (res.ok) {
      this.o.log.info({ taskId: res.occurrence.taskId, occurrenceId: id, staff, late: res.occurrence.late }, 'task done')
      this.emit({ event: 'done', occurrence: res.occurrence })
    }
    return res
  }

  /** Open occurrences (due, overdue) and all of today's, newest first (old unattended ones fall off the end). */
  list(limit = 200): TaskOccurrence[] {
    const today = localDay(this.o.clock.now(), this.o.timeZone)
    // A UNION rather than OR, so that both halves use an index.
    const rows = this.db
      .prepare(`SELECT * FROM task_occurrences WHERE id IN (SELECT id FROM task_occurrences WHERE status IN ('due', 'overdue')
        UNION SELECT id FROM task_occurrences WHERE day = ?) ORDER BY due_at DESC, id DESC LIMIT ?`)
      .all(today, limit) as Row[]
    return rows.map(toOccurrence)
  }

  /** Every occurrence that fell due on a local date, in order (the day sheet). */
  day(day: string): TaskOccurrence[] {
    return (this.db.prepare(`SELECT * FROM task_occurrences WHERE day = ? ORDER BY due_at, id`).all(day) as Row[]).map(toOccurrence)
  }

  figures(day: string): Record<string, AreaFigures> {
    return taskDayFigures(this.db, day, this.o.clock.now())
  }

  get timeZone(): string {
    return this.o.timeZone
  }

  /** The injected clock's wall time (routes use it for "today"). */
  now(): number {
    return this.o.clock.now()
  }

  /** When something next happens: the next occurrence of any task, or an open one running out of grace. */
  nextWake(now = this.o.clock.now()): number | null {
    const after = Math.max(now, this.mark() ?? now)
    let next: number | null = null
    for (const s of this.sources) {
      const t = s.next(after)
      if (t !== null && (next === null || t < next)) next = t
    }
    const deadline = this.db
      .prepare(`SELECT min(due_at + grace_minutes * 60000) AS t FROM task_occurrences WHERE status = 'due' AND due_at + grace_minutes * 60000 > ?`)
      .get(now) as { t: number | null }
    if (deadline.t !== null && (next === null || deadline.t < next)) next = deadline.t
    return next
  }

  /** Arms a timer to the next occurrence, so a task due at 09:00 goes out at 09:00:00, not at the next minutely pass. */
  start(): void {
    this.started = true
    this.arm()
  }

  /** Evaluates, logging a failure instead of throwing (the next pass retries), and re-arms the timer. */
  tick(): EvaluationResult | null {
    try {
      return this.evaluate()
    } catch (err) {
      this.o.log.error({ err }, 'task evaluation failed; retrying at the next pass')
      return null
    } finally {
      this.arm()
    }
  }

  stop(): void {
    this.started = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private arm(): void {
    if (!this.started) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const now = this.o.clock.now()
    const next = this.nextWake(now)
    if (next === null) return
    // Timers run on the monotonic clock: a wall-clock step makes this fire at the wrong time, and the minutely
    // pass (which re-arms) bounds the error. An hour at most, so a long timer never outlives many steps.
    this.timer = setTimeout(() => this.tick(), Math.min(Math.max(next - now, 0), HOUR))
    this.timer.unref()
  }

  private row(id: number): Row | undefined {
    return this.db.prepare(`SELECT * FROM task_occurrences WHERE id = ?`).get(id) as Row | undefined
  }

  private messagesFor(event: TaskEventName, occ: TaskOccurrence, now: number): OutboxMessage[] {
    const msgs: OutboxMessage[] = [{ id: randomUUID(), topic: 'task', type: 'estategate.task.v1', time: rfc3339(now), data: taskData(event, occ) }]
    if (event === 'overdue') {
      msgs.push(
        systemAlertMessage(
          {
            kind: 'task_overdue',
            severity: 'warning',
            message: `${occ.kind} ${occ.taskId} (${occ.area}) due at ${occ.dueAt} is not done after ${occ.graceMinutes} min`,
            taskId: occ.taskId,
            occurrenceId: occ.id,
            area: occ.area,
            dueAt: occ.dueAt,
          },
          now,
        ),
      )
    }
    return msgs
  }

  private emit(change: TaskChange): void {
    try {
      this.o.onChange?.(change)
    } catch (err) {
      this.o.log.error({ err }, 'task change listener failed')
    }
  }
}

/** P/task data (docs/asyncapi.yaml TaskData). */
export function taskData(event: TaskEventName, o: TaskOccurrence): Record<string, unknown> {
  const base = { taskId: o.taskId, occurrenceId: o.id, event, kind: o.kind, area: o.area, day: o.day, dueAt: o.dueAt, graceMinutes: o.graceMinutes }
  return event === 'done' ? { ...base, staff: o.doneBy, note: o.note, doneAt: o.doneAt, late: o.late } : base
}

function toOccurrence(r: Row): TaskOccurrence {
  return {
    id: r.id,
    taskId: r.task_id,
    kind: r.kind,
    area: r.area,
    day: r.day,
    dueAt: rfc3339(r.due_at),
    overdueAt: rfc3339(r.due_at + r.grace_minutes * MINUTE),
    graceMinutes: r.grace_minutes,
    status: r.status,
    doneBy: r.done_by,
    note: r.note,
    doneAt: r.done_at === null ? null : rfc3339(r.done_at),
    late: r.late === null ? null : r.late === 1,
  }
}
