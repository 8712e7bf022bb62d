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
