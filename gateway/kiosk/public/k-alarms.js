// @ts-check
// Open alarms (fever, isolation breach) as one stack beside the result card: the gate goes on while they wait,
// the next results, the connection banner and overdue tasks stay in view. One is at the front, with a count;
// each is acknowledged with what was done about it (one alarm, or all of a kind at once). The same person alarming
// again joins their alarm (the server does it): one alarm with how many times and the latest reading.
import { $, api, button, el } from './common.js'
import { OUTCOME_TEXT } from './i18n.js'
import { cancelButton, choices, closeModal, field, openModal, showError, showErrors, toast, value } from './k-dialogs.js'
import { siren } from './k-sound.js'
import { celsius, changed, L, state, timeOf, W, whoText } from './k-state.js'
import { secondaryDialog } from './k-forms.js'
import { withStaff } from './k-staff.js'

/** Outcomes offered per kind (gateway/kiosk/shift.ts ACK_OUTCOMES). */
const OUTCOMES = {
  fever: ['observation_point', 'doctor_contacted', 'called_120', 'false_alarm'],
  isolation_breach: ['sent_back', 'grid_worker_told', 'false_alarm'],
}

/**
 * The stack newest first; a new alarm comes to the front (1/n), so a second fever is never hidden behind the first
 * one being dealt with, and so does one the same person raised again (a new reading). Otherwise the front stays where
 * staff put it (下一个).
 * @param {import('./k-state.js').Alarm[]} list
 */
export function setAlarms(list) {
  const before = new Map(state.alarms.map((a) => [a.entryId, a.count ?? 1]))
  state.alarms = [...list].sort((a, b) => b.ts - a.ts)
  const fresh = state.alarms.find((a) => (before.get(a.entryId) ?? 0) < (a.count ?? 1))
  if (fresh || !state.alarms.some((a) => a.entryId === state.alarmFront)) state.alarmFront = (fresh ?? state.alarms[0])?.entryId ?? ''
  changed('alarms')
}

/** The alarm's name on screen (发热报警, 居家隔离人员外出报警). @param {import('./k-state.js').Alarm} a */
export const alarmTitle = (a) => L(a.kind === 'fever' ? 'alarmFever' : 'alarmIsolation')

export const frontAlarm = () => state.alarms.find((a) => a.entryId === state.alarmFront) ?? state.alarms[0] ?? null

export function renderAlarms() {
  const box = $('alarm')
  const a = frontAlarm()
  document.body.dataset.alarm = a ? 'yes' : 'no'
  if (!a) {
    box.hidden = true
    box.dataset.entryId = ''
    siren(false)
    return
  }
  box.hidden = false
  box.dataset.entryId = a.entryId
  box.dataset.kind = a.kind
  box.dataset.count = String(state.alarms.length)
  const fever = a.kind === 'fever'
  const i = state.alarms.indexOf(a) + 1
  $('alarm-count').textContent = state.alarms.length > 1 ? L('alarmCount', { i, n: state.alarms.length }) : ''
  $('alarm-next').hidden = state.alarms.length < 2
  $('alarm-next').textContent = `${L('alarmNext')} ▶`
  $('alarm-title').textContent = `⚠ ${alarmTitle(a)}`
  $('alarm-temp').textContent = celsius(a.tempC)
  keepParts($('alarm-who'), [whenText(a), L(a.direction), ...whoText(a).split(' · ')])
  // An armpit check that was still a fever: the next step, not "take the armpit temperature" again.
  $('alarm-help').textContent = a.secondaryC !== null ? L('alarmStillFever', { t: celsius(a.secondaryC) }) : L(fever ? 'alarmFeverHelp' : 'alarmIsolationHelp')
  box.classList.toggle('confirmed', a.secondaryC !== null)
  $('alarm-ack').textContent = L('acknowledge')
  const sameKind = state.alarms.filter((x) => x.kind === a.kind).length
  $('alarm-ack-all').hidden = sameKind < 2
  $('alarm-ack-all').textContent = L('ackAll', { n: sameKind })
  $('alarm-secondary').textContent = L('secondary')
  $('alarm-secondary').hidden = !fever || a.secondaryC !== null
  siren(true)
}

/** When: the time, or for an alarm raised again by the same person how many times and the latest (共 2 次 · 最近 10:32). */
const whenText = (/** @type {import('./k-state.js').Alarm} */ a) =>
  (a.count ?? 1) > 1 ? L('alarmTimes', { n: a.count, time: timeOf(a.lastTs ?? a.ts, true) }) : timeOf(a.ts, true)

/**
 * Fills a line with parts joined by " · ", each kept on one line (a holder id or a reading never breaks in two).
 * @param {HTMLElement} box @param {string[]} parts
 */
function keepParts(box, parts) {
  box.replaceChildren()
  for (const [i, p] of parts.filter(Boolean).entries()) box.append(...(i > 0 ? [' · '] : []), el('span', { className: 'keep', textContent: p }))
}

/** A fever the armpit check confirmed (still a fever): it is not waved through as a false alarm. */
const confirmed = (/** @type {import('./k-state.js').Alarm} */ a) => a.kind === 'fever' && a.secondaryC !== null

