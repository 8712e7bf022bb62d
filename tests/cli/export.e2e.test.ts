// estate-gate export against the real gateway process while it runs and writes (a fast simulated crowd): the
// technician's CSV holds every committed decision, and the gateway is not disturbed.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'
import { readSheet } from '../kiosk/sheetReader.ts'
import { cliProcess } from './helpers.ts'

const dir = tempDir('estate-gate-cli-export-')
let gw: GatewayProcess | null = null
afterAll(async () => {
  await gw?.stop('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const day = (ms: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ms)

it('exports the entries of a running gateway, read-only, while it keeps deciding', async () => {
  gw = await GatewayProcess.start({ localBroker: { enabled: false }, simulation: { crowd: true, intervalMs: 200 }, log: { level: 'warn' } }, { dir })
  const g = gw
  const count = (): number => g.query<{ n: number }>('SELECT count(*) AS n FROM entries')[0]!.n
  await g.until(() => (count() >= 3 ? true : undefined), 20_000, 'three decisions')
  const before = count()
  // Yesterday to tomorrow in the site's zone: the run may cross midnight.
  const ran = await cliProcess(['export', '--from', day(Date.now() - 86_400_000), '--to', day(Date.now() + 86_400_000), '--config', join(dir, 'gateway.yaml')])
  const after = count()
  expect(ran).toMatchObject({ code: 0, stderr: '' })
  // The office's sheet: Chinese header, local times with the offset, codes in words.
  const rows = readSheet(Buffer.from(ran.stdout, 'utf8')).rows
  expect(rows[0]!.slice(0, 6)).toEqual(['时间', '日期', '方向', '结果', '原因', '类别'])
  for (const r of rows.slice(1)) {
    expect(r[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00$/)
    expect([r[2], r[3]]).toEqual([expect.stringMatching(/^(进入|外出)$/), expect.stringMatching(/^(放行|拒绝)$/)])
  }
  const ids = ran.stdout
    .slice(1)
    .split('\r\n')
    .slice(1, -1)
    .map((l) => l.split(',').at(-1))
  expect(ids.length).toBeGreaterThanOrEqual(before)
  expect(ids.length).toBeLessThanOrEqual(after)
  // Each exported row is a committed decision of the gateway, once.
  const committed = new Set(g.query<{ event_id: string }>('SELECT event_id FROM entries').map((r) => r.event_id))
  expect(new Set(ids).size).toBe(ids.length)
  for (const id of ids) expect(committed.has(id!)).toBe(true)
  // The gateway went on deciding after the export.
  await g.until(() => (count() > after ? true : undefined), 20_000, 'a decision after the export')
  expect((await g.health()).status).not.toBe('down')
})
