// The staff screen in real headless Chromium when the gate's relay does not open for an admitted person: a red
// banner in the screen's language (Chinese and English), the card saying the gate stayed shut, the generic layout
// check at every kiosk size, kept across a reload (the server holds it) and gone once the relay moves again.
// The gateway runs in this process (tests/kiosk/helpers.ts) so that the test can make the relay's pin fail.
// Screenshots at 800x480 and 1024x600 go to $TMPDIR/estate-gate-kiosk-shots/ (or $KIOSK_SHOTS).
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SimulatedRelay } from '../../devices/registry.ts'
import { startKiosk, type KioskEnv } from './helpers.ts'
import { layoutProblems } from './layout.ts'
import { pass } from './passes.ts'

const SHOTS = process.env.KIOSK_SHOTS ?? join(tmpdir(), 'estate-gate-kiosk-shots')
const VIEWPORTS = [
  { width: 800, height: 480 },
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
]

describe('relay fault on the staff screen', () => {
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  })
  afterAll(async () => {
    await browser?.close()
  })

  async function open(k: KioskEnv, lang: 'zh' | 'en'): Promise<Page> {
    const ctx = await browser.newContext({ viewport: VIEWPORTS[0], hasTouch: true })
    await ctx.addInitScript((l) => localStorage.setItem('eg.lang', l), lang)
    const page = await ctx.newPage()
    await page.goto(k.gw.url!)
    await page.waitForSelector('body[data-connected="yes"]')
    return page
  }

  it('says the gate did not open, in both languages, until the relay moves again', async () => {
    const k = await startKiosk()
    const relay = k.gw.relays[0] as SimulatedRelay
    const pages = { zh: await open(k, 'zh'), en: await open(k, 'en') }
    const both = (fn: (p: Page) => Promise<unknown>): Promise<unknown[]> => Promise.all([fn(pages.zh), fn(pages.en)])
    expect(await pages.zh.isVisible('#relay-banner')).toBe(false)

    relay.pin.fail('EIO: injected by the test')
    k.scanner('out').inject(await pass(k.gw))
    await both((p) => p.waitForSelector('#relay-banner:not([hidden])'))
    await both((p) => p.waitForSelector('#card[data-state="admit"][data-gate="failed"]'))
    expect(await pages.zh.textContent('#relay-banner')).toMatch(/闸门未打开.*出.*gate 故障.*请人工开门/)
    expect(await pages.en.textContent('#relay-banner')).toMatch(/The gate did not open \(Out, .*relay gate failed\): open it by hand/)
    expect(await pages.zh.textContent('#card-reason')).toContain('闸门未打开')
    expect(await pages.en.textContent('#card-reason')).toContain('The gate did not open')
    for (const [lang, page] of Object.entries(pages)) {
      for (const vp of VIEWPORTS) {
        await page.setViewportSize(vp)
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
        if (vp.width <= 1024) await page.screenshot({ path: join(SHOTS, `relay-fault-${lang}-${vp.width}x${vp.height}.png`) })
        expect.soft(await layoutProblems(page), `${lang}, ${vp.width}x${vp.height}`).toEqual([])
      }
      await page.setViewportSize(VIEWPORTS[0]!)
    }

    // Kept on the server: a reloaded screen shows it again.
    await pages.zh.reload()
    await pages.zh.waitForSelector('body[data-connected="yes"]')
    expect(await pages.zh.isVisible('#relay-banner')).toBe(true)

    // The relay works again: the next admit moves it and the banner goes.
    relay.pin.fail(null)
    k.scanner('out').inject(await pass(k.gw))
    await both((p) => p.waitForSelector('#relay-banner', { state: 'hidden' }))
    expect(relay.pin.level).toBe(1)
    expect(await pages.zh.getAttribute('#card', 'data-gate')).toBe('')
    for (const p of Object.values(pages)) await p.context().close()
  }, 60_000)
})