/** Puts a message under a field of the open dialog. @param {string} name @param {string} text */
function fieldError(name, text) {
  const f = document.querySelector(`#modal-body [data-field="${name}"]`)?.closest('.field')
  f?.classList.toggle('bad', text !== '')
  const err = f?.querySelector('.err')
  if (err) err.textContent = text
}

/**
 * Asks what was done, then acknowledges one alarm or every open one of its kind. Whose alarm it is comes first, with
 * the forehead and, when taken, the armpit reading. 误报 is not a plain choice: it needs a note saying why (the server
 * refuses it without one too), and after an armpit check that confirmed the fever a second tap to confirm. A reason
 * typed for 误报 is its own: switching to another outcome puts it away (the note is what it was for that outcome,
 * empty at first), switching back brings it back; it is never sent as another outcome's note.
 * @param {import('./k-state.js').Alarm} a
 * @param {boolean} all
 */
function ackDialog(a, all) {
  const group = all ? state.alarms.filter((x) => x.kind === a.kind) : [a]
  const sure = group.find(confirmed)
  const opts = /** @type {[string, string][]} */ (OUTCOMES[a.kind].map((o) => [o, o === 'false_alarm' ? L('falseAlarmNeedsNote') : W(OUTCOME_TEXT, o)]))
  const temps = [a.tempC === null ? '' : L('forehead', { t: celsius(a.tempC) }), a.secondaryC === null ? '' : L('armpitAt', { t: celsius(a.secondaryC) })]
  const parts = [alarmTitle(a), ...(all ? [L('ackAll', { n: group.length })] : [whenText(a), whoText(a), ...temps])].filter(Boolean)
  const what = el('div', { className: 'note', id: 'ack-what' })
  keepParts(what, parts)
  const outcomes = choices('outcome', opts, null, 'ackOutcome')
  const note = field('note', L('ackNote'), { max: 200 })
  const noteLabel = /** @type {HTMLElement} */ (note.querySelector('label'))
  const form = el('div', { className: 'form one' }, what, outcomes, note)
  const noteInput = /** @type {HTMLInputElement} */ (note.querySelector('input'))
  /** Whether this acknowledgement is a false alarm (a note needed; on a confirmed fever a second tap too). */
  const needsNote = () => value('outcome') === 'false_alarm'
  const noteMissing = () => L(sure ? 'noteRequiredConfirmed' : 'code_note_required')
  /** The note as typed for 误报 and for the other outcomes, each kept while the other is chosen. */
  const notes = { false_alarm: '', other: '' }
  let noteFor = /** @type {'false_alarm' | 'other'} */ ('other')
  let armed = false
  const disarm = () => {
    armed = false
    ok.textContent = L('confirm')
    ok.className = 'btn btn-green'
    showError('')
  }
  outcomes.addEventListener('click', () => {
    const now = needsNote() ? 'false_alarm' : 'other'
    if (now !== noteFor) {
      notes[noteFor] = noteInput.value
      noteInput.value = notes[now]
      noteFor = now
    }
    noteLabel.textContent = needsNote() ? L('ackNoteRequired') : L('ackNote')
    fieldError('note', '')
    disarm()
  })
  const ok = button(L('confirm'), 'btn btn-green', async () => {
    const outcome = value('outcome')
    if (!outcome) return showErrors({ ok: false, status: 400, data: { error: 'invalid', fields: { outcome: '' } } })
    const text = value('note') || undefined
    if (needsNote()) {
      if (!text) return fieldError('note', noteMissing())
      fieldError('note', '')
      if (sure && !armed) {
        armed = true
        ok.textContent = L('falseAlarmConfirm')
        ok.className = 'btn btn-red'
        return showError(L('falseAlarmSure', { t: celsius(sure?.secondaryC ?? null) }))
      }
    }
    const r = await api('/api/kiosk/ack', all ? { kind: a.kind, outcome, note: text } : { entryId: a.entryId, outcome, note: text })
    if (!r.ok && r.data.error === 'note_required') {
      disarm()
      return fieldError('note', noteMissing())
    }
    if (!r.ok && r.data.error !== 'no_alarm') return showErrors(r)
    closeModal()
    toast(`${L('saved')}${L('colon')}${W(OUTCOME_TEXT, outcome)}`)
  })
  ok.id = 'ack-ok'
  ok.dataset.submit = 'yes'
  openModal(L('ackTitle'), [form], [cancelButton(), ok], { kind: 'ack' })
}

export function wireAlarms() {
  $('alarm-ack').addEventListener('click', () => {
    const a = frontAlarm()
    if (a) withStaff(() => ackDialog(a, false))
  })
  $('alarm-ack-all').addEventListener('click', () => {
    const a = frontAlarm()
    if (a) withStaff(() => ackDialog(a, true))
  })
  $('alarm-secondary').addEventListener('click', () => {
    const a = frontAlarm()
    withStaff(() => void secondaryDialog(a))
  })
  $('alarm-next').addEventListener('click', () => {
    const i = state.alarms.findIndex((a) => a.entryId === state.alarmFront)
    state.alarmFront = state.alarms[(i + 1) % state.alarms.length]?.entryId ?? ''
    changed('alarms')
  })
}
