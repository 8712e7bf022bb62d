// Tasks falling due, done, overdue and missed, with a clock moved by hand (no waiting): the events the platform
// receives, with their timestamps. Asia/Shanghai is UTC+8 with no DST, so 09:00 local is 01:00Z.
import { describe, expect, it } from 'vitest'
import { Summarizer } from '../../gateway/summaries.ts'
import { at, Harness, iso, log, tempDb, TestClock, TZ } from './helpers.ts'

const dutyCheck = { id: 'duty-check', kind: 'duty-check' as const, area: 'gate', cron: '0 9,14,22 * * *', graceMinutes: 30 }
const hourly = { id: 'lift-halls', kind: 'disinfection' as const, area: 'lift-halls', cron: '0 * * * *', graceMinutes: 30 }

describe('due, done, overdue', () => {
  it('raises due at its minute, records done with who and a note, and overdue past the grace with an alert', () => {
    const clock = new TestClock(at('2026-11-23T08:50:00'))
    const h = new Harness(tempDb(), clock, [dutyCheck])
    // Very first start: nothing existed before now.
    expect(h.sched.evaluate().changes).toEqual([])
    clock.set('2026-11-23T08:59:59')
    expect(h.sched.evaluate().changes).toEqual([])
    expect(h.sched.nextWake()).toBe(at('2026-11-23T09:00:00'))

    clock.set('2026-11-23T09:00:00')
    expect(h.sched.evaluate().changes.map((c) => [c.event, c.occurrence.dueAt])).toEqual([['due', iso('2026-11-23T09:00:00')]])
    expect(h.taskEvents()).toEqual([['due', 'duty-check', '2026-11-23T01:00:00.000Z', '2026-11-23T01:00:00.000Z']])
    // Open and within its grace: the next thing to happen is its overdue time.
    expect(h.sched.nextWake()).toBe(at('2026-11-23T09:30:00'))

    clock.set('2026-11-23T09:12:00')
    const id = h.sched.list()[0]!.id
    const done = h.sched.markDone(id, 'supervisor-wang', '')
    expect(done).toMatchObject({ ok: true, occurrence: { status: 'done', doneBy: 'supervisor-wang', doneAt: '2026-11-23T01:12:00.000Z', late: false } })
    expect(h.published().at(-1)!.event).toMatchObject({
      type: 'estategate.task.v1',
      time: '2026-11-23T01:12:00.000Z',
      data: { event: 'done', taskId: 'duty-check', occurrenceId: id, dueAt: '2026-11-23T01:00:00.000Z', staff: 'supervisor-wang', note: '', doneAt: '2026-11-23T01:12:00.000Z', late: false },
    })
    expect(h.sched.markDone(id, 'someone-else', '')).toMatchObject({ ok: false, code: 'already_done' })
    expect(h.sched.markDone(9999, 'x', '')).toEqual({ ok: false, code: 'not_found' })

    // 14:00 falls due; nobody comes; at 14:30 it is overdue, with a task_overdue alert.
    clock.set('2026-11-23T14:00:00')
    h.sched.evaluate()
    clock.set('2026-11-23T14:29:59')
    expect(h.sched.evaluate().changes).toEqual([])
    clock.set('2026-11-23T14:30:00')
    expect(h.sched.evaluate().changes.map((c) => c.event)).toEqual(['overdue'])
    expect(h.taskEvents().slice(2)).toEqual([
      ['due', 'duty-check', '2026-11-23T06:00:00.000Z', '2026-11-23T06:00:00.000Z'],
      ['overdue', 'duty-check', '2026-11-23T06:00:00.000Z', '2026-11-23T06:30:00.000Z'],
    ])
    expect(h.alerts()).toEqual([
      expect.objectContaining({ kind: 'task_overdue', severity: 'warning', taskId: 'duty-check', area: 'gate', dueAt: '2026-11-23T06:00:00.000Z', time: '2026-11-23T06:30:00.000Z' }),
    ])
    // Overdue once only.
    clock.set('2026-11-23T14:45:00')
    expect(h.sched.evaluate().changes).toEqual([])

    // Done after overdue is allowed, and late.
    const late = h.sched.markDone(h.sched.list().find((o) => o.status === 'overdue')!.id, 'guard-li', '巡查正常')
    expect(late).toMatchObject({ ok: true, occurrence: { late: true, doneAt: '2026-11-23T06:45:00.000Z', note: '巡查正常' } })
    expect(h.taskEvents().at(-1)).toEqual(['done', 'duty-check', '2026-11-23T06:00:00.000Z', '2026-11-23T06:45:00.000Z'])
    // The bus saw every change in order, after it was committed.
    expect(h.changes.map((c) => c.event)).toEqual(['due', 'done', 'due', 'overdue', 'done'])
  })

  it('lists the open occurrences and today\'s, newest first', () => {
    const clock = new TestClock(at('2026-11-23T08:00:00'))
    const h = new Harness(tempDb(), clock, [dutyCheck])
    h.sched.evaluate()
    clock.set('2026-11-23T22:00:00')
    h.sched.evaluate()
    h.sched.markDone(h.sched.list().find((o) => o.dueAt === iso('2026-11-23T14:00:00'))!.id, 'w', '')
    clock.set('2026-11-24T09:05:00')
    h.sched.evaluate()
    // Yesterday's 09:00 is still open (overdue) and shown; yesterday's done 14:00 is not; today's 09:00 is.
    expect(h.sched.list().map((o) => [o.dueAt, o.status])).toEqual([
      [iso('2026-11-24T09:00:00'), 'due'],
      [iso('2026-11-23T22:00:00'), 'overdue'],
      [iso('2026-11-23T09:00:00'), 'overdue'],
    ])
  })
})

