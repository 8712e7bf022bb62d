// Occurrence computation against the plain definition: a minute is an occurrence when node-cron's matcher says so.
import fc from 'fast-check'
import cron from 'node-cron'
import { afterAll, describe, expect, it } from 'vitest'
import { OccurrenceSource } from '../../gateway/schedules/occurrences.ts'

const sources: OccurrenceSource[] = []
afterAll(() => sources.forEach((s) => s.dispose()))

function source(cronExpr: string, timeZone: string): OccurrenceSource {
  const s = new OccurrenceSource({ id: 't', kind: 'disinfection', area: 'a', cron: cronExpr, graceMinutes: 60 }, timeZone)
  sources.push(s)
  return s
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
