// @ts-check
// The dialog frame and its parts: a title, a body that fits the screen, one reserved error line, the buttons.
// Everything behind an open dialog is inert (no tap reaches it). Field errors from the server are shown in the
// staff's language next to their field: the server's words are for logs, the codes are for screens.
import { $, button, el } from './common.js'
import { changed, L, state } from './k-state.js'

/** The input the on-screen keypads type into. @type {HTMLInputElement | null} */
export let activeInput = null
/** @type {((input: HTMLInputElement) => void) | null} */
let onFocusInput = null

/**
 * @param {string} title
 * @param {HTMLElement[]} body
 * @param {HTMLElement[]} buttons
 * @param {{ kind?: string, onFocus?: (input: HTMLInputElement) => void }} [opts]
 */
export function openModal(title, body, buttons, opts = {}) {
  $('modal-title').textContent = title
  $('modal-body').replaceChildren(...body)
  $('modal-error').textContent = ''
  $('modal-buttons').replaceChildren(...buttons)
  $('modal').hidden = false
  $('modal').dataset.kind = opts.kind ?? ''
  document.body.dataset.modal = 'yes'
  for (const id of ['top', 'main', 'bottom']) $(id).inert = true
  onFocusInput = opts.onFocus ?? null
  const first = /** @type {HTMLInputElement | null} */ ($('modal-body').querySelector('input'))
  if (first) focusInput(first)
  else activeInput = null
  changed('modal')
}

export function closeModal() {
  $('modal').hidden = true
  $('modal').dataset.kind = ''
  document.body.dataset.modal = 'no'
  $('modal-body').replaceChildren()
  for (const id of ['top', 'main', 'bottom']) $(id).inert = false
  activeInput = null
  onFocusInput = null
}

export const modalOpen = () => !$('modal').hidden

/** @param {HTMLInputElement} input */
export function focusInput(input) {
  activeInput = input
  for (const f of $('modal-body').querySelectorAll('.field')) f.classList.toggle('active', f.contains(input))
  onFocusInput?.(input)
}

export function cancelButton() {
  return button(L('cancel'), 'btn btn-gray', closeModal)
}

/**
 * A labelled input, typed on the page's own keypads (a Pi touchscreen has no keyboard): `pad` names the keypad.
 * The system keyboard is kept away (inputmode none) where a keypad does the typing.
 * @param {string} name
 * @param {string} label
 * @param {{ value?: string, max?: number, pad?: 'digits' | 'decimal' | 'unit' | 'plate' | null }} [opts]
 */
export function field(name, label, opts = {}) {
  const input = el('input', { name, type: 'text', autocomplete: 'off', value: opts.value ?? '' })
  if (opts.pad) {
    input.inputMode = 'none'
    input.dataset.pad = opts.pad
  }
  if (opts.max) input.maxLength = opts.max
  input.addEventListener('focus', () => focusInput(input))
  const wrap = el('div', { className: 'field' }, el('label', { textContent: label }), input, el('div', { className: 'err' }))
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
  const body = $('modal-body')
  for (const f of body.querySelectorAll('.field')) f.classList.remove('bad')
  for (const e of body.querySelectorAll('.err')) e.textContent = ''
  /** @type {Record<string, string>} */
  const fields = r.data.fields ?? {}
  const loose = []
  for (const [name, msg] of Object.entries(fields)) {
    const f = body.querySelector(`[data-field="${name}"]`)
    const wrap = f?.closest('.field')
    const err = wrap?.querySelector('.err')
    if (wrap && err) {
      wrap.classList.add('bad')
      err.textContent = fieldText(name, msg)
    } else loose.push(fieldText(name, msg))
  }
  $('modal-error').textContent = loose.length > 0 ? loose.join(L('list')) : Object.keys(fields).length > 0 ? '' : errorText(r)
}

/** @param {string} text */
export function showError(text) {
  $('modal-error').textContent = text
}

/** @param {string} text @param {boolean} [bad] */
export function toast(text, bad = false) {
  const box = $('toast')
  box.textContent = text
  box.className = bad ? 'bad' : ''
  box.hidden = false
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => (box.hidden = true), 3000)
}
/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer
