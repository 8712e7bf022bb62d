// The site's time zone (gateway/zone.ts: the system's TZif files and their POSIX footer rules) against
// implementations we did not write: Python's zoneinfo on the same files, for every zone the system has, from 1900 to
// 2150 (past 2037 only the footer rule answers), and at every hour of the days the offsets change; and Intl (ICU's
// own copy of the tz database) where the system has no file.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findZone, posixRule } from '../../gateway/zone.ts'

const PYTHON = String.raw`
import datetime, json, sys, zoneinfo
q = json.load(sys.stdin)
zones = sorted(zoneinfo.available_timezones()) if q['zones'] == 'all' else q['zones']
out = {}
for z in zones:
    tz = zoneinfo.ZoneInfo(z)
    out[z] = [int(datetime.datetime.fromtimestamp(t // 1000, tz).utcoffset().total_seconds() * 1000) for t in q['ts']]
print(json.dumps(out))
`

const python = (zones: string[] | 'all', ts: number[]): Record<string, number[]> =>
  JSON.parse(execFileSync('python3', ['-c', PYTHON], { input: JSON.stringify({ zones, ts }), encoding: 'utf8', maxBuffer: 1 << 29 })) as Record<string, number[]>

function firstDifference(zone: string, ts: number[], want: number[]): string | null {
  const z = findZone(zone)
  if (!z) return `${zone}: not found`
  for (let i = 0; i < ts.length; i++) {
    const got = z.offsetMs(ts[i]!)
    if (got !== want[i]) return `${zone} at ${new Date(ts[i]!).toISOString()}: ${got / 60_000} min, Python ${want[i]! / 60_000} min`
  }
  return null
}

describe('time zones from the system tz database', () => {
  it('agree with Python zoneinfo for every zone, 1900 to 2150', () => {
    // 400 instants per zone at odd spacings (so hours and days vary), and the first of each year.
    const ts: number[] = []
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2150, 0, 1); t += 227 * 86_400_000 + 7_654_321) ts.push(t)
    for (let y = 1970; y < 2150; y += 7) ts.push(Date.UTC(y, 0, 1))
    const want = python('all', ts)
    const zones = Object.keys(want)
    expect(zones.length).toBeGreaterThan(300)
    const differ = zones.map((z) => firstDifference(z, ts, want[z]!)).filter((d) => d !== null)
    expect(differ).toEqual([])
  })

  it('agree at every quarter hour of the days offsets change, into the years only the footer rule covers', () => {
    const zones = ['Europe/Berlin', 'Europe/Dublin', 'America/New_York', 'America/Santiago', 'America/Nuuk', 'Asia/Jerusalem', 'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Africa/Casablanca', 'America/St_Johns', 'Asia/Shanghai']
    const ts: number[] = []
    for (const year of [2026, 2036, 2038, 2061, 2099, 2138]) {
      for (let day = Date.UTC(year, 0, 1); day < Date.UTC(year + 1, 0, 1); day += 86_400_000) {
        // Only days on which some zone changes (every zone at noon UTC of the day before and after differ).
        ts.push(day)
      }
    }
    const coarse = python(zones, ts)
    const fine: number[] = []
    for (const z of zones) {
      for (let i = 1; i < ts.length; i++) {
        if (coarse[z]![i] === coarse[z]![i - 1]) continue
        for (let t = ts[i - 1]! - 86_400_000; t <= ts[i]! + 86_400_000; t += 900_000) fine.push(t - 1000, t)
      }
    }
    expect(fine.length).toBeGreaterThan(1000)
    const want = python(zones, fine)
    expect(zones.map((z) => firstDifference(z, fine, want[z]!)).filter((d) => d !== null)).toEqual([])
  })

  it('fall back to Intl where the system has no file, with the same answers', () => {
    const empty = mkdtempSync(join(tmpdir(), 'estate-gate-zoneinfo-'))
    const ts = Array.from({ length: 500 }, (_, i) => Date.UTC(2020, 0, 1) + i * 13 * 3_600_000 * 7)
    for (const name of ['Asia/Shanghai', 'Europe/London', 'America/New_York', 'Asia/Kolkata']) {
      const viaIntl = findZone(name, empty)!
      const viaFile = findZone(name)!
      expect(ts.map((t) => viaIntl.offsetMs(t))).toEqual(ts.map((t) => viaFile.offsetMs(t)))
    }
    // A file that is not TZif is no zone of its own either.
    writeFileSync(join(empty, 'Mars'), 'not a zone')
    expect(findZone('Mars', empty)).toBeNull()
  })

  it('refuse names that are no zone, or that would leave the tz directory', () => {
    for (const name of ['Asia/Shangai', '', 'Asia', '../../etc/passwd', 'Asia/../../../etc/passwd', '/etc/passwd', 'Asia/Shanghai ', 'zone.tab']) expect(findZone(name), name).toBeNull()
    expect(findZone('UTC')?.offsetMs(Date.now())).toBe(0)
    expect(findZone('Etc/GMT-8')?.offsetMs(Date.now())).toBe(8 * 3_600_000)
  })

  it('read the POSIX rules of RFC 8536 §3.3, extensions included', () => {
    const h = 3_600_000
    const at = (iso: string): number => Date.parse(iso)
    // Israel: the change at 26:00 of the fourth Thursday (28 March 2030: the Friday 02:00), an extension of POSIX.
    const jerusalem = posixRule('IST-2IDT,M3.4.4/26,M10.5.0')!
    expect(jerusalem(at('2030-03-28T23:59:59Z'))).toBe(2 * h)
    expect(jerusalem(at('2030-03-29T00:00:00Z'))).toBe(3 * h)
    // Greenland: negative times of day.
    const nuuk = posixRule('<-02>2<-01>,M3.5.0/-1,M10.5.0/0')!
    expect(nuuk(at('2030-07-01T00:00:00Z'))).toBe(-1 * h)
    expect(nuuk(at('2030-01-01T00:00:00Z'))).toBe(-2 * h)
    // Julian days, with and without February 29.
    expect(posixRule('AAA-1BBB,J60,J300')!(at('2028-03-01T12:00:00Z'))).toBe(2 * h)
    expect(posixRule('AAA-1BBB,J60,J300')!(at('2028-02-29T12:00:00Z'))).toBe(1 * h)
    expect(posixRule('AAA-1BBB,59,300')!(at('2028-02-29T12:00:00Z'))).toBe(2 * h)
    // Southern hemisphere: daylight time over the new year.
    const sydney = posixRule('AEST-10AEDT,M10.1.0,M4.1.0/3')!
    expect(sydney(at('2031-01-01T00:00:00Z'))).toBe(11 * h)
    expect(sydney(at('2031-06-01T00:00:00Z'))).toBe(10 * h)
    expect(posixRule('<+0545>-5:45')!(0)).toBe(5.75 * h)
    for (const bad of ['', 'CST', '8', 'CET-1CEST,M13.5.0,M10.5.0', 'CET-1CEST,M3.5.7,M10.5.0']) expect(posixRule(bad), bad).toBeNull()
  })
})
