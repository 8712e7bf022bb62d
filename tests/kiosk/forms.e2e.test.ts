// The staff screen's forms, dialogs, keypads, connection state and toasts in real headless Chromium, as gate staff
// meet them on the Pi 7-inch screen (800x480): the screen says when it cannot be trusted (the live feed lost), every
// error of a form comes at once and goes as soon as its field is right, no field takes the focus when a dialog opens,
// toasts say what was done and cover nothing that matters, the plate keyboard has room between its keys for gloves,
// the visitor's surname is picked on the page, and residents are shown by their unit. The gateway runs in this
// process (tests/kiosk/helpers.ts), the browser reaches it through a proxy the test can cut (tests/kiosk/cutProxy.ts).
// Screenshots at 800x480 and 1024x600 go to $TMPDIR/estate-gate-kiosk-shots/ (or $KIOSK_SHOTS).
/// <reference lib="dom" />
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { startKiosk } from './helpers.ts'
import { tapCentre } from './layout.ts'
import { pass } from './passes.ts'
import { proxiedScreens, type Lang } from './proxiedScreens.ts'

const VIEWPORTS = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
]
/** The error line of a field (a text field or a row of choices). */
const errOf = (name: string): string => `.field[data-field="${name}"] .err, .field[data-for="${name}"] .err`

