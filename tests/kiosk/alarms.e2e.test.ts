// The result card and the alarms as gate staff see them on the Pi's 7-inch screen (800x480), in real headless
// Chromium against the real gateway process (scanners and thermometer on pseudo-terminals): a denial held long
// enough to read, its reason large; prompts only over their own person's card; a fever the armpit check confirmed
// not waved through as 误报, nor let in by a normal armpit reading typed afterwards without a reason and 确认放行; 误报
// with no armpit check needing a reason too, a reason for 误报 not sent with another outcome; the same person twice as one alarm; the alarm in the strip over a dialog, with its
// temperature, taking a tap; a vehicle's plate, 人工开闸, the armpit reading of a normal re-check. Each state passes the
// generic layout check (tests/kiosk/layout.ts) at 800x480, 1024x600 and 1280x800, in Chinese and English; screenshots
// at the two smaller sizes go to $KIOSK_SHOTS (or $TMPDIR/estate-gate-kiosk-shots/).
/// <reference lib="dom" />
import { mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import type { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import type { ModbusThermometerSim } from '../../simulators/devices/modbusThermometer.ts'
import { GatewayProcess, ptyGateDevices, tempDir } from '../helpers/gatewayProcess.ts'
import { layoutProblems, tapCentre } from './layout.ts'
import { openInboundDevices, type InboundDevices } from '../helpers/inboundDevices.ts'

const SHOTS = process.env.KIOSK_SHOTS ?? join(tmpdir(), 'estate-gate-kiosk-shots')
const VIEWPORTS = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
]
const SHOT_SIZES = new Set(['800x480', '1024x600'])
const issuer = newKeyPair('estate-key-1')
let passNo = 0
const pass = (sub = `H-5-1-${100 + ++passNo}`, jti = `alarms-pass-${++passNo}`): Promise<string> =>
  issuePass(issuer, { sub, kind: 'resident', jti }, { now: Date.now(), ttlSeconds: 3600 })
/** One staff member per screen: a second login of the same person would end the first screen's session. */
const PINS = { zh: '246810', en: '135790' }
const HOLD_MS = 5000

describe('the result card and the alarms at the 7-inch screen', () => {
  let devices: InboundDevices
  let scanIn: LineScannerSim, thermo: ModbusThermometerSim
  let gw: GatewayProcess
  let browser: Browser
  const contexts: BrowserContext[] = []
  const pages = {} as Record<'zh' | 'en', Page>
  const pageErrors: string[] = []
  let dir = ''

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    devices = await openInboundDevices()
    ;({ scanner: scanIn, thermo } = devices)
    dir = tempDir()
    gw = await GatewayProcess.start(
      {
        site: { id: 'estate-001', name: '路砦社区', timezone: 'Asia/Shanghai' },
        gate: { id: 'north-1', name: '北门' },
        devices: ptyGateDevices({ inPath: devices.inPty.gatewayPath, thermoPath: devices.thermoPty.gatewayPath }),
        // A re-check long enough for something else to happen meanwhile (a visitor registered by hand).
        rules: { recheckDelayMs: 1500, duplicateScanMs: 0, antiPassback: 'off' },
        passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
        localBroker: { enabled: false },
        kiosk: { staffPins: [{ id: 'zhang', name: '张伟', pin: PINS.zh }, { id: 'li', name: 'Li Na', pin: PINS.en }], techPins: ['97531'] },
        schedules: [],
        log: { level: 'warn' },
      },
      { dir },
    )
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online ? true : undefined), 5000, 'thermometer online')
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'] })
    for (const lang of ['zh', 'en'] as const) {
      const ctx = await browser.newContext({ viewport: VIEWPORTS[0], hasTouch: true })
      contexts.push(ctx)
      await ctx.addInitScript((l) => localStorage.setItem('eg.lang', l), lang)
      const page = await ctx.newPage()
      page.on('pageerror', (e) => pageErrors.push(`${lang}: ${e.message}`))
      await page.goto(gw.url)
      await page.waitForSelector('body[data-connected="yes"]')
      // Each screen has its staff session (an action asks for no PIN).
      expect(await page.evaluate((pin) => fetch('/api/kiosk/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin }) }).then((r) => r.status), PINS[lang])).toBe(200)
      await page.reload()
      await page.waitForSelector('body[data-connected="yes"]')
      pages[lang] = page
    }
  })

  afterEach(async () => {
    // Every test starts with no alarm open, no dialog, and the card free.
    thermo.setTemperature(36.6)
    for (const kind of ['fever', 'isolation_breach']) await post('/api/kiosk/ack', { kind, outcome: 'observation_point', note: 'test over' }).catch(() => undefined)
    for (const p of Object.values(pages)) await p.evaluate(() => document.querySelector<HTMLButtonElement>('#modal-buttons .btn-gray')?.click())
    await new Promise((r) => setTimeout(r, HOLD_MS))
  })

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
    await gw?.stop()
    await devices?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  /** A staff action from the Chinese screen's session. */
  const post = (path: string, body: unknown): Promise<{ status: number; data: Record<string, any> }> =>
    pages.zh.evaluate(
      async ([p, b]) => {
        const r = await fetch(p as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) })
        return { status: r.status, data: await r.json() }
      },
      [path, body] as const,
    )

  const both = (fn: (p: Page, lang: 'zh' | 'en') => Promise<unknown>): Promise<unknown[]> => Promise.all((['zh', 'en'] as const).map((l) => fn(pages[l], l)))

  /** Every viewport, each language: the layout check, and screenshots at the two smaller sizes. */
  async function checkState(state: string, langs: ('zh' | 'en')[] = ['zh', 'en']): Promise<void> {
    await Promise.all(
      langs.map(async (lang) => {
        const page = pages[lang]
        for (const vp of VIEWPORTS) {
          await page.setViewportSize(vp)
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
          const size = `${vp.width}x${vp.height}`
          if (SHOT_SIZES.has(size)) await page.screenshot({ path: join(SHOTS, `alarms-${state}-${lang}-${size}.png`) })
          expect.soft(await layoutProblems(page), `${state}, ${lang}, ${size}`).toEqual([])
        }
        await page.setViewportSize(VIEWPORTS[0]!)
      }),
    )
  }

  /** The card's event, and when the page last changed it (ms, page clock). */
  const cardNow = (p: Page): Promise<{ id: string; state: string }> =>
    p.evaluate(() => ({ id: document.getElementById('card')!.dataset.eventId ?? '', state: document.getElementById('card')!.dataset.state ?? '' }))

  it('holds a denial 5 s with its reason readable from 2 m; the admit after it waits in the row (下一位), then takes the card', async () => {
    await scanIn.scan('https://example.com/not-a-pass')
    await both((p) => p.waitForSelector('#card[data-state="deny"]'))
    const shownAt = Date.now()
    const denied = (await cardNow(pages.zh)).id
    // 44 px at least at 800x480 (about 9 mm on the 7-inch: legible at 2 m), in both languages.
    for (const p of [pages.zh, pages.en]) expect(await p.$eval('#card-reason', (e) => parseFloat(getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(44)
    expect(await pages.zh.textContent('#card-reason')).toBe('非通行码，请出示通行码')
    // The next person, admitted a moment later: the gate opens, the result is in the row, the denial stays.
    thermo.setTemperature(36.6)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#recent li.recent.admit'))
    expect(await pages.zh.textContent('#recent .recent-label.next')).toBe('下一位')
    expect(await pages.en.textContent('#recent .recent-label.next')).toBe('Next')
    const admitted = await pages.zh.getAttribute('#recent li.recent.admit', 'data-event-id')
    expect(admitted).not.toBe(denied)
    await checkState('deny-held')
    // Still the denial, well past the ~3 s it used to last...
    const wait = shownAt + HOLD_MS - 800 - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    for (const p of [pages.zh, pages.en]) expect(await cardNow(p)).toEqual({ id: denied, state: 'deny' })
    // ...then the admit takes the card.
    await both((p) => p.waitForSelector(`#card[data-event-id="${admitted}"][data-state="admit"]`, { timeout: 3000 }))
    expect(Date.now() - shownAt).toBeGreaterThanOrEqual(HOLD_MS - 300)
    // The denial has gone to the row of what came before.
    await pages.zh.waitForSelector(`#recent li.recent[data-event-id="${denied}"]`)
  })

  it('a denial with the alarm stack beside it: the reason still 44 px, never clipped', async () => {
    thermo.setTemperature(38.2)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#alarm:not([hidden])'))
    await both((p) => p.waitForSelector('#card[data-state="deny"]'))
    await new Promise((r) => setTimeout(r, HOLD_MS))
    thermo.setTemperature(36.6)
    // The longest single reasons, in both languages.
    await scanIn.scan('https://example.com/not-a-pass-again')
    await both((p) => p.waitForSelector('#card[data-state="deny"] #card-reason:text-matches("非通行码|Not a pass")'))
    for (const p of [pages.zh, pages.en]) expect(await p.$eval('#card-reason', (e) => parseFloat(getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(44)
    await checkState('deny-beside-alarm')
  })

  it("shows a scanner's re-check prompt only over its own person's card, never over a visitor registered meanwhile", async () => {
    thermo.setTemperature(37.8)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#prompt[data-kind="recheck"]:not([hidden])'))
    // While the scanner's person is re-checked, staff register a visitor by hand, with a fever.
    const visitor = await post('/api/kiosk/visitor', { name: '王', phoneLast4: '1234', hostUnit: '3-1-502', tempC: 38.3 })
    expect(visitor.data).toMatchObject({ decision: 'deny' })
    await both((p) => p.waitForSelector(`#card[data-event-id="${visitor.data.eventId}"]`))
    // The visitor's card has no "hold still: re-checking" over it; that person waits in the row as the next.
    for (const p of [pages.zh, pages.en]) {
      expect(await p.isVisible('#prompt')).toBe(false)
      expect(await p.isVisible('#recent li[data-prompt="recheck"]')).toBe(true)
    }
    expect(await pages.zh.textContent('#recent li[data-prompt="recheck"]')).toBe('测温中37.8 °C')
    await checkState('prompt-not-over-visitor')
    thermo.setTemperature(38.1)
    // The re-check's result waits for the visitor's denial to be read, then takes the card (with no prompt over it).
    const recheckedCard = () => document.getElementById('card')?.dataset.state === 'deny' && /已复测|re-checked/.test(document.getElementById('card-meta')?.textContent ?? '')
    await both((p) => p.waitForFunction(recheckedCard, undefined, { timeout: 10_000 }))
    for (const p of [pages.zh, pages.en]) expect(await p.isVisible('#prompt')).toBe(false)
  })

  it('after an armpit check that confirmed the fever, 误报 needs a note and a second tap; the dialog shows both readings', async () => {
    const zh = pages.zh
    const fever = await post('/api/kiosk/visitor', { name: '孙', phoneLast4: '3333', hostUnit: '5-1-102', tempC: 38.2 })
    expect((await post('/api/kiosk/secondary', { entryId: fever.data.eventId, tempC: 38.5 })).data).toMatchObject({ decision: 'deny' })
    await both((p) => p.waitForSelector(`#alarm.confirmed[data-entry-id="${fever.data.eventId}"]`))
    expect(await zh.textContent('#alarm-ack')).toBe('登记处置')
    await both((p) => tapCentre(p, '#alarm-ack'))
    await both((p) => p.waitForSelector('#modal[data-kind="ack"]'))
    expect(await zh.textContent('#modal-title')).toBe('登记处置')
    // Whose fever, the forehead reading and the armpit one beside it.
    expect(await zh.textContent('#ack-what')).toMatch(/^发热报警 · \d\d:\d\d · 访客 · 孙\*\* · 被访 5-1-102 · 额温 38\.2 °C · 腋温 38\.5 °C$/)
    expect(await pages.en.textContent('#ack-what')).toMatch(/forehead 38\.2 °C · armpit 38\.5 °C$/)
    // 误报 is not a plain choice: it says a reason is needed, and asks for it.
    expect(await zh.textContent('.choice[data-value="false_alarm"]')).toBe('误报（须写明原因）')
    await both((p) => tapCentre(p, '.choice[data-value="false_alarm"]'))
    expect(await zh.textContent('[data-field="note"] label')).toBe('误报原因（必填）')
    await both((p) => tapCentre(p, '#ack-ok'))
    await expect.poll(() => zh.textContent('[data-field="note"] .err')).toBe('腋温复测已确认发热：记为误报须写明原因')
    await expect.poll(() => pages.en.textContent('[data-field="note"] .err')).toBe('The armpit check confirmed this fever: say why it is a false alarm')
    await checkState('ack-false-alarm-note')
    // With a note, a second tap confirms it.
    await both((p) => p.fill('[data-field="note"] input', '腋温计故障，换体温计复测 36.5'))
    await tapCentre(zh, '#ack-ok')
    expect(await zh.textContent('#ack-ok')).toBe('确认误报')
    expect(await zh.textContent('#modal-error')).toBe('腋温 38.5 °C 仍发热。确定记为误报？')
    await tapCentre(pages.en, '#ack-ok')
    expect(await pages.en.textContent('#modal-error')).toBe('Armpit 38.5 °C is still a fever. Record it as a false alarm?')
    await checkState('ack-false-alarm-confirm')
    const acks = (): unknown[] => gw.query('SELECT entry_id AS entryId, detail FROM kiosk_events WHERE entry_id = ?', fever.data.eventId)
    expect(acks()).toEqual([])
    await tapCentre(zh, '#ack-ok')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(acks()).toEqual([
      { entryId: fever.data.eventId, detail: JSON.stringify({ via: 'ack', outcome: 'false_alarm', note: '腋温计故障，换体温计复测 36.5' }) },
    ])
    await both((p) => p.waitForSelector('#alarm', { state: 'hidden' }))
  })

  it('a normal armpit reading typed after one that confirmed the fever asks first: 此人腋温曾确认 38.1 °C 仍发热，确定放行？, a reason, 确认放行', { timeout: 60_000 }, async () => {
    const zh = pages.zh
    thermo.setTemperature(38.4)
    await scanIn.scan(await pass('H-6-1-601', 'alarms-confirmed'))
    await both((p) => p.waitForSelector('#alarm:not([hidden])'))
    thermo.setTemperature(36.6)
    const entryId = (await zh.getAttribute('#alarm', 'data-entry-id'))!
    // The armpit check confirmed it (38.1); the alarm was handled (送临时留观点).
    expect((await post('/api/kiosk/secondary', { entryId, tempC: 38.1 })).data).toMatchObject({ decision: 'deny' })
    expect((await post('/api/kiosk/ack', { entryId, outcome: 'observation_point' })).status).toBe(200)
    await both((p) => p.waitForSelector('#alarm', { state: 'hidden' }))
    const checks = (): unknown[] => gw.query(`SELECT temp_c AS tempC, decision, detail FROM entries WHERE detail LIKE '%"feverEntryId":"${entryId}"%' ORDER BY id`)
    expect(checks()).toHaveLength(1)

    // Later, 腋温复测 from the bottom bar, the same record, 36.6.
    await both((p) => tapCentre(p, '#actions .btn:nth-child(4)'))
    await both((p) => p.waitForSelector(`#modal[data-kind="secondary"] .fever-row[data-value="${entryId}"]`))
    expect(await zh.textContent(`.fever-row[data-value="${entryId}"]`)).toMatch(/ ⚠ 腋温仍发热$/)
    await both(async (p) => {
      await tapCentre(p, `.fever-row[data-value="${entryId}"]`)
      await tapCentre(p, '[data-field="tempC"] input')
      for (const k of '36.6') await tapCentre(p, `.pad-host button[data-key="${k}"]`)
      await tapCentre(p, '#modal-buttons [data-submit]')
    })
    // Not let in: the question, the earlier reading, a reason asked for, the red 确认放行.
    await both((p) => p.waitForSelector('#secondary-sure', { timeout: 5000 }))
    expect(checks()).toHaveLength(1)
    expect(await zh.textContent('#secondary-sure')).toBe('此人腋温曾确认 38.1 °C 仍发热，确定放行？')
    expect(await pages.en.textContent('#secondary-sure')).toBe('An armpit check confirmed 38.1 °C, a fever. Let this person in?')
    expect(await zh.textContent('#secondary-who')).toMatch(/^住户 · 6-1-601 · 额温 38\.4 °C · \d\d:\d\d ⚠ 腋温仍发热$/)
    expect(await zh.textContent('[data-field="note"] label')).toBe('原因（必填）')
    expect(await pages.en.textContent('[data-field="note"] label')).toBe('Why (required)')
    expect(await zh.textContent('#secondary-ok')).toBe('确认放行')
    expect(await pages.en.textContent('#secondary-ok')).toBe('Yes, let in')
    expect(await zh.getAttribute('#secondary-ok', 'class')).toContain('btn-red')
    expect(checks()).toHaveLength(1)
    await checkState('armpit-confirmed-ask')
    // 确认放行 with no reason: asked for, still nothing recorded.
    await both((p) => tapCentre(p, '#secondary-ok'))
    await expect.poll(() => zh.textContent('[data-field="note"] .err')).toBe('请写明放行原因')
    await expect.poll(() => pages.en.textContent('[data-field="note"] .err')).toBe('Say why they are let in')
    expect(checks()).toHaveLength(1)
    await checkState('armpit-confirmed-no-reason')
    await tapCentre(pages.en, '#modal-buttons .btn-gray')
    // With the reason, the second tap lets the person in; the entry says why and what had confirmed the fever.
    await zh.fill('[data-field="note"] input', '留观 30 分钟，医生复核正常')
    await tapCentre(zh, '#secondary-ok')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    const rows = checks() as { tempC: number; decision: string; detail: string }[]
    expect(rows.map((r) => [r.tempC, r.decision])).toEqual([[38.1, 'deny'], [36.6, 'admit']])
    expect(JSON.parse(rows[1]!.detail).manual).toMatchObject({ feverEntryId: entryId, method: 'armpit', note: '留观 30 分钟，医生复核正常', confirmedC: 38.1 })
    // The card says it was let in on confirmation, with the earlier reading.
    await both((p) => p.waitForSelector('#card[data-state="admit"] #card-reason:text-matches("确认放行|on confirmation")', { timeout: 15_000 }))
    expect(await zh.textContent('#card-reason')).toBe('腋温复测 36.6 °C，确认放行（曾\u00a038.1\u00a0°C）')
    expect(await pages.en.textContent('#card-reason')).toBe('Armpit 36.6 °C: let in on confirmation (was\u00a038.1\u00a0°C)')
    await checkState('armpit-confirmed-admit')
  })

  it('误报 needs a reason with no armpit check too; a reason typed for 误报 is not sent with another outcome', async () => {
    const zh = pages.zh
    const fever = await post('/api/kiosk/visitor', { name: '周', phoneLast4: '5555', hostUnit: '2-1-201', tempC: 38.0 })
    await both((p) => p.waitForSelector(`#alarm[data-entry-id="${fever.data.eventId}"]:not(.confirmed)`))
    await both((p) => tapCentre(p, '#alarm-ack'))
    await both((p) => p.waitForSelector('#modal[data-kind="ack"]'))
    expect(await zh.textContent('.choice[data-value="false_alarm"]')).toBe('误报（须写明原因）')
    expect(await pages.en.textContent('.choice[data-value="false_alarm"]')).toBe('False alarm (say why)')
    await both((p) => tapCentre(p, '.choice[data-value="false_alarm"]'))
    expect(await zh.textContent('[data-field="note"] label')).toBe('误报原因（必填）')
    // One tap with no reason: asked for, nothing recorded.
    await both((p) => tapCentre(p, '#ack-ok'))
    await expect.poll(() => zh.textContent('[data-field="note"] .err')).toBe('记为误报须写明原因')
    await expect.poll(() => pages.en.textContent('[data-field="note"] .err')).toBe('Say why it is a false alarm')
    const acks = (): unknown[] => gw.query('SELECT detail FROM kiosk_events WHERE entry_id = ?', fever.data.eventId)
    expect(acks()).toEqual([])
    expect(await zh.isVisible('#modal')).toBe(true)
    await checkState('ack-false-alarm-plain')
    await tapCentre(pages.en, '#modal-buttons .btn-gray')
    // A reason typed for 误报, then another outcome: the note is empty again (and optional); back to 误报, the reason is back.
    await zh.fill('[data-field="note"] input', '在阳光下测的额温')
    await tapCentre(zh, '.choice[data-value="observation_point"]')
    expect(await zh.inputValue('[data-field="note"] input')).toBe('')
    expect(await zh.textContent('[data-field="note"] label')).toBe('备注（可不填）')
    await tapCentre(zh, '.choice[data-value="false_alarm"]')
    expect(await zh.inputValue('[data-field="note"] input')).toBe('在阳光下测的额温')
    await tapCentre(zh, '.choice[data-value="observation_point"]')
    await tapCentre(zh, '#ack-ok')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(acks()).toEqual([{ detail: JSON.stringify({ via: 'ack', outcome: 'observation_point' }) }])
  })

  it('the same person with a fever twice, a minute apart: one alarm with the count and the latest reading', async () => {
    const code = await pass('H-7-7-707', 'alarms-twice')
    thermo.setTemperature(38.2)
    await scanIn.scan(code)
    await both((p) => p.waitForSelector('#alarm[data-count="1"]'))
    const first = await pages.zh.getAttribute('#alarm', 'data-entry-id')
    thermo.setTemperature(38.6)
    await scanIn.scan(code)
    await both((p) => p.waitForFunction(() => /共 2 次|2 times/.test(document.getElementById('alarm-who')?.textContent ?? ''), undefined, { timeout: 10_000 }))
    for (const p of [pages.zh, pages.en]) {
      expect(await p.getAttribute('#alarm', 'data-count')).toBe('1')
      expect(await p.getAttribute('#alarm', 'data-entry-id')).toBe(first)
      expect(await p.textContent('#alarm-temp')).toBe('38.6 °C')
    }
    expect(await pages.zh.textContent('#alarm-who')).toMatch(/^共 2 次 · 最近 \d\d:\d\d · 进门 · 住户 · 7-7-707$/)
    expect(await pages.zh.isVisible('#alarm-ack-all')).toBe(false)
    // Every entry is in the log.
    expect(gw.query("SELECT count(*) AS n FROM entries WHERE pass_id = 'alarms-twice' AND reasons = '[\"fever\"]'")).toEqual([{ n: 2 }])
    await checkState('alarm-twice')
  })

  it('the alarm in the strip over a dialog shows its temperature; a tap brings it to the front (a second tap when something was typed)', async () => {
    const zh = pages.zh
    thermo.setTemperature(38.2)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#alarm:not([hidden])'))
    thermo.setTemperature(38.6)
    await scanIn.scan(await pass())
    await both((p) => p.waitForSelector('#alarm[data-count="2"]'))
    thermo.setTemperature(36.6)
    const newest = await zh.getAttribute('#alarm', 'data-entry-id')
    // Staff look at the older one (下一个), then start registering a visitor.
    await tapCentre(zh, '#alarm-next')
    expect(await zh.getAttribute('#alarm', 'data-entry-id')).not.toBe(newest)
    const older = await zh.getAttribute('#alarm', 'data-entry-id')
    await both((p) => tapCentre(p, '#actions .btn:nth-child(2)'))
    await both((p) => p.waitForSelector('#modal[data-kind="visitor"]'))
    // Each screen's front alarm: the older one on the Chinese screen, the newest on the English one.
    expect(await zh.textContent('#strip-alarm')).toBe('⚠ 发热报警 38.2 °C 共 2 个')
    expect(await pages.en.textContent('#strip-alarm')).toBe('⚠ FEVER ALARM 38.6 °C (2 open)')
    await checkState('strip-alarm')
    // Nothing typed in the English screen's dialog: one tap, and that alarm is at the front.
    await tapCentre(pages.en, '#strip-alarm')
    await pages.en.waitForSelector('#modal', { state: 'hidden' })
    expect(await pages.en.getAttribute('#alarm', 'data-entry-id')).toBe(newest)
    // Something typed on the Chinese one: the first tap asks, the second leaves the form.
    await tapCentre(zh, '[data-field="phoneLast4"] input')
    for (const k of '12') await tapCentre(zh, `.pad-host button[data-key="${k}"]`)
    await tapCentre(zh, '#strip-alarm')
    expect(await zh.textContent('#strip-alarm')).toBe('再点一次：放弃填写，查看报警')
    expect(await zh.isVisible('#modal')).toBe(true)
    await checkState('strip-alarm-ask', ['zh'])
    await tapCentre(zh, '#strip-alarm')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(await zh.getAttribute('#alarm', 'data-entry-id')).toBe(older)
  })

  it('says 人工开闸：救护车, 车辆登记 · 粤B12345 · 1人, 腋温复测正常 36.6 °C，放行; the fevers list marks a confirmed fever as one', { timeout: 60_000 }, async () => {
    const zh = pages.zh
    const open = await post('/api/kiosk/open', { reason: 'ambulance', direction: 'in' })
    await both((p) => p.waitForSelector(`#card[data-event-id="${open.data.eventId}"]`))
    expect(await zh.textContent('#card-reason')).toBe('人工开闸：救护车')
    expect(await pages.en.textContent('#card-reason')).toBe('Opened by staff: Ambulance')
    const car = await post('/api/kiosk/vehicle', { plate: '粤B12345', occupants: 1, tempC: 36.5, direction: 'in' })
    await both((p) => p.waitForSelector(`#card[data-event-id="${car.data.eventId}"]`))
    expect(await zh.textContent('#card-reason')).toBe('车辆登记 · 粤B12345 · 1人')
    expect(await zh.textContent('#card-who')).toBe('进门')
    expect(await pages.en.textContent('#card-reason')).toBe('Vehicle registered · 粤B12345 · 1 aboard')
    await checkState('vehicle')
    // An armpit check: normal for one visitor, still a fever for another.
    const a = await post('/api/kiosk/visitor', { name: '赵', phoneLast4: '1111', hostUnit: '1-1-101', tempC: 38.0 })
    const b = await post('/api/kiosk/visitor', { name: '钱', phoneLast4: '2222', hostUnit: '1-1-102', tempC: 38.1 })
    await post('/api/kiosk/secondary', { entryId: b.data.eventId, tempC: 38.6 })
    const normal = await post('/api/kiosk/secondary', { entryId: a.data.eventId, tempC: 36.6 })
    expect(normal.data).toMatchObject({ decision: 'admit' })
    // After the three denials before it (5 s each, to be read).
    await both((p) => p.waitForSelector(`#card[data-event-id="${normal.data.eventId}"]`, { timeout: 25_000 }))
    expect(await zh.textContent('#card-reason')).toBe('腋温复测正常 36.6 °C，放行')
    expect(await pages.en.textContent('#card-reason')).toBe('Armpit check normal 36.6 °C: admitted')
    await checkState('armpit-normal')
    await both((p) => tapCentre(p, '#actions .btn:nth-child(4)'))
    await both((p) => p.waitForSelector('#modal[data-kind="secondary"] .fever-row'))
    const row = (id: string): Promise<string | null> => zh.textContent(`.fever-row[data-value="${id}"]`)
    expect(await row(a.data.eventId)).toMatch(/ ✔$/)
    expect(await row(b.data.eventId)).toMatch(/ ⚠ 腋温仍发热$/)
    expect(await row(b.data.eventId)).not.toContain('✔')
    await checkState('fevers-marks')
  })

  it('threw no script error', () => {
    expect(pageErrors).toEqual([])
  })
})
