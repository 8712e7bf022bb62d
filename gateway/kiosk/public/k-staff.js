// @ts-check
// Who is acting: the PIN pad, "take over the shift?" when someone else is on duty, a helper's 退出 (back to the person
// on duty, nothing handed over), the handover (the shift's summary first, then the note) and its summary.
import { $, api, button, el } from './common.js'
import { cancelButton, closeModal, errorText, field, modalOpen, openModal, showError, showErrors, toast, value } from './k-dialogs.js'
import { taskBy, taskWhat } from './k-side.js'
import { pinPad } from './k-keypads.js'
import { celsius, changed, L, state, timeOf } from './k-state.js'
import { gateAlarmCount, gateOpenItems } from './k-gate.js'

/** Runs `then` with a staff session, asking for a PIN first when this screen has none. @param {() => void} then */
export function withStaff(then) {
  if (state.staff) then()
  else pinDialog(then)
}

/**
 * What the server says of this screen's session, after each snapshot. `restarted`: the snapshot came from another
 * gateway process (k-live.js), so a session the screen had and the server no longer knows ended with a restart.
 * @param {boolean} [restarted]
 */
export async function refreshSession(restarted = false) {
  const had = state.staff
  const r = await api('/api/kiosk/session')
  if (!r.ok) return
  if (!r.data.staff && (had || state.sessionLost)) return sessionLost(restarted)
  state.staff = r.data.staff ? { ...r.data.staff, onDuty: r.data.onDuty !== false } : null
  changed('actions')
}

/**
 * The session this screen had is gone, not ended here (sessions.ts: a restart ends every session, the shift goes on in
 * the store; or it ended elsewhere): the screen says so in words, the shift staying as it is in the header, and an open
 * dialog offers the PIN right there and keeps what was typed (a bare 请先登录 left a form with no way on but 取消).
 * @param {boolean} restart
 */
export function sessionLost(restart) {
  if (state.staff) state.sessionLost = { name: state.staff.name, restart }
  else if (state.sessionLost && restart) state.sessionLost.restart = true
  state.staff = null
  changed('actions')
  if (state.sessionLost && modalOpen()) offerRelogin()
}

/** Dialogs that are a login, or need none: no 重新登录 in them. */
const NO_RELOGIN = ['pin', 'takeover', 'summary']

/** In the open dialog: why its action cannot be done now, and 重新登录 beside its buttons (once). */
function offerRelogin() {
  const lost = state.sessionLost
  const modal = $('modal')
  if (!lost || NO_RELOGIN.includes(modal.dataset.kind ?? '')) return
  showError(L(lost.restart ? 'sessionRestart' : 'sessionEnded'))
  // A step of the dialog (the surname picker) has its own buttons: the next tap on 确定 offers it again.
  if (modal.dataset.step || document.getElementById('relogin-btn')) return
  const row = $('modal-buttons')
  const b = button(L('relogin'), 'btn btn-amber', reloginStep)
  b.id = 'relogin-btn'
  row.insertBefore(b, row.lastElementChild)
}

/**
 * The PIN takes the dialog (its title, body and buttons) until it is accepted or 返回 is tapped; then the form is back
 * as it was, with what was typed, so that its 确定 can be tapped again.
 */
function reloginStep() {
  const modal = $('modal')
  const title = $('modal-title')
  const body = $('modal-body')
  const row = $('modal-buttons')
  const heading = title.textContent
  const form = [...body.children]
  const buttons = [...row.children]
  const line = $('modal-error').textContent ?? ''
  /** @param {string} said @param {boolean} done */
  const back = (said, done) => {
    title.textContent = heading
    body.replaceChildren(...form)
    row.replaceChildren(...buttons.filter((b) => !done || b.id !== 'relogin-btn'))
    modal.dataset.step = ''
    showError(said, done)
  }
  const { left, keys, ok } = pinParts((r) => back(L('relogged', { name: r.data.staff.name }), true))
  const goBack = button(L('goBack'), 'btn btn-gray', () => back(line, false))
  goBack.dataset.offline = 'ok'
  goBack.id = 'relogin-back'
  title.textContent = L('pinTitle')
  body.replaceChildren(left, keys)
  row.replaceChildren(goBack, ok)
  modal.dataset.step = 'pin'
  showError('')
}

