// Wall-clock helpers in the site's time zone, and whether the wall clock can be trusted (a Pi has no RTC).
import { existsSync } from 'node:fs'
import { zoneOffsetMs } from './zone.ts'

/** YYYY-MM-DD of `ts` in `timeZone`. */
export function localDay(ts: number, timeZone: string): string {
  return new Date(ts + zoneOffsetMs(ts, timeZone)).toISOString().slice(0, 10)
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

/** The zone's UTC offset at `ts`: `+08:00` (`+08:05:43` for a local mean time) and in ms. */
function offsetAt(ts: number, timeZone: string): { offset: string; ms: number } {
  const ms = zoneOffsetMs(ts, timeZone)
  const a = Math.abs(ms) / 1000
  const hh = String(Math.floor(a / 3600)).padStart(2, '0')
  const mm = String(Math.floor(a / 60) % 60).padStart(2, '0')
  const ss = a % 60 ? `:${String(a % 60).padStart(2, '0')}` : ''
  return { offset: `${ms < 0 ? '-' : '+'}${hh}:${mm}${ss}`, ms }
}

/**
 * `2026-11-20 09:00:00+08:00`: the wall-clock time in `timeZone` with its UTC offset, for the sheets. Never UTC `Z`:
 * the office reads local times; the offset keeps the instant exact (also across a DST change), and RFC 3339 (§5.6)
 * allows the space. Excel does not parse an offset, so it keeps the cell as text, exactly as written.
 */
export function localDateTime(ts: number, timeZone: string): string {
  return stamp(ts, offsetAt(ts, timeZone))
}

function stamp(ts: number, o: { offset: string; ms: number }): string {
  return `${new Date(ts + o.ms).toISOString().slice(0, 19).replace('T', ' ')}${o.offset}`
}
