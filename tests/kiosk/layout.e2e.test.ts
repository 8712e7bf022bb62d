// The staff screen on the displays kiosks really have (the Pi 7-inch 800x480, 1024x600, 1280x800, 1920x1080), in
// both languages, in real headless Chromium against the real gateway process (scanners and thermometer simulated
// on pseudo-terminals): after an admit, a denial, a fever alarm with two further decisions behind it, a second
// alarm, the PIN pad, the take-over question, the visitor dialog with its errors, the plate keyboard and the
// acknowledgement. Each state passes the generic layout check (tests/kiosk/layout.ts); screenshots of each at
// 800x480 and 1024x600 go to $TMPDIR/estate-gate-kiosk-shots/ (or $KIOSK_SHOTS) for a human to look at.
/// <reference lib="dom" />
import { tmpdir } from 'node:os'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import { ModbusThermometerSim } from '../../simulators/devices/modbusThermometer.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { localDay } from '../../gateway/time.ts'
import { GatewayProcess, ptyGateDevices, ROOT, tempDir } from '../helpers/gatewayProcess.ts'
import { layoutProblems, tapCentre, touchScroll } from './layout.ts'

const SHOTS = process.env.KIOSK_SHOTS ?? join(tmpdir(), 'estate-gate-kiosk-shots')
const VIEWPORTS = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
]
const SHOT_SIZES = new Set(['800x480', '1024x600'])
const issuer = newKeyPair('estate-key-1')
let passNo = 0
const pass = (): Promise<string> => issuePass(issuer, { sub: `H-3-1-${500 + ++passNo}`, kind: 'resident', jti: `layout-pass-${passNo}` }, { now: Date.now(), ttlSeconds: 3600 })
const PINS = { zh: '246810', en: '135790' }
const WANG_PIN = '112233'
/** The error line of a field (a text field or a row of choices). */
const errOf = (name: string): string => `.field[data-field="${name}"] .err, .field[data-for="${name}"] .err`

