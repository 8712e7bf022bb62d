// @ts-check
// Who is acting: the PIN pad, "take over the shift?" when someone else is on duty, the handover and its summary.
import { $, api, button, el } from './common.js'
import { cancelButton, closeModal, errorText, field, openModal, showError, showErrors, toast, value } from './k-dialogs.js'
import { pinPad } from './k-keypads.js'
import { changed, L, state, timeOf } from './k-state.js'

/** Runs `then` with a staff session, asking for a PIN first when this screen has none. @param {() => void} then */
export function withStaff(then) {
  if (state.staff) then()
  else pinDialog(then)
}

export async function refreshSession() {
  const r = await api('/api/kiosk/session')
  if (!r.ok) return
  state.staff = r.data.staff ? { ...r.data.staff, onDuty: r.data.onDuty !== false } : null
  changed('actions')
}

/** @param {() => void} [then] */
export function pinDialog(then) {
  let pin = ''
  const display = el('div', { className: 'pin-display', id: 'pin-display' })
  const show = () => (display.textContent = '●'.repeat(pin.length) || ' ')
  show()
  const submit = async () => {
    if (pin.length < 4) return showError(L('pinShort'))
    const r = await api('/api/kiosk/login', { pin })
    pin = ''
    show()
    if (!r.ok) return showError(r.status === 401 ? L('pinWrong') : r.status === 403 ? L('noPins') : errorText(r))
    state.staff = { ...r.data.staff, onDuty: !r.data.onDuty }
    changed('actions')
    if (r.data.onDuty) return takeOverDialog(r.data.onDuty, r.data.summary, then)
    closeModal()
    toast(`${L('duty')}${r.data.staff.name}`)
    then?.()
  }
  const keys = pinPad((k) => {
    if (k === 'CLR') pin = ''
    else if (k === '⌫') pin = pin.slice(0, -1)
    else if (pin.length < 12) pin += k
    showError('')
    show()
  })
  const ok = button(L('confirm'), 'btn btn-green', submit)
  ok.id = 'pin-ok'
  const left = el('div', { className: 'pin-left' }, display)
  openModal(L('pinTitle'), [left, keys], [cancelButton(), ok], { kind: 'pin' })
}

/**
 * Someone typed a PIN while another person is on duty: take the shift over, help without taking it (不接班，仅临时操作),
 * or cancel (the screen gets back the session it had before the PIN).
 * @param {{ id: string, name: string }} onDuty
 * @param {Record<string, any>} summary
 * @param {() => void} [then]
 */
function takeOverDialog(onDuty, summary, then) {
  const text = el('div', { className: 'note', textContent: L('takeOverText', { name: onDuty.name }) })
  const yes = button(L('takeOverYes'), 'btn btn-green', async () => {
    const r = await api('/api/kiosk/takeover', {})
    if (!r.ok) return showErrors(r)
    if (state.staff) state.staff.onDuty = true
    changed('actions')
    closeModal()
    toast(`${L('duty')}${r.data.staff.name}`)
    then?.()
  })
  yes.id = 'takeover-yes'
  const no = button(L('takeOverNo'), 'btn', () => {
    closeModal()
    then?.()
  })
  no.id = 'takeover-no'
  const cancel = button(L('cancel'), 'btn btn-gray', async () => {
    const r = await api('/api/kiosk/login/cancel', {})
    if (!r.ok && r.status !== 401) return showErrors(r)
    state.staff = r.ok && r.data.staff ? { ...r.data.staff, onDuty: r.data.onDuty !== false } : null
    changed('actions')
    closeModal()
  })
  cancel.id = 'takeover-cancel'
  openModal(L('takeOverTitle'), [el('div', { className: 'form one' }, text, summaryList(summary, onDuty.name))], [cancel, no, yes], { kind: 'takeover' })
}