describe('missed while the gateway was off', () => {
  it('raises at start what fell due since the last evaluation: missed past its grace, due within it', () => {
    const path = tempDb()
    const clock = new TestClock(at('2026-11-23T08:50:00'))
    const before = new Harness(path, clock, [dutyCheck])
    before.sched.evaluate()
    before.close()

    // Off from 08:50 to 14:10: 09:00 (grace to 09:30) is missed, 14:00 (grace to 14:30) is still due.
    clock.set('2026-11-23T14:10:00')
    const after = new Harness(path, clock, [dutyCheck])
    expect(after.sched.evaluate().changes.map((c) => [c.event, c.occurrence.dueAt])).toEqual([
      ['missed', iso('2026-11-23T09:00:00')],
      ['due', iso('2026-11-23T14:00:00')],
    ])
    expect(after.taskEvents()).toEqual([
      ['missed', 'duty-check', '2026-11-23T01:00:00.000Z', '2026-11-23T06:10:00.000Z'],
      ['due', 'duty-check', '2026-11-23T06:00:00.000Z', '2026-11-23T06:10:00.000Z'],
    ])
    // A missed task is no overdue alert, and is not raised again by the next evaluations.
    expect(after.alerts()).toEqual([])
    clock.set('2026-11-23T14:11:00')
    expect(after.sched.evaluate().changes).toEqual([])
  })

  it('a task open when the gateway stopped goes overdue at the next start, not missed', () => {
    const path = tempDb()
    const clock = new TestClock(at('2026-11-23T08:50:00'))
    const before = new Harness(path, clock, [dutyCheck])
    before.sched.evaluate()
    clock.set('2026-11-23T09:05:00')
    before.sched.evaluate()
    before.close()
    clock.set('2026-11-23T10:00:00')
    const after = new Harness(path, clock, [dutyCheck])
    expect(after.sched.evaluate().changes.map((c) => [c.event, c.occurrence.dueAt])).toEqual([['overdue', iso('2026-11-23T09:00:00')]])
  })

  it('caps the catch-up at 7 days (a board booting in 1970, then NTP), with one alert saying what was not raised', () => {
    const path = tempDb()
    const clock = new TestClock(Date.UTC(1970, 0, 1, 0, 0, 30))
    const boot = new Harness(path, clock, [dutyCheck])
    boot.sched.evaluate()
    boot.close()
    clock.set('2026-11-23T08:00:00')
    const h = new Harness(path, clock, [dutyCheck])
    const res = h.sched.evaluate()
    // 7 days back from 2026-11-23T08:00 is 2026-11-16T08:00: 16th 09:00, 14:00, 22:00 ... 22nd 22:00.
    const missed = res.changes.filter((c) => c.event === 'missed')
    expect(missed).toHaveLength(21)
    expect(missed[0]!.occurrence.dueAt).toBe(iso('2026-11-16T09:00:00'))
    expect(missed.at(-1)!.occurrence.dueAt).toBe(iso('2026-11-22T22:00:00'))
    expect(res.capped).toEqual({ from: '1970-01-01T00:00:30.000Z', to: iso('2026-11-16T08:00:00') })
    const alerts = h.alerts()
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ kind: 'task_catchup_capped', from: '1970-01-01T00:00:30.000Z', to: '2026-11-16T00:00:00.000Z', tasks: ['duty-check'] })
  })

  it('the unique key keeps a replayed window from raising anything twice', () => {
    const clock = new TestClock(at('2026-11-23T08:00:00'))
    const h = new Harness(tempDb(), clock, [dutyCheck])
    h.sched.evaluate()
    clock.set('2026-11-23T15:00:00')
    h.sched.evaluate()
    const n = h.taskEvents().length
    // As if the mark had not been saved (it is saved in the same transaction, but belt and braces).
    h.store.db.prepare('UPDATE task_evaluation SET evaluated_until = ?').run(at('2026-11-23T08:00:00'))
    expect(h.sched.evaluate().changes).toEqual([])
    expect(h.taskEvents()).toHaveLength(n)
  })
})

