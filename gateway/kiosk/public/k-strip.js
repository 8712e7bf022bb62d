// @ts-check
// The strip over an open dialog: the live result (word, temperature, reason, time, in the card's colours), the
// connection when it is down, and the open alarms (the front one's name and how many). Staff typing a visitor in
// still see a denial or a new fever the moment it happens; the dialog takes the screen below it.
import { $ } from './common.js'
import { alarmTitle, frontAlarm } from './k-alarms.js'
import { cardLook, cardWord, reasonText } from './k-card.js'
import { celsius, L, state, timeOf } from './k-state.js'

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
  alarm.textContent = a ? `⚠ ${alarmTitle(a)}${state.alarms.length > 1 ? ` ${L('alarmTotal', { n: state.alarms.length })}` : ''}` : ''
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
