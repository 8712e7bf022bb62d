// @ts-check
// The dialog frame and its parts: a title, a body that fits the screen, one reserved error line, the buttons.
// Everything behind an open dialog is inert (no tap reaches it). Field errors are shown in the staff's language next
// to their field, all of them at once (the screen's own checks before it sends, or the server's answer: the server's
// words are for logs, the codes are for screens), and each goes as soon as its field is right.
import { $, button, el } from './common.js'
import { changed, L, state } from './k-state.js'

/** The input the on-screen keypads type into. @type {HTMLInputElement | null} */
export let activeInput = null
/** @type {((input: HTMLInputElement, previous: HTMLInputElement | null) => void) | null} */
let onFocusInput = null
/**
 * The open form's checks, by field name: what is wrong with it now in the staff's words, or null.
 * @typedef {Record<string, () => string | null>} Checks
 */
/** @type {Checks} */
let checks = {}

/**
 * Opens a dialog. Nothing in it takes the focus: a focused text field would bring up a system keyboard over the
 * dialog's buttons, and the page's own keypads do the typing. The keypad shows for the first field typed on one
 * (a temperature, digits, a plate); a field is focused only when a finger taps it.
 * @param {string} title
 * @param {HTMLElement[]} body
 * @param {HTMLElement[]} buttons
 * @param {{ kind?: string, onFocus?: (input: HTMLInputElement, previous: HTMLInputElement | null) => void, checks?: Checks }} [opts]
 */
export function openModal(title, body, buttons, opts = {}) {
  $('modal-title').textContent = title
  $('modal-body').replaceChildren(...body)
  showError('')
  $('modal-buttons').replaceChildren(...buttons)
  $('modal').hidden = false
  $('modal').dataset.kind = opts.kind ?? ''
  $('modal').dataset.step = ''
  document.body.dataset.modal = 'yes'
  for (const id of ['top', 'main', 'bottom']) $(id).inert = true
  onFocusInput = opts.onFocus ?? null
  checks = opts.checks ?? {}
  // Whatever had the focus is behind the dialog now (inert); a toast from before would sit over the dialog.
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
  $('toast').hidden = true
  activeInput = null
  const first = /** @type {HTMLInputElement | null} */ ($('modal-body').querySelector('input[data-pad]:not([data-picker])'))
  if (first) targetInput(first)
  changed('modal')
}

export function closeModal() {
  $('modal').hidden = true
  $('modal').dataset.kind = ''
  $('modal').dataset.step = ''
  document.body.dataset.modal = 'no'
  $('modal-body').replaceChildren()
  for (const id of ['top', 'main', 'bottom']) $(id).inert = false
  activeInput = null
  onFocusInput = null
  checks = {}
}

export const modalOpen = () => !$('modal').hidden

/**
 * The field the keypad types into (marked, its keypad shown): the one a finger tapped (which the browser focused), or
 * the first keypad field of a dialog just opened (which it did not).
 * @param {HTMLInputElement} input
 */
export function targetInput(input) {
  const previous = activeInput
  activeInput = input
  for (const f of $('modal-body').querySelectorAll('.field')) f.classList.toggle('active', f.contains(input))
  onFocusInput?.(input, previous)
}

export function cancelButton() {
  const b = button(L('cancel'), 'btn btn-gray', closeModal)
  // Closing a dialog needs no gateway: it works while the connection is down (k-live.js).
  b.dataset.offline = 'ok'
  return b
}

/**
 * A labelled input, typed on the page's own keypads (a Pi touchscreen has no keyboard): `pad` names the keypad.
 * The system keyboard is kept away (inputmode none) where a keypad does the typing. The surname is picked, not
 * typed: its picker takes the dialog while it is open (k-forms.js), so it never opens by itself.
 * @param {string} name
 * @param {string} label
 * @param {{ value?: string, max?: number, pad?: 'digits' | 'decimal' | 'unit' | 'plate' | 'surname' | null, hint?: string, wide?: boolean }} [opts]
 */