describe('forms, dialogs, keypads, connection and toasts on the staff screen', () => {
  const { screens, both, checkLayout } = proxiedScreens({ shotPrefix: 'forms', viewports: VIEWPORTS })

  const opacity = (p: Page, selector: string): Promise<number> => p.$eval(selector, (e) => Number(getComputedStyle(e).opacity))

  it('the live feed lost: the card greyed with 连接中断 and for how long, the actions greyed and refused in words; all back with the feed', async () => {
    const k = await startKiosk()
    const { proxy, pages } = await screens(k)
    const { zh, en } = pages
    expect(await zh.textContent('#card-word')).toBe('请扫码')
    expect(await opacity(zh, '#actions .btn-red')).toBe(1)
    // The English screen has a dialog open when the connection goes.
    await tapCentre(en, '#actions .btn:nth-child(2)')
    await en.waitForSelector('#modal[data-kind="visitor"]')

    proxy.cut()
    await both(pages, (p) => p.waitForSelector('body[data-connected="no"]'))
    // The card no longer says 请扫码: it says it cannot be trusted, and since when.
    expect(await zh.isVisible('#card-word')).toBe(false)
    expect(await zh.textContent('#lost-word')).toBe('⚠ 连接中断')
    expect(await zh.isVisible('#lost-word')).toBe(true)
    expect(await zh.textContent('#lost-help')).toContain('正在重连')
    const seconds = async (): Promise<number> => Number(/^已断开 (\d+) 秒$/.exec((await zh.textContent('#lost-for')) ?? '')?.[1] ?? NaN)
    const first = await seconds()
    expect(first).toBeGreaterThanOrEqual(0)
    await expect.poll(seconds, { timeout: 5000 }).toBeGreaterThan(first)
    expect(await zh.$eval('#card-lost', (e) => getComputedStyle(e).backgroundColor)).toBe('rgb(30, 41, 59)')
    // The actions that need the gateway are greyed, and a tap on one says why nothing happens.
    for (const b of ['#actions .btn-red', '#actions .btn:nth-child(2)', '#handover-btn']) expect(await opacity(zh, b), b).toBeLessThan(0.6)
    expect(await opacity(zh, '.lang-btn.on')).toBe(1)
    await tapCentre(zh, '#actions .btn-red')
    await zh.waitForSelector('#toast:not([hidden])')
    expect(await zh.textContent('#toast')).toContain('连接中断，暂不能操作')
    expect(await zh.isVisible('#modal')).toBe(false)
    await checkLayout(zh, 'lost', 'zh')
    // In the open dialog: 确定 is greyed and says why on the dialog's error line; 取消 still closes it.
    expect(await en.textContent('#strip-conn')).toContain('Disconnected')
    expect(await opacity(en, '#modal-buttons [data-submit]')).toBeLessThan(0.6)
    expect(await opacity(en, '#modal-buttons [data-offline]')).toBe(1)
    await tapCentre(en, '#modal-buttons [data-submit]')
    expect(await en.textContent('#modal-error')).toBe('Disconnected: wait for the connection; open the gate by hand if it is urgent')
    expect(await en.$$('.field.bad')).toHaveLength(0)
    await checkLayout(en, 'lost-dialog', 'en')
    await tapCentre(en, '#modal-buttons [data-offline]')
    await en.waitForSelector('#modal', { state: 'hidden' })
    expect(await en.textContent('#lost-word')).toBe('⚠ DISCONNECTED')
    expect(await en.textContent('#lost-for')).toMatch(/^for \d+ s$/)
    await checkLayout(en, 'lost', 'en')

    // The feed is back (the browser reconnects by itself): so is everything.
    proxy.restore()
    await both(pages, (p) => p.waitForSelector('body[data-connected="yes"]', { timeout: 10_000 }))
    for (const p of [zh, en]) {
      expect(await p.isVisible('#card-word')).toBe(true)
      expect(await p.isVisible('#card-lost')).toBe(false)
      expect(await opacity(p, '#actions .btn-red')).toBe(1)
    }
    expect(await zh.textContent('#card-word')).toBe('请扫码')
    await tapCentre(zh, '#actions .btn-red')
    await zh.waitForSelector('#modal[data-kind="open"]')
  }, 60_000)

  it('every error of a form at once, each gone as soon as its field is right', async () => {
    const k = await startKiosk()
    const { pages } = await screens(k)
    const posted: string[] = []
    for (const p of Object.values(pages)) p.on('request', (r) => r.method() === 'POST' && posted.push(r.url()))
    await both(pages, async (p) => {
      await tapCentre(p, '#actions .btn:nth-child(2)')
      await p.waitForSelector('#modal[data-kind="visitor"]')
      await tapCentre(p, '[data-field="phoneLast4"] input')
      for (const key of '567') await tapCentre(p, `.pad-host button[data-key="${key}"]`)
      await tapCentre(p, '#modal-buttons [data-submit]')
    })
    const { zh, en } = pages
    // All four at once, the temperature among them: not one round per field.
    const errors = (p: Page): Promise<Record<string, string>> =>
      p.$$eval('#modal-body .field', (fs) => Object.fromEntries(fs.map((f) => [(f as HTMLElement).dataset.field ?? (f as HTMLElement).dataset.for, f.querySelector('.err')?.textContent ?? ''])))
    expect(await errors(zh)).toEqual({
      name: '请填写访客姓名（系统只保存姓氏）',
      phoneLast4: '只填手机号后四位数字',
      hostUnit: '请填写被访住户，如 3-1-502',
      tempC: '进门须填写体温',
      direction: '',
    })
    expect(await errors(en)).toMatchObject({ phoneLast4: 'Only the last 4 digits', tempC: 'Going in needs a temperature' })
    expect(posted).toEqual([])
    await checkLayout(zh, 'visitor-all-errors', 'zh')
    await checkLayout(en, 'visitor-all-errors', 'en')

    // The fourth digit: the phone's error goes at once, the others stay.
    await tapCentre(zh, '[data-field="phoneLast4"] input')
    await tapCentre(zh, '.pad-host button[data-key="8"]')
    expect(await zh.textContent(errOf('phoneLast4'))).toBe('')
    expect(await zh.$eval('[data-field="phoneLast4"]', (e) => e.classList.contains('bad'))).toBe(false)
    expect(await zh.textContent(errOf('hostUnit'))).toBe('请填写被访住户，如 3-1-502')
    // A temperature still wrong keeps its error (now saying what is wrong); a right one loses it.
    await tapCentre(zh, '[data-field="tempC"] input')
    await tapCentre(zh, '.pad-host button[data-key="3"]')
    expect(await zh.textContent(errOf('tempC'))).toBe('体温应在 34 到 42.5 °C 之间')
    for (const key of '6.5') await tapCentre(zh, `.pad-host button[data-key="${key}"]`)
    expect(await zh.textContent(errOf('tempC'))).toBe('')
    // Going out needs no temperature: the direction puts that error right.
    await tapCentre(en, '.choice[data-value="out"]')
    expect(await en.textContent(errOf('tempC'))).toBe('')
    expect(await en.textContent(errOf('hostUnit'))).toBe('The host unit, e.g. 3-1-502')
    await tapCentre(zh, '[data-field="hostUnit"] input')
    for (const key of '3-1-502') await tapCentre(zh, `.pad-host button[data-key="${key}"]`)
    expect(await zh.textContent(errOf('hostUnit'))).toBe('')
    expect(await zh.textContent(errOf('name'))).toBe('请填写访客姓名（系统只保存姓氏）')
    // A surname picked: its error goes too, and nothing was sent all along.
    await tapCentre(zh, '[data-field="name"] input')
    await tapCentre(zh, '.surname-kb button[data-key="王"]')
    await zh.waitForSelector('#modal:not([data-step="surname"]) [data-field="name"] input')
    expect(await zh.textContent(errOf('name'))).toBe('')
    expect(await zh.$$('#modal-body .field.bad')).toHaveLength(0)
    expect(posted).toEqual([])
  }, 60_000)

  it('no field takes the focus when a dialog opens (a system keyboard would cover its buttons); a tap does', async () => {
    const k = await startKiosk()
    const { pages } = await screens(k)
    const zh = pages.zh
    const focus = (p: Page): Promise<{ focused: string; active: string[] }> =>
      p.evaluate(() => ({
        focused: document.activeElement?.tagName ?? '',
        active: [...document.querySelectorAll('#modal-body .field.active input')].map((i) => `${(i as HTMLInputElement).name}:${(i as HTMLInputElement).dataset.pad ?? 'text'}`),
      }))
    // Open the gate: its only text field (说明) is neither focused nor marked.
    await tapCentre(zh, '#actions .btn-red')
    await zh.waitForSelector('#modal[data-kind="open"]')
    expect(await focus(zh)).toEqual({ focused: 'BODY', active: [] })
    await tapCentre(zh, '[data-field="text"] input')
    expect(await focus(zh)).toEqual({ focused: 'INPUT', active: ['text:text'] })
    await tapCentre(zh, '#modal-buttons [data-offline]')
    // The visitor: the surname picker does not open by itself; the keypad is there for the phone digits, unfocused.
    await tapCentre(zh, '#actions .btn:nth-child(2)')
    await zh.waitForSelector('#modal[data-kind="visitor"]')
    expect(await focus(zh)).toEqual({ focused: 'BODY', active: ['phoneLast4:digits'] })
    expect(await zh.getAttribute('#modal', 'data-step')).not.toBe('surname')
    await tapCentre(zh, '#modal-buttons [data-offline]')
    // The handover note: nothing focused.
    await tapCentre(zh, '#handover-btn')
    await zh.waitForSelector('#modal[data-kind="handover"]')
    expect(await focus(zh)).toEqual({ focused: 'BODY', active: [] })
  }, 60_000)

  it('toasts say what was done, over the device strip: never over the connection, the card or a button', async () => {
    const k = await startKiosk()
    const { pages } = await screens(k)
    await both(pages, async (p) => {
      await tapCentre(p, '#actions .btn-red')
      await tapCentre(p, '.choice[data-value="ambulance"]')
      await tapCentre(p, '#modal-buttons [data-submit]')
      await p.waitForSelector('#toast:not([hidden])')
    })
    expect(await pages.zh.textContent('#toast')).toBe('已开闸（救护车）')
    expect(await pages.en.textContent('#toast')).toBe('Gate opened (Ambulance)')
    for (const [lang, p] of Object.entries(pages) as [Lang, Page][]) {
      const covers = await p.evaluate(() => {
        const t = document.getElementById('toast')!.getBoundingClientRect()
        const meets = (sel: string): boolean =>
          [...document.querySelectorAll(sel)].some((e) => {
            const r = e.getBoundingClientRect()
            return r.width > 0 && t.left < r.right && r.left < t.right && t.top < r.bottom && r.top < t.bottom
          })
        return ['#top', '#conn', '#card', '#side', '#actions', '#actions button', '#devices'].filter(meets)
      })
      expect(covers, lang).toEqual(['#devices'])
      await checkLayout(p, 'toast-opened', lang)
    }
    // A registration says what was registered.
    const zh = pages.zh
    await tapCentre(zh, '#actions .btn:nth-child(3)')
    for (const key of ['沪', 'A', '1', '2', '3', '4', '5']) await tapCentre(zh, `.plate-kb button[data-key="${key}"]`)
    await tapCentre(zh, '[data-field="tempC"] input')
    for (const key of '36.6') await tapCentre(zh, `.pad-host button[data-key="${key}"]`)
    await tapCentre(zh, '#modal-buttons [data-submit]')
    await expect.poll(() => zh.textContent('#toast'), { timeout: 5000 }).toBe('已登记车辆 沪A12345')
  }, 60_000)

  it('the plate keyboard: keys of 48 px or more with 8 px or more between them, inside the dialog and above its buttons', async () => {
    const k = await startKiosk()
    const { pages } = await screens(k)
    await both(pages, async (p) => {
      await tapCentre(p, '#actions .btn:nth-child(3)')
      await p.waitForSelector('.plate-kb[data-mode="province"]')
    })
    const measure = (p: Page): Promise<{ minKey: number; minGapX: number; minGapY: number; inside: boolean; clipped: string[]; rows: number }> =>
      p.evaluate(() => {
        const keys = [...document.querySelectorAll('.plate-kb button')].map((b) => ({ r: b.getBoundingClientRect(), b: b as HTMLElement }))
        const box = document.querySelector('.modal-box')!.getBoundingClientRect()
        const buttons = document.getElementById('modal-buttons')!.getBoundingClientRect()
        let minGapX = Infinity
        let minGapY = Infinity
        for (const a of keys)
          for (const b of keys) {
            if (a === b) continue
            const sameRow = Math.abs(a.r.top - b.r.top) < 1
            const sameCol = Math.abs(a.r.left - b.r.left) < 1
            if (sameRow && b.r.left > a.r.left) minGapX = Math.min(minGapX, b.r.left - a.r.right)
            if (sameCol && b.r.top > a.r.top) minGapY = Math.min(minGapY, b.r.top - a.r.bottom)
          }
        return {
          minKey: Math.min(...keys.map((k) => Math.min(k.r.width, k.r.height))),
          minGapX,
          minGapY,
          inside: keys.every((k) => k.r.left >= box.left && k.r.right <= box.right && k.r.bottom <= buttons.top),
          clipped: keys.filter((k) => k.b.scrollWidth > k.b.clientWidth + 0.5).map((k) => k.b.textContent ?? ''),
          rows: new Set(keys.map((k) => Math.round(k.r.top))).size,
        }
      })
    for (const mode of ['province', 'letters'] as const) {
      if (mode === 'letters') await both(pages, (p) => tapCentre(p, '.plate-kb button[data-key="沪"]'))
      await both(pages, (p) => p.waitForSelector(`.plate-kb[data-mode="${mode}"]`))
      for (const [lang, p] of Object.entries(pages) as [Lang, Page][]) {
        for (const vp of VIEWPORTS.slice(0, 3)) {
          await p.setViewportSize(vp)
          const m = await measure(p)
          const at = `${mode}, ${lang}, ${vp.width}x${vp.height}`
          expect.soft(m.minKey, at).toBeGreaterThanOrEqual(48)
          expect.soft(m.minGapX, at).toBeGreaterThanOrEqual(8)
          expect.soft(m.minGapY, at).toBeGreaterThanOrEqual(8)
          expect.soft(m, at).toMatchObject({ inside: true, clipped: [], rows: 4 })
        }
        await checkLayout(p, `plate-${mode}`, lang)
      }
    }
  }, 60_000)

  it('the visitor surname is picked on the page: the common surnames, more, and any other by its initial', async () => {
    const k = await startKiosk()
    const { pages } = await screens(k)
    await both(pages, async (p) => {
      await tapCentre(p, '#actions .btn:nth-child(2)')
      await p.waitForSelector('#modal[data-kind="visitor"]')
    })
    const { zh, en } = pages
    expect(await zh.textContent('[data-field="name"] label')).toBe('访客姓名（系统只保存姓氏）')
    await both(pages, (p) => tapCentre(p, '[data-field="name"] input'))
    await both(pages, (p) => p.waitForSelector('#modal[data-step="surname"] .surname-kb[data-view="common"]'))
    const keys = (p: Page): Promise<string[]> => p.$$eval('.surname-kb button', (bs) => bs.map((b) => b.textContent ?? ''))
    const common = await keys(zh)
    expect(common).toHaveLength(60)
    expect(common.slice(0, 5)).toEqual(['王', '李', '张', '刘', '陈'])
    expect(await zh.textContent('.picker-label')).toBe('访客姓名（系统只保存姓氏）')
    for (const [lang, p] of Object.entries(pages) as [Lang, Page][]) await checkLayout(p, 'surname-common', lang)
    // Gloves: keys of 48 px or more, 8 px or more apart.
    const spacing = await zh.$$eval('.surname-kb button', (bs) => {
      const r = bs.map((b) => b.getBoundingClientRect())
      return { minKey: Math.min(...r.map((x) => Math.min(x.width, x.height))), gap: r[1]!.left - r[0]!.right }
    })
    expect(spacing.minKey).toBeGreaterThanOrEqual(48)
    expect(spacing.gap).toBeGreaterThanOrEqual(8)
    await tapCentre(zh, '.view-btn[data-view="more"]')
    const more = await keys(zh)
    expect(more).toHaveLength(60)
    expect(more.filter((s) => common.includes(s))).toEqual([])
    await checkLayout(zh, 'surname-more', 'zh')
    await tapCentre(zh, '.surname-kb button[data-key="石"]')
    // Back to the form as it was, the surname in its field.
    await zh.waitForSelector('#modal:not([data-step="surname"]) [data-field="name"] input')
    expect(await zh.inputValue('[data-field="name"] input')).toBe('石')
    expect(await zh.isVisible('#modal-buttons [data-submit]')).toBe(true)
    // A rare surname, or a foreign visitor: its initial. The view buttons stay under the finger.
    const where = (): Promise<number[]> => en.$$eval('#modal-buttons button', (bs) => bs.map((b) => Math.round(b.getBoundingClientRect().top)))
    const rowBefore = await where()
    await tapCentre(en, '.view-btn[data-view="initials"]')
    await en.waitForSelector('.surname-kb[data-view="initials"]')
    expect(await where()).toEqual(rowBefore)
    await checkLayout(en, 'surname-initials', 'en')
    await tapCentre(en, '.surname-kb button[data-key="X"]')
    await en.waitForSelector('#modal:not([data-step="surname"])')
    expect(await en.inputValue('[data-field="name"] input')).toBe('X')
    // 返回 leaves the name as it was.
    await tapCentre(zh, '[data-field="name"] input')
    await tapCentre(zh, '#surname-back')
    expect(await zh.inputValue('[data-field="name"] input')).toBe('石')
    // Registered with only the surname kept.
    await tapCentre(zh, '[data-field="phoneLast4"] input')
    for (const key of '4321') await tapCentre(zh, `.pad-host button[data-key="${key}"]`)
    await tapCentre(zh, '[data-field="hostUnit"] input')
    for (const key of '2-1-101') await tapCentre(zh, `.pad-host button[data-key="${key}"]`)
    await tapCentre(zh, '[data-field="tempC"] input')
    for (const key of '36.6') await tapCentre(zh, `.pad-host button[data-key="${key}"]`)
    await tapCentre(zh, '#modal-buttons [data-submit]')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(await zh.textContent('#toast')).toBe('已登记访客')
    const row = k.gw.store.db.prepare("SELECT detail FROM entries WHERE kind = 'visitor'").get() as { detail: string }
    expect(JSON.parse(row.detail).manual).toMatchObject({ maskedName: '石**', phoneLast4: '4321', hostUnit: '2-1-101' })
  }, 60_000)

  it('a resident is shown by the unit the staff know, on the card, the alarm and the armpit check', async () => {
    const k = await startKiosk()
    const { proxy, pages } = await screens(k)
    const { zh, en } = pages
    k.thermometer.queue(38.4, 38.4)
    k.scanner('in').inject(await pass(k.gw, { sub: 'H-3-1-502' }))
    await both(pages, (p) => p.waitForSelector('#alarm:not([hidden])'))
    expect(await zh.textContent('#card-who')).toBe('进门 · 住户 · 3-1-502')
    expect(await en.textContent('#card-who')).toBe('In · Resident · 3-1-502')
    expect(await zh.textContent('#alarm-who')).toContain('住户 · 3-1-502')
    await tapCentre(zh, '#alarm-secondary')
    await zh.waitForSelector('#secondary-who')
    expect(await zh.textContent('#secondary-who')).toMatch(/^住户 · 3-1-502 · 额温 38\.4 °C · \d\d:\d\d$/)
    // An id that is not a household's stays masked.
    await tapCentre(zh, '#modal-buttons [data-offline]')
    k.scanner('in').inject(await pass(k.gw, { sub: 'R-0102-67' }))
    await expect.poll(() => zh.textContent('#card-who'), { timeout: 5000 }).toBe('进门 · 住户 · R-01****67')

    // The connection lost beside an open alarm (the narrow card at 800x480): its buttons greyed like the others.
    proxy.cut()
    await both(pages, (p) => p.waitForSelector('body[data-connected="no"]'))
    expect(await opacity(zh, '#alarm-ack')).toBeLessThan(0.6)
    for (const [lang, p] of Object.entries(pages) as [Lang, Page][]) await checkLayout(p, 'lost-alarm', lang)
  }, 60_000)
})
