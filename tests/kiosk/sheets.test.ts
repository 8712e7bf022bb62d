// The sheets the community office opens in Excel, fetched through the gateway's real HTTP routes (inject()) after a
// morning at the gate: the entries export, the gate's day sheet and the task day sheet. Chinese headers and words by
// default, English with ?lang=en; local times with their offset, never UTC Z; people by name; UTF-8 with a BOM and
// CRLF. Each sheet is read back by Python's csv module and each time by Python's datetime (tests/kiosk/sheetReader.ts).
import { describe, expect, it } from 'vitest'
import { handleRequest } from '../../gateway/requests.ts'
import { startKiosk, stillClock, type KioskEnv } from './helpers.ts'
import { pass } from './passes.ts'
import { readSheet, table } from './sheetReader.ts'

/** Wall ms of a local time in Shanghai (UTC+8 all year). */
const at = (local: string): number => Date.parse(`${local}+08:00`)
const SITE = { id: 'estate-001', name: '路砦社区', timezone: 'Asia/Shanghai' }

/** 2026-11-20 in Shanghai: a task done, a task missed, five entries from 09:00 to 09:04, the sheets at 09:05. */
async function morning(): Promise<{ k: KioskEnv; tech: string; ts: Record<string, number> }> {
  const clock = stillClock(at('2026-11-20T06:00:00'))
  const k = await startKiosk({ site: SITE, gate: { id: 'north-1', name: '北门' } }, { clock })
  const moveTo = (local: string): void => clock.advance(at(local) - clock.now())
  // The default tasks: the gate area at 07:00 goes undone, the lift halls at 08:00 are done at 08:30 by 张伟.
  moveTo('2026-11-20T08:30:00')
  k.gw.tasks.tick()
  const staff = await k.login()
  const lift = k.gw.tasks.list().find((t) => t.taskId === 'lift-halls')!
  expect((await k.req('POST', `/api/tasks/${lift.id}/done`, { note: '84 消毒液 1:100, 5 L' }, staff)).status).toBe(200)

  const ts: Record<string, number> = {}
  moveTo('2026-11-20T09:00:00')
  ts.open = clock.now()
  expect((await k.req('POST', '/api/kiosk/open', { reason: 'other', text: '送药上门' }, staff)).status).toBe(200)
  moveTo('2026-11-20T09:01:00')
  ts.visitor = clock.now()
  expect((await k.req('POST', '/api/kiosk/visitor', { name: '李四', phoneLast4: '0420', hostUnit: '3-1-502', tempC: 38.2 }, staff)).status).toBe(200)
  moveTo('2026-11-20T09:02:00')
  ts.isolation = clock.now()
  k.gw.store.replaceIsolation([{ subject: 'H-9-9-909', startDay: '2026-11-01', endDay: null }])
  const decided = new Promise((res) => k.gw.bus.on('decision', res))
  k.scanner('out').inject(await pass(k.gw, { sub: 'H-9-9-909', jti: 'pass-909' }))
  await decided
  moveTo('2026-11-20T09:03:00')
  ts.remote = clock.now()
  // The platform opens the gate for an ambulance, naming its operator: the row's staff is "platform:duty-desk".
  const remote = await handleRequest('gate/open', Buffer.from(JSON.stringify({ requestId: 'r-1', expires: new Date(clock.now() + 60_000).toISOString(), reason: 'ambulance', staff: 'duty-desk' })), k.gw.requestContext())
  expect(remote).toMatchObject({ status: 'ok' })
  moveTo('2026-11-20T09:04:00')
  ts.vehicle = clock.now()
  expect((await k.req('POST', '/api/kiosk/vehicle', { plate: '沪A12345', occupants: 2, tempC: 36.5 }, staff)).status).toBe(200)
  moveTo('2026-11-20T09:05:00')
  k.gw.tasks.tick()
  return { k, tech: await k.login('97531', 'tech'), ts }
}

