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

const offsetFormats = new Map<string, Intl.DateTimeFormat>()
/** Per zone, the offset of the last quarter hour asked for: sheet rows come in time order, so nearly every row hits. */
const lastQuarter = new Map<string, { quarter: number; offset: string; ms: number }>()
const QUARTER = 900_000

/** The zone's UTC offset at `ts`: `+08:00` (as Intl's longOffset gives it) and in ms. */
function offsetAt(ts: number, timeZone: string): { offset: string; ms: number } {
  let f = offsetFormats.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    offsetFormats.set(timeZone, f)
  }
  // "GMT+08:00", "GMT-03:30", or "GMT" alone for UTC itself.
  const offset = (f.formatToParts(ts).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT').replace(/^GMT/, '') || '+00:00'
  const [h = 0, m = 0, sec = 0] = offset.slice(1).split(':').map(Number)
  return { offset, ms: (offset[0] === '-' ? -1 : 1) * ((h * 60 + m) * 60 + sec) * 1000 }
}

/**
 * `2026-11-20 09:00:00+08:00`: the wall-clock time in `timeZone` with its UTC offset, for the sheets. Never UTC `Z`:
 * the office reads local times; the offset keeps the instant exact (also across a DST change), and RFC 3339 (§5.6)
 * allows the space. Excel does not parse an offset, so it keeps the cell as text, exactly as written.
 * A month's export is hundreds of thousands of rows: Intl is asked once per quarter hour (30 µs), not per row.
 */
export function localDateTime(ts: number, timeZone: string): string {
  const quarter = Math.floor(ts / QUARTER)
  let o = lastQuarter.get(timeZone)
  if (!o || o.quarter !== quarter) {
    const start = offsetAt(quarter * QUARTER, timeZone)
    const end = offsetAt(quarter * QUARTER + QUARTER - 1, timeZone)
    // A change of offset inside this quarter hour (none in today's zones, but history has odd ones): row by row.
    if (start.ms !== end.ms) return stamp(ts, offsetAt(ts, timeZone))
    o = { quarter, ...start }
    lastQuarter.set(timeZone, o)
  }
  return stamp(ts, o)
}

function stamp(ts: number, o: { offset: string; ms: number }): string {
  return `${new Date(ts + o.ms).toISOString().slice(0, 19).replace('T', ' ')}${o.offset}`
}
