// @ts-check
/// <reference lib="dom" />
// Helpers both screens use (the staff screen and /tech): DOM building, the JSON API call, local times.

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function $(id) {
  const e = document.getElementById(id)
  if (!e) throw new Error(`#${id} is missing from the page`)
  return e
}

/**
 * An element with properties and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Partial<HTMLElementTagNameMap[K]> & Record<string, unknown>} [props]
 * @param {(Node | string)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag)
  Object.assign(e, props)
  e.append(...children)
  return e
}

/**
 * @param {string} label
 * @param {string} cls
 * @param {(ev: MouseEvent) => void} onClick
 */
export function button(label, cls, onClick) {
  const b = el('button', { className: cls, textContent: label, type: 'button' })
  b.addEventListener('click', onClick)
  return b
}

/** @typedef {{ ok: boolean, status: number, data: Record<string, any> }} ApiResult */

/** Called on a 401 `login_required` (the session ended): each screen returns to its login. */
let onLoggedOut = () => {}
/** @param {() => void} fn */
export function setLoggedOutHandler(fn) {
  onLoggedOut = fn
}

/**
 * A JSON call to this gateway (never anywhere else). Network failures come back as status 0 with error `network`.
 * @param {string} path
 * @param {unknown} [body] a body makes it a POST
 * @param {'GET' | 'POST'} [method]
 * @returns {Promise<ApiResult>}
 */
export async function api(path, body, method = body === undefined ? 'GET' : 'POST') {
  let res
  try {
    res = await fetch(path, {
      method,
      headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      credentials: 'same-origin',
    })
  } catch {
    return { ok: false, status: 0, data: { error: 'network' } }
  }
  /** @type {Record<string, any>} */
  let data = {}
  try {
    data = await res.json()
  } catch {
    /* an empty or non-JSON body */
  }
  if (res.status === 401 && data.error === 'login_required') onLoggedOut()
  return { ok: res.ok, status: res.status, data }
}

/**
 * A wall-clock time in the site's zone (a laptop or a board may be set to anything), 24-hour.
 * @param {number | string | Date} ts
 * @param {string | undefined} timeZone
 * @param {{ seconds?: boolean, date?: boolean }} [opts]
 */
export function localTime(ts, timeZone, opts = {}) {
  /** @type {Intl.DateTimeFormatOptions} */
  const o = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
  if (opts.seconds !== false) o.second = '2-digit'
  if (opts.date) Object.assign(o, { year: 'numeric', month: '2-digit', day: '2-digit' })
  if (timeZone) o.timeZone = timeZone
  const d = ts instanceof Date ? ts : new Date(ts)
  if (Number.isNaN(d.getTime())) return '–'
  if (!opts.date) return new Intl.DateTimeFormat('en-GB', o).format(d)
  // 2026-12-02 12:34:56: sortable, unambiguous in both languages.
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', o).formatToParts(d).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${opts.seconds === false ? '' : `:${p.second}`}`
}
