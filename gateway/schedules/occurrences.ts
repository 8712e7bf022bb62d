// When a task falls due: every occurrence in a window of wall-clock time, computed, never timed. node-cron decides
// whether a day matches (its own matcher, on a task that is never started: its timers drop missed slots,
// DEPENDENCIES §5); the times of day come from its parser. `everyDays` is anchored on the local day number since
// 1970-01-01, so "every other day" stays on the same days across restarts and config reloads.
import cron, { type ScheduledTask } from 'node-cron'
import type { ScheduleConfig } from '../config/schema.ts'
import { tzOffsetMs } from '../summaries.ts'

const MINUTE = 60_000
const DAY = 86_400_000

export interface LocalDate {
  year: number
  month: number
  day: number
}

/** The local calendar date of `ts` in `timeZone`. */
export function localDate(ts: number, timeZone: string): LocalDate {
  const d = new Date(ts + tzOffsetMs(ts, timeZone))
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

/** Days since 1970-01-01 of a local date (the `everyDays` anchor). */
export function dayNumber(d: LocalDate): number {
  return Math.round(Date.UTC(d.year, d.month - 1, d.day) / DAY)
}

/**
 * Wall-clock ms of a local time. Tried with the zone's offsets half a day either side: a time that happens twice
 * (DST ends) is its first instance, and one that does not exist (DST starts) lands after the gap.
 */
export function localToUtc(d: LocalDate, hour: number, minute: number, timeZone: string): number {
  const asUtc = Date.UTC(d.year, d.month - 1, d.day, hour, minute)
  let best: number | null = null
  for (const off of new Set([tzOffsetMs(asUtc - 14 * 3_600_000, timeZone), tzOffsetMs(asUtc + 14 * 3_600_000, timeZone)])) {
    const ts = asUtc - off
    if (tzOffsetMs(ts, timeZone) === off && (best === null || ts < best)) best = ts
  }
  return best ?? asUtc - tzOffsetMs(asUtc - tzOffsetMs(asUtc, timeZone), timeZone)
}

function nextDate(d: LocalDate): LocalDate {
  const n = new Date(Date.UTC(d.year, d.month - 1, d.day + 1))
  return { year: n.getUTCFullYear(), month: n.getUTCMonth() + 1, day: n.getUTCDate() }
}

export class OccurrenceSource {
  private readonly hours: number[]
  private readonly minutes: number[]
  private readonly matcher: ScheduledTask | null
  private readonly every: number | null

  constructor(
    readonly task: ScheduleConfig,
    private readonly timeZone: string,
  ) {
    if (task.cron !== undefined) {
      const fields = cron.parse(task.cron)
      this.hours = [...fields.hour].sort((a, b) => a - b)
      this.minutes = [...fields.minute].sort((a, b) => a - b)
      // The day fields alone, asked at local noon (which every day has, DST or not): whether a day matches must not
      // depend on its candidate times existing. Created stopped and never started: only its match() is used.
      const dayFields = `0 12 ${fields.dayOfMonth.join(',')} ${fields.month.join(',')} ${fields.dayOfWeek.join(',')}`
      this.matcher = cron.createTask(dayFields, () => undefined, { timezone: timeZone, name: `estate-gate-task-${task.id}` })
      this.every = null
    } else {
      const [h, m] = (task.at ?? '00:00').split(':').map(Number) as [number, number]
      this.hours = [h]
      this.minutes = [m]
      this.matcher = null
      this.every = task.everyDays ?? 1
    }
  }

  /** Occurrences in (from, to], ascending, lazily (a caller may stop at the first). */
  *between(from: number, to: number): Generator<number> {
    if (to <= from) return
    const last = dayNumber(localDate(to, this.timeZone))
    let prev = -Infinity
    for (let d = localDate(from, this.timeZone); dayNumber(d) <= last; d = nextDate(d)) {
      if (!this.dayMatches(d)) continue
      for (const h of this.hours) {
        const hourStart = localToUtc(d, h, 0, this.timeZone)
        if (hourStart + 60 * MINUTE <= from || hourStart > to) continue
        for (const m of this.minutes) {
          const ts = hourStart + m * MINUTE
          // After a DST gap the skipped hour and the next start at the same instant: each time is yielded once.
          if (ts > from && ts <= to && ts > prev) {
            prev = ts
            yield ts
          }
        }
      }
    }
  }

  /** The first occurrence after `after`, looking at most `horizonMs` ahead. */
  next(after: number, horizonMs = DAY): number | null {
    for (const ts of this.between(after, after + horizonMs)) return ts
    return null
  }

  private dayMatches(d: LocalDate): boolean {
    if (this.every !== null) return dayNumber(d) % this.every === 0
    // Hours and minutes come from the parser; month, day of month and day of week (L, W, #) from node-cron's matcher.
    return this.matcher!.match(new Date(localToUtc(d, 12, 0, this.timeZone)))
  }

  /** Unregisters the matcher from node-cron's task registry. */
  dispose(): void {
    void this.matcher?.destroy()
  }
}
