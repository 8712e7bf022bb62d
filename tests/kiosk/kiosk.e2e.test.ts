// The staff screen and the tech pages in a real headless Chromium (Debian's, never a downloaded one) against the
// real gateway process: a line scanner and a Modbus thermometer simulated on pseudo-terminals, the uplink to a
// real mosquitto. Screenshots of the main states go to tests/screenshots/ (gitignored) for a human to look at.
/// <reference lib="dom" />
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { LineScannerSim } from '../../simulators/devices/lineScanner.ts'
import { ModbusThermometerSim } from '../../simulators/devices/modbusThermometer.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { Recorder } from '../bridge/helpers.ts'
import { assertMessage } from '../contracts/asyncapi.ts'
import { GatewayProcess, ptyGateDevices, ROOT, tempDir } from '../helpers/gatewayProcess.ts'

const SHOTS = join(ROOT, 'tests/screenshots')
const issuer = newKeyPair('estate-key-1')
let passNo = 0
const pass = (sub = `H-3-1-${500 + ++passNo}`): Promise<string> =>
  issuePass(issuer, { sub, kind: 'resident', jti: `e2e-pass-${++passNo}` }, { now: Date.now(), ttlSeconds: 3600 })
const STAFF_PIN = '246810'
const TECH_PIN = '97531'

