// The task endpoints through fastify's inject(): the list, marking done (400, 404, 409), and the CSV day sheet as
// the office opens it in Excel.
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { registerTaskRoutes } from '../../gateway/schedules/routes.ts'
import { at, Harness, iso, tempDb, TestClock } from './helpers.ts'

const site = { id: 'estate-001', name: '路砦社区', timezone: 'Asia/Shanghai' }
const gate = { id: 'north-1', name: '北门', heldOpenSec: 30, fireLatch: false }
/** Who may mark tasks done, by name (kiosk.staffPins); zhao is not (or no longer) in the list. */
const kiosk = { staffPins: [{ id: 'wang', name: '王芳', pin: '135790' }], techPins: [] }
const dutyCheck = { id: 'duty-check', kind: 'duty-check' as const, area: 'gate', cron: '0 9,14,22 * * *', graceMinutes: 30 }
const liftHalls = { id: 'lift-halls', kind: 'disinfection' as const, area: 'lift-halls', cron: '0 8,13,18 * * *', graceMinutes: 60 }

let app: FastifyInstance | null = null
afterEach(async () => {
  await app?.close()
  app = null
})

function setup(startLocal: string, staffOf?: (req: { headers: Record<string, unknown> }) => string | null) {
  const clock = new TestClock(at(startLocal))
  const h = new Harness(tempDb(), clock, [liftHalls, dutyCheck])
  h.sched.evaluate()
  app = Fastify()
  registerTaskRoutes(app, { tasks: h.sched, config: { site, gate, kiosk }, ...(staffOf ? { staffOf } : {}) })
  return { h, clock, app }
}

describe('GET /api/tasks and POST /api/tasks/:id/done', () => {
  it('with staffOf (the kiosk): the route itself asks who is logged in: 401 without, and the session\'s staff whatever the body says', async () => {
    const { h, clock, app } = setup('2026-11-23T07:00:00', (req) => (req.headers['x-staff'] === 'wang' ? 'wang' : null))
    clock.set('2026-11-23T08:00:00')
    h.sched.evaluate()
    const lift = h.sched.list()[0]!.id
    expect((await app.inject({ method: 'POST', url: `/api/tasks/${lift}/done`, payload: { staff: 'wang', note: '' } })).statusCode).toBe(401)
    const done = await app.inject({ method: 'POST', url: `/api/tasks/${lift}/done`, headers: { 'x-staff': 'wang' }, payload: { staff: 'mallory', note: '84 消毒液' } })
    expect(done.statusCode).toBe(200)
    expect(done.json().occurrence).toMatchObject({ status: 'done', doneBy: 'wang' })
  })

  it('lists open and today\'s tasks newest first; done records who and the note; 404, 409 and 400 otherwise', async () => {
    const { h, clock, app } = setup('2026-11-23T07:00:00')
    clock.set('2026-11-23T08:00:00')
    h.sched.evaluate()
    const lift = h.sched.list()[0]!.id
    clock.set('2026-11-23T08:40:00')
    const done = await app.inject({ method: 'POST', url: `/api/tasks/${lift}/done`, payload: { staff: ' cleaner-zhao ', note: '84 消毒液 1:100, 5 L' } })
    expect(done.statusCode).toBe(200)
    expect(done.json()).toMatchObject({ occurrence: { id: lift, status: 'done', doneBy: 'cleaner-zhao', note: '84 消毒液 1:100, 5 L', late: false, doneAt: iso('2026-11-23T08:40:00') } })
    expect(h.taskEvents().at(-1)).toEqual(['done', 'lift-halls', iso('2026-11-23T08:00:00'), iso('2026-11-23T08:40:00')])

    clock.set('2026-11-23T09:00:00')
    h.sched.evaluate()
    const list = await app.inject({ method: 'GET', url: '/api/tasks' })
    expect(list.statusCode).toBe(200)
    const body = list.json() as { day: string; tasks: { id: number; taskId: string; dueAt: string; status: string }[] }
    expect(body.day).toBe('2026-11-23')
    expect(body.tasks.map((t) => [t.taskId, t.dueAt, t.status])).toEqual([
      ['duty-check', iso('2026-11-23T09:00:00'), 'due'],
      ['lift-halls', iso('2026-11-23T08:00:00'), 'done'],
    ])

    const again = await app.inject({ method: 'POST', url: `/api/tasks/${lift}/done`, payload: { staff: 'someone', note: '' } })
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ occurrence: { doneBy: 'cleaner-zhao' } })
    expect((await app.inject({ method: 'POST', url: '/api/tasks/424242/done', payload: { staff: 'a' } })).statusCode).toBe(404)
    const noStaff = await app.inject({ method: 'POST', url: `/api/tasks/${body.tasks[0]!.id}/done`, payload: { note: 'x' } })
    expect(noStaff.statusCode).toBe(400)
    expect(noStaff.json().error).toMatch(/^staff: /)
    const extra = await app.inject({ method: 'POST', url: `/api/tasks/${body.tasks[0]!.id}/done`, payload: { staff: 'a', pin: '1234' } })
    expect(extra.statusCode).toBe(400)
    expect((await app.inject({ method: 'POST', url: '/api/tasks/abc/done', payload: { staff: 'a' } })).statusCode).toBe(400)
    // Nothing of the refused requests reached the outbox.
    expect(h.taskEvents().filter(([e]) => e === 'done')).toHaveLength(1)
  })
})