async function sheet(k: KioskEnv, url: string, tech: string) {
  const r = await k.req('GET', url, undefined, tech)
  expect(r.status, r.body).toBe(200)
  expect(r.headers['content-type']).toBe('text/csv; charset=utf-8')
  expect([...r.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  // Never a UTC time in a sheet: no ISO "T…Z" anywhere.
  expect(r.body).not.toMatch(/\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/)
  return readSheet(r.raw)
}

describe('the sheets for the community office', () => {
  it('entries: Chinese headers and words, local times with offset, staff by name; English with ?lang=en', async () => {
    const { k, tech, ts } = await morning()
    const { rows, instants } = await sheet(k, '/api/tech/entries.csv?from=2026-11-20&to=2026-11-20', tech)
    expect(rows[0]).toEqual([
      '时间', '日期', '方向', '结果', '原因', '类别', '持码人编号', '体温 °C', '已复测', '来源', '人工操作', '说明', '操作人', '操作人编号',
      '访客姓名', '手机后四位', '被访住户', '车牌', '车内人数', '扫码器', '通行码编号', '规则版本', '时钟可信', '记录编号',
    ])
    const body = rows.slice(1)
    expect(body.map((r) => r.slice(0, 14))).toEqual([
      ['2026-11-20 09:00:00+08:00', '2026-11-20', '进入', '放行', '人工放行', '', '', '', '否', '人工', '其他', '送药上门', '张伟', 'zhang'],
      ['2026-11-20 09:01:00+08:00', '2026-11-20', '进入', '拒绝', '发热', '访客', '', '38.2', '否', '人工', '访客登记', '', '张伟', 'zhang'],
      ['2026-11-20 09:02:00+08:00', '2026-11-20', '外出', '拒绝', '居家隔离人员外出', '住户', 'H-9-9-909', '', '否', '扫码', '', '', '', ''],
      ['2026-11-20 09:03:00+08:00', '2026-11-20', '进入', '放行', '人工放行', '', '', '', '否', '人工', '救护车', '', '中心平台（duty-desk）', 'platform:duty-desk'],
      ['2026-11-20 09:04:00+08:00', '2026-11-20', '进入', '放行', '人工放行', '车辆', '', '36.5', '否', '人工', '车辆登记', '', '张伟', 'zhang'],
    ])
    expect(body[1]!.slice(14, 19)).toEqual(['李**', '0420', '3-1-502', '', ''])
    expect(body[4]!.slice(14, 19)).toEqual(['', '', '', '沪A12345', '2'])
    expect(body[2]!.slice(19, 21)).toEqual(['scanner-out', 'pass-909'])
    const trusted = (k.gw.store.db.prepare('SELECT clock_trusted AS c FROM entries ORDER BY ts').all() as { c: number }[]).map((r) => (r.c ? '是' : '否'))
    expect(body.map((r) => r[22])).toEqual(trusted)
    // The event id, last, is the row's P/entry event.
    expect(body.map((r) => r.at(-1))).toEqual((k.gw.store.db.prepare('SELECT event_id AS id FROM entries ORDER BY ts').all() as { id: string }[]).map((r) => r.id))
    // Python reads each local time as the instant the gate recorded (to the second).
    expect(body.map((r) => instants[r[0]!])).toEqual([ts.open, ts.visitor, ts.isolation, ts.remote, ts.vehicle])
    // No code of ours in the coded columns (direction, decision, reasons, kind, source, staff action).
    for (const r of body) for (const i of [2, 3, 4, 5, 9, 10]) expect(r[i], `column ${rows[0]![i]}`).not.toMatch(/[a-z]/)

    const en = await sheet(k, '/api/tech/entries.csv?from=2026-11-20&to=2026-11-20&lang=en', tech)
    expect(en.rows[0]).toEqual([
      'Time', 'Day', 'Direction', 'Decision', 'Reasons', 'Kind', 'Holder id', 'Temperature °C', 'Rechecked', 'Source', 'Staff action', 'Note', 'Staff', 'Staff id',
      'Visitor name', 'Phone (last 4)', 'Host unit', 'Plate', 'Occupants', 'Scanner', 'Pass id', 'Policy version', 'Clock trusted', 'Event id',
    ])
    expect(en.rows.slice(1).map((r) => r.slice(0, 14))).toEqual([
      ['2026-11-20 09:00:00+08:00', '2026-11-20', 'In', 'Admitted', 'Opened by staff', '', '', '', 'No', 'Staff', 'Other', '送药上门', '张伟', 'zhang'],
      ['2026-11-20 09:01:00+08:00', '2026-11-20', 'In', 'Denied', 'Fever', 'Visitor', '', '38.2', 'No', 'Staff', 'Visitor registered', '', '张伟', 'zhang'],
      ['2026-11-20 09:02:00+08:00', '2026-11-20', 'Out', 'Denied', 'Home isolation: may not go out', 'Resident', 'H-9-9-909', '', 'No', 'Scan', '', '', '', ''],
      ['2026-11-20 09:03:00+08:00', '2026-11-20', 'In', 'Admitted', 'Opened by staff', '', '', '', 'No', 'Staff', 'Ambulance', '', 'Central platform (duty-desk)', 'platform:duty-desk'],
      ['2026-11-20 09:04:00+08:00', '2026-11-20', 'In', 'Admitted', 'Opened by staff', 'Vehicle', '', '36.5', 'No', 'Staff', 'Vehicle registered', '', '张伟', 'zhang'],
    ])
    expect((await k.req('GET', '/api/tech/entries.csv?from=2026-11-20&to=2026-11-20&lang=fr', undefined, tech)).status).toBe(400)
  })

  it('the gate day sheet: figures, kinds, reasons and task areas in words; English with ?lang=en', async () => {
    const { k, tech } = await morning()
    const { rows } = await sheet(k, '/api/tech/day.csv?day=2026-11-20', tech)
    expect(rows.slice(0, 6)).toEqual([
      ['日期', '2026-11-20'],
      ['社区', '路砦社区', 'estate-001'],
      ['大门', '北门', 'north-1'],
      ['时区', 'Asia/Shanghai'],
      ['制表时间', '2026-11-20 09:05:00+08:00'],
      [],
    ])
    expect(table(rows, ['进入人次（含拒绝）', '外出人次（含拒绝）', '放行人次', '拒绝人次', '人工操作', '发热', '居家隔离户', '最高体温 °C'])).toEqual([['4', '1', '3', '2', '4', '1', '1', '38.2']])
    expect(table(rows, ['类别', '进入', '外出']).sort()).toEqual([['无通行码', '2', '0'], ['车辆', '1', '0']].sort())
    expect(table(rows, ['原因', '次数']).sort()).toEqual([['人工放行', '3'], ['发热', '1'], ['居家隔离人员外出', '1']].sort())
    // The default tasks' areas in words (the staff screen's), in pinyin order: 电梯厅 (dian), 门岗 (men), 门岗区域.
    expect(table(rows, ['区域', '按时完成', '超时完成', '漏做', '待完成'])).toEqual([
      ['电梯厅', '1', '0', '0', '0'],
      ['门岗', '0', '0', '0', '1'],
      ['门岗区域', '0', '0', '1', '0'],
    ])

    const en = (await sheet(k, '/api/tech/day.csv?day=2026-11-20&lang=en', tech)).rows
    expect(en.slice(0, 5).map((r) => r[0])).toEqual(['Day', 'Site', 'Gate', 'Time zone', 'Made at'])
    expect(table(en, ['In (incl. denied)', 'Out (incl. denied)', 'Admitted', 'Denied', 'Staff actions', 'Fevers', 'Isolated households', 'Highest °C'])).toEqual([['4', '1', '3', '2', '4', '1', '1', '38.2']])
    expect(table(en, ['Kind', 'In', 'Out']).sort()).toEqual([['No pass', '2', '0'], ['Vehicle', '1', '0']].sort())
    expect(table(en, ['Reason', 'Count']).sort()).toEqual([['Fever', '1'], ['Home isolation: may not go out', '1'], ['Opened by staff', '3']].sort())
    expect(table(en, ['Area', 'On time', 'Late', 'Missed', 'Open'])).toEqual([
      ['Gate', '0', '0', '0', '1'],
      ['Gate area', '0', '0', '1', '0'],
      ['Lift halls', '1', '0', '0', '0'],
    ])
    expect((await k.req('GET', '/api/tech/day.csv?day=2026-11-20&lang=de', undefined, tech)).status).toBe(400)
  })

  it('the task day sheet: tasks and areas in words, outcomes, who did it by name, local times with offset', async () => {
    const { k, tech } = await morning()
    const { rows, instants } = await sheet(k, '/api/tasks/sheet.csv?day=2026-11-20', tech)
    expect(rows.slice(0, 5).map((r) => r[0])).toEqual(['日期', '社区', '大门', '时区', '制表时间'])
    expect(table(rows, ['区域', '按时完成', '超时完成', '漏做', '待完成'])).toEqual([
      ['电梯厅', '1', '0', '0', '0'],
      ['门岗', '0', '0', '0', '1'],
      ['门岗区域', '0', '0', '1', '0'],
    ])
    const tasks = table(rows, ['应做时间', '任务', '类别', '区域', '结果', '执行人', '执行人编号', '完成时间', '备注'])
    expect(tasks).toEqual([
      ['2026-11-20 07:00:00+08:00', '门岗区域消毒', '消毒', '门岗区域', '漏做', '', '', '', ''],
      ['2026-11-20 08:00:00+08:00', '电梯厅消毒', '消毒', '电梯厅', '按时完成', '张伟', 'zhang', '2026-11-20 08:30:00+08:00', '84 消毒液 1:100, 5 L'],
      ['2026-11-20 09:00:00+08:00', '门岗查岗', '查岗', '门岗', '待完成', '', '', '', ''],
    ])
    expect(instants['2026-11-20 08:30:00+08:00']).toBe(at('2026-11-20T08:30:00'))
    // The English sheet: headers and words in English, the name as it is.
    const en = (await sheet(k, '/api/tasks/sheet.csv?day=2026-11-20&lang=en', tech)).rows
    expect(table(en, ['Due', 'Task', 'Kind', 'Area', 'Outcome', 'Done by', 'Staff id', 'Done at', 'Note'])).toEqual([
      ['2026-11-20 07:00:00+08:00', 'Gate area disinfection', 'Disinfection', 'Gate area', 'Missed', '', '', '', ''],
      ['2026-11-20 08:00:00+08:00', 'Lift hall disinfection', 'Disinfection', 'Lift halls', 'On time', '张伟', 'zhang', '2026-11-20 08:30:00+08:00', '84 消毒液 1:100, 5 L'],
      ['2026-11-20 09:00:00+08:00', 'Gate duty check', 'Duty check', 'Gate', 'Open', '', '', '', ''],
    ])
    expect((await k.req('GET', '/api/tasks/sheet.csv?day=2026-11-20&lang=xx')).status).toBe(400)
  })
})
