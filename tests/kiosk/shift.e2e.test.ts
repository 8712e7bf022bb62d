// The staff screen's tasks, shift and handover in real headless Chromium (an in-process gateway, simulated devices),
// at 800x480, 1024x600 and 1280x800 in both languages: a task list longer than its room says "另有 N 项" and a tap
// opens every task; tasks stay in view beside an open alarm; 交班 shows the shift's summary (and a warning while
// alarms are open) before it asks for the note; a helper's 退出 gives the screen back to the person on duty with
// nothing handed over. Each state passes the generic layout check (tests/kiosk/layout.ts); screenshots at 800x480
// and 1024x600 go to $KIOSK_SHOTS (or $TMPDIR/estate-gate-kiosk-shots/).
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localDay } from '../../gateway/time.ts'
import { startKiosk, TECH, type KioskEnv } from './helpers.ts'
import { layoutProblems, tapCentre } from './layout.ts'

const SHOTS = process.env.KIOSK_SHOTS ?? join(tmpdir(), 'estate-gate-kiosk-shots')
const VIEWPORTS = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
]
const SHOT_SIZES = new Set(['800x480', '1024x600'])
const TZ = 'Asia/Shanghai'
const PIN = { zhang: '246810', li: '135790' }
const MIN = 60_000
/** HH:MM in the site's zone, as the screen shows a time. */
const hhmm = (ms: number): string => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TZ }).format(ms)