describe('staff screen layout on real displays', () => {
  let inPty: PtyPair, outPty: PtyPair, thermoPty: PtyPair
  let scanIn: LineScannerSim, scanOut: LineScannerSim, thermo: ModbusThermometerSim
  let gw: GatewayProcess
  let browser: Browser
  const contexts: BrowserContext[] = []
  const pages = {} as Record<'zh' | 'en', Page>
  const pageErrors: string[] = []
  const requests: string[] = []
  let dir = ''

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    ;[inPty, outPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'in' }), PtyPair.open({ name: 'out' }), PtyPair.open({ name: 'thermo' })])
    scanIn = new LineScannerSim()
    scanOut = new LineScannerSim()
    thermo = new ModbusThermometerSim({ unitId: 1, register: 0, scale: 0.01, temperatureC: 36.6 })
    await Promise.all([scanIn.open(inPty.devicePath), scanOut.open(outPty.devicePath), thermo.open(thermoPty.devicePath)])
    dir = tempDir()
    const config = {
        site: { id: 'estate-001', name: '路砦社区', timezone: 'Asia/Shanghai' },
        gate: { id: 'north-1', name: '北门' },
        devices: ptyGateDevices({ inPath: inPty.gatewayPath, outPath: outPty.gatewayPath, thermoPath: thermoPty.gatewayPath }),
        rules: { recheckDelayMs: 100, duplicateScanMs: 0 },
        passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
        localBroker: { enabled: false },
        kiosk: { staffPins: [{ id: 'zhang', name: '张伟', pin: PINS.zh }, { id: 'li', name: 'Li Na', pin: PINS.en }, { id: 'wang', name: '王芳', pin: WANG_PIN }], techPins: ['97531'] },
        // Areas named as the default schedules name them (ids), which the screen must put in words.
        schedules: [
          { id: 'lift-halls', kind: 'disinfection', area: 'lift-halls', cron: '*/10 * * * *', graceMinutes: 1 },
          { id: 'gate-area', kind: 'disinfection', area: 'gate-area', cron: '*/10 * * * *', graceMinutes: 1440 },
        ],
        log: { level: 'warn' },
    }
    // A first start makes the database; moving the task mark back half an hour makes the second raise what fell
    // due meanwhile: the gate area due (a day of grace), and one lift-hall round overdue.
    await (await GatewayProcess.start(config, { dir })).stop()
    const db = new Database(join(dir, 'data', 'estate-gate.db'))
    db.prepare('UPDATE task_evaluation SET evaluated_until = ?').run(Date.now() - 30 * 60_000)
    // What fell due while the box was off is "missed"; one raised before the stop whose grace ran out is overdue.
    const dueAt = Date.now() - 5 * 60_000 - 7_000
    const raise = db.prepare(`INSERT INTO task_occurrences (task_id, due_at, day, kind, area, grace_minutes, status, raised_at) VALUES (?, ?, ?, ?, ?, ?, 'due', ?)`)
    // Two of them (the banner shows the first and "+1").
    for (const at of [dueAt, dueAt - 60_000]) raise.run('lift-halls', at, localDay(at, 'Asia/Shanghai'), 'disinfection', 'lift-halls', 1, at)
    db.close()
    gw = await GatewayProcess.start(config, { dir })
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online ? true : undefined), 5000, 'thermometer online')
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'] })
    for (const lang of ['zh', 'en'] as const) {
      const ctx = await browser.newContext({ viewport: VIEWPORTS[0], hasTouch: true })
      contexts.push(ctx)
      await ctx.addInitScript((l) => localStorage.setItem('eg.lang', l), lang)
      const page = await ctx.newPage()
      page.on('pageerror', (e) => pageErrors.push(`${lang}: ${e.message}`))
      page.on('request', (r) => requests.push(r.url()))
      await page.goto(gw.url)
      await page.waitForSelector('body[data-connected="yes"]')
      pages[lang] = page
    }
  })

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
    await gw?.stop()
    await Promise.all([scanIn, scanOut, thermo].map((s) => s?.close()))
    await Promise.all([inPty, outPty, thermoPty].map((p) => p?.close()))
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  /** Every viewport, each language's page: the layout check, and screenshots at the two smaller sizes. */
  async function checkState(state: string, langs: ('zh' | 'en')[] = ['zh', 'en']): Promise<void> {
    await Promise.all(
      langs.map(async (lang) => {
        const page = pages[lang]
        for (const vp of VIEWPORTS) {
          await page.setViewportSize(vp)
          // Two frames: layout and container queries settle after a resize.
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
          const size = `${vp.width}x${vp.height}`
          if (SHOT_SIZES.has(size)) await page.screenshot({ path: join(SHOTS, `${state}-${lang}-${size}.png`) })
          expect.soft(await layoutProblems(page), `${state}, ${lang}, ${size}`).toEqual([])
        }
        await page.setViewportSize(VIEWPORTS[0]!)
      }),
    )
  }

  const both = (fn: (p: Page, lang: 'zh' | 'en') => Promise<unknown>): Promise<unknown[]> => Promise.all((['zh', 'en'] as const).map((l) => fn(pages[l], l)))

  it('idle, with the tasks in words and the device strip readable on the 7-inch', async () => {
    await both((p) => p.waitForSelector('#devices .dev'))
    const zh = pages.zh
    // An overdue task is large, over the result, and sounds.
    await zh.waitForSelector('#task-banner:not([hidden])')
    expect(await zh.textContent('#task-banner')).toContain('电梯厅消毒')
    expect(await zh.evaluate(() => document.body.dataset.sound)).toBe('task')
    await checkState('idle')
    // Default task areas are ids in the config; the screen says them in words.
    expect(await zh.textContent('#tasks')).toContain('门岗区域')
    for (const p of [zh, pages.en]) expect(await p.textContent('body')).not.toMatch(/lift-halls|gate-area/)
    const sizes = await zh.$$eval('#devices .dev, #tasks li', (els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)))
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(20)
  })

  it('the PIN pad fits at every size; staff log in by tapping key centres at 800x480', async () => {
    await both((p) => tapCentre(p, '#actions .btn'))
    await both((p) => p.waitForSelector('#modal:not([hidden]) .keypad button[data-key="1"]'))
    await checkState('pin')
    for (const lang of ['zh', 'en'] as const) {
      const page = pages[lang]
      for (const d of PINS[lang]) await tapCentre(page, `#modal .keypad button[data-key="${d}"]`)
      await tapCentre(page, '#pin-ok')
    }
    await pages.zh.waitForSelector('#modal', { state: 'hidden', timeout: 5000 })
    expect(await pages.zh.textContent('#duty-name')).toBe('张伟')
    // Li Na typed a PIN while Zhang Wei is on duty: asked whether to take over, with Zhang's shift so far.
    await pages.en.waitForSelector('#takeover-yes')
    expect(await pages.en.textContent('#shift-summary')).toContain('张伟')
    await checkState('takeover', ['en'])
    await tapCentre(pages.en, '#takeover-no')
    await pages.en.waitForSelector('#modal', { state: 'hidden' })
    expect(await pages.en.textContent('#duty-name')).toBe('张伟')
    // Helping without the shift is on screen for as long as it lasts.
    expect(await pages.en.textContent('#helper-mark')).toBe('Li Na helping · on duty: 张伟')
    expect(await pages.zh.isVisible('#helper-mark')).toBe(false)
    await both((p) => p.waitForSelector('#actions .btn-red'))
    await checkState('logged-in')
  })

  it('the next person at a screen has 换人; "take over the shift?" has 取消, which gives the screen back as it was', async () => {
    const zh = pages.zh
    await tapCentre(zh, '#switch-btn')
    await zh.waitForSelector('#modal[data-kind="pin"]')
    for (const d of WANG_PIN) await tapCentre(zh, `#modal .keypad button[data-key="${d}"]`)
    await tapCentre(zh, '#pin-ok')
    await zh.waitForSelector('#takeover-cancel')
    expect(await zh.textContent('#takeover-no')).toBe('临时帮忙（不接班）')
    await checkState('takeover-cancel', ['zh'])
    await tapCentre(zh, '#takeover-cancel')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    // Back to Zhang Wei's session on this screen, on duty: nothing changed.
    expect(await zh.evaluate(() => fetch('/api/kiosk/session').then((r) => r.json()))).toMatchObject({ staff: { id: 'zhang' }, onDuty: true })
    expect(await zh.isVisible('#helper-mark')).toBe(false)
    expect(await zh.textContent('#handover-btn')).toBe('交班')
    expect(gw.query("SELECT count(*) AS n FROM kiosk_events WHERE staff = 'wang'")).toEqual([{ n: 0 }])
  })

  it('an admit and a denial', async () => {
    thermo.setTemperature(36.6)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#card[data-state="admit"]'))
    const admitted = await pages.zh.getAttribute('#card', 'data-event-id')
    await checkState('admit')
    await scanIn.scan('https://example.com/not-a-pass')
    await both((p) => p.waitForSelector('#card[data-state="deny"]'))
    expect(await pages.zh.textContent('#card-reason')).toBe('非通行码，请出示通行码')
    // The person before stays in view, small, under the card: whoever looked away sees what happened.
    const before = `#recent li.recent[data-event-id="${admitted}"]`
    await both((p) => p.waitForSelector(before))
    expect(await pages.zh.textContent(before)).toMatch(/^\d\d:\d\d:\d\d✔ 通行36\.6 °C$/)
    await checkState('deny')
    // A screen that reloads gets them back from the gate box.
    await pages.zh.reload()
    await pages.zh.waitForSelector('body[data-connected="yes"]')
    await pages.zh.waitForSelector(before)
  })

  it('a bad reading asks to measure again, in amber: not a refusal', async () => {
    // Below rules.validRangeC (34-42.5 °C): the thermometer missed the forehead.
    thermo.setTemperature(30.0)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#card[data-state="remeasure"]'))
    thermo.setTemperature(36.6)
    expect(await pages.zh.textContent('#card-word')).toBe('⟳ 请重新测温')
    expect(await pages.en.textContent('#card-word')).toBe('⟳ MEASURE AGAIN')
    expect(await pages.zh.textContent('#card-reason')).toBe('读数无效，请额头对准测温仪')
    // Amber, not the red of a denial.
    expect(await pages.zh.$eval('#card', (e) => getComputedStyle(e).backgroundColor)).toBe('rgb(245, 158, 11)')
    await checkState('remeasure')
  })

  it('a fever alarm leaves the next results in view; a second alarm joins the stack', async () => {
    thermo.setTemperature(38.1)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#alarm:not([hidden])'))
    expect(await pages.zh.textContent('#alarm-title')).toContain('发热报警')
    thermo.setTemperature(36.6)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#card[data-state="admit"]'))
    await scanIn.scan('https://example.com/another')
    await both((p) => p.waitForSelector('#card[data-state="deny"]'))
    // The alarm still waits, and the result of the person after is on screen beside it.
    expect(await pages.zh.isVisible('#alarm')).toBe(true)
    expect(await pages.zh.isVisible('#card-word')).toBe(true)
    // Beside the alarm stack at 800x480 the overdue banner says what is overdue and by when, "另有 N 项" beside 完成.
    for (const p of [pages.zh, pages.en]) {
      const seen = await p.evaluate(() => {
        const banner = document.getElementById('task-banner')!
        const more = banner.querySelector('.task-more')!.getBoundingClientRect()
        const done = banner.querySelector('button.btn-green')!.getBoundingClientRect()
        const others = document.querySelectorAll('#tasks li[data-task-id]').length - 1
        return { moreBesideDone: Math.abs(more.top + more.height / 2 - (done.top + done.height / 2)) < 3, more: banner.querySelector('.task-more')!.textContent, others, text: (banner.querySelector('.task-banner-text') as HTMLElement).innerText }
      })
      expect(seen).toMatchObject({ moreBesideDone: true, more: p === pages.zh ? `另有 ${seen.others} 项` : `${seen.others} more` })
      expect(seen.text).toMatch(p === pages.zh ? /^⚠ 超时：电梯厅消毒\s*（应 \d\d:\d\d 前）$/ : /^⚠ Overdue: Disinfection · Lift halls\s*\(by \d\d:\d\d\)$/)
    }
    await checkState('alarm-and-two-more')
    thermo.setTemperature(38.4)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#alarm[data-count="2"]'))
    thermo.setTemperature(36.6)
    // The new alarm comes to the front (newest first), the one being dealt with goes second.
    expect(await pages.zh.textContent('#alarm-count')).toBe('1/2')
    expect(await pages.zh.textContent('#alarm-temp')).toBe('38.4 °C')
    await checkState('alarm-stack')
    await tapCentre(pages.zh, '#alarm-next')
    expect(await pages.zh.textContent('#alarm-count')).toBe('2/2')
    expect(await pages.zh.textContent('#alarm-temp')).toBe('38.1 °C')
    await tapCentre(pages.zh, '#alarm-next')
    expect(await pages.zh.textContent('#alarm-temp')).toBe('38.4 °C')
  })

  it('acknowledging asks for the outcome (the newest alarm, at the front)', async () => {
    await both((p) => tapCentre(p, '#alarm-ack'))
    await both((p) => p.waitForSelector('#modal[data-kind="ack"]'))
    await tapCentre(pages.zh, '#ack-ok')
    await expect.poll(() => pages.zh.textContent(errOf('outcome')), { timeout: 10_000 }).toBe('请选择处置结果')
    await checkState('ack')
    await tapCentre(pages.zh, '.choice[data-value="observation_point"]')
    await tapCentre(pages.zh, '#ack-ok')
    await both((p) => p.waitForSelector('#alarm[data-count="1"]'))
    // The 38.4 one was handled; the first fever is what is left.
    expect(await pages.zh.textContent('#alarm-temp')).toBe('38.1 °C')
    await tapCentre(pages.en, '#modal-buttons .btn-gray')
    expect(gw.query("SELECT staff, detail FROM kiosk_events WHERE kind = 'fever_acknowledged'")).toEqual([{ staff: 'zhang', detail: JSON.stringify({ via: 'ack', outcome: 'observation_point' }) }])
  })

  it('an armpit check still a fever keeps the alarm, with the next step', async () => {
    const zh = pages.zh
    await both((p) => tapCentre(p, '#alarm-secondary'))
    await both((p) => p.waitForSelector('#modal[data-kind="secondary"]'))
    // Whose temperature it is: a resident, the unit, the forehead reading and its time.
    expect(await zh.textContent('#secondary-who')).toMatch(/^住户 · 3-1-5\d\d · 额温 38\.1 °C · \d\d:\d\d$/)
    expect(await pages.en.textContent('#secondary-who')).toMatch(/^Resident · 3-1-5\d\d · forehead 38\.1 °C · \d\d:\d\d$/)
    await checkState('armpit-dialog')
    await tapCentre(pages.en, '#modal-buttons .btn-gray')
    for (const k of '38.5') await tapCentre(zh, `.pad-host button[data-key="${k}"]`)
    await tapCentre(zh, '#modal-buttons [data-submit]')
    await both((p) => p.waitForSelector('#alarm.confirmed'))
    expect(await zh.textContent('#alarm-help')).toContain('腋温仍发热 38.5 °C · 请按发热流程处置')
    expect(await zh.isVisible('#alarm-secondary')).toBe(false)
    // The armpit reading is the next step of the same alarm, not a fresh red 禁止通行.
    await both((p) => p.waitForSelector('#card[data-state="followup"]'))
    expect(await zh.textContent('#card-word')).toBe('⚠ 腋温仍发热')
    expect(await zh.textContent('#card-temp')).toBe('38.5 °C')
    expect(await zh.textContent('#card-reason')).toBe('请按发热流程处置')
    await checkState('alarm-still-fever')
    await tapCentre(zh, '#alarm-ack')
    await tapCentre(zh, '.choice[data-value="called_120"]')
    await tapCentre(zh, '#ack-ok')
    await both((p) => p.waitForSelector('#alarm', { state: 'hidden' }))
    expect(gw.query("SELECT count(*) AS n FROM kiosk_events WHERE kind = 'fever_acknowledged' AND detail LIKE '%called_120%'")).toEqual([{ n: 1 }])
  })

  it('the armpit check lists every fever of the last 12 hours, 住户 or 访客, in a list that scrolls by touch', async () => {
    const zh = pages.zh
    // Four visitors registered with a fever (each its own alarm), after the two residents' fevers.
    for (const [i, name] of ['王', '李', '赵', '钱'].entries()) {
      const status = await zh.evaluate(async (body) => {
        const r = await fetch('/api/kiosk/visitor', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        return r.status
      }, { name, phoneLast4: `100${i}`, hostUnit: `2-1-10${i}`, tempC: 38.2 + i / 10 })
      expect(status).toBe(200)
    }
    await both((p) => p.waitForSelector('#alarm[data-count="4"]'))
    await both((p) => tapCentre(p, '#actions .btn:nth-child(4)'))
    await both((p) => p.waitForSelector('#modal[data-kind="secondary"] .fever-row'))
    const rows = await zh.$$eval('.fever-row', (els) => els.map((e) => e.textContent ?? ''))
    expect(rows).toHaveLength(6)
    expect(rows[0]).toMatch(/^访客钱\*\* · 被访 2-1-103 · 额温 38\.5 °C · /)
    // Its armpit check was still a fever (38.5): marked as one, not ticked off.
    expect(rows.at(-1)).toMatch(/^住户3-1-5\d\d · 额温 38\.1 °C · .* ⚠ 腋温仍发热$/)
    expect(await zh.$eval('.fever-list', (e) => e.scrollHeight > e.clientHeight)).toBe(true)
    await checkState('fevers-list')
    // A finger drags the list up: the oldest fever comes into view and takes a tap at its centre.
    const last = '.fever-row:last-child'
    expect(await zh.$eval(last, (e) => e.getBoundingClientRect().bottom <= e.parentElement!.getBoundingClientRect().bottom)).toBe(false)
    await touchScroll(zh, '.fever-list', 200)
    await expect.poll(() => zh.$eval(last, (e) => e.getBoundingClientRect().bottom <= e.parentElement!.getBoundingClientRect().bottom + 0.5), { timeout: 5000 }).toBe(true)
    expect(await layoutProblems(zh)).toEqual([])
    await tapCentre(zh, last)
    expect(await zh.getAttribute(last, 'class')).toContain(' on')
    await both((p) => tapCentre(p, '#modal-buttons .btn-gray'))
    // One acknowledgement for the four: 全部处置（4）.
    expect(await zh.textContent('#alarm-ack-all')).toBe('全部处置（4）')
    await tapCentre(zh, '#alarm-ack-all')
    await tapCentre(zh, '.choice[data-value="false_alarm"]')
    // Every 误报 says why.
    await zh.fill('[data-field="note"] input', '测温仪读数偏高，已校准')
    await tapCentre(zh, '#ack-ok')
    await both((p) => p.waitForSelector('#alarm', { state: 'hidden' }))
  })

  it('the visitor dialog with its errors showing, in the staff language, its buttons in reach', async () => {
    await both((p) => tapCentre(p, '#actions .btn:nth-child(2)'))
    await both((p) => p.waitForSelector('#modal[data-kind="visitor"]'))
    await both(async (p) => {
      await tapCentre(p, '[data-field="phoneLast4"] input')
      for (const k of '567') await tapCentre(p, `.pad-host button[data-key="${k}"]`)
      await tapCentre(p, '[data-field="tempC"] input')
      for (const k of '36.5') await tapCentre(p, `.pad-host button[data-key="${k}"]`)
      await tapCentre(p, '#modal-buttons [data-submit]')
    })
    await expect.poll(() => pages.zh.textContent(errOf('phoneLast4')), { timeout: 10_000 }).toBe('只填手机号后四位数字')
    await expect.poll(() => pages.zh.textContent(errOf('hostUnit')), { timeout: 10_000 }).toBe('请填写被访住户，如 3-1-502')
    await expect.poll(() => pages.en.textContent(errOf('phoneLast4')), { timeout: 10_000 }).toBe('Only the last 4 digits')
    await checkState('visitor-errors')
    // The unit keypad has the "-" a unit needs.
    await tapCentre(pages.zh, '[data-field="hostUnit"] input')
    for (const k of '3-1-502') await tapCentre(pages.zh, `.pad-host button[data-key="${k}"]`)
    expect(await pages.zh.inputValue('[data-field="hostUnit"] input')).toBe('3-1-502')
    await checkState('visitor-unit-keypad', ['zh'])
    await both((p) => tapCentre(p, '#modal-buttons .btn-gray'))
  })

  it('the plate keyboard: the province picker, then letters and digits', async () => {
    await both((p) => tapCentre(p, '#actions .btn:nth-child(3)'))
    await both((p) => p.waitForSelector('.plate-kb[data-mode="province"]'))
    await checkState('plate-provinces')
    for (const k of ['沪', 'A', 'C', '1', '2', '3', '4']) await tapCentre(pages.zh, `.plate-kb button[data-key="${k}"]`)
    expect(await pages.zh.inputValue('[data-field="plate"] input')).toBe('沪AC1234')
    await tapCentre(pages.en, '.plate-kb button[data-key="京"]')
    await both((p) => p.waitForSelector('.plate-kb[data-mode="letters"]'))
    await checkState('plate-letters')
    // Registered with the plate as typed.
    await tapCentre(pages.zh, '[data-field="tempC"] input')
    for (const k of '36.6') await tapCentre(pages.zh, `.pad-host button[data-key="${k}"]`)
    await tapCentre(pages.zh, '#modal-buttons [data-submit]')
    await pages.zh.waitForSelector('#modal', { state: 'hidden', timeout: 5000 }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}; the dialog says: ${await pages.zh.textContent('#modal')}`)
    })
    const row = gw.query("SELECT kind, staff, detail FROM entries WHERE kind = 'vehicle'")[0] as { staff: string; detail: string }
    expect(row.staff).toBe('zhang')
    expect(JSON.parse(row.detail)).toMatchObject({ manual: { plate: '沪AC1234', occupants: 1 } })
    await tapCentre(pages.en, '#modal-buttons .btn-gray')
  })

  it('a dialog keeps the live result and the alarms in view: a denial or a new fever while staff type is seen', async () => {
    // The card is through the fevers registered before (each denial stays 5 s to be read): it shows what is current.
    await both((p) => p.waitForSelector('#card[data-state="admit"], #card[data-state="idle"]', { timeout: 20_000 }))
    await both((p) => tapCentre(p, '#actions .btn:nth-child(2)'))
    await both((p) => p.waitForSelector('#modal[data-kind="visitor"]'))
    await scanIn.scan('https://example.com/while-typing')
    await both((p) => p.waitForSelector('#strip-result[data-look="deny"]'))
    expect(await pages.zh.textContent('#strip-word')).toBe('✘ 禁止通行')
    expect(await pages.zh.textContent('#strip-reason')).toBe('非通行码，请出示通行码')
    expect(await pages.zh.isVisible('#strip-reason')).toBe(true)
    thermo.setTemperature(38.6)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#strip-alarm:not([hidden])'))
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#strip-alarm[data-count="2"]'))
    thermo.setTemperature(36.6)
    expect(await pages.zh.textContent('#strip-alarm')).toBe('⚠ 发热报警 38.6 °C 共 2 个')
    expect(await pages.en.textContent('#strip-alarm')).toBe('⚠ FEVER ALARM 38.6 °C (2 open)')
    // Above the dialog, not under its shade: the dialog takes the screen below the strip.
    for (const p of [pages.zh, pages.en]) {
      const seen = await p.evaluate(() => {
        const strip = document.getElementById('strip')!.getBoundingClientRect()
        const box = document.querySelector('.modal-box')!.getBoundingClientRect()
        const alarm = document.getElementById('strip-alarm')!.getBoundingClientRect()
        const hit = document.elementFromPoint(alarm.left + alarm.width / 2, alarm.top + alarm.height / 2)
        return { top: strip.top, below: box.top >= strip.bottom, hit: hit?.id }
      })
      expect(seen).toEqual({ top: 0, below: true, hit: 'strip-alarm' })
    }
    await checkState('dialog-strip')
    await both((p) => tapCentre(p, '#modal-buttons .btn-gray'))
    await tapCentre(pages.zh, '#alarm-ack-all')
    await tapCentre(pages.zh, '.choice[data-value="false_alarm"]')
    await pages.zh.fill('[data-field="note"] input', '测温仪读数偏高，已校准')
    await tapCentre(pages.zh, '#ack-ok')
    await both((p) => p.waitForSelector('#alarm', { state: 'hidden' }))
  })

  it('opening the gate without a reason says so in words, not in the validator\'s English', async () => {
    await both((p) => tapCentre(p, '#actions .btn-red'))
    await both((p) => p.waitForSelector('#modal[data-kind="open"]'))
    await both((p) => tapCentre(p, '#modal-buttons [data-submit]'))
    await expect.poll(() => pages.zh.textContent(errOf('reason')), { timeout: 10_000 }).toBe('请选择开闸原因')
    await expect.poll(() => pages.en.textContent(errOf('reason')), { timeout: 10_000 }).toBe('Choose a reason')
    for (const p of [pages.zh, pages.en]) expect(await p.textContent('#modal')).not.toMatch(/Invalid|expected/)
    await checkState('open-errors')
    await both((p) => tapCentre(p, '#modal-buttons .btn-gray'))
  })

  it('loaded nothing from anywhere but the gateway, and threw no script error', () => {
    for (const url of requests) expect(new URL(url).origin).toBe(gw.url)
    expect(pageErrors).toEqual([])
  })
})
