// @ts-check
// Open alarms (fever, isolation breach) as one stack beside the result card: the gate goes on while they wait,
// the next results, the connection banner and overdue tasks stay in view. One is at the front, with a count;
// each is acknowledged with what was done about it (one alarm, or all of a kind at once).
import { $, api, button, el } from './common.js'
import { OUTCOME_TEXT } from './i18n.js'
import { cancelButton, choices, closeModal, field, openModal, showErrors, toast, value } from './k-dialogs.js'
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
 * one being dealt with. Otherwise the front stays where staff put it (下一个).
 * @param {import('./k-state.js').Alarm[]} list
 */
export function setAlarms(list) {
  const before = new Set(state.alarms.map((a) => a.entryId))
  state.alarms = [...list].sort((a, b) => b.ts - a.ts)
  const fresh = state.alarms.find((a) => !before.has(a.entryId))
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
  $('alarm-who').textContent = [timeOf(a.ts, true), L(a.direction), whoText(a)].filter(Boolean).join(' · ')
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

/**
 * Asks what was done, then acknowledges one alarm or every open one of its kind.
 * @param {import('./k-state.js').Alarm} a
 * @param {boolean} all
 */
function ackDialog(a, all) {
  const opts = /** @type {[string, string][]} */ (OUTCOMES[a.kind].map((o) => [o, W(OUTCOME_TEXT, o)]))
  const one = [timeOf(a.ts, true), whoText(a), celsius(a.tempC)].filter(Boolean).join(' · ')
  const what = `${alarmTitle(a)} · ${all ? L('ackAll', { n: state.alarms.filter((x) => x.kind === a.kind).length }) : one}`
  const form = el('div', { className: 'form one' }, el('div', { className: 'note', textContent: what }), choices('outcome', opts, null, 'ackOutcome'), field('note', L('ackNote'), { max: 200 }))
  const ok = button(L('confirm'), 'btn btn-green', async () => {
    const outcome = value('outcome')
    if (!outcome) return showErrors({ ok: false, status: 400, data: { error: 'invalid', fields: { outcome: '' } } })
    const note = value('note') || undefined
    const r = await api('/api/kiosk/ack', all ? { kind: a.kind, outcome, note } : { entryId: a.entryId, outcome, note })
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
