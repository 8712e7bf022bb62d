// A layout check for any page, run in the browser: every visible control is at least 48x48 px and is what a tap
// on its centre hits (document.elementFromPoint; a descendant counts), no visible text is smaller than 16 px (read
// at arm's length on a 7-inch screen), and no visible text lies outside the viewport or outside an ancestor that
// clips its overflow. A scroller (overflow auto or scroll, with more content than room) is reached by scrolling: what
// lies beyond its edge along the axis it scrolls is not clipped, and a control scrolled out of its view is checked
// when it is scrolled in (layoutProblems again after scrolling). Generic on purpose: it knows nothing of the staff
// screen, so it covers screens added later. Inert subtrees (behind an open dialog) are not controls.
/// <reference lib="dom" />
import type { Page } from 'playwright-core'

export const MIN_TAP_PX = 48
/** The smallest text a guard reads on the 7-inch screen (labels, errors, notes); 14 px was too small there. */
export const MIN_TEXT_PX = 16

/** Selectors of what a user can tap or type into. */
const CONTROLS = 'button, input:not([type="hidden"]), select, textarea, a[href], [role="button"], [role="tab"], [contenteditable="true"]'

/** Runs in the page; returns one line per problem. Kept free of closures over test code (it is serialised). */
function problemsInPage(args: { minTap: number; minText: number; controls: string }): string[] {
  const problems: string[] = []
  const vw = window.innerWidth
  const vh = window.innerHeight
  const EPS = 0.5
  const describe = (e: Element | null): string => {
    if (!e) return 'nothing'
    const id = e.id ? `#${e.id}` : ''
    const cls = typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : ''
    const text = (e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 24)
    return `${e.tagName.toLowerCase()}${id}${cls}${text ? ` "${text}"` : ''}`
  }
  const scrolls = (a: Element, axis: 'x' | 'y'): boolean => {
    if (a === document.documentElement) return false
    const cs = getComputedStyle(a)
    const o = axis === 'x' ? cs.overflowX : cs.overflowY
    if (o !== 'auto' && o !== 'scroll') return false
    return axis === 'x' ? a.scrollWidth > a.clientWidth : a.scrollHeight > a.clientHeight
  }
  /** Whether the point lies outside the view of a scroller around `e` (then a scroll brings it in). */
  const scrolledAway = (e: Element, x: number, y: number): boolean => {
    for (let a = e.parentElement; a; a = a.parentElement) {
      if (!scrolls(a, 'x') && !scrolls(a, 'y')) continue
      const r = a.getBoundingClientRect()
      const left = r.left + a.clientLeft
      const top = r.top + a.clientTop
      if (x < left || x >= left + a.clientWidth || y < top || y >= top + a.clientHeight) return true
    }
    return false
  }
  const shown = (e: Element): boolean => {
    if (e.closest('[inert]')) return false
    if (!e.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false
    const r = e.getBoundingClientRect()
    return r.width > 0 && r.height > 0
  }
  for (const c of document.querySelectorAll(args.controls)) {
    if (!shown(c) || (c as HTMLButtonElement).disabled) continue
    const r = c.getBoundingClientRect()
    if (r.width < args.minTap - EPS || r.height < args.minTap - EPS) problems.push(`${describe(c)} is ${r.width.toFixed(0)}×${r.height.toFixed(0)} px, under ${args.minTap}×${args.minTap}`)
    const x = r.left + r.width / 2
    const y = r.top + r.height / 2
    if (scrolledAway(c, x, y)) continue
    if (x < 0 || y < 0 || x >= vw || y >= vh) {
      problems.push(`${describe(c)} has its centre off the screen (${x.toFixed(0)}, ${y.toFixed(0)})`)
      continue
    }
    const hit = document.elementFromPoint(x, y)
    if (!hit || !(hit === c || c.contains(hit))) problems.push(`a tap on the centre of ${describe(c)} hits ${describe(hit)}`)
  }
  // Text: each line box of each text node, against the viewport and every clipping ancestor.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  const range = document.createRange()
  const reported = new Set<Element>()
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement
    if (!parent || !(n.textContent ?? '').trim() || reported.has(parent)) continue
    if (['SCRIPT', 'STYLE', 'TITLE', 'OPTION'].includes(parent.tagName) || !shown(parent)) continue
    const px = parseFloat(getComputedStyle(parent).fontSize)
    if (px < args.minText - EPS) {
      problems.push(`text "${(n.textContent ?? '').trim().slice(0, 30)}" in ${describe(parent).split(' ')[0]} is ${px.toFixed(1)} px, under ${args.minText} px`)
      reported.add(parent)
      continue
    }
    range.selectNodeContents(n)
    for (const box of range.getClientRects()) {
      if (box.width === 0 || box.height === 0) continue
      if (scrolledAway(parent, box.left + box.width / 2, box.top + box.height / 2)) continue
      let why = ''
      if (box.left < -EPS || box.top < -EPS || box.right > vw + EPS || box.bottom > vh + EPS) why = 'outside the screen'
      for (let a: Element | null = parent; a && !why; a = a.parentElement) {
        const cs = getComputedStyle(a)
        const clipX = cs.overflowX !== 'visible' && !scrolls(a, 'x')
        const clipY = cs.overflowY !== 'visible' && !scrolls(a, 'y')
        if (!clipX && !clipY) continue
        const ar = a.getBoundingClientRect()
        const left = ar.left + a.clientLeft
        const top = ar.top + a.clientTop
        const right = left + (a === document.documentElement ? vw : a.clientWidth)
        const bottom = top + (a === document.documentElement ? vh : a.clientHeight)
        if (clipX && (box.left < left - EPS || box.right > right + EPS)) why = `clipped across by ${describe(a).slice(0, 40)}`
        else if (clipY && (box.top < top - EPS || box.bottom > bottom + EPS)) why = `clipped top or bottom by ${describe(a).slice(0, 40)}`
      }
      if (why) {
        problems.push(`text "${(n.textContent ?? '').trim().slice(0, 30)}" in ${describe(parent).split(' ')[0]} is ${why} (${box.left.toFixed(0)},${box.top.toFixed(0)} ${box.width.toFixed(0)}×${box.height.toFixed(0)} in ${vw}×${vh})`)
        reported.add(parent)
        break
      }
    }
  }
  return problems
}

/** The layout problems of what `page` shows now (empty: none). */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(problemsInPage, { minTap: MIN_TAP_PX, minText: MIN_TEXT_PX, controls: CONTROLS })
}

/** Taps the centre of the element (as a finger would: whatever is on top there gets the tap). */
export async function tapCentre(page: Page, selector: string): Promise<void> {
  const box = await page.locator(selector).first().boundingBox({ timeout: 5000 })
  if (!box) throw new Error(`${selector} is not on the screen`)
  await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2)
}

/**
 * Drags a finger up `dy` px over the element, as on the screen (touch events through the browser's input pipeline,
 * so it scrolls only what a finger would): its content moves up. Headless Chromium does not scroll for a synthesized
 * touch scroll gesture, hence single touch points.
 */
export async function touchScroll(page: Page, selector: string, dy: number): Promise<void> {
  const box = await page.locator(selector).first().boundingBox({ timeout: 5000 })
  if (!box) throw new Error(`${selector} is not on the screen`)
  const x = box.x + box.width / 2
  const from = box.y + box.height - 8
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y: from }] })
    const steps = 12
    for (let i = 1; i <= steps; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: from - (dy * i) / steps }] })
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  } finally {
    await cdp.detach()
  }
}
