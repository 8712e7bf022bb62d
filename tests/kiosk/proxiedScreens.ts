// The staff screen in real headless Chromium, one page per language, reaching an in-process gateway through a proxy
// the test can cut (cutProxy.ts), logged in as the staff member on duty; and the generic layout check with its
// screenshots. Called inside a describe: it registers the browser's hooks there, and every page error fails the test.
/// <reference lib="dom" />
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { CutProxy } from './cutProxy.ts'
import type { KioskEnv } from './helpers.ts'
import { layoutProblems } from './layout.ts'

export type Lang = 'zh' | 'en'
export const LANGS = ['zh', 'en'] as const
const SHOTS = process.env.KIOSK_SHOTS ?? join(tmpdir(), 'estate-gate-kiosk-shots')

export interface ProxiedScreens {
  /** A screen per language through a new proxy, logged in as the staff member on duty (the first viewport). */
  screens(k: KioskEnv): Promise<{ proxy: CutProxy; pages: Record<Lang, Page> }>
  both(pages: Record<Lang, Page>, fn: (p: Page, lang: Lang) => Promise<unknown>): Promise<unknown[]>
  /** The generic layout check at every viewport; screenshots (`${shotPrefix}-${state}-…`) up to 1024 px wide. */
  checkLayout(page: Page, state: string, lang: Lang): Promise<void>
}

export function proxiedScreens(o: { shotPrefix: string; viewports: readonly { width: number; height: number }[] }): ProxiedScreens {
  let browser: Browser
  const proxies: CutProxy[] = []
  const pageErrors: string[] = []

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  })
  afterEach(async () => {
    for (const c of browser.contexts()) await c.close()
    for (const p of proxies.splice(0)) await p.close()
    expect(pageErrors.splice(0)).toEqual([])
  })
  afterAll(async () => {
    await browser?.close()
  })

  return {
    async screens(k) {
      const proxy = await CutProxy.start(k.gw.url!)
      proxies.push(proxy)
      const [name, value] = (await k.login()).split('=') as [string, string]
      const pages = {} as Record<Lang, Page>
      for (const lang of LANGS) {
        const ctx = await browser.newContext({ viewport: o.viewports[0], hasTouch: true })
        await ctx.addInitScript((l) => localStorage.setItem('eg.lang', l), lang)
        await ctx.addCookies([{ name, value, url: proxy.url }])
        const page = await ctx.newPage()
        page.on('pageerror', (e) => pageErrors.push(`${lang}: ${e.message}`))
        await page.goto(proxy.url)
        await page.waitForSelector('body[data-connected="yes"]')
        await page.waitForSelector('#actions .btn-red')
        pages[lang] = page
      }
      return { proxy, pages }
    },
    both: (pages, fn) => Promise.all(LANGS.map((l) => fn(pages[l], l))),
    async checkLayout(page, state, lang) {
      for (const vp of o.viewports) {
        await page.setViewportSize(vp)
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
        if (vp.width <= 1024) await page.screenshot({ path: join(SHOTS, `${o.shotPrefix}-${state}-${lang}-${vp.width}x${vp.height}.png`) })
        expect.soft(await layoutProblems(page), `${state}, ${lang}, ${vp.width}x${vp.height}`).toEqual([])
      }
      await page.setViewportSize(o.viewports[0]!)
    },
  }
}
