// The sheets from the real gateway process over real HTTP, with the demo's people (demo-staff is 演示值班员): what the
// office downloads names the person, not the id alone, in local time with the offset; ?lang=en in English.
import { afterAll, expect, it } from 'vitest'
import { GatewayProcess } from '../helpers/gatewayProcess.ts'
import { readSheet, table } from './sheetReader.ts'

let gw: GatewayProcess | null = null
afterAll(async () => {
  await gw?.stop('SIGKILL')
})

const shanghaiDay = (ms: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ms)

async function login(url: string, path: string, pin: string): Promise<string> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin }) })
  expect(r.status).toBe(200)
  return r.headers.get('set-cookie')!.split(';')[0]!
}

async function sheet(url: string, cookie: string): Promise<ReturnType<typeof readSheet>> {
  const r = await fetch(url, { headers: { cookie } })
  expect(r.status).toBe(200)
  expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  return readSheet(Buffer.from(await r.arrayBuffer()))
}

it('names the staff member and gives local times with offset, in Chinese and with ?lang=en in English', async () => {
  gw = await GatewayProcess.start({
    site: { id: 'estate-001', name: '路砦社区', timezone: 'Asia/Shanghai' },
    localBroker: { enabled: false },
    kiosk: { staffPins: [{ id: 'demo-staff', name: '演示值班员', pin: '1234' }], techPins: [{ id: 'demo-tech', name: 'Demo technician', pin: '9999' }] },
    log: { level: 'warn' },
  })
  const staff = await login(gw.url, '/api/kiosk/login', '1234')
  const open = await fetch(`${gw.url}/api/kiosk/open`, { method: 'POST', headers: { cookie: staff, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'fire' }) })
  expect(open.status).toBe(200)
  const tech = await login(gw.url, '/api/tech/login', '9999')
  const [row] = gw.query<{ ts: number; event_id: string }>(`SELECT ts, event_id FROM entries WHERE source = 'override'`)
  const day = shanghaiDay(row!.ts)

  const zh = await sheet(`${gw.url}/api/tech/entries.csv?from=${day}&to=${day}`, tech)
  const entry = zh.rows.find((r) => r.at(-1) === row!.event_id)!
  expect(zh.rows[0]!.slice(0, 14)).toEqual(['时间', '日期', '方向', '结果', '原因', '类别', '持码人编号', '体温 °C', '已复测', '来源', '人工操作', '说明', '操作人', '操作人编号'])
  expect(entry.slice(1, 14)).toEqual([day, '进入', '放行', '人工放行', '', '', '', '否', '人工', '消防', '', '演示值班员', 'demo-staff'])
  expect(entry[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00$/)
  expect(zh.instants[entry[0]!]).toBe(Math.floor(row!.ts / 1000) * 1000)

  const en = await sheet(`${gw.url}/api/tech/entries.csv?from=${day}&to=${day}&lang=en`, tech)
  expect(en.rows[0]!.slice(0, 6)).toEqual(['Time', 'Day', 'Direction', 'Decision', 'Reasons', 'Kind'])
  expect(en.rows.find((r) => r.at(-1) === row!.event_id)!.slice(2, 14)).toEqual(['In', 'Admitted', 'Opened by staff', '', '', '', 'No', 'Staff', 'Fire', '', '演示值班员', 'demo-staff'])

  const daySheet = await sheet(`${gw.url}/api/tech/day.csv?day=${day}`, tech)
  expect(table(daySheet.rows, ['原因', '次数'])).toContainEqual(['人工放行', expect.any(String)])
  const tasks = await sheet(`${gw.url}/api/tasks/sheet.csv?day=${day}&lang=en`, tech)
  expect(tasks.rows.slice(0, 5).map((r) => r[0])).toEqual(['Day', 'Site', 'Gate', 'Time zone', 'Made at'])
  expect(tasks.rows[4]![1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00$/)
  // Every task row (none yet on a gateway started just now, or those due since) has its time with the offset.
  for (const r of table(tasks.rows, ['Due', 'Task', 'Kind', 'Area', 'Outcome', 'Done by', 'Staff id', 'Done at', 'Note'])) expect(r[0]).toMatch(/\+08:00$/)
})
