// estate-gate export: the entries CSV from a store the test fills, read-only, also while a writer holds the
// database (the running gateway); rows chosen by local day in the site's time zone; Chinese headers and words (or
// English with --lang en), local times with their offset, staff by the names of the config's kiosk.staffPins.
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { Store, type EntryRecord } from '../../gateway/store/store.ts'
import { readSheet } from '../kiosk/sheetReader.ts'
import { cliProcess, runCli, tempDir } from './helpers.ts'

/** The header as the office reads it (gateway/sheets/entries.ts). */
const HEADER =
  '时间,日期,方向,结果,原因,类别,持码人编号,体温 °C,已复测,来源,人工操作,说明,操作人,操作人编号,访客姓名,手机后四位,被访住户,车牌,车内人数,扫码器,通行码编号,规则版本,时钟可信,记录编号'
const HEADER_EN =
  'Time,Day,Direction,Decision,Reasons,Kind,Holder id,Temperature °C,Rechecked,Source,Staff action,Note,Staff,Staff id,Visitor name,Phone (last 4),Host unit,Plate,Occupants,Scanner,Pass id,Policy version,Clock trusted,Event id'

const dir = tempDir()
const dataDir = join(dir, 'data')
let store: Store

/** An entry at a UTC instant; `day` is the Shanghai day, as the gateway would write it. */
function entry(iso: string, more: Partial<EntryRecord> = {}): EntryRecord {
  const ts = Date.parse(iso)
  return {
    eventId: randomUUID(),
    ts,
    day: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ts),
    clockTrusted: true,
    bootId: 'boot-1',
    source: 'scan',
    direction: 'in',
    kind: 'resident',
    subject: 'H-3-1-502',
    passId: 'P-1',
    codeHash: null,
    tempC: 36.6,
    rechecked: false,
    decision: 'admit',
    reasons: [],
    scanner: 'scanner-in',
    staff: null,
    policyVersion: 'abc123',
    detail: null,
    ...more,
  }
}

beforeAll(() => {
  store = new Store(join(dataDir, 'estate-gate.db'), { synchronous: 'full' })
  const rows = [
    entry('2026-03-01T01:00:00Z'), // 09:00 on 1 March in Shanghai
    entry('2026-03-01T15:59:59Z', { direction: 'out', subject: 'H-9-9-909', passId: 'P-2' }), // 23:59:59 on 1 March
    entry('2026-03-01T16:00:00Z', { decision: 'deny', reasons: ['fever'], tempC: 38.2, rechecked: true, subject: '=HYPERLINK("x")' }), // 00:00 on 2 March
    entry('2026-03-03T02:00:00Z', { kind: 'visitor', subject: 'V-1' }),
    // 1 April: the gate opened by staff for the fire brigade.
    entry('2026-04-01T06:30:00Z', {
      source: 'override', kind: null, subject: null, passId: null, tempC: null, reasons: ['manual_override'], scanner: null, staff: 'zhang',
      detail: { reason: 'fire', via: 'kiosk' },
    }),
  ]
  for (const e of rows) store.recordDecision(e, [])
})
afterAll(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

const csvLines = (csv: string): string[] => csv.slice(1).split('\r\n').slice(0, -1)

describe('export', () => {
  it('writes the BOM, the header and the entries of the local days asked for, oldest first', async () => {
    const ran = await runCli(['export', '--from', '2026-03-01', '--to', '2026-03-02', '--data-dir', dataDir])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout.charCodeAt(0)).toBe(0xfeff)
    expect(ran.stdout.endsWith('\r\n')).toBe(true)
    const lines = csvLines(ran.stdout)
    expect(lines[0]).toBe(HEADER)
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 8).join(','))).toEqual([
      '2026-03-01 09:00:00+08:00,2026-03-01,进入,放行,,住户,H-3-1-502,36.6',
      '2026-03-01 23:59:59+08:00,2026-03-01,外出,放行,,住户,H-9-9-909,36.6',
      // A cell that starts like a formula is defused, as in the kiosk's export.
      `2026-03-02 00:00:00+08:00,2026-03-02,进入,拒绝,发热,住户,"'=HYPERLINK(""x"")",38.2`,
    ])
    // Read back by Python's csv module: each local time is the instant recorded.
    const sheet = readSheet(Buffer.from(ran.stdout, 'utf8'))
    expect(sheet.rows.slice(1).map((r) => sheet.instants[r[0]!])).toEqual(['2026-03-01T01:00:00Z', '2026-03-01T15:59:59Z', '2026-03-01T16:00:00Z'].map(Date.parse))
  })

  it('takes the days in the site time zone: 2 March in Shanghai starts at 16:00 UTC on 1 March', async () => {
    const shanghai = await runCli(['export', '--from', '2026-03-02', '--to', '2026-03-02', '--data-dir', dataDir])
    expect(csvLines(shanghai.stdout).slice(1).map((l) => l.slice(0, 25))).toEqual(['2026-03-02 00:00:00+08:00'])
    const utc = await runCli(['export', '--from', '2026-03-01', '--to', '2026-03-02', '--data-dir', dataDir, '--timezone', 'UTC'])
    // In UTC the offset is +00:00, never "Z".
    expect(csvLines(utc.stdout).slice(1).map((l) => l.slice(0, 25))).toEqual(['2026-03-01 01:00:00+00:00', '2026-03-01 15:59:59+00:00', '2026-03-01 16:00:00+00:00'])
    const none = await runCli(['export', '--from', '2026-03-02', '--to', '2026-03-02', '--data-dir', dataDir, '--timezone', 'UTC'])
    expect(csvLines(none.stdout)).toHaveLength(1)
  })

  it('--config: the dataDir (relative to the current directory) and site.timezone of the config', async () => {
    const config = join(dir, 'gate.yaml')
    writeFileSync(config, stringify({ dataDir: './data', site: { timezone: 'Europe/London' } }))
    const ran = await runCli(['export', '--from', '2026-03-01', '--to', '2026-03-01', '--config', 'gate.yaml'], { cwd: dir })
    expect(ran.code).toBe(0)
    // 1 March in London: all three entries of that UTC day.
    expect(csvLines(ran.stdout)).toHaveLength(4)
    // 1 April in London is summer time: +01:00.
    const april = await runCli(['export', '--from', '2026-04-01', '--to', '2026-04-01', '--config', 'gate.yaml'], { cwd: dir })
    expect(csvLines(april.stdout)[1]!.slice(0, 25)).toBe('2026-04-01 07:30:00+01:00')
  })

  it('names the staff from the config\'s kiosk.staffPins; with --data-dir only, their ids; --lang en in English', async () => {
    const config = join(dir, 'named.yaml')
    writeFileSync(config, stringify({ dataDir: './data', kiosk: { staffPins: [{ id: 'zhang', name: '张伟', pin: '246810' }] } }))
    const named = await runCli(['export', '--from', '2026-04-01', '--to', '2026-04-01', '--config', 'named.yaml'], { cwd: dir })
    expect(named).toMatchObject({ code: 0, stderr: '' })
    const row = readSheet(Buffer.from(named.stdout, 'utf8')).rows[1]!
    expect(row.slice(0, 14)).toEqual(['2026-04-01 14:30:00+08:00', '2026-04-01', '进入', '放行', '人工放行', '', '', '', '否', '人工', '消防', '', '张伟', 'zhang'])
    const bare = await runCli(['export', '--from', '2026-04-01', '--to', '2026-04-01', '--data-dir', dataDir])
    expect(csvLines(bare.stdout)[1]).toContain(',人工,消防,,zhang,zhang,')
    const en = await runCli(['export', '--from', '2026-04-01', '--to', '2026-04-01', '--config', 'named.yaml', '--lang', 'en'], { cwd: dir })
    const enLines = csvLines(en.stdout)
    expect(enLines[0]).toBe(HEADER_EN)
    expect(enLines[1]).toMatch(/^2026-04-01 14:30:00\+08:00,2026-04-01,In,Admitted,Opened by staff,,,,No,Staff,Fire,,张伟,zhang,/)
  })

  it('--out writes a file only its owner can read, says how many entries, and never overwrites', async () => {
    const out = join(dir, 'march.csv')
    const ran = await runCli(['export', '--from', '2026-03-01', '--to', '2026-03-31', '--data-dir', dataDir, '--out', out])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toBe(`Exported 4 entries of 2026-03-01 to 2026-03-31 (Asia/Shanghai) from ${join(dataDir, 'estate-gate.db')} to ${out}.\n`)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(csvLines(readFileSync(out, 'utf8'))).toHaveLength(5)
    const again = await runCli(['export', '--from', '2026-03-01', '--to', '2026-03-31', '--data-dir', dataDir, '--out', out])
    expect(again).toMatchObject({ code: 2, stdout: '' })
    expect(again.stderr).toMatch(/--out: \S+march\.csv already exists; give another file \(nothing is overwritten\)/)
  })

  it('days with no entries: the header alone', async () => {
    const ran = await runCli(['export', '--from', '2025-01-01', '--to', '2025-01-31', '--data-dir', dataDir])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe(`\uFEFF${HEADER}\r\n`)
  })

  it('reads while another connection holds the write lock (the running gateway), and writes nothing', async () => {
    const db = join(dataDir, 'estate-gate.db')
    const before = [readFileSync(db), readFileSync(`${db}-wal`)]
    store.db.exec('BEGIN IMMEDIATE')
    try {
      store.recordDecision(entry('2026-03-03T03:00:00Z'), []) // not committed yet: not exported
      const ran = await runCli(['export', '--from', '2026-03-03', '--to', '2026-03-03', '--data-dir', dataDir])
      expect(ran).toMatchObject({ code: 0, stderr: '' })
      expect(csvLines(ran.stdout)).toHaveLength(2)
    } finally {
      store.db.exec('ROLLBACK')
    }
    expect([readFileSync(db), readFileSync(`${db}-wal`)]).toEqual(before)
  })

  it('reads a database whose gateway is stopped (closed cleanly: no -wal, no -shm)', async () => {
    const stopped = join(dir, 'stopped')
    const s = new Store(join(stopped, 'estate-gate.db'), { synchronous: 'full' })
    s.recordDecision(entry('2026-03-05T02:00:00Z'), [])
    s.close()
    expect(existsSync(join(stopped, 'estate-gate.db-wal'))).toBe(false)
    const ran = await runCli(['export', '--from', '2026-03-05', '--to', '2026-03-05', '--data-dir', stopped])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(csvLines(ran.stdout)).toHaveLength(2)
  })

  it('no database there: exit 1 with what to do', async () => {
    const ran = await runCli(['export', '--from', '2026-03-01', '--to', '2026-03-01', '--data-dir', join(dir, 'nowhere')])
    expect(ran).toMatchObject({ code: 1, stdout: '' })
    expect(ran.stderr).toMatch(/^estate-gate export: cannot open the database \S+nowhere\/estate-gate\.db: .*; has the gateway run with this dataDir\? Give --config FILE or --data-dir DIR\n$/)
    expect(existsSync(join(dir, 'nowhere'))).toBe(false)
  })

  it.each([
    [['export'], /missing --from and --to \(local days YYYY-MM-DD\)/],
    [['export', '--from', '2026-03-01'], /missing --to/],
    [['export', '--from', '2026-02-30', '--to', '2026-03-01'], /--from: expected a day YYYY-MM-DD, got "2026-02-30"/],
    [['export', '--from', 'yesterday', '--to', '2026-03-01'], /--from: expected a day YYYY-MM-DD/],
    [['export', '--from', '2026-03-02', '--to', '2026-03-01'], /--from 2026-03-02 is after --to 2026-03-01/],
    [['export', '--from', '2026-03-01', '--to', '2026-03-01', '--config', 'a.yaml', '--data-dir', 'd'], /give --config FILE or --data-dir DIR, not both/],
    [['export', '--from', '2026-03-01', '--to', '2026-03-01', '--timezone', 'Mars/Olympus'], /--timezone: expected an IANA time zone/],
    [['export', '--from', '2026-03-01', '--to', '2026-03-01', '--lang', 'fr'], /--lang: expected zh or en, got "fr"/],
    [['export', '--from', '2026-03-01', '--to', '2026-03-01', '--config', 'missing.yaml'], /--config: \S+missing\.yaml is not valid:\n {2}- config file \S+: file not found/],
  ])('%j exits 2', async (args, message) => {
    const ran = await runCli(args, { cwd: dir })
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    expect(ran.stderr).toMatch(message)
  })

  it('as a process: the CSV on stdout, exit 0', async () => {
    const ran = await cliProcess(['export', '--from', '2026-03-03', '--to', '2026-03-03', '--data-dir', dataDir])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(csvLines(ran.stdout)[1]).toMatch(/^2026-03-03 10:00:00\+08:00,2026-03-03,进入,放行,,访客,V-1,/)
  })
})
