// What became of each occurrence, and the per-area figures of a day (the day summary and the CSV day sheet).
// "missed" here is "not done": raised as missed after downtime, or overdue and never done.
import type { Db } from '../store/db.ts'

export type Outcome = 'on-time' | 'late' | 'missed' | 'open'

export interface AreaFigures {
  onTime: number
  late: number
  missed: number
  /** Not done yet and still within its grace when counted (a task due late in the evening). */
  open: number
}

const MINUTE = 60_000

export function outcomeOf(o: { status: string; late: boolean | null; dueAtMs: number; graceMinutes: number }, now: number): Outcome {
  if (o.status === 'done') return o.late ? 'late' : 'on-time'
  if (o.status === 'due' && now < o.dueAtMs + o.graceMinutes * MINUTE) return 'open'
  return 'missed'
}

/** `{ [area]: { onTime, late, missed, open } }` for the occurrences that fell due on `day` (local). */
export function taskDayFigures(db: Db, day: string, now: number): Record<string, AreaFigures> {
  const rows = db
    .prepare(`SELECT area, status, late, due_at AS dueAtMs, grace_minutes AS graceMinutes FROM task_occurrences WHERE day = ? ORDER BY area`)
    .all(day) as { area: string; status: string; late: number | null; dueAtMs: number; graceMinutes: number }[]
  const out: Record<string, AreaFigures> = {}
  for (const r of rows) {
    const f = (out[r.area] ??= { onTime: 0, late: 0, missed: 0, open: 0 })
    const o = outcomeOf({ ...r, late: r.late === null ? null : r.late === 1 }, now)
    if (o === 'on-time') f.onTime++
    else if (o === 'late') f.late++
    else if (o === 'missed') f.missed++
    else f.open++
  }
  return out
}
