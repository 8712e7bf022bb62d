// The site's time zone from the system's tz database (TZif files, RFC 8536, under /usr/share/zoneinfo), not Intl.
// Written by hand because no maintained package reads TZif, and Intl is what we must avoid: the first
// Intl.DateTimeFormat maps about 7 MB of ICU data into the process for good (measured on the gateway: 93 → 87 MB
// resident), and formatToParts costs 30-80 µs where a lookup here is a binary search. Debian and Raspberry Pi OS
// ship tzdata (updated by apt, often fresher than node's ICU copy); where a zone has no file (a container without
// tzdata), Intl is the fallback and the answers are the same.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** How a zone turns an instant into wall-clock time. */
export interface Zone {
  readonly name: string
  /** ms to add to UTC to get the local wall-clock time at `ts` (e.g. 28,800,000 for +08:00). */
  offsetMs(ts: number): number
}

/** A zone name as the tz database spells them (Asia/Shanghai, Etc/GMT-8, UTC): letters, digits, _ + - and /. */
const NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/

const zones = new Map<string, Zone>()

/** The zone of that name, or null when neither the tz database nor Intl knows it. */
export function findZone(name: string, dir = process.env.TZDIR || '/usr/share/zoneinfo'): Zone | null {
  const key = `${dir}\0${name}`
  const known = zones.get(key)
  if (known) return known
  if (!NAME.test(name) || name.split('/').includes('..')) return null
  let bytes: Buffer | null = null
  try {
    bytes = readFileSync(join(dir, name))
  } catch {
    // No file for it: Intl below.
  }
  const z = bytes && bytes.subarray(0, 4).toString('latin1') === 'TZif' ? tzifZone(name, bytes) : intlZone(name)
  if (!z) return null
  zones.set(key, z)
  return z
}

/** The zone, for a name the configuration has already checked. */
export function zone(name: string): Zone {
  const z = findZone(name)
  if (!z) throw new Error(`unknown time zone ${name}`)
  return z
}

/** ms to add to UTC for the wall-clock time at `ts` in `timeZone`. */
export function zoneOffsetMs(ts: number, timeZone: string): number {
  return zone(timeZone).offsetMs(ts)
}

// ---- TZif (RFC 8536) -----------------------------------------------------------------------------------------

interface Table {
  /** Transition instants, ms, ascending. */
  at: number[]
  /** Offset in ms from each transition on. */
  off: number[]
  /** Before the first transition (RFC 8536 §3.2: time type 0). */
  before: number
  /** After the last one: the footer's rule, or the last offset when there is none. */
  after: ((ts: number) => number) | null
}

function tzifZone(name: string, b: Buffer): Zone | null {
  const t = parseTzif(b)
  if (!t) return intlZone(name)
  const { at, off, before, after } = t
  const last = at.length ? at[at.length - 1]! : -Infinity
  const lastOff = off.length ? off[off.length - 1]! : before
  return {
    name,
    offsetMs(ts) {
      if (ts >= last) return after && ts > last ? after(ts) : lastOff
      if (at.length === 0 || ts < at[0]!) return before
      // The last transition at or before ts.
      let lo = 0
      let hi = at.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (at[mid]! <= ts) lo = mid
        else hi = mid - 1
      }
      return off[lo]!
    },
  }
}

function parseTzif(b: Buffer): Table | null {
  const header = (p: number): { version: number; isut: number; isstd: number; leap: number; time: number; type: number; char: number } => ({
    version: b[p + 4] === 0 ? 1 : b[p + 4]! - 0x30,
    isut: b.readUInt32BE(p + 20),
    isstd: b.readUInt32BE(p + 24),
    leap: b.readUInt32BE(p + 28),
    time: b.readUInt32BE(p + 32),
    type: b.readUInt32BE(p + 36),
    char: b.readUInt32BE(p + 40),
  })
  const h1 = header(0)
  const size = (h: ReturnType<typeof header>, t: number): number => h.time * t + h.time + h.type * 6 + h.char + h.leap * (t + 4) + h.isstd + h.isut
  let p = 44
  let h = h1
  let tsize = 4
  if (h1.version >= 2) {
    // Skip the 32-bit block: the 64-bit one after it covers all of time.
    p = 44 + size(h1, 4)
    if (b.subarray(p, p + 4).toString('latin1') !== 'TZif') return null
    h = header(p)
    p += 44
    tsize = 8
  }
  if (p + size(h, tsize) > b.length || h.type === 0) return null
  const times: number[] = []
  for (let i = 0; i < h.time; i++) times.push(tsize === 8 ? Number(b.readBigInt64BE(p + i * 8)) * 1000 : b.readInt32BE(p + i * 4) * 1000)
  p += h.time * tsize
  const idx: number[] = []
  for (let i = 0; i < h.time; i++) idx.push(b[p + i]!)
  p += h.time
  const utoff: number[] = []
  for (let i = 0; i < h.type; i++) utoff.push(b.readInt32BE(p + i * 6) * 1000)
  p += size(h, tsize) - h.time * tsize - h.time
  let after: Table['after'] = null
  if (h1.version >= 2 && b[p] === 0x0a) {
    const end = b.indexOf(0x0a, p + 1)
    const rule = end > p ? b.subarray(p + 1, end).toString('latin1') : ''
    if (rule) after = posixRule(rule)
  }
  return { at: times, off: idx.map((i) => utoff[i] ?? 0), before: utoff[0]!, after }
}