describe('wall-clock jumps', () => {
  it('a 3-hour forward jump raises each task that fell due in it once, with its real dueAt', () => {
    const clock = new TestClock(at('2026-11-23T08:20:00'))
    const h = new Harness(tempDb(), clock, [hourly, dutyCheck])
    h.sched.evaluate()
    clock.set('2026-11-23T08:21:00')
    h.sched.evaluate()
    // NTP steps the clock from 08:21 to 11:21.
    clock.set('2026-11-23T11:21:00')
    h.sched.evaluate()
    clock.set('2026-11-23T11:22:00')
    h.sched.evaluate()
    const now = '2026-11-23T03:21:00.000Z'
    // In order of what happened; those whose grace ran out inside the jump are overdue at once (with an alert).
    expect(h.taskEvents()).toEqual([
      ['due', 'lift-halls', '2026-11-23T01:00:00.000Z', now],
      ['due', 'duty-check', '2026-11-23T01:00:00.000Z', now],
      ['overdue', 'lift-halls', '2026-11-23T01:00:00.000Z', now],
      ['overdue', 'duty-check', '2026-11-23T01:00:00.000Z', now],
      ['due', 'lift-halls', '2026-11-23T02:00:00.000Z', now],
      ['overdue', 'lift-halls', '2026-11-23T02:00:00.000Z', now],
      ['due', 'lift-halls', '2026-11-23T03:00:00.000Z', now],
    ])
    expect(h.alerts().map((a) => [a.kind, a.taskId, a.dueAt])).toEqual([
      ['task_overdue', 'lift-halls', '2026-11-23T01:00:00.000Z'],
      ['task_overdue', 'duty-check', '2026-11-23T01:00:00.000Z'],
      ['task_overdue', 'lift-halls', '2026-11-23T02:00:00.000Z'],
    ])
    expect(h.sched.mark()).toBe(at('2026-11-23T11:22:00'))
  })

  it('a jump back repeats none: nothing is raised again while the clock catches up, and the next one comes once', () => {
    const clock = new TestClock(at('2026-11-23T08:30:00'))
    const h = new Harness(tempDb(), clock, [hourly, dutyCheck])
    h.sched.evaluate()
    for (const t of ['09:00', '09:40', '10:00', '10:10']) {
      clock.set(`2026-11-23T${t}:00`)
      h.sched.evaluate()
    }
    const before = h.taskEvents()
    expect(before.filter(([e]) => e === 'due').map(([, id, due]) => [id, due])).toEqual([
      ['lift-halls', '2026-11-23T01:00:00.000Z'],
      ['duty-check', '2026-11-23T01:00:00.000Z'],
      ['lift-halls', '2026-11-23T02:00:00.000Z'],
    ])
    // The clock is stepped back 2 hours: the mark stays where it was...
    clock.set('2026-11-23T08:10:00')
    expect(h.sched.evaluate().changes).toEqual([])
    expect(h.sched.mark()).toBe(at('2026-11-23T10:10:00'))
    // ...then runs forward again through 09:00 and 10:00, minute by minute.
    for (let t = at('2026-11-23T08:10:00'); t <= at('2026-11-23T10:10:00'); t += 60_000) {
      clock.t = t
      h.sched.evaluate()
    }
    expect(h.taskEvents()).toEqual(before)
    expect(h.sched.mark()).toBe(at('2026-11-23T10:10:00'))
    clock.set('2026-11-23T11:00:00')
    h.sched.evaluate()
    expect(h.taskEvents().slice(before.length).filter(([e]) => e === 'due')).toEqual([['due', 'lift-halls', '2026-11-23T03:00:00.000Z', '2026-11-23T03:00:00.000Z']])
  })
})

