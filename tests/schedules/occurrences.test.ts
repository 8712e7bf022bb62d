// Occurrence computation against the plain definition: a minute is an occurrence when node-cron's matcher says so.
import fc from 'fast-check'
import cron from 'node-cron'
import { describe, expect, it } from 'vitest'
import { cronDayMatches, OccurrenceSource } from '../../gateway/schedules/occurrences.ts'

function source(cronExpr: string, timeZone: string): OccurrenceSource {
  return new OccurrenceSource({ id: 't', kind: 'disinfection', area: 'a', cron: cronExpr, graceMinutes: 60 }, timeZone)
}

/** Every minute in (from, to] that node-cron's own matcher accepts. */
function bruteForce(cronExpr: string, timeZone: string, from: number, to: number): number[] {
  const task = cron.createTask(cronExpr, () => undefined, { timezone: timeZone })
  const out: number[] = []
  for (let t = Math.floor(from / 60_000) * 60_000 + 60_000; t <= to; t += 60_000) if (task.match(new Date(t))) out.push(t)
  void task.destroy()
  return out
}

const field = (...options: string[]) => fc.constantFrom(...options)
const cronArb = fc
  .tuple(
    field('*', '*/15', '0', '5,35', '0-10/5', '59'),
    field('*', '9', '9,14,22', '8-18/2', '0', '23'),
    field('*', '1', 'L', '15', '28-31', '1W'),
    field('*', '1-6', '11', '2'),
    field('*', '1-5', '0', '6', 'MON', '5L', '1#2', 'SUN,SAT'),
  )
  .map((f) => f.join(' '))

describe('cron occurrences', () => {
  it('are exactly the minutes node-cron matches, in order, for any window (Asia/Shanghai and Asia/Kolkata)', () => {
    fc.assert(
      fc.property(
        cronArb,
        fc.constantFrom('Asia/Shanghai', 'Asia/Kolkata'),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 1) }),
        fc.integer({ min: 1, max: 3 * 86_400_000 }),
        (expr, tz, from, span) => {
          expect([...source(expr, tz).between(from, from + span)]).toEqual(bruteForce(expr, tz, from, from + span))
        },
      ),
      { numRuns: 40 },
    )
  })

  it('a day matches exactly when the matcher of node-cron says so, for every day of two years (one leap) and every day token', () => {
    const days: string[] = ['*', '1', '31', 'L', 'L-2', 'L-30', '1W', '15W', '31W', 'LW', '1,15,L', '28-31', '*/10']
    const weekdays: string[] = ['*', '0', '6', '7', 'MON-FRI', '1#1', '5#5', '0#2,3#4', '5L', '7L', '0L,6L', 'SUN,SAT']
    const months: string[] = ['*', '2-3,11']
    const mismatches: string[] = []
    for (const dom of days) {
      for (const dow of weekdays) {
        for (const mon of months) {
          const expr = `0 12 ${dom} ${mon} ${dow}`
          // Combinations node-cron refuses (31 in February) are refused at configuration too.
          if (!cron.validate(expr)) continue
          const fields = cron.parse(expr)
          const theirs = cron.createTask(expr, () => undefined, { timezone: 'UTC' })
          for (let t = Date.UTC(2027, 0, 1, 12); t < Date.UTC(2029, 0, 1); t += 86_400_000) {
            const d = new Date(t)
            const ours = cronDayMatches(fields, { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() })
            if (ours !== theirs.match(d)) mismatches.push(`${expr} on ${d.toISOString().slice(0, 10)}: ours ${ours}`)
          }
          void theirs.destroy()
        }
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([])
  })

  it('the next occurrence is the first one after a time, strictly', () => {
    const s = source('0 9,14,22 * * *', 'Asia/Shanghai')
    expect(s.next(Date.parse('2026-11-23T09:00:00+08:00'))).toBe(Date.parse('2026-11-23T14:00:00+08:00'))
    expect(s.next(Date.parse('2026-11-23T08:59:59.999+08:00'))).toBe(Date.parse('2026-11-23T09:00:00+08:00'))
    expect(s.next(Date.parse('2026-11-23T22:00:00+08:00'))).toBe(Date.parse('2026-11-24T09:00:00+08:00'))
  })

  it('a local time repeated when DST ends falls due once', () => {
    // Europe/Berlin goes back from 03:00 CEST to 02:00 CET on 2026-10-25: 02:30 happens twice.
    const got = [...source('30 2 * * *', 'Europe/Berlin').between(Date.parse('2026-10-24T12:00:00Z'), Date.parse('2026-10-26T12:00:00Z'))]
    expect(got.map((t) => new Date(t).toISOString())).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'])
  })

  it('a local time skipped when DST starts falls due just after the gap, not never', () => {
    // Europe/Berlin jumps from 02:00 CET to 03:00 CEST on 2026-03-29: there is no 02:30 that day.
    const got = [...source('30 2 * * *', 'Europe/Berlin').between(Date.parse('2026-03-28T12:00:00Z'), Date.parse('2026-03-30T12:00:00Z'))]
    expect(got.map((t) => new Date(t).toISOString())).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'])
  })
})
