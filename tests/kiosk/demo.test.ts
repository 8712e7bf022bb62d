// The demo (started without a config file) says so on the staff screen, with its PINs and the way to /tech; nowhere
// else (a configured site that runs the simulated crowd is not the demo), and never a real PIN nor a dash for one.
/// <reference lib="dom" />
import { chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { DEMO_STAFF_PIN, DEMO_TECH_PIN } from '../../gateway/demo.ts'
import { startKiosk } from './helpers.ts'
import { layoutProblems } from './layout.ts'

async function snapshot(url: string): Promise<Record<string, any>> {
  const res = await fetch(`${url}/api/kiosk/events`)
  const reader = res.body!.getReader()
  let buf = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error('no snapshot')
    buf += Buffer.from(value).toString('utf8')
    const m = /event: snapshot\ndata: (.*)\n\n/.exec(buf)
    if (m) {
      await reader.cancel()
      return JSON.parse(m[1]!)
    }
  }
}

const demoKiosk = { host: '127.0.0.1', port: 0, staffPins: [{ id: 'demo-staff', name: '演示值班员', pin: DEMO_STAFF_PIN }], techPins: [{ id: 'demo-tech', name: 'Demo technician', pin: DEMO_TECH_PIN }] }

describe('demo mark', () => {
  it('is absent from a configured site, even one that runs the simulated crowd (with the demo\'s own PINs, too)', async () => {
    const real = await startKiosk()
    expect((await snapshot(real.gw.url!)).demo).toBeNull()
    const crowd = await startKiosk({ simulation: { crowd: true } })
    expect((await snapshot(crowd.gw.url!)).demo).toBeNull()
    const lookalike = await startKiosk({ simulation: { crowd: true }, kiosk: demoKiosk })
    expect((await snapshot(lookalike.gw.url!)).demo).toBeNull()
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 480 } })
      await page.goto(crowd.gw.url!)
      await page.waitForSelector('body[data-connected="yes"]')
      await page.waitForSelector('#devices .dev')
      expect(await page.$('#demo')).toBeNull()
      expect(await page.innerText('body')).not.toMatch(/演示模式|DEMO|值班 –|技术 –/)
    } finally {
      await browser.close()
    }
  })

  it('the demo without a demo PIN in effect says 演示模式 DEMO, and no dash where a PIN would be', async () => {
    const k = await startKiosk({ simulation: { crowd: true } }, { demo: true })
    expect((await snapshot(k.gw.url!)).demo).toEqual({ staffPin: null, techPin: null })
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 480 } })
      await page.goto(k.gw.url!)
      await page.waitForSelector('#demo')
      expect(await page.textContent('#demo .demo-words')).toBe('演示模式 DEMO')
    } finally {
      await browser.close()
    }
  })

  it('shows "演示模式 DEMO", the demo PINs and a link to /tech in the demo, fitting the 7-inch screen', async () => {
    const k = await startKiosk({ simulation: { crowd: true }, kiosk: demoKiosk }, { demo: true })
    expect((await snapshot(k.gw.url!)).demo).toEqual({ staffPin: '1234', techPin: '9999' })
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 480 } })
      await page.goto(k.gw.url!)
      await page.waitForSelector('#demo')
      const text = await page.textContent('#demo')
      expect(text).toContain('演示模式 DEMO')
      expect(text).toContain('1234')
      expect(text).toContain('9999')
      expect(await page.getAttribute('#demo a', 'href')).toBe('/tech')
      for (const vp of [{ width: 800, height: 480 }, { width: 1024, height: 600 }]) {
        await page.setViewportSize(vp)
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
        if (process.env.KIOSK_SHOTS) await page.screenshot({ path: `${process.env.KIOSK_SHOTS}/demo-zh-${vp.width}x${vp.height}.png` })
        expect(await layoutProblems(page)).toEqual([])
      }
      await page.click('#demo a')
      await page.waitForURL(`${k.gw.url}/tech`)
    } finally {
      await browser.close()
    }
  })
})
