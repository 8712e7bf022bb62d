// @ts-check
// The strip over an open dialog: the live result (word, temperature, reason, time, in the card's colours), the
// connection when it is down, and the open alarms (the front one's name, its temperature and how many). Staff typing
// a visitor in still see a denial or a new fever the moment it happens; the dialog takes the screen below it. A tap on
// the alarm closes the dialog and brings that alarm to the front of the stack; when something was typed in the
// dialog, the first tap asks (再点一次) so that a stray finger does not throw a form away.
import { $ } from './common.js'
import { alarmTitle, frontAlarm } from './k-alarms.js'
import { cardLook, cardWord, reasonText } from './k-card.js'
import { closeModal } from './k-dialogs.js'
import { celsius, changed, L, state, timeOf } from './k-state.js'

const ASK_MS = 4000
/** Whether something was typed or chosen in the open dialog (reset when a dialog opens). */
let touched = false
/** Until when (performance.now()) a second tap on the alarm leaves the dialog. */
let askedUntil = 0
/** @type {ReturnType<typeof setTimeout> | undefined} */
let askTimer

export function renderStrip() {
  const c = state.card
  const waiting = state.pending.length > 0 ? L('waitTemp') : state.prompt ? L(state.prompt.kind) : null
  // With the card back at "please scan", the last result, greyed: what happened a moment ago while typing.
  const last = !c && !waiting ? (state.history[0] ?? null) : null
  const shown = c ?? last
  const box = $('strip-result')
  box.dataset.look = c ? cardLook(c) : waiting ? 'measuring' : 'idle'
  $('strip-word').textContent = shown ? `${last ? `${L('recent')} ` : ''}${cardWord(shown)}` : (waiting ?? L('idle'))
  $('strip-temp').textContent = shown ? celsius(shown.tempC) : ''
  $('strip-reason').textContent = shown ? reasonText(shown) : ''
  $('strip-time').textContent = shown ? timeOf(shown.ts) : ''
  const conn = $('strip-conn')
  conn.hidden = state.connected
  conn.textContent = `⚠ ${L('disconnected')}`
  const a = frontAlarm()
  const alarm = $('strip-alarm')
  alarm.hidden = !a
  alarm.dataset.count = String(state.alarms.length)
  alarm.dataset.entryId = a?.entryId ?? ''
  const asking = performance.now() < askedUntil
  alarm.dataset.asking = asking ? 'yes' : ''
  const total = state.alarms.length > 1 ? ` ${L('alarmTotal', { n: state.alarms.length })}` : ''
  alarm.textContent = !a ? '' : asking ? L('stripLeave') : `⚠ ${alarmTitle(a)}${a.tempC === null ? '' : ` ${celsius(a.tempC)}`}${total}`
  fitStrip()
}

/** The reason, then the time, give way when the strip is too narrow for them: never a clipped word. */
export function fitStrip() {
  if ($('modal').hidden) return
  const box = $('strip-result')
  const parts = [$('strip-reason'), $('strip-time')]
  for (const p of parts) p.hidden = p.textContent === ''
  for (const p of parts) {
    if (box.scrollWidth <= box.clientWidth + 0.5) return
    p.hidden = true
  }
}

/** The alarm in the strip, tapped: the dialog gives way to the stack, with that alarm at its front. */
function toAlarm() {
  const id = $('strip-alarm').dataset.entryId ?? ''
  if (!id) return
  if (touched && performance.now() >= askedUntil) {
    askedUntil = performance.now() + ASK_MS
    clearTimeout(askTimer)
    askTimer = setTimeout(renderStrip, ASK_MS)
    return renderStrip()
  }
  askedUntil = 0
  clearTimeout(askTimer)
  closeModal()
  state.alarmFront = id
  changed('alarms', 'modal')
}

export function wireStrip() {
  $('strip-alarm').addEventListener('click', toAlarm)
  const body = $('modal-body')
  // Typing (keypads send input events too) or a choice: the form holds something of the staff's.
  for (const ev of ['input', 'click']) body.addEventListener(ev, (e) => {
    if (ev === 'input' || /** @type {HTMLElement} */ (e.target).closest('.choice')) touched = true
  }, true)
  // A new dialog starts untouched.
  new MutationObserver(() => {
    touched = false
    askedUntil = 0
  }).observe(body, { childList: true })
}