describe('the staff screen: tasks, shift and handover', () => {
  let k: KioskEnv
  let browser: Browser
  const pages = {} as Record<'zh' | 'en', Page>
  const pageErrors: string[] = []
  /** The six due tasks' deadlines (overdueAt), by area; the gate area's is the first. */
  const due: { area: string; kind: string; overdueAt: number }[] = []
  /** The gate area's overdue deadline, raised by the overdue test: later tests show the same minute, not now's. */
  let gateOverdueAt = 0

  const raise = (area: string, kind: string, dueAt: number, graceMinutes: number, status: 'due' | 'overdue'): void => {
    k.gw.store.db
      .prepare(`INSERT INTO task_occurrences (task_id, due_at, day, kind, area, grace_minutes, status, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(area, dueAt, localDay(dueAt, TZ), kind, area, graceMinutes, status, dueAt)
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    k = await startKiosk({
      site: { id: 'estate-001', name: '路砦社区', timezone: TZ },
      kiosk: { host: '127.0.0.1', port: 0, staffPins: [{ id: 'zhang', name: '张伟', pin: PIN.zhang }, { id: 'li', name: '李娜', pin: PIN.li }], techPins: TECH },
      // Schedules that do not fall due during the test: its tasks are the ones it raises.
      schedules: ['gate-area', 'lift-halls', 'corridors', 'toilets', 'bins'].map((area) => ({ id: area, kind: 'disinfection', area, cron: '0 3 1 1 *', graceMinutes: 120 })),
    }, { forFile: true })
    const now = k.clock.now()
    // Six rounds due (none overdue yet): more than the side column has room for at 800x480.
    for (const [i, [area, kind]] of (
      [
        ['gate-area', 'disinfection'],
        ['lift-halls', 'disinfection'],
        ['corridors', 'disinfection'],
        ['toilets', 'disinfection'],
        ['bins', 'disinfection'],
        ['gate', 'duty-check'],
      ] as const
    ).entries()) {
      const dueAt = now - (30 - i) * MIN
      raise(area, kind, dueAt, 120, 'due')
      due.push({ area, kind, overdueAt: dueAt + 120 * MIN })
    }
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'] })
    for (const lang of ['zh', 'en'] as const) {
      const ctx = await browser.newContext({ viewport: VIEWPORTS[0], hasTouch: true })
      await ctx.addInitScript((l) => localStorage.setItem('eg.lang', l), lang)
      const page = await ctx.newPage()
      page.on('pageerror', (e) => pageErrors.push(`${lang}: ${e.message}`))
      await page.goto(k.gw.url!)
      await page.waitForSelector('body[data-connected="yes"]')
      await page.waitForSelector('#tasks li[data-task-id]')
      pages[lang] = page
    }
  })

  afterAll(async () => {
    await browser?.close()
    await k?.stop()
  })

  const both = (fn: (p: Page, lang: 'zh' | 'en') => Promise<unknown>): Promise<unknown[]> => Promise.all((['zh', 'en'] as const).map((l) => fn(pages[l], l)))

  /** How many open tasks the side column shows, and how many its "另有 N 项" says it left out. */
  const sideTasks = (p: Page): Promise<{ shown: number; more: number | null; total: number }> =>
    p.evaluate(() => {
      const rows = [...document.querySelectorAll('#tasks li[data-task-id]')] as HTMLElement[]
      const more = document.getElementById('tasks-more')
      const n = more && more.checkVisibility() ? Number(/\d+/.exec(more.textContent ?? '')?.[0]) : null
      return { shown: rows.filter((r) => r.checkVisibility()).length, more: n, total: rows.length }
    })

  /** Every viewport, each language's page: the layout check, and screenshots at the two smaller sizes. */
  async function checkState(state: string, langs: ('zh' | 'en')[] = ['zh', 'en'], each?: (p: Page, lang: 'zh' | 'en', size: string) => Promise<void>): Promise<void> {
    await Promise.all(
      langs.map(async (lang) => {
        const page = pages[lang]
        for (const vp of VIEWPORTS) {
          await page.setViewportSize(vp)
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
          const size = `${vp.width}x${vp.height}`
          if (SHOT_SIZES.has(size)) await page.screenshot({ path: join(SHOTS, `shift-${state}-${lang}-${size}.png`) })
          expect.soft(await layoutProblems(page), `${state}, ${lang}, ${size}`).toEqual([])
          await each?.(page, lang, size)
        }
        await page.setViewportSize(VIEWPORTS[0]!)
      }),
    )
  }

  /** Types a PIN on the PIN pad of the dialog now open, then OK. */
  async function typePin(p: Page, pin: string): Promise<void> {
    await p.waitForSelector('#modal[data-kind="pin"] .keypad button[data-key="1"]')
    for (const d of pin) await tapCentre(p, `#modal .keypad button[data-key="${d}"]`)
    await tapCentre(p, '#pin-ok')
  }

  it('a task list longer than its room says "另有 N 项" (never a silent cut), and a tap opens every task', async () => {
    await checkState('tasks-more', ['zh', 'en'], async (p, lang, size) => {
      // At every size, what is not shown is counted: shown + N is every open task.
      const side = await sideTasks(p)
      expect(side.total, `${lang} ${size}`).toBe(6)
      expect(side.shown + (side.more ?? 0), `${lang} ${size}`).toBe(6)
    })
    const zh = pages.zh
    expect(await sideTasks(zh)).toMatchObject({ total: 6, more: expect.any(Number) })
    const { shown, more } = await sideTasks(zh)
    expect(shown).toBeGreaterThan(0)
    expect(await zh.textContent('#tasks-more')).toBe(`另有 ${more} 项`)
    expect(await pages.en.textContent('#tasks-more')).toMatch(/^\d+ more$/)
    // A due task says by when: the gate area's disinfection, due by its deadline.
    expect(await zh.textContent('#tasks li[data-task-id]:first-child')).toBe(`门岗区域消毒应 ${hhmm(due[0]!.overdueAt)} 前完成`)
    await both((p) => tapCentre(p, '#tasks-more'))
    await both((p) => p.waitForSelector('#modal[data-kind="tasks"] .task-row'))
    expect(await zh.textContent('#modal-title')).toBe('待完成任务（6 项）')
    expect(await zh.$$eval('#all-tasks .task-row', (r) => r.length)).toBe(6)
    expect(await zh.textContent('#all-tasks')).toContain('门岗查岗')
    await checkState('tasks-all')
    await both((p) => tapCentre(p, '#all-tasks-close'))
    await both((p) => p.waitForSelector('#modal', { state: 'hidden' }))
  })

  it('tasks due stay in view beside an open alarm, the most urgent with 完成 and "另有 N 项"', async () => {
    const zh = pages.zh
    await zh.evaluate((pin) => fetch('/api/kiosk/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin }) }), PIN.zhang)
    await zh.reload()
    await zh.waitForSelector('#handover-btn')
    const status = await zh.evaluate(async () => {
      const r = await fetch('/api/kiosk/visitor', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '周', phoneLast4: '1212', hostUnit: '1-1-101', tempC: 38.2 }) })
      return r.status
    })
    expect(status).toBe(200)
    await both((p) => p.waitForSelector('#alarm:not([hidden])'))
    // The side column gave way to the alarm stack; the tasks did not go with it.
    expect(await zh.isVisible('#side')).toBe(false)
    await both((p) => p.waitForSelector('#task-banner:not([hidden])'))
    expect(await zh.getAttribute('#task-banner', 'data-status')).toBe('due')
    const by = hhmm(due[0]!.overdueAt)
    expect(await zh.$eval('#task-banner .task-banner-text', (e) => (e as HTMLElement).innerText.replace(/\s+/g, ''))).toBe(`待完成：门岗区域消毒（应${by}前）`)
    expect(await pages.en.$eval('#task-banner .task-banner-text', (e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim())).toBe(`Due: Disinfection · Gate area (by ${by})`)
    expect(await zh.textContent('#task-banner-more')).toBe('另有 5 项')
    await checkState('alarm-tasks')
    await tapCentre(zh, '#task-banner-more')
    await zh.waitForSelector('#modal[data-kind="tasks"]')
    expect(await zh.$$eval('#all-tasks .task-row', (r) => r.length)).toBe(6)
    await checkState('alarm-tasks-all', ['zh'])
    await tapCentre(zh, '#all-tasks-close')
  })

  it('an overdue task: 超时未做：门岗区域消毒（应 HH:MM 前）, "Overdue" in English too, beside the alarm and without it', async () => {
    const overdueAt = k.clock.now() - 20 * MIN
    gateOverdueAt = overdueAt
    raise('gate-area', 'disinfection', overdueAt - 60 * MIN, 60, 'overdue')
    await both(async (p) => {
      await p.reload()
      await p.waitForSelector('#alarm:not([hidden])')
      await p.waitForSelector('#task-banner[data-status="overdue"]')
    })
    const bannerText = (p: Page): Promise<string> => p.$eval('#task-banner .task-banner-text', (e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim())
    const by = hhmm(overdueAt)
    await checkState('alarm-overdue', ['zh', 'en'], async (p, lang, size) => {
      const text = await bannerText(p)
      if (lang === 'en') expect(text, size).toBe(`⚠ Overdue: Disinfection · Gate area (by ${by})`)
      else expect(text.replace(/ /g, ''), size).toMatch(new RegExp(`^⚠超时(未做)?：门岗区域消毒（应${by}前）$`))
    })
    expect(await pages.zh.textContent('#task-banner-more')).toBe('另有 6 项')
  })

  it('交班 shows the shift summary first, with a warning while an alarm is open; then the note; then the summary with both', async () => {
    const zh = pages.zh
    await tapCentre(zh, '#handover-btn')
    await zh.waitForSelector('#modal[data-kind="handover"] #shift-summary')
    // The summary first: no note asked yet.
    expect(await zh.$$('#modal input')).toHaveLength(0)
    expect(await zh.textContent('#handover-warning')).toBe('⚠ 还有 1 个报警未处理：请先处置，或当面交代接班人')
    const rows = await zh.$$eval('#shift-summary .sum-row', (r) => r.map((e) => e.textContent))
    expect(rows).toEqual([
      '值班人张伟',
      expect.stringMatching(/^值班时段\d\d:\d\d – \d\d:\d\d$/),
      '扫码人次1（放行 0 / 拒绝 1）',
      '发热1',
      '人工操作1（登记 1）',
      '未处理报警1',
      '未完成任务7（超时 1）',
    ])
    const open = await zh.$$eval('#shift-open li', (r) => r.map((e) => e.textContent))
    expect(open).toHaveLength(8)
    expect(open[0]).toMatch(/^⚠ 发热报警 · 38\.2 °C · \d\d:\d\d$/)
    expect(open[1]).toBe(`门岗区域消毒 · 已超时（应 ${hhmm(gateOverdueAt)} 前）`)
    await checkState('handover-summary', ['zh'])
    await tapCentre(zh, '#handover-next')
    await zh.waitForSelector('#modal[data-kind="handover-note"] [data-field="note"] input')
    await zh.fill('[data-field="note"] input', '3号楼留观人员待120')
    await checkState('handover-note', ['zh'])
    await tapCentre(zh, '#handover-confirm')
    await zh.waitForSelector('#modal[data-kind="summary"] #shift-summary')
    expect(await zh.textContent('#shift-summary [data-row="handoverNote"]')).toBe('交班备注3号楼留观人员待120')
    expect(await zh.$$eval('#shift-open li', (r) => r.length)).toBe(8)
    await checkState('handover-done', ['zh'])
    const detail = JSON.parse((k.gw.store.db.prepare("SELECT detail FROM kiosk_events WHERE kind = 'shift_handover'").get() as { detail: string }).detail)
    expect(detail).toMatchObject({ note: '3号楼留观人员待120', openAlarms: 1, openTasks: 7, alarms: [{ kind: 'fever', tempC: 38.2 }] })
    expect(detail.tasks).toHaveLength(7)
    // The next person logs in from here: 接班人请输入密码.
    await tapCentre(zh, '#next-login')
    await zh.waitForSelector('#modal[data-kind="pin"]')
    expect(await zh.textContent('#modal-title')).toBe('接班人请输入密码')
    await typePin(zh, PIN.zhang)
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(await zh.textContent('#duty-name')).toBe('张伟')
  })

  it('临时帮忙（不接班）, then 退出: back to the person on duty, with no note asked and nothing handed over', async () => {
    const zh = pages.zh
    const handovers = (): unknown => k.gw.store.db.prepare("SELECT count(*) AS n FROM kiosk_events WHERE kind = 'shift_handover'").get()
    const before = handovers()
    await tapCentre(zh, '#switch-btn')
    await zh.waitForSelector('#modal[data-kind="pin"]')
    expect(await zh.textContent('#switch-btn')).toBe('换人登录')
    expect(await zh.textContent('#modal-title')).toBe('接班人请输入密码')
    await typePin(zh, PIN.li)
    await zh.waitForSelector('#takeover-no')
    expect(await zh.textContent('#modal .note')).toBe('李娜，是否接替 张伟 值班？')
    expect(await zh.textContent('#takeover-no')).toBe('临时帮忙（不接班）')
    await checkState('takeover', ['zh'])
    await tapCentre(zh, '#takeover-no')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(await zh.textContent('#helper-mark')).toBe('李娜临时操作中 · 值班：张伟')
    expect(await zh.textContent('#handover-btn')).toBe('退出')
    await checkState('helper', ['zh'])
    await tapCentre(zh, '#handover-btn')
    // No dialog, no note: the screen is Zhang Wei's again, on duty.
    await expect.poll(() => zh.evaluate(() => fetch('/api/kiosk/session').then((r) => r.json())), { timeout: 5000 }).toMatchObject({ staff: { id: 'zhang' }, onDuty: true })
    await zh.waitForSelector('#helper-mark', { state: 'hidden' })
    expect(await zh.isVisible('#modal')).toBe(false)
    expect(await zh.textContent('#handover-btn')).toBe('交班')
    expect(await zh.textContent('#duty')).toBe('值班：张伟')
    expect(handovers()).toEqual(before)
  })

  it('in English: helping, then the handover of a shift taken over', async () => {
    const en = pages.en
    await tapCentre(en, '#login-btn')
    await typePin(en, PIN.li)
    await en.waitForSelector('#takeover-no')
    expect(await en.textContent('#modal .note')).toBe('李娜, take over the shift from 张伟?')
    await checkState('takeover', ['en'])
    await tapCentre(en, '#takeover-no')
    await en.waitForSelector('#modal', { state: 'hidden' })
    expect(await en.textContent('#helper-mark')).toBe('李娜 helping · on duty: 张伟')
    await checkState('helper', ['en'])
    await tapCentre(en, '#handover-btn')
    await en.waitForSelector('#login-btn')
    expect(await en.isVisible('#modal')).toBe(false)
    // Li Na takes the shift over, then hands it over in English.
    await tapCentre(en, '#login-btn')
    await typePin(en, PIN.li)
    await tapCentre(en, '#takeover-yes')
    await en.waitForSelector('#modal', { state: 'hidden' })
    await tapCentre(en, '#handover-btn')
    await en.waitForSelector('#modal[data-kind="handover"] #shift-summary')
    expect(await en.textContent('#handover-warning')).toMatch(/^⚠ 1 alarm\(s\) still open/)
    expect(await en.textContent('#shift-summary [data-row="shiftEntries"]')).toBe('Scans0 (admitted 0 / denied 0)')
    await checkState('handover-summary', ['en'])
    await tapCentre(en, '#handover-next')
    await en.waitForSelector('[data-field="note"] input')
    await en.fill('[data-field="note"] input', 'Bins not done')
    await checkState('handover-note', ['en'])
    await tapCentre(en, '#handover-confirm')
    await en.waitForSelector('#modal[data-kind="summary"] #shift-summary')
    expect(await en.textContent('#shift-summary [data-row="handoverNote"]')).toBe('Handover noteBins not done')
    await checkState('handover-done', ['en'])
  })

  it('threw no script error', () => {
    expect(pageErrors).toEqual([])
  })
})
