// The staff screen after a duress login, in real headless Chromium: the PIN typed on the screen's own pad, the screen
// then compared with the same gate after the person's own PIN. Same name on duty, the same words everywhere, no banner,
// no alarm; with the uplink down (the alert waiting in the outbox) the queue chip counts the same too.
// Screenshots at 800x480 and 1024x600 go to $TMPDIR/estate-gate-kiosk-shots/ (or $KIOSK_SHOTS).
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/gatewayProcess.ts'
import { startKiosk, stillClock, TECH, type KioskEnv } from './helpers.ts'
import { layoutProblems, tapCentre } from './layout.ts'

const SHOTS = process.env.KIOSK_SHOTS ?? join(tmpdir(), 'estate-gate-kiosk-shots')
const VIEWPORTS = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
]
const ZHANG = { id: 'zhang', name: '张伟', pin: '246810', duressPin: '864200' }
const START = Date.parse('2026-12-03T08:00:00+08:00')

let browser: Browser
const pageErrors: string[] = []
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
})
afterAll(async () => {
  await browser?.close()
})

/** A gate whose uplink is down (a port nobody listens on): the alert stays queued, as through an outage. */
async function gate(): Promise<KioskEnv> {
  return startKiosk({ kiosk: { host: '127.0.0.1', port: 0, staffPins: [ZHANG, '135790'], techPins: TECH }, central: { url: `mqtt://127.0.0.1:${await freePort()}` } }, { clock: stillClock(START) })
}

async function screen(k: KioskEnv, lang: 'zh' | 'en'): Promise<Page> {
  const ctx = await browser.newContext({ viewport: VIEWPORTS[0], hasTouch: true })
  await ctx.addInitScript((l) => localStorage.setItem('eg.lang', l), lang)
  const page = await ctx.newPage()
  page.on('pageerror', (e) => pageErrors.push(`${lang}: ${e.message}`))
  await page.goto(k.gw.url!)
  await page.waitForSelector('body[data-connected="yes"]')
  return page
}

/** The guard taps 登录, types the PIN on the pad and 确定, as at the gate. */
async function typeLogin(p: Page, pin: string): Promise<void> {
  await tapCentre(p, '#actions .btn')
  await p.waitForSelector('#modal:not([hidden]) .keypad button[data-key="1"]')
  for (const d of pin) await tapCentre(p, `#modal .keypad button[data-key="${d}"]`)
  await tapCentre(p, '#pin-ok')
  await p.waitForSelector('#modal', { state: 'hidden', timeout: 10_000 })
  await p.waitForSelector('#actions .btn-red')
}

/** Everything the screen shows in words, the wall clock aside, and which banners and alarms are up. */
async function seen(p: Page): Promise<{ text: string; shown: string[]; body: Record<string, string> }> {
  return p.evaluate(() => {
    const clock = document.getElementById('clock')!
    const saved = clock.textContent
    clock.textContent = ''
    const text = document.body.innerText
    clock.textContent = saved
    const shown = ['#offline-banner', '#relay-banner', '#task-banner', '#prompt', '#alarm', '#helper-mark', '#relogin-mark', '#modal']
      .filter((s) => { const e = document.querySelector(s) as HTMLElement | null; return e !== null && !e.hidden && e.offsetParent !== null })
    return { text, shown, body: { ...document.body.dataset } as Record<string, string> }
  })
}

describe('the staff screen after a duress login', () => {
  it('looks as after the person’s own PIN: 张伟 on duty, the same words, no banner, no alarm (zh and en, 800x480 and 1024x600)', async () => {
    const normal = await gate()
    const forced = await gate()
    const a = await screen(normal, 'zh')
    const b = await screen(forced, 'zh')
    await typeLogin(a, ZHANG.pin)
    await typeLogin(b, ZHANG.duressPin)
    for (const lang of ['zh', 'en'] as const) {
      // A fresh load as well as the live one: the snapshot a screen gets on (re)connecting.
      for (const p of [a, b]) {
        await p.reload()
        await p.waitForSelector('body[data-connected="yes"]')
        await p.click(`.lang-btn[data-lang="${lang}"]`)
        await p.waitForSelector(`body[data-lang="${lang}"]`)
        await p.waitForSelector('#actions .btn-red')
        await p.waitForSelector('#devices .dev')
      }
      expect(await b.textContent('#duty-name')).toBe('张伟')
      expect(await b.textContent('#card-word')).toBe(lang === 'zh' ? '请扫码' : 'Please scan')
      const [sa, sb] = [await seen(a), await seen(b)]
      expect(sb.shown).toEqual([])
      expect(sb).toEqual(sa)
      expect(sb.text).not.toMatch(/duress|胁迫|报警/i)
      for (const vp of VIEWPORTS) {
        await b.setViewportSize(vp)
        await b.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
        await b.screenshot({ path: join(SHOTS, `duress-logged-in-${lang}-${vp.width}x${vp.height}.png`) })
        await a.setViewportSize(vp)
        await a.screenshot({ path: join(SHOTS, `duress-normal-${lang}-${vp.width}x${vp.height}.png`) })
        expect.soft(await layoutProblems(b), `${lang} ${vp.width}x${vp.height}`).toEqual([])
      }
      await a.setViewportSize(VIEWPORTS[0]!)
      await b.setViewportSize(VIEWPORTS[0]!)
    }
    await a.context().close()
    await b.context().close()
    expect(forced.outbox('alert').filter((m) => m.data.kind === 'duress')).toHaveLength(1)
    expect(pageErrors).toEqual([])
  }, 90_000)
})