describe('everyDays', () => {
  it('everyDays: 2 falls due every other day at its time in Asia/Shanghai, across restarts', () => {
    const corridors = { id: 'corridors', kind: 'disinfection' as const, area: 'corridors', everyDays: 2, at: '09:00', graceMinutes: 240 }
    const path = tempDb()
    const clock = new TestClock(at('2026-11-22T08:00:00'))
    let h = new Harness(path, clock, [corridors])
    h.sched.evaluate()
    const dues: string[] = []
    for (let day = 22; day <= 28; day++) {
      // A restart each evening does not shift the cadence (it is anchored on the local date, not on the start).
      for (const t of ['09:00', '20:00']) {
        clock.set(`2026-11-${day}T${t}:00`)
        dues.push(...h.sched.evaluate().changes.filter((c) => c.event === 'due').map((c) => `${c.occurrence.day} ${c.occurrence.dueAt}`))
      }
      h.close()
      h = new Harness(path, clock, [corridors])
    }
    expect(dues).toEqual(['2026-11-23 2026-11-23T01:00:00.000Z', '2026-11-25 2026-11-25T01:00:00.000Z', '2026-11-27 2026-11-27T01:00:00.000Z'])
  })

  it('uses the local date: a 00:30 task falls on the local day, which is the previous UTC day', () => {
    const early = { id: 'bins', kind: 'disinfection' as const, area: 'bins', everyDays: 2, at: '00:30', graceMinutes: 60 }
    const clock = new TestClock(at('2026-11-22T00:00:00'))
    const h = new Harness(tempDb(), clock, [early])
    h.sched.evaluate()
    clock.set('2026-11-26T12:00:00')
    const due = h.sched.evaluate().changes.filter((c) => c.event === 'due').map((c) => [c.occurrence.day, c.occurrence.dueAt])
    expect(due).toEqual([
      ['2026-11-23', '2026-11-22T16:30:00.000Z'],
      ['2026-11-25', '2026-11-24T16:30:00.000Z'],
    ])
  })
})

describe('per area and per day', () => {
  it('counts done on time, done late and missed per area, in the day summary', () => {
    const bins = { id: 'bins', kind: 'disinfection' as const, area: 'bins', cron: '0 20 * * *', graceMinutes: 120 }
    const clock = new TestClock(at('2026-11-23T08:00:00'))
    const h = new Harness(tempDb(), clock, [dutyCheck, bins])
    const summarizer = new Summarizer({ store: h.store, timeZone: TZ, clock, log })
    const tick = (local: string): void => {
      clock.set(local)
      h.sched.evaluate()
      summarizer.catchUp()
    }
    const doneAt = (local: string, due: string, staff: string): void => {
      clock.set(local)
      h.sched.markDone(h.sched.list().find((o) => o.dueAt === iso(due))!.id, staff, '84 消毒液 1:100, 2 L')
    }
    tick('2026-11-23T08:00:00')
    tick('2026-11-23T09:00:00')
    doneAt('2026-11-23T09:10:00', '2026-11-23T09:00:00', 'wang')
    tick('2026-11-23T14:00:00')
    tick('2026-11-23T15:00:00')
    doneAt('2026-11-23T15:05:00', '2026-11-23T14:00:00', 'li')
    tick('2026-11-23T20:00:00')
    tick('2026-11-23T22:00:00')
    tick('2026-11-24T00:10:00')
    expect(h.sched.figures('2026-11-23')).toEqual({ bins: { onTime: 0, late: 0, missed: 1, open: 0 }, gate: { onTime: 1, late: 1, missed: 1, open: 0 } })
    const day = h.published().find((p) => p.topic === 'summary/day')!
    expect(day.event.data).toMatchObject({ period: '2026-11-23', tasks: { bins: { onTime: 0, late: 0, missed: 1, open: 0 }, gate: { onTime: 1, late: 1, missed: 1, open: 0 } } })
    // Hour summaries carry no task figures.
    expect(h.published().find((p) => p.topic === 'summary/hour')!.event.data).not.toHaveProperty('tasks')
  })
})