describe('GET /api/tasks/sheet.csv', () => {
  it('is UTF-8 with a BOM and CRLF, in Chinese: per area on time, late, missed; then one line per occurrence', async () => {
    const { h, clock, app } = setup('2026-11-23T07:00:00')
    const doneAt = (local: string, due: string, staff: string, note: string): void => {
      clock.set(local)
      h.sched.markDone(h.sched.list().find((o) => o.dueAt === iso(due))!.id, staff, note)
    }
    clock.set('2026-11-23T08:00:00')
    h.sched.evaluate()
    doneAt('2026-11-23T08:20:00', '2026-11-23T08:00:00', 'zhao', '84 消毒液 1:100, 5 L')
    clock.set('2026-11-23T14:00:00')
    h.sched.evaluate()
    doneAt('2026-11-23T14:50:00', '2026-11-23T14:00:00', 'wang', '=HYPERLINK("x")')
    clock.set('2026-11-24T10:00:00')
    h.sched.evaluate()

    const res = await app.inject({ method: 'GET', url: '/api/tasks/sheet.csv?day=2026-11-23' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toBe('attachment; filename="tasks-estate-001-north-1-2026-11-23.csv"')
    const raw = res.rawPayload
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = raw.subarray(3).toString('utf8')
    expect(text.endsWith('\r\n')).toBe(true)
    expect(text.split('\r\n')).toEqual([
      '日期,2026-11-23',
      '社区,路砦社区,estate-001',
      '大门,北门,north-1',
      '时区,Asia/Shanghai',
      '制表时间,2026-11-24 10:00:00+08:00',
      '',
      '区域,按时完成,超时完成,漏做,待完成',
      '电梯厅,1,0,2,0',
      '门岗,0,1,2,0',
      '',
      '应做时间,任务,类别,区域,结果,执行人,执行人编号,完成时间,备注',
      '2026-11-23 08:00:00+08:00,电梯厅消毒,消毒,电梯厅,按时完成,zhao,zhao,2026-11-23 08:20:00+08:00,"84 消毒液 1:100, 5 L"',
      '2026-11-23 09:00:00+08:00,门岗查岗,查岗,门岗,漏做,,,,',
      '2026-11-23 13:00:00+08:00,电梯厅消毒,消毒,电梯厅,漏做,,,,',
      '2026-11-23 14:00:00+08:00,门岗查岗,查岗,门岗,超时完成,王芳,wang,2026-11-23 14:50:00+08:00,"\'=HYPERLINK(""x"")"',
      '2026-11-23 18:00:00+08:00,电梯厅消毒,消毒,电梯厅,漏做,,,,',
      '2026-11-23 22:00:00+08:00,门岗查岗,查岗,门岗,漏做,,,,',
      '',
    ])

    const en = await app.inject({ method: 'GET', url: '/api/tasks/sheet.csv?day=2026-11-23&lang=en' })
    expect(en.body.split('\r\n').slice(6, 12)).toEqual([
      'Area,On time,Late,Missed,Open',
      'Gate,0,1,2,0',
      'Lift halls,1,0,2,0',
      '',
      'Due,Task,Kind,Area,Outcome,Done by,Staff id,Done at,Note',
      '2026-11-23 08:00:00+08:00,Lift hall disinfection,Disinfection,Lift halls,On time,zhao,zhao,2026-11-23 08:20:00+08:00,"84 消毒液 1:100, 5 L"',
    ])
  })

  it('defaults to today and refuses a malformed day', async () => {
    const { app } = setup('2026-11-23T07:00:00')
    const today = await app.inject({ method: 'GET', url: '/api/tasks/sheet.csv' })
    expect(today.body).toContain('日期,2026-11-23\r\n')
    expect((await app.inject({ method: 'GET', url: '/api/tasks/sheet.csv?day=23.11.2026' })).statusCode).toBe(400)
    const badLang = await app.inject({ method: 'GET', url: '/api/tasks/sheet.csv?lang=fr' })
    expect(badLang.statusCode).toBe(400)
    expect(badLang.json().error).toBe('lang: zh or en')
  })
})
