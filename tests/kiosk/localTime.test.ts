// The sheets' local time with offset (gateway/time.ts localDateTime) against an implementation we did not write:
// Python's zoneinfo on the system's tz database, at every quarter hour (and 1 ms before it) of the months in which
// 2026's offsets change (March, April, October, November: both hemispheres), in zones with DST, half-hour and
// three-quarter-hour offsets, so each change of offset is crossed and each cache edge is hit.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { localDateTime } from '../../gateway/time.ts'

const ZONES = ['Asia/Shanghai', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'UTC']
const PYTHON = String.raw`
import datetime, json, sys, zoneinfo
q = json.load(sys.stdin)
print(json.dumps({z: [datetime.datetime.fromtimestamp(t // 1000, zoneinfo.ZoneInfo(z)).isoformat(sep=' ', timespec='seconds') for t in q['ts']] for z in q['zones']}))
`

describe('local time with offset', () => {
  it('agrees with Python zoneinfo at every quarter hour (and 1 ms before) of the months of 2026 with DST changes', () => {
    const ts: number[] = []
    for (const month of [2, 3, 9, 10]) for (let t = Date.UTC(2026, month, 1); t < Date.UTC(2026, month + 1, 1); t += 900_000) ts.push(t - 1, t)
    const python = JSON.parse(execFileSync('python3', ['-c', PYTHON], { input: JSON.stringify({ zones: ZONES, ts }), encoding: 'utf8', maxBuffer: 1 << 28 })) as Record<string, string[]>
    for (const z of ZONES) {
      const ours = ts.map((t) => localDateTime(t, z))
      const differ = ours.findIndex((s, i) => s !== python[z]![i])
      expect(differ, `${z} at ${new Date(ts[differ] ?? 0).toISOString()}: ${ours[differ]} vs ${python[z]![differ]}`).toBe(-1)
    }
    // The autumn change in London: the same wall-clock hour twice, told apart by the offset.
    expect([Date.parse('2026-10-25T00:30:00Z'), Date.parse('2026-10-25T01:30:00Z')].map((t) => localDateTime(t, 'Europe/London'))).toEqual([
      '2026-10-25 01:30:00+01:00',
      '2026-10-25 01:30:00+00:00',
    ])
  })
})