export function field(name, label, opts = {}) {
  const input = el('input', { name, type: 'text', autocomplete: 'off', value: opts.value ?? '' })
  if (opts.hint) input.placeholder = opts.hint
  if (opts.pad) {
    input.inputMode = 'none'
    input.dataset.pad = opts.pad
    if (opts.pad === 'surname') input.dataset.picker = 'yes'
  }
  if (opts.max) input.maxLength = opts.max
  // A picker opens on the click, once the finger is up: opened on the focus (at the touch), the tap would end on a
  // key of the picker now under the finger.
  input.addEventListener(input.dataset.picker ? 'click' : 'focus', () => targetInput(input))
  const wrap = el('div', { className: opts.wide ? 'field wide' : 'field' }, el('label', { textContent: label }), input, el('div', { className: 'err' }))
  wrap.dataset.field = name
  return wrap
}

/**
 * Buttons for one choice (reason, direction, outcome...).
 * @param {string} name
 * @param {[string, string][]} options value, label
 * @param {string | null} selected
 * @param {string} labelKey
 */
export function choices(name, options, selected, labelKey) {
  const wrap = el('div', { className: 'choices' })
  wrap.dataset.field = name
  wrap.dataset.value = selected ?? ''
  for (const [value, label] of options) {
    const b = button(label, `choice${value === selected ? ' on' : ''}`, () => {
      wrap.dataset.value = value
      for (const c of wrap.children) c.classList.toggle('on', c === b)
      // As a keypad's key does for a field: the dialog looks at its errors again.
      wrap.dispatchEvent(new Event('input', { bubbles: true }))
    })
    b.dataset.value = value
    wrap.append(b)
  }
  const f = el('div', { className: 'field' }, el('label', { textContent: L(labelKey) }), wrap, el('div', { className: 'err' }))
  f.dataset.for = name
  return f
}

/** @param {string} name */
export function value(name) {
  const f = /** @type {HTMLElement | null} */ ($('modal-body').querySelector(`[data-field="${name}"]`))
  if (!f) return undefined
  if (f.classList.contains('choices')) return f.dataset.value
  const input = /** @type {HTMLInputElement | null} */ (f.querySelector('input,textarea'))
  return input ? input.value.trim() : undefined
}

/** @param {string | undefined} v */
export const num = (v) => (v === '' || v === undefined ? null : Number(v))

/**
 * A server error in the staff's words: a code (`error`) or a field name maps to a string in i18n.js; the
 * server's own English never reaches the screen.
 * @param {import('./common.js').ApiResult} r
 */
export function errorText(r) {
  if (r.status === 0) return L('code_network')
  if (r.status === 429) return L('pinLocked', { s: r.data.retryAfterSec ?? 60 })
  const code = String(r.data.error ?? '')
  // A session found gone says why, not a bare 请先登录 (k-staff.js offers the PIN in the dialog).
  if (code === 'login_required' && state.sessionLost) return L(state.sessionLost.restart ? 'sessionRestart' : 'sessionEnded')
  const key = `code_${code}`
  if (code && L(key) !== key) return L(key)
  return r.status >= 500 ? L('code_server') : L('failed')
}

/**
 * @param {string} name
 * @param {string} serverMsg
 */
function fieldText(name, serverMsg) {
  if (name === 'tempC' && state.info) {
    const [lo, hi] = state.info.validRangeC
    if (/inbound entry needs/.test(serverMsg)) return L('err_tempIn')
    if (/between|must be|body temperature/.test(serverMsg)) return L('err_tempRange', { lo, hi })
  }
  const key = `err_${name}`
  return L(key) === key ? L('code_invalid') : L(key)
}

/** Puts a failed request's errors next to their fields, or on the dialog's error line. @param {import('./common.js').ApiResult} r */
export function showErrors(r) {
  /** @type {Record<string, string>} */
  const fields = r.data.fields ?? {}
  /** @type {Record<string, string>} */
  const words = {}
  for (const [name, msg] of Object.entries(fields)) words[name] = fieldText(name, msg)
  showProblems(words, Object.keys(fields).length > 0 ? '' : errorText(r))
}

