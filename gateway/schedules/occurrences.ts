// When a task falls due: every occurrence in a window of wall-clock time, computed, never timed. node-cron parses
// the expression (its timers are never used: they drop missed slots, DEPENDENCIES §5); whether a day matches follows
// its matcher's rules (dayMatches below). `everyDays` is anchored on the local day number since
// 1970-01-01, so "every other day" stays on the same days across restarts and config reloads.
import cron from 'node-cron'
import type { ScheduleConfig } from '../config/schema.ts'
import { zoneOffsetMs as tzOffsetMs } from '../zone.ts'

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
  private readonly days: { dayOfMonth: (number | string)[]; month: number[]; dayOfWeek: (number | string)[] } | null
  private readonly every: number | null

  constructor(
    readonly task: ScheduleConfig,
    private readonly timeZone: string,
  ) {
    if (task.cron !== undefined) {
      const fields = cron.parse(task.cron)
      this.hours = [...fields.hour].sort((a, b) => a - b)
      this.minutes = [...fields.minute].sort((a, b) => a - b)
      // The day fields alone, on the local calendar date: whether a day matches must not depend on its candidate
      // times existing (DST).
      this.days = { dayOfMonth: fields.dayOfMonth, month: fields.month, dayOfWeek: fields.dayOfWeek }
      this.every = null
    } else {
      const [h, m] = (task.at ?? '00:00').split(':').map(Number) as [number, number]
      this.hours = [h]
      this.minutes = [m]
      this.days = null
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
    return cronDayMatches(this.days!, d)
  }

}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()
const weekdayOf = (d: LocalDate): number => new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay()

/**
 * node-cron 4's day rules (its matchesDayOfMonth / matchesDayOfWeek, which it does not export): day of month AND
 * month AND day of week, with L, L-n, nW and LW in the day of month and n#k and nL in the day of week. Its own
 * match() would do, but it formats every date through Intl.DateTimeFormat, which maps ~7 MB of ICU data into the
 * gateway for good (gateway/zone.ts); the date is already local here. tests/gateway/schedules/cronDays.test.ts
 * holds this to node-cron's matcher over many expressions and days.
 */
export function cronDayMatches(f: { dayOfMonth: (number | string)[]; month: number[]; dayOfWeek: (number | string)[] }, d: LocalDate): boolean {
  if (!f.month.includes(d.month)) return false
  const last = daysIn(d.year, d.month)
  const nearestWeekday = (target: number): number => {
    if (target < 1 || target > last) return -1
    const wd = new Date(Date.UTC(d.year, d.month - 1, target)).getUTCDay()
    if (wd === 6) return target === 1 ? target + 2 : target - 1
    if (wd === 0) return target === last ? target - 2 : target + 1
    return target
  }
  const dom = f.dayOfMonth.some((v) => {
    if (v === d.day) return true
    if (typeof v !== 'string') return false
    if (v === 'L') return d.day === last
    const w = /^(\d{1,2}|L)W$/.exec(v)
    if (w && nearestWeekday(w[1] === 'L' ? last : Number(w[1])) === d.day) return true
    const o = /^L-(\d{1,2})$/.exec(v)
    return o !== null && last - Number(o[1]) >= 1 && last - Number(o[1]) === d.day
  })
  if (!dom) return false
  const wd = weekdayOf(d)
  return f.dayOfWeek.some((v) => {
    if (v === wd) return true
    if (typeof v !== 'string') return false
    const nth = /^([0-7])#([1-5])$/.exec(v)
    if (nth) return Number(nth[1]) % 7 === wd && Math.floor((d.day - 1) / 7) + 1 === Number(nth[2])
    const lastOf = /^([0-7])L$/i.exec(v)
    return lastOf !== null && Number(lastOf[1]) % 7 === wd && d.day + 7 > last
  })
}