describe('kiosk in Chromium', () => {
  let inPty: PtyPair, outPty: PtyPair, thermoPty: PtyPair
  let scanIn: LineScannerSim, scanOut: LineScannerSim, thermo: ModbusThermometerSim
  let broker: Mosquitto
  let platform: Recorder
  let gw: GatewayProcess
  let browser: Browser
  let page: Page
  let dir = ''
  const requests: string[] = []
  const pageErrors: string[] = []

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    broker = await Mosquitto.start()
    platform = await Recorder.connect(broker.url)
    ;[inPty, outPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'in' }), PtyPair.open({ name: 'out' }), PtyPair.open({ name: 'thermo' })])
    scanIn = new LineScannerSim()
    scanOut = new LineScannerSim()
    thermo = new ModbusThermometerSim({ unitId: 1, register: 0, scale: 0.01, temperatureC: 36.6 })
    await Promise.all([scanIn.open(inPty.devicePath), scanOut.open(outPty.devicePath), thermo.open(thermoPty.devicePath)])
    const config = {
      site: { id: 'estate-001', name: '路砦社区', timezone: 'Asia/Shanghai' },
      gate: { id: 'north-1', name: '北门' },
      devices: ptyGateDevices({ inPath: inPty.gatewayPath, outPath: outPty.gatewayPath, thermoPath: thermoPty.gatewayPath }),
      // Long enough to photograph the re-check prompt.
      rules: { recheckDelayMs: 1500, duplicateScanMs: 0 },
      passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
      localBroker: { enabled: false },
      central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      kiosk: { staffPins: [{ id: 'zhang', name: '张伟', pin: STAFF_PIN }], techPins: [TECH_PIN] },
      schedules: [{ id: 'gate-area', kind: 'disinfection', area: '大门口', cron: '*/10 * * * *', graceMinutes: 1440 }],
      log: { level: 'info' },
    }
    // A first start makes the database; moving the task mark back half an hour makes the second start raise the
    // disinfections that fell due meanwhile, so the tasks banner has something to show.
    dir = tempDir()
    await (await GatewayProcess.start(config, { dir })).stop()
    const db = new Database(join(dir, 'data', 'estate-gate.db'))
    db.prepare('UPDATE task_evaluation SET evaluated_until = ?').run(Date.now() - 30 * 60_000)
    db.close()
    gw = await GatewayProcess.start(config, { dir })
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online ? true : undefined), 5000, 'thermometer online')
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      // As in the kiosk's systemd unit: the fever alarm must sound without a tap first.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'],
    })
    page = await browser.newPage({ viewport: { width: 1024, height: 600 } })
    page.on('request', (r) => requests.push(r.url()))
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto(gw.url)
    await page.waitForSelector('body[data-connected="yes"]')
  })

  afterAll(async () => {
    await browser?.close()
    await gw?.stop()
    await platform?.close()
    await Promise.all([scanIn, scanOut, thermo].map((s) => s?.close()))
    await Promise.all([inPty, outPty, thermoPty].map((p) => p?.close()))
    await broker?.dispose()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const shot = (name: string, p: Page = page): Promise<Buffer> => p.screenshot({ path: join(SHOTS, `${name}.png`) })
  const lastEntry = (): Record<string, unknown> => gw.query('SELECT * FROM entries ORDER BY id DESC LIMIT 1')[0]!
  const published = (topic: string, match: (data: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    gw.until(() => {
      const a = platform.events.find((e) => e.topic === topic && match(e.event.data as Record<string, unknown>))
      if (!a) return undefined
      assertMessage(topic, a.event)
      return a.event.data as Record<string, unknown>
    }, 10_000, `a ${topic} message at the platform`)

  /** Logs in through the on-screen PIN pad (the dialog must be open). */
  async function typePin(pin: string): Promise<void> {
    await page.waitForSelector('#modal:not([hidden]) .keypad.pin')
    for (const d of pin) await page.click(`.keypad button[data-key="${d}"]`)
    await page.click('#pin-ok')
  }

  it('idles in Chinese, the screen filled without scrolling; switches to English and back, remembered across a reload', async () => {
    await expect.poll(() => page.textContent('#card-word'), { timeout: 10_000 }).toBe('请扫码')
    expect(await page.textContent('#gate-name')).toBe('北门 · 路砦社区')
    expect(await page.evaluate(() => [document.documentElement.scrollHeight, document.documentElement.scrollWidth])).toEqual([600, 1024])
    await expect.poll(() => page.textContent('#tasks'), { timeout: 10_000 }).toContain('大门口')
    await shot('idle')
    await page.click('.lang-btn[data-lang="en"]')
    expect(await page.textContent('#card-word')).toBe('Please scan')
    expect(await page.textContent('#conn-text')).toBe('Connected')
    await page.reload()
    await page.waitForSelector('body[data-connected="yes"]')
    expect(await page.textContent('#card-word')).toBe('Please scan')
    await shot('idle-en')
    await page.click('.lang-btn[data-lang="zh"]')
    expect(await page.textContent('#card-word')).toBe('请扫码')
    expect(await page.evaluate(() => localStorage.getItem('eg.lang'))).toBe('zh')
  })

  it('shows a scan on the pseudo-terminal within a second of its last byte: green, the temperature, the holder masked', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __seen: Record<string, number> }
      w.__seen = {}
      const card = document.getElementById('card')!
      new MutationObserver(() => {
        const id = card.dataset.eventId
        if (id && !w.__seen[id]) w.__seen[id] = performance.timeOrigin + performance.now()
      }).observe(card, { attributes: true, attributeFilter: ['data-event-id'] })
    })
    thermo.setTemperature(36.6)
    const code = await pass('R-0102-67')
    await scanIn.scan(code)
    const lastByte = performance.timeOrigin + performance.now()
    const handle = await page.waitForFunction(() => {
      const seen = Object.entries((window as unknown as { __seen: Record<string, number> }).__seen)
      return seen.length > 0 ? seen[0] : null
    })
    const [eventId, shownAt] = (await handle.jsonValue()) as [string, number]
    const latency = shownAt - lastByte
    const decisionLog = await gw.waitForLog((l) => l.msg === 'decision' && l.eventId === eventId)
    // eslint-disable-next-line no-console
    console.log(`kiosk: last byte on the pty → on the page ${latency.toFixed(1)} ms; decision logged → on the page ${(shownAt - Date.parse(String(decisionLog.time))).toFixed(0)} ms (log time has 1 ms resolution)`)
    expect(latency).toBeLessThan(1000)
    expect(lastEntry()).toMatchObject({ event_id: eventId, decision: 'admit', temp_c: 36.6 })
    expect(await page.getAttribute('#card', 'data-state')).toBe('admit')
    expect(await page.textContent('#card-word')).toContain('通行')
    expect(await page.textContent('#card-temp')).toBe('36.6 °C')
    expect(await page.textContent('#card-who')).toBe('进门 · 住户 · R-01****67')
    expect(await page.content()).not.toContain('R-0102-67')
    await shot('admit')
    await page.setViewportSize({ width: 1280, height: 800 })
    await shot('admit-1280x800')
    expect(await page.evaluate(() => [document.documentElement.scrollHeight, document.documentElement.scrollWidth])).toEqual([800, 1280])
    await page.setViewportSize({ width: 1024, height: 600 })
  })

  it('shows a refusal in red with the reason in words', async () => {
    await scanIn.scan('https://example.com/not-a-pass')
    await page.waitForSelector('#card[data-state="deny"]')
    expect(await page.textContent('#card-reason')).toBe('非通行码，请出示通行码')
    // No temperature was wanted for a code that is not a pass: no empty "— °C".
    expect(await page.textContent('#card-temp')).toBe('')
    await shot('deny')
    await page.click('.lang-btn[data-lang="en"]')
    expect(await page.textContent('#card-reason')).toBe('Not a pass: show your pass')
    expect(await page.textContent('#card-word')).toContain('DENIED')
    await shot('deny-en')
    await page.click('.lang-btn[data-lang="zh"]')
  })

  it('prompts a re-check, then raises the fever alarm with sound until a logged-in staff member acknowledges it', async () => {
    // The refusal before stays on the card for its time (at least 5 s, to be read): the next person starts after it.
    await page.waitForSelector('#card[data-state="idle"]', { timeout: 10_000 })
    thermo.setTemperature(37.8)
    await scanIn.scan(await pass())
    await page.waitForSelector('#prompt[data-kind="recheck"]:not([hidden])')
    expect(await page.textContent('#prompt-text')).toContain('正在复测体温')
    // The previous person's refusal is not left under the prompt.
    expect(await page.getAttribute('#card', 'data-state')).toBe('measuring')
    expect(await page.textContent('#card-word')).toBe('测温中')
    await shot('recheck-prompt')
    thermo.setTemperature(38.1)
    await page.waitForSelector('#alarm:not([hidden])')
    thermo.setTemperature(36.6)
    const entryId = await page.getAttribute('#alarm', 'data-entry-id')
    expect(lastEntry()).toMatchObject({ event_id: entryId, decision: 'deny', reasons: '["fever"]', temp_c: 38.1, rechecked: 1 })
    expect(await page.textContent('#alarm-title')).toContain('发热报警')
    expect(await page.textContent('#alarm-temp')).toBe('38.1 °C')
    // The siren is playing on a running audio context.
    expect(await page.evaluate(() => [document.body.dataset.audio, document.body.dataset.sound])).toEqual(['running', 'alarm'])
    await shot('fever-alarm')
    // A reload does not make it go away: it lives on the server.
    await page.reload()
    await page.waitForSelector('#alarm:not([hidden])')
    expect(await page.getAttribute('#alarm', 'data-entry-id')).toBe(entryId)
    // Acknowledging needs a staff member: the PIN pad comes first.
    await page.click('#alarm-ack')
    await shot('pin-pad')
    await typePin('0000')
    await expect.poll(() => page.textContent('#modal-error'), { timeout: 10_000 }).toBe('密码错误，请重新输入')
    await page.click('#modal .btn-gray')
    await page.click('#alarm-ack')
    await typePin(STAFF_PIN)
    // Then what was done about it.
    await page.click('.choice[data-value="doctor_contacted"]')
    await page.fill('[data-field="note"] input', '王医生 10 分钟到')
    await page.click('#ack-ok')
    await page.waitForSelector('#alarm', { state: 'hidden' })
    expect(await page.evaluate(() => document.body.dataset.sound)).toBe('')
    expect(gw.query('SELECT kind, staff, entry_id AS entryId FROM kiosk_events WHERE kind = ?', 'fever_acknowledged')).toEqual([
      { kind: 'fever_acknowledged', staff: 'zhang', entryId },
    ])
    expect(await published('alert', (d) => d.kind === 'fever_acknowledged')).toMatchObject({ staff: 'zhang', entryId, severity: 'info', outcome: 'doctor_contacted', note: '王医生 10 分钟到' })
    expect(await published('alert', (d) => d.kind === 'fever' && d.entryId === entryId)).toMatchObject({ severity: 'critical', tempC: 38.1 })
  })

  it('opens the gate by hand with a reason: recorded as the staff member on duty and published', async () => {
    await page.waitForSelector('#actions .btn-red')
    expect(await page.textContent('#duty-name')).toBe('张伟')
    await shot('logged-in-actions')
    await page.click('#actions .btn-red')
    await page.click('.choice[data-value="ambulance"]')
    await shot('open-dialog')
    await page.click('#modal-buttons .btn-green')
    await page.waitForSelector('#card[data-state="admit"]')
    expect(await page.textContent('#card-reason')).toBe('人工开闸：救护车')
    const row = lastEntry()
    expect(row).toMatchObject({ source: 'override', staff: 'zhang', decision: 'admit', reasons: '["manual_override"]' })
    const entry = await published('entry', (d) => d.source === 'override' && d.overrideReason === 'ambulance')
    expect(entry).toMatchObject({ staff: 'zhang', decision: 'admit', direction: 'in' })
    await shot('manual-open')
  })

  it('registers a visitor with a typed temperature', async () => {
    await page.click('#actions .btn:nth-child(2)')
    await page.fill('[data-field="name"] input', '王小明')
    await page.fill('[data-field="phoneLast4"] input', '567')
    await page.fill('[data-field="hostUnit"] input', '3-1-502')
    await page.click('[data-field="tempC"] input')
    for (const k of '36.5') await page.click(`#modal-body .keypad button:text-is("${k}")`)
    await page.click('#modal-buttons .btn-green')
    // The phone field wants only the last four digits: told so next to the field.
    await expect.poll(() => page.textContent('[data-field="phoneLast4"] .err'), { timeout: 10_000 }).toBe('只填手机号后四位数字')
    expect(await page.isVisible('#modal')).toBe(true)
    await shot('visitor-error')
    await page.fill('[data-field="phoneLast4"] input', '5678')
    await page.click('#modal-buttons .btn-green')
    await page.waitForSelector('#modal', { state: 'hidden' })
    await page.waitForSelector('#card[data-state="admit"]')
    expect(lastEntry()).toMatchObject({ kind: 'visitor', temp_c: 36.5, staff: 'zhang' })
    expect(JSON.parse(String(lastEntry().detail))).toMatchObject({ manual: { maskedName: '王**', phoneLast4: '5678', hostUnit: '3-1-502' } })
  })

  it('asks for the temperature while the thermometer is unplugged, and decides the waiting scan with what staff type', async () => {
    await thermoPty.unplug()
    await thermo.close()
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online === false ? true : undefined), 3000, 'thermometer offline')
    await page.waitForSelector('.dev[data-device="thermo-in"][data-status="down"]')
    await scanIn.scan(await pass())
    await page.waitForSelector('#prompt[data-kind="manual_temperature"]:not([hidden])')
    await shot('type-temperature-prompt')
    await page.click('#prompt-action')
    for (const k of '36.8') await page.click(`#modal-body .keypad button:text-is("${k}")`)
    await shot('type-temperature-dialog')
    await page.click('#modal-buttons [data-submit]')
    await page.waitForSelector('#card[data-state="admit"]')
    expect(await page.textContent('#card-temp')).toBe('36.8 °C')
    expect(await page.textContent('#card-meta')).toContain('人工输入')
    expect(lastEntry()).toMatchObject({ source: 'scan', decision: 'admit', temp_c: 36.8, staff: 'zhang' })
    expect(await page.isVisible('#prompt')).toBe(false)
    await thermoPty.replug()
    await thermo.open(thermoPty.devicePath)
    await gw.until(async () => ((await gw.health()).components['thermo-in']?.online ? true : undefined), 3000, 'thermometer back')
  })

  it('marks a disinfection done from the tasks banner, with a note, as the staff member on duty', async () => {
    const before = await page.$$eval('#tasks li[data-task-id]', (l) => l.length)
    expect(before).toBeGreaterThan(0)
    const id = await page.getAttribute('#tasks li[data-task-id]', 'data-task-id')
    await page.click(`#tasks li[data-task-id="${id}"] .btn`)
    await page.fill('[data-field="note"] input', '84消毒液 1:100 2升')
    await shot('task-done-dialog')
    await page.click('#modal-buttons .btn-green')
    await page.waitForSelector(`#tasks li[data-task-id="${id}"]`, { state: 'detached' })
    expect(gw.query('SELECT status, done_by AS doneBy, note FROM task_occurrences WHERE id = ?', Number(id))).toEqual([{ status: 'done', doneBy: 'zhang', note: '84消毒液 1:100 2升' }])
  })

  it('hands the shift over with a summary', async () => {
    await page.click('#actions .btn-gray')
    // The shift's summary first, then the note.
    await page.waitForSelector('#modal[data-kind="handover"] #shift-summary')
    await page.click('#handover-next')
    await page.fill('[data-field="note"] input', '消毒液剩半桶')
    await page.click('#handover-confirm')
    await page.waitForSelector('#modal[data-kind="summary"] #shift-summary')
    const text = await page.textContent('#shift-summary')
    expect(text).toContain('张伟')
    await shot('handover-summary')
    expect(await published('alert', (d) => d.kind === 'shift_handover')).toMatchObject({ staff: 'zhang', note: '消毒液剩半桶' })
    await page.click('#modal-buttons .btn-gray')
    await page.waitForSelector('#actions .btn:not(.btn-red)')
    expect(await page.textContent('#actions')).toBe('值班登录')
  })

  it('refuses a wrong tech PIN at /tech and accepts the right one', async () => {
    const tech = await browser.newPage({ viewport: { width: 1024, height: 600 } })
    tech.on('request', (r) => requests.push(r.url()))
    tech.on('pageerror', (e) => pageErrors.push(e.message))
    await tech.goto(`${gw.url}/tech`)
    await tech.fill('#pin', '12345')
    await tech.click('#login-btn')
    await expect.poll(() => tech.textContent('#login-error'), { timeout: 10_000 }).toContain('Wrong PIN')
    expect(await tech.isVisible('#app')).toBe(false)
    expect((await tech.evaluate(() => fetch('/api/tech/devices').then((r) => r.status)))).toBe(401)
    await shot('tech-login-refused', tech)
    await tech.fill('#pin', TECH_PIN)
    await tech.click('#login-btn')
    await tech.waitForSelector('#devices-table tbody tr[data-device="thermo-in"]')
    expect(await tech.textContent('#who')).toContain('tech-1')
    await shot('tech-devices', tech)
    await tech.click('#tabs button[data-tab="tests"]')
    await tech.click('.test-row[data-device="thermo-in"] .btn')
    // A sentence with the local time (Asia/Shanghai), not JSON.
    await expect.poll(() => tech.textContent('#test-result'), { timeout: 10_000 }).toContain('thermo-in：读数 36.6 °C')
    const shanghai = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Shanghai' }).format(new Date())
    expect(await tech.textContent('#test-result')).toMatch(new RegExp(`^${shanghai}:\\d\\d:\\d\\d `))
    expect(await tech.textContent('#test-result')).not.toContain('{')
    // Pulsing the relay asks first, with a duration.
    const pulsesBefore = Number((await gw.health()).components.gate?.counters?.pulses ?? 0)
    await tech.click('.test-row[data-device="gate"] .btn')
    expect(Number((await gw.health()).components.gate?.counters?.pulses ?? 0)).toBe(pulsesBefore)
    await tech.selectOption('.test-row[data-device="gate"] select', '500')
    await tech.click('.test-row[data-device="gate"] .pulse-confirm')
    await expect.poll(() => tech.textContent('#test-result'), { timeout: 10_000 }).toContain('gate：已吸合 500 毫秒')
    await expect.poll(async () => Number((await gw.health()).components.gate?.counters?.pulses ?? 0), { timeout: 10_000 }).toBe(pulsesBefore + 1)
    await shot('tech-tests', tech)
    await tech.click('#tabs button[data-tab="config"]')
    await expect.poll(() => tech.textContent('#config-view'), { timeout: 10_000 }).toContain('[REDACTED]')
    await tech.fill('#config-patch', '{ "rules": { "feverC": 37.5 }, "kiosk": { "port": 1 } }')
    await tech.click('#config-apply')
    await expect.poll(() => tech.textContent('#config-result'), { timeout: 10_000 }).toContain('rules.feverC')
    expect(await tech.textContent('#config-result')).toContain('kiosk.port')
    await shot('tech-config', tech)
    await tech.close()
  })

  it('loaded nothing from anywhere but the gateway, and threw no script error', async () => {
    expect(requests.length).toBeGreaterThan(10)
    for (const url of requests) expect(new URL(url).origin).toBe(gw.url)
    expect(pageErrors).toEqual([])
  })

  it('says so when the gateway goes away', async () => {
    await gw.stop()
    await page.waitForSelector('body[data-connected="no"]')
    expect(await page.textContent('#offline-banner')).toContain('连接中断')
    await shot('disconnected')
  })
})