/**
 * Every field's error at once, in words, next to its field (or on the error line for a field the dialog does not
 * show), and `line` on the dialog's error line.
 * @param {Record<string, string>} problems field name → what is wrong
 * @param {string} [line]
 */
export function showProblems(problems, line = '') {
  const body = $('modal-body')
  for (const f of body.querySelectorAll('.field')) f.classList.remove('bad')
  for (const e of body.querySelectorAll('.err')) e.textContent = ''
  const loose = []
  for (const [name, text] of Object.entries(problems)) {
    const wrap = fieldWrap(name)
    const err = wrap?.querySelector('.err')
    if (wrap && err) {
      wrap.classList.add('bad')
      err.textContent = text
    } else loose.push(text)
  }
  showError(loose.length > 0 ? loose.join(L('list')) : line)
}

/** @param {string} name */
function fieldWrap(name) {
  const f = $('modal-body').querySelector(`[data-field="${name}"]`)
  return /** @type {HTMLElement | null} */ (f?.closest('.field') ?? null)
}

/** What the open form's checks find now (fields without a check are not judged here). */
export function problemsNow() {
  /** @type {Record<string, string>} */
  const out = {}
  for (const [name, check] of Object.entries(checks)) {
    const text = check()
    if (text) out[name] = text
  }
  return out
}

/**
 * After each key, choice or keystroke: a field shown in error loses its error as soon as its check passes (or, for a
 * field without one, as soon as it is changed), and keeps it, reworded if need be, while it is still wrong. A
 * temperature that going out no longer needs is put right by the direction: every error is looked at, not only the
 * changed field's.
 * @param {Event} e
 */
function recheck(e) {
  const body = $('modal-body')
  for (const wrap of /** @type {NodeListOf<HTMLElement>} */ (body.querySelectorAll('.field.bad'))) {
    const name = wrap.dataset.field ?? wrap.dataset.for ?? ''
    const check = checks[name]
    const text = check ? check() : e.target instanceof Node && wrap.contains(e.target) ? null : undefined
    if (text === undefined) continue
    const err = wrap.querySelector('.err')
    if (text === null) {
      wrap.classList.remove('bad')
      if (err) err.textContent = ''
    } else if (err) err.textContent = text
  }
}
$('modal-body').addEventListener('input', recheck)

/** @param {string} text @param {boolean} [good] news, not an error (已重新登录): not in the error's red */
export function showError(text, good = false) {
  $('modal-error').textContent = text
  $('modal-error').classList.toggle('good', good)
}

/** The live feed is back: a line saying it was down (a tap refused then, a request that could not arrive) is stale. */
export function clearOfflineLine() {
  const line = $('modal-error')
  if (line.textContent === L('lostBlocked') || line.textContent === L('code_network')) line.textContent = ''
}

/**
 * What was just done, in words (已开闸（救护车）, 已登记访客, 已完成任务：…), for 3 s over the device strip: the card, the
 * alarms, the connection state at the top and the buttons stay in view, and taps go through it. With a dialog open
 * it is the dialog's error line instead (a toast would sit over the dialog).
 * @param {string} text @param {boolean} [bad]
 */
export function toast(text, bad = false) {
  if (modalOpen()) return showError(text)
  const box = $('toast')
  box.textContent = text
  box.className = bad ? 'bad' : ''
  box.hidden = false
  placeToast()
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => (box.hidden = true), 3000)
}
/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer

/** Over the device strip, across it (its height changes with the screen, and it may wrap): one bar, not chips and a note mixed. */
function placeToast() {
  const box = $('toast')
  if (box.hidden) return
  const strip = $('devices').getBoundingClientRect()
  box.style.left = `${Math.round(strip.left + 4)}px`
  box.style.width = `${Math.round(strip.width - 8)}px`
  box.style.top = `${Math.round(strip.top + Math.max(0, strip.height - box.offsetHeight) / 2)}px`
}
window.addEventListener('resize', placeToast)
