// Wall-clock helpers in the site's time zone, and whether the wall clock can be trusted (a Pi has no RTC).
import { existsSync } from 'node:fs'

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** YYYY-MM-DD of `ts` in `timeZone` (en-CA formats dates that way). */
export function localDay(ts: number, timeZone: string): string {
  let f = dayFormats.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormats.set(timeZone, f)
  }
  return f.format(ts)
}

export function rfc3339(ts: number): string {
  return new Date(ts).toISOString()
}

/**
 * True once the system clock is synchronised. systemd-timesyncd creates the flag file on its first sync; where it
 * does not run (chrony, containers) we fall back to "the clock is past this software's release", which catches the
 * 1970 and fake-hwclock boots that matter.
 */
export function createClockTrust(now: () => number, flagFile = '/run/systemd/timesync/synchronized'): () => boolean {
  const releasedAt = Date.UTC(2026, 10, 1)
  const timesyncd = existsSync('/run/systemd/timesync')
  let cached = false
  let checkedAt = -Infinity
  return () => {
    const t = now()
    if (cached || t - checkedAt < 10_000) return cached
    checkedAt = t
    cached = timesyncd ? existsSync(flagFile) : t >= releasedAt
    return cached
  }
}

const stampFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * `2026-11-20 09:00:00+08:00`: the wall-clock time in `timeZone` with its UTC offset, for the sheets. Never UTC `Z`:
 * the office reads local times; the offset keeps the instant exact (also across a DST change), and RFC 3339 (§5.6)
 * allows the space. Excel does not parse an offset, so it keeps the cell as text, exactly as written.
 */
export function localDateTime(ts: number, timeZone: string): string {
  let f = stampFormats.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
    stampFormats.set(timeZone, f)
  }
  const parts = f.formatToParts(ts)
  const get = (t: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === t)?.value ?? ''
  // longOffset: "GMT+08:00", "GMT-03:30", or "GMT" alone for UTC itself.
  const offset = get('timeZoneName').replace(/^GMT/, '') || '+00:00'
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}${offset}`
}