/**
 * The PIN's display and pad, and its 确定 (#pin-ok): the PIN is sent, and once accepted the screen has the session and
 * `done` the server's answer.
 * @param {(r: import('./common.js').ApiResult) => void} done
 */
function pinParts(done) {
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
    state.sessionLost = null
    changed('actions')
    done(r)
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
  return { left: el('div', { className: 'pin-left' }, display), keys, ok }
}

/**
 * @param {() => void} [then]
 * @param {{ next?: boolean }} [opts] next: the next person at this screen (换人登录, 接班人登录) is asked for their PIN
 */
export function pinDialog(then, opts = {}) {
  const { left, keys, ok } = pinParts((r) => {
    if (r.data.onDuty) return takeOverDialog(r.data.staff, r.data.onDuty, r.data.summary, then)
    closeModal()
    toast(`${L('duty')}${r.data.staff.name}`)
    then?.()
  })
  openModal(L(opts.next ? 'pinTitleNext' : 'pinTitle'), [left, keys], [cancelButton(), ok], { kind: 'pin' })
}

/**
 * Someone typed a PIN while another person is on duty: take the shift over, help without taking it (临时帮忙（不接班）),
 * or cancel (the screen gets back the session it had before the PIN).
 * @param {{ id: string, name: string }} me
 * @param {{ id: string, name: string }} onDuty
 * @param {Record<string, any>} summary
 * @param {() => void} [then]
 */
function takeOverDialog(me, onDuty, summary, then) {
  const text = el('div', { className: 'note', textContent: L('takeOverText', { name: me.name, duty: onDuty.name }) })
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
    backTo(r)
    closeModal()
  })
  cancel.id = 'takeover-cancel'
  openModal(L('takeOverTitle'), [el('div', { className: 'form one' }, text, shiftView(summary, onDuty.name))], [cancel, no, yes], { kind: 'takeover' })
}

/** The screen back to the session the server gave back (the person on duty's), or to none. @param {import('./common.js').ApiResult} r */
function backTo(r) {
  state.staff = r.ok && r.data.staff ? { ...r.data.staff, onDuty: r.data.onDuty !== false } : null
  changed('actions')
}

/** A helper is done (退出): their session ends and the screen is the person on duty's again; no handover, no note. */
async function leaveHelping() {
  const me = state.staff
  const r = await api('/api/kiosk/logout', {})
  if (!r.ok && r.status !== 401) return toast(errorText(r), true)
  backTo(r)
  if (me) toast(L('helperLeft', { name: me.name }))
}

/**
 * 交班, in two steps: the shift's summary first (with a warning while alarms are still open), then the note; then the
 * summary as handed over, with the note and what is still open.
 */
export async function handoverDialog() {
  if (state.staff && !state.staff.onDuty) return leaveHelping()
  const r = await api('/api/kiosk/shift')
  if (!r.ok) return toast(errorText(r), true)
  const s = r.data.summary
  if (!s) return toast(L('noDuty'), true)
  const name = state.staff?.name ?? s.staff
  /** @type {HTMLElement[]} */
  const body = []
  const gateItems = gateOpenItems().length
  if (s.openAlarms + gateItems > 0) body.push(el('div', { className: 'warn', id: 'handover-warning', role: 'alert', textContent: L(gateItems > 0 ? 'handoverWarnGate' : 'handoverWarn', { n: s.openAlarms + gateItems }) }))
  body.push(shiftView(s, name))
  const next = button(L('handoverNext'), 'btn', () => noteStep(name))
  next.id = 'handover-next'
  openModal(L('handoverFirst'), [el('div', { className: 'form one' }, ...body)], [cancelButton(), next], { kind: 'handover' })
}

/** @param {string} name */
function noteStep(name) {
  const form = el('div', { className: 'form one' }, field('note', L('handoverNoteHint'), { max: 200 }))
  const back = button(L('goBack'), 'btn btn-gray', () => void handoverDialog())
  back.id = 'handover-back'
  const go = button(L('handoverConfirm'), 'btn btn-green', async () => {
    const r = await api('/api/kiosk/handover', { note: value('note') })
    if (!r.ok) return showErrors(r)
    state.staff = null
    changed('actions')
    if (!r.data.summary) return closeModal()
    summaryDialog(r.data.summary, name)
  })
  go.id = 'handover-confirm'
  go.dataset.submit = 'yes'
  openModal(L('handoverNote'), [form], [back, go], { kind: 'handover-note' })
}

/**
 * The shift's figures (the same counts as today's figures) and, beside them, what is still open.
 * @param {Record<string, any>} s @param {string} name
 */
function shiftView(s, name) {
  const open = openList(s)
  return el('div', { className: 'shift-view' }, summaryList(s, name), ...(open ? [open] : []))
}

/** @param {Record<string, any>} s @param {string} name */
function summaryList(s, name) {
  /** @param {string} k @param {unknown} v @param {string} [cls] */
  const row = (k, v, cls = '') => {
    const d = el('div', { className: `sum-row ${cls}`.trim() }, el('dt', { textContent: L(k) }), el('dd', { textContent: String(v) }))
    d.dataset.row = k
    return d
  }
  const by = s.manualBy ?? {}
  const parts = ['opens', 'registrations', 'temperatures', 'armpitChecks', 'acks', 'gate', 'tasksDone'].filter((k) => by[k] > 0).map((k) => L(`manual_${k}`, { n: by[k] }))
  return el(
    'dl',
    { className: 'summary', id: 'shift-summary' },
    row('shiftStaff', name),
    row('shiftFrom', `${timeOf(Date.parse(s.from), true)} – ${timeOf(Date.parse(s.to), true)}`),
    row('shiftEntries', L(s.notOpened > 0 ? 'shiftEntriesClosed' : 'shiftEntriesValue', { n: s.entries, a: s.admitted, d: s.denials, c: s.notOpened })),
    row('shiftFevers', s.fevers),
    row('shiftManual', parts.length > 0 ? `${s.manual}${L('paren', { x: parts.join(L('dot')) })}` : (s.manual ?? s.overrides)),
    // The door and enclosure alarms count too: the list beside says each.
    row('shiftOpenAlarms', s.openAlarms + gateAlarmCount(), s.openAlarms + gateAlarmCount() > 0 ? 'bad' : ''),
    row('shiftOpenTasks', s.overdueTasks > 0 ? `${s.openTasks}${L('paren', { x: L('overdueCount', { n: s.overdueTasks }) })}` : s.openTasks, s.overdueTasks > 0 ? 'bad' : ''),
    ...(s.note ? [row('handoverNote', s.note, 'note-row')] : []),
  )
}

/** What the next person must not miss: each open alarm and task, in a list that scrolls. @param {Record<string, any>} s */
function openList(s) {
  /** @type {HTMLElement[]} */
  const items = []
  // The gate first: a gate held closed or an alarm at the door is what the next person meets at once.
  for (const text of gateOpenItems()) items.push(el('li', { className: 'open-alarm open-gate', textContent: text }))
  for (const a of s.alarms ?? []) {
    const temp = a.secondaryC ?? a.tempC
    const what = [L(a.kind === 'fever' ? 'alarmFever' : 'alarmIsolation'), temp === null || temp === undefined ? '' : celsius(temp), timeOf(Date.parse(a.ts), true)].filter(Boolean).join(' · ')
    items.push(el('li', { className: 'open-alarm', textContent: `⚠ ${what}` }))
  }
  for (const t of s.tasks ?? []) {
    const when = L(t.status === 'overdue' ? 'taskOverdueBy' : 'taskDueBy', { t: taskBy(t) })
    items.push(el('li', { className: `open-task ${t.status}`, textContent: `${taskWhat(t)} · ${when}` }))
  }
  if (items.length === 0) return null
  return el('div', { className: 'open-box' }, el('div', { className: 'open-title', textContent: L('shiftStillOpen') }), el('ul', { className: 'open-list', id: 'shift-open' }, ...items))
}