export function handoverDialog() {
  const helper = state.staff && !state.staff.onDuty
  const form = el('div', { className: 'form one' }, field('note', L('handoverNote'), { max: 200 }))
  const go = button(helper ? L('logout') : L('handoverConfirm'), 'btn btn-gray', async () => {
    const staff = state.staff
    const r = await api('/api/kiosk/handover', { note: value('note') })
    if (!r.ok) return showErrors(r)
    state.staff = null
    changed('actions')
    if (!r.data.summary) return closeModal()
    summaryDialog(r.data.summary, staff?.name ?? r.data.summary.staff)
  })
  go.dataset.submit = 'yes'
  openModal(helper ? L('logout') : L('handover'), [form], [cancelButton(), go], { kind: 'handover' })
}

/** @param {Record<string, any>} s @param {string} name */
function summaryList(s, name) {
  /** @param {string} k @param {unknown} v */
  const row = (k, v) => [el('dt', { textContent: L(k) }), el('dd', { textContent: String(v) })]
  return el(
    'dl',
    { className: 'summary', id: 'shift-summary' },
    ...row('shiftStaff', name),
    ...row('shiftFrom', `${timeOf(Date.parse(s.from), true)} – ${timeOf(Date.parse(s.to), true)}`),
    ...row('shiftEntries', s.entries),
    ...row('shiftFevers', s.fevers),
    ...row('shiftDenials', s.denials),
    ...row('shiftOverrides', s.overrides),
    ...row('shiftOpenTasks', s.openTasks),
    ...row('shiftOpenAlarms', s.openAlarms),
  )
}

/** @param {Record<string, any>} s @param {string} name */
function summaryDialog(s, name) {
  const close = button(L('close'), 'btn btn-gray', closeModal)
  close.id = 'summary-close'
  openModal(L('handoverTitle'), [el('div', { className: 'form one' }, summaryList(s, name))], [close, button(L('nextLogin'), 'btn', () => pinDialog())], { kind: 'summary' })
}

/** The buttons of the bottom bar: log in, or what a logged-in staff member can do. */
export function renderActions(/** @type {Record<string, () => void>} */ actions) {
  const nav = $('actions')
  if (!state.staff) {
    const b = button(L('login'), 'btn', () => pinDialog())
    b.id = 'login-btn'
    nav.replaceChildren(b)
  } else {
    const leave = button(state.staff.onDuty ? L('handover') : L('logout'), 'btn btn-gray', handoverDialog)
    leave.id = 'handover-btn'
    // The next person at this screen logs in here, not by borrowing the session of the one before.
    const next = button(L('switchStaff'), 'btn btn-outline', () => pinDialog())
    next.id = 'switch-btn'
    nav.replaceChildren(
      button(L('open'), 'btn btn-red', actions.open ?? (() => {})),
      button(L('visitor'), 'btn', actions.visitor ?? (() => {})),
      button(L('vehicle'), 'btn', actions.vehicle ?? (() => {})),
      button(L('secondary'), 'btn', actions.secondary ?? (() => {})),
      next,
      leave,
    )
  }
  // Helping without the shift is said on screen for as long as it lasts: whose name the actions carry.
  const mark = $('helper-mark')
  mark.hidden = !state.staff || state.staff.onDuty
  mark.textContent = state.staff && !state.staff.onDuty ? L('helperMark', { name: state.staff.name }) : ''
  // Only in the demo: say so, with its PINs and the way to the tech pages.
  const demo = state.info?.demo
  const box = $('demo-box')
  if (demo) {
    const pins = L('demoPins', { staff: demo.staffPin ?? '–', tech: demo.techPin ?? '–' })
    const words = el('div', { className: 'demo-words' }, el('b', { textContent: L('demo') }), el('span', { textContent: pins }))
    box.replaceChildren(el('div', { className: 'demo', id: 'demo' }, words, el('a', { href: '/tech', textContent: L('techLink'), className: 'demo-link' })))
  } else box.replaceChildren()
}
