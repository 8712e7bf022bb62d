// The staff screen when its session is found gone, in real headless Chromium at 800x480, as gate staff meet it: the
// gate box restarts (sessions live in memory and end with the process; the shift is kept in the store and goes on) while
// a form is half filled, or the session ends elsewhere. The screen must say so in words and let the guard log in again
// without losing what was typed: a stale 连接中断 line goes when the feed is back, the dialog says 网关已重启，请重新登录
// and offers the PIN right there, the form comes back as it was and its 确定 registers it; the main screen says the login
// ended beside the shift, which stays as it is. The gateway runs in this process (tests/kiosk/helpers.ts), the browser
// reaches it through a proxy (tests/kiosk/cutProxy.ts) that the test cuts and points at the gateway started again.
// Screenshots at 800x480 and 1024x600 go to $TMPDIR/estate-gate-kiosk-shots/ (or $KIOSK_SHOTS).
/// <reference lib="dom" />
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { startKiosk } from './helpers.ts'
import { tapCentre } from './layout.ts'
import { LANGS, proxiedScreens } from './proxiedScreens.ts'

const VIEWPORTS = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
]
const PIN = '246810'

const WORDS = {
  lostBlocked: { zh: '连接中断，暂不能操作：请等重连；急需开门请人工开门', en: 'Disconnected: wait for the connection; open the gate by hand if it is urgent' },
  restarted: { zh: '网关已重启，请重新登录', en: 'The gateway restarted: log in again' },
  ended: { zh: '登录已结束，请重新登录', en: 'Your login ended: log in again' },
}

describe('the staff screen when its session is found gone', () => {
  const { screens, both, checkLayout } = proxiedScreens({ shotPrefix: 'session', viewports: VIEWPORTS })

  /** 访客登记 opened and filled in, everything but 确定. */
  async function fillVisitor(p: Page): Promise<void> {
    await tapCentre(p, '#actions .btn:nth-child(2)')
    await p.waitForSelector('#modal[data-kind="visitor"]')
    await tapCentre(p, '[data-field="name"] input')
    await tapCentre(p, '.surname-kb button[data-key="王"]')
    await p.waitForSelector('#modal:not([data-step="surname"]) [data-field="name"] input')
    await tapCentre(p, '[data-field="phoneLast4"] input')
    for (const key of '4321') await tapCentre(p, `.pad-host button[data-key="${key}"]`)
    await tapCentre(p, '[data-field="hostUnit"] input')
    for (const key of '2-1-101') await tapCentre(p, `.pad-host button[data-key="${key}"]`)
    await tapCentre(p, '[data-field="tempC"] input')
    for (const key of '36.6') await tapCentre(p, `.pad-host button[data-key="${key}"]`)
  }

  const typed = (p: Page): Promise<string[]> => p.$$eval('#modal-body input', (is) => is.map((i) => `${(i as HTMLInputElement).name}=${(i as HTMLInputElement).value}`))
  const FILLED = ['name=王', 'phoneLast4=4321', 'hostUnit=2-1-101', 'tempC=36.6']

  async function typePin(p: Page): Promise<void> {
    for (const key of PIN) await tapCentre(p, `.keypad.pin button[data-key="${key}"]`)
    await tapCentre(p, '#pin-ok')
  }

  it('after a restart: the stale 连接中断 line goes, the dialog says why and offers the PIN, the form is kept and registered; the main screen says the login ended', async () => {
    const k = await startKiosk()
    const { proxy, pages } = await screens(k)
    const { zh, en } = pages
    await both(pages, fillVisitor)

    // The gate box goes down while the forms are half filled: 确定 is refused, with why, on the dialog's line.
    proxy.cut()
    await both(pages, (p) => p.waitForSelector('body[data-connected="no"]'))
    await both(pages, async (p, lang) => {
      await tapCentre(p, '#modal-buttons [data-submit]')
      expect(await p.textContent('#modal-error')).toBe(WORDS.lostBlocked[lang])
    })
    // Started again on the same data (a power cut, an update): the shift is in the store, the sessions are gone.
    const dataDir = k.gw.config.dataDir
    await k.gw.stop()
    const k2 = await startKiosk({ dataDir }, { clock: k.clock })
    proxy.retarget(k2.gw.url!)
    proxy.restore()
    await both(pages, (p) => p.waitForSelector('body[data-connected="yes"]', { timeout: 15_000 }))

    // The line that the connection was down is gone; the dialog says the login ended with the restart, and offers it.
    await both(pages, async (p, lang) => {
      await expect.poll(() => p.textContent('#modal-error'), { timeout: 5000 }).toBe(WORDS.restarted[lang])
      expect(await p.isVisible('#relogin-btn')).toBe(true)
      expect(await typed(p)).toEqual(FILLED)
    })
    expect(await zh.textContent('#relogin-btn')).toBe('重新登录')
    expect(await en.textContent('#relogin-btn')).toBe('Log in again')
    for (const lang of LANGS) await checkLayout(pages[lang], 'restart-dialog', lang)

    // 重新登录: the PIN takes the dialog; 返回 gives the form back as it was, still saying why.
    await both(pages, async (p) => {
      await tapCentre(p, '#relogin-btn')
      await p.waitForSelector('#modal[data-step="pin"] .keypad.pin')
    })
    expect(await zh.textContent('#modal-title')).toBe('请输入值班密码')
    for (const lang of LANGS) await checkLayout(pages[lang], 'restart-pin', lang)
    await tapCentre(en, '#relogin-back')
    await en.waitForSelector('#modal[data-kind="visitor"]:not([data-step="pin"]) [data-field="name"] input')
    expect(await typed(en)).toEqual(FILLED)
    expect(await en.textContent('#modal-error')).toBe(WORDS.restarted.en)
    expect(await en.textContent('#modal-title')).toBe('Register a visitor')

    // The PIN accepted: the same form, with what was typed, and 确定 registers it.
    await typePin(zh)
    await zh.waitForSelector('#modal[data-kind="visitor"]:not([data-step="pin"]) [data-field="name"] input')
    expect(await typed(zh)).toEqual(FILLED)
    expect(await zh.textContent('#modal-error')).toBe('已重新登录：张伟，填写的内容还在')
    // Good news, not in the error's red.
    expect(await zh.$eval('#modal-error', (e) => getComputedStyle(e).color)).toBe('rgb(134, 239, 172)')
    expect(await zh.isVisible('#relogin-btn')).toBe(false)
    await checkLayout(zh, 'restart-relogged', 'zh')
    await tapCentre(zh, '#modal-buttons [data-submit]')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(await zh.textContent('#toast')).toBe('已登记访客')
    const row = k2.gw.store.db.prepare("SELECT staff, detail FROM entries WHERE kind = 'visitor'").get() as { staff: string; detail: string }
    expect(row.staff).toBe('zhang')
    expect(JSON.parse(row.detail).manual).toMatchObject({ maskedName: '王**', phoneLast4: '4321', hostUnit: '2-1-101' })
    expect(await zh.isVisible('#relogin-mark')).toBe(false)
    expect(await zh.isVisible('#actions .btn-red')).toBe(true)

    // 取消 on the other screen: the main screen says the login ended, beside the shift, which stays as it is.
    await tapCentre(en, '#modal-buttons [data-offline]')
    await en.waitForSelector('#modal', { state: 'hidden' })
    expect(await en.textContent('#duty')).toBe('On duty: 张伟')
    expect(await en.textContent('#relogin-mark')).toBe('⚠ Log in again')
    expect(await en.textContent('#relogin-note')).toBe('⚠ Gateway restarted: 张伟 is logged out')
    expect(await en.textContent('#login-btn')).toBe('Log in again')
    await checkLayout(en, 'restart-main', 'en')
    await tapCentre(en, '.lang-btn[data-lang="zh"]')
    expect(await en.textContent('#duty')).toBe('值班：张伟')
    expect(await en.textContent('#relogin-mark')).toBe('⚠ 请重新登录')
    expect(await en.textContent('#relogin-note')).toBe('⚠ 网关已重启，张伟的登录已结束')
    expect(await en.textContent('#login-btn')).toBe('重新登录')
    await checkLayout(en, 'restart-main', 'zh')
    // The mark is the way back in.
    await tapCentre(en, '#relogin-mark')
    await en.waitForSelector('#modal[data-kind="pin"]')
    await typePin(en)
    await en.waitForSelector('#modal', { state: 'hidden' })
    await en.waitForSelector('#actions .btn-red')
    expect(await en.isVisible('#relogin-mark')).toBe(false)
    expect(await en.$('#relogin-note')).toBeNull()
  }, 90_000)

  it('a session ended elsewhere: 确定 says the login ended (not a bare 请先登录) and offers the PIN; the form is kept', async () => {
    const k = await startKiosk()
    const { pages } = await screens(k)
    await both(pages, async (p) => {
      await tapCentre(p, '#actions .btn-red')
      await p.waitForSelector('#modal[data-kind="open"]')
      await tapCentre(p, '.choice[data-value="delivery"]')
    })
    // The same person logs in on another screen: this screen's session ends (one session per person, staff.ts).
    await k.login(PIN)
    await both(pages, async (p, lang) => {
      await tapCentre(p, '#modal-buttons [data-submit]')
      await expect.poll(() => p.textContent('#modal-error'), { timeout: 5000 }).toBe(WORDS.ended[lang])
      expect(await p.isVisible('#relogin-btn')).toBe(true)
    })
    for (const lang of LANGS) await checkLayout(pages[lang], 'ended-dialog', lang)
    const { zh } = pages
    await tapCentre(zh, '#relogin-btn')
    await typePin(zh)
    await zh.waitForSelector('#modal[data-kind="open"]:not([data-step="pin"])')
    expect(await zh.getAttribute('[data-field="reason"]', 'data-value')).toBe('delivery')
    await tapCentre(zh, '#modal-buttons [data-submit]')
    await zh.waitForSelector('#modal', { state: 'hidden' })
    expect(await zh.textContent('#toast')).toContain('已开闸')
    expect(k.gw.store.db.prepare("SELECT count(*) AS n FROM entries WHERE source = 'override'").get()).toEqual({ n: 1 })
  }, 60_000)
})