/** @param {Record<string, any>} s @param {string} name */
function summaryDialog(s, name) {
  const close = button(L('close'), 'btn btn-gray', closeModal)
  close.id = 'summary-close'
  const next = button(L('nextLogin'), 'btn', () => pinDialog(undefined, { next: true }))
  next.id = 'next-login'
  openModal(L('handoverTitle'), [el('div', { className: 'form one' }, shiftView(s, name))], [close, next], { kind: 'summary' })
}

/** The buttons of the bottom bar: log in, or what a logged-in staff member can do. */
export function renderActions(/** @type {Record<string, () => void>} */ actions) {
  const nav = $('actions')
  const lost = state.staff ? null : state.sessionLost
  if (!state.staff) {
    const b = button(L(lost ? 'relogin' : 'login'), 'btn', () => pinDialog())
    b.id = 'login-btn'
    // The login ended without anyone ending it here: said beside the button, with whose and why.
    const note = lost ? [el('div', { id: 'relogin-note', className: 'relogin-note', textContent: L(lost.restart ? 'lostNoteRestart' : 'lostNoteEnded', { name: lost.name }) })] : []
    nav.replaceChildren(...note, b)
  } else {
    const leave = button(state.staff.onDuty ? L('handover') : L('logout'), 'btn btn-gray', () => void handoverDialog())
    leave.id = 'handover-btn'
    // The next person at this screen logs in here, not by borrowing the session of the one before.
    const next = button(L('switchStaff'), 'btn btn-outline', () => pinDialog(undefined, { next: true }))
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
  renderHelperMark()
  // Only in the demo (the server says so only when started without a config): say so, with the PINs it has and
  // the way to the tech pages. A PIN it does not have is left out, never shown as a dash.
  const demo = state.info?.demo
  const box = $('demo-box')
  if (demo) {
    const pins = [demo.staffPin && L('demoStaffPin', { pin: demo.staffPin }), demo.techPin && L('demoTechPin', { pin: demo.techPin })].filter(Boolean).join(' · ')
    const words = el('div', { className: 'demo-words' }, el('b', { textContent: L('demo') }), ...(pins ? [el('span', { textContent: pins })] : []))
    box.replaceChildren(el('div', { className: 'demo', id: 'demo' }, words, el('a', { href: '/tech', textContent: L('techLink'), className: 'demo-link' })))
  } else box.replaceChildren()
}

/** Helping without the shift is said on screen for as long as it lasts, with who is on duty: 李娜临时操作中 · 值班：张伟. */
export function renderHelperMark() {
  const mark = $('helper-mark')
  const helper = state.staff && !state.staff.onDuty ? state.staff : null
  mark.hidden = !helper
  mark.textContent = helper ? L('helperMark', { name: helper.name, duty: state.duty?.name ?? L('noDuty') }) : ''
  // The mark names who is on duty: the duty line beside it would say it twice.
  $('duty').hidden = helper !== null
  // The session gone (the shift stays in the header as it is): 请重新登录 beside it.
  const relogin = $('relogin-mark')
  relogin.hidden = state.staff !== null || state.sessionLost === null
  relogin.textContent = L('reloginMark')
}
$('relogin-mark').addEventListener('click', () => pinDialog())