// ---- POSIX TZ strings (the TZif footer, RFC 8536 §3.3): "CST-8", "CET-1CEST,M3.5.0,M10.5.0/3" -------------------

const DAY = 86_400_000

/** Offsets as POSIX writes them (west of Greenwich positive), in ms east; hours up to 167 (RFC 8536 §3.3.1). */
function posixOffset(s: string): number | null {
  const m = /^([+-])?(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(s)
  if (!m) return null
  const v = ((Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1000
  return m[1] === '-' ? v : 0 - v
}

/** Local date (UTC-based ms of local midnight) of a rule's day in `year`. */
type DayRule = (year: number) => number

function dayRule(s: string): DayRule | null {
  let m = /^M(\d{1,2})\.(\d)\.(\d)$/.exec(s)
  if (m) {
    const [month, week, wday] = [Number(m[1]), Number(m[2]), Number(m[3])]
    if (month < 1 || month > 12 || week < 1 || week > 5 || wday > 6) return null
    return (year) => {
      const first = Date.UTC(year, month - 1, 1)
      let day = 1 + ((wday - new Date(first).getUTCDay() + 7) % 7) + (week - 1) * 7
      const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
      // Week 5 is "the last such weekday".
      while (day > days) day -= 7
      return Date.UTC(year, month - 1, day)
    }
  }
  m = /^J(\d{1,3})$/.exec(s)
  if (m) {
    // 1-365, February 29 never counted.
    const n = Number(m[1])
    if (n < 1 || n > 365) return null
    return (year) => {
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      return Date.UTC(year, 0, 1) + (n - 1 + (leap && n >= 60 ? 1 : 0)) * DAY
    }
  }
  m = /^(\d{1,3})$/.exec(s)
  if (m) {
    // 0-365, February 29 counted.
    const n = Number(m[1])
    if (n > 365) return null
    return (year) => Date.UTC(year, 0, 1) + n * DAY
  }
  return null
}

/** `M3.5.0/3` → the day rule and the local time of the change (default 02:00; RFC 8536 allows -167 to 167 h). */
function changeRule(s: string): { day: DayRule; timeMs: number } | null {
  const [d = '', t] = s.split('/')
  const day = dayRule(d)
  if (!day) return null
  const timeMs = t === undefined ? 2 * 3_600_000 : posixOffset(t)
  if (timeMs === null) return null
  // posixOffset negates (west positive): a time of day is not an offset.
  return { day, timeMs: t === undefined ? timeMs : -timeMs }
}

export function posixRule(rule: string): ((ts: number) => number) | null {
  // std offset [dst [offset] [,start[/time],end[/time]]]; names are letters, or <...> quoted (e.g. <+0330>).
  const m = /^(<[^>]+>|[A-Za-z]{3,})([^<A-Za-z,]+)(?:(<[^>]+>|[A-Za-z]{3,})([^,]*)?(?:,([^,]+),([^,]+))?)?$/.exec(rule)
  if (!m) return null
  const std = posixOffset(m[2]!)
  if (std === null) return null
  if (!m[3]) return () => std
  const dst = m[4] ? posixOffset(m[4]) : std + 3_600_000
  if (dst === null) return null
  // A DST name without rules: POSIX leaves it to the implementation; tzdata footers always give rules.
  const start = m[5] ? changeRule(m[5]) : changeRule('M3.2.0')
  const end = m[6] ? changeRule(m[6]) : changeRule('M11.1.0')
  if (!start || !end) return null
  return (ts) => {
    const year = new Date(ts + std).getUTCFullYear()
    // The changes of three years around ts, in UTC: the start is given in standard time, the end in daylight time.
    const changes: { at: number; off: number }[] = []
    for (const y of [year - 1, year, year + 1]) {
      changes.push({ at: start.day(y) + start.timeMs - std, off: dst })
      changes.push({ at: end.day(y) + end.timeMs - dst, off: std })
    }
    changes.sort((a, b) => a.at - b.at)
    let off = changes[0]!.off === dst ? std : dst
    for (const c of changes) if (c.at <= ts) off = c.off
    return off
  }
}

// ---- Intl, where the system has no tz database ----------------------------------------------------------------

function intlZone(name: string): Zone | null {
  let f: Intl.DateTimeFormat
  try {
    f = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
  } catch {
    return null
  }
  return {
    name,
    offsetMs(ts) {
      const parts = f.formatToParts(ts)
      const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value)
      const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'))
      return asUtc - Math.floor(ts / 1000) * 1000
    },
  }
}
