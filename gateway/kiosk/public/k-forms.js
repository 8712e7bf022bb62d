// @ts-check
// The staff's forms: open the gate, a visitor, a vehicle, a typed temperature, the armpit check, a task done.
// Each dialog is a form beside the keypad of the focused field, sized to fit the 800x480 screen.
import { api, button, el } from './common.js'
import { cancelButton, choices, closeModal, field, num, openModal, showErrors, toast, value } from './k-dialogs.js'
import { padFor } from './k-keypads.js'
import { celsius, L, state, timeOf, W, whoText } from './k-state.js'
import { OVERRIDE_TEXT, PASS_KIND, TASK_AREA, TASK_KIND } from './i18n.js'

/** A pad host that shows the keypad of whichever field has the focus. */
function padHost() {
  const host = el('div', { className: 'pad-host' })
  /** @param {HTMLInputElement} input */
  const onFocus = (input) => {
    const p = padFor(input)
    // The host keeps its width (CSS) whichever pad it shows: nothing moves under a finger mid-tap.
    host.replaceChildren(...(p ? [p] : []))
  }
  return { host, onFocus }
}

/**
 * @param {string} title
 * @param {HTMLElement} form
 * @param {HTMLElement[]} buttons
 * @param {string} kind
 */
function formDialog(title, form, buttons, kind) {
  const { host, onFocus } = padHost()
  openModal(title, [form, host], buttons, { kind, onFocus })
}

/** @param {string} [selected] */
function directionChoice(selected = 'in') {
  return choices('direction', [['in', L('dirIn')], ['out', L('dirOut')]], selected, 'direction')
}

/**
 * @param {string} path
 * @param {() => Record<string, unknown>} collect
 * @param {string} [label]
 */
function submitButton(path, collect, label = L('confirm')) {
  const b = button(label, 'btn btn-green', async () => {
    const r = await api(path, collect())
    if (!r.ok) return showErrors(r)
    closeModal()
    toast(L('saved'))
  })
  b.dataset.submit = 'yes'
  return b
}

export function openDialog() {
  const reasons = /** @type {[string, string][]} */ ((state.info?.openReasons ?? []).map((r) => [r, W(OVERRIDE_TEXT, r)]))
  const form = el('div', { className: 'form one' }, choices('reason', reasons, null, 'openReason'), field('text', L('openText'), { max: 100 }), directionChoice())
  openModal(L('openTitle'), [form], [
    cancelButton(),
    submitButton('/api/kiosk/open', () => ({ reason: value('reason') || undefined, text: value('text') || undefined, direction: value('direction') })),
  ], { kind: 'open' })
}

export function visitorDialog() {
  const form = el(
    'div',
    { className: 'form two' },
    field('name', L('name'), { max: 32 }),
    field('phoneLast4', L('phone4'), { pad: 'digits', max: 4 }),
    field('hostUnit', L('hostUnit'), { pad: 'unit', max: 16 }),
    field('tempC', L('temp'), { pad: 'decimal', max: 4 }),
    directionChoice(),
  )
  formDialog(L('visitorTitle'), form, [
    cancelButton(),
    submitButton('/api/kiosk/visitor', () => ({
      name: value('name'),
      phoneLast4: value('phoneLast4'),
      hostUnit: value('hostUnit'),
      tempC: num(value('tempC')),
      direction: value('direction'),
    })),
  ], 'visitor')
}

export function vehicleDialog() {
  const form = el(
    'div',
    { className: 'form one' },
    field('plate', L('plate'), { pad: 'plate', max: 9 }),
    el('div', { className: 'row' }, field('occupants', L('occupants'), { pad: 'digits', max: 1, value: '1' }), field('tempC', L('driverTemp'), { pad: 'decimal', max: 4 })),
    directionChoice(),
  )
  formDialog(L('vehicleTitle'), form, [
    cancelButton(),
    submitButton('/api/kiosk/vehicle', () => ({ plate: value('plate'), occupants: num(value('occupants')), tempC: num(value('tempC')), direction: value('direction') })),
  ], 'vehicle')
}

export function typedTemperatureDialog() {
  const pending = state.pending
  const first = pending[0]
  if (!first) return
  const scanners = /** @type {[string, string][]} */ (pending.map((p) => [p.scanner, p.scanner]))
  const form = el('div', { className: 'form one' }, ...(pending.length > 1 ? [choices('scanner', scanners, first.scanner, 'manualTempAt')] : []), field('tempC', L('temp'), { pad: 'decimal', max: 4 }))
  formDialog(L('typeTemp'), form, [
    cancelButton(),
    submitButton('/api/kiosk/temperature', () => ({ scanner: value('scanner') || first.scanner, tempC: num(value('tempC')) })),
  ], 'temperature')
}

/** Whose fever, how high on the forehead, when: what staff check before they take the armpit reading. @param {import('./k-state.js').Fever} f */
const feverLine = (f) => [whoText(f), L('forehead', { t: celsius(f.tempC) }), timeOf(f.ts, true)].filter(Boolean).join(' · ')

/**
 * The fevers of the last 12 hours as one choice, newest first: every one of them (the list scrolls by touch), each
 * marked 住户 / 访客 and with its person, forehead reading and time; ✔ where an armpit check found it normal, ⚠ 腋温仍发热
 * where it was still a fever.
 * @param {import('./k-state.js').Fever[]} fevers
 */
function feverChoice(fevers) {
  const list = el('div', { className: 'choices fever-list' })
  list.dataset.field = 'entryId'
  list.dataset.value = fevers[0]?.entryId ?? ''
  for (const [i, f] of fevers.entries()) {
    const row = button('', `choice fever-row${i === 0 ? ' on' : ''}`, () => {
      list.dataset.value = f.entryId
      for (const c of list.children) c.classList.toggle('on', c === row)
    })
    row.dataset.value = f.entryId
    const mark = el('span', { className: `kind-mark ${f.passKind ?? ''}`, textContent: f.passKind ? W(PASS_KIND, f.passKind) : '–' })
    const rest = { ...f, passKind: null }
    // ✔ where the armpit check was normal; one still a fever is marked as a fever, not ticked off.
    const checked = f.secondary ? (f.secondaryFever ? ` ⚠ ${L('stillFeverWord')}` : ' ✔') : ''
    row.append(mark, el('span', { textContent: feverLine(rest) + checked }))
    list.append(row)
  }
  const wrap = el('div', { className: 'field' }, el('label', { textContent: L('secondaryPick') }), list, el('div', { className: 'err' }))
  wrap.dataset.for = 'entryId'
  return wrap
}

/**
 * The armpit check for one fever (from its alarm: whose it is, shown first) or for a fever picked from the last 12 hours.
 * @param {import('./k-state.js').Fever | null} fever
 */
export async function secondaryDialog(fever) {
  const chosen = fever?.entryId ?? null
  const form = el('div', { className: 'form one' })
  if (fever) form.append(el('div', { className: 'note who', id: 'secondary-who', textContent: feverLine(fever) }))
  else {
    const r = await api('/api/kiosk/fevers')
    /** @type {import('./k-state.js').Fever[]} */
    const fevers = r.ok ? r.data.fevers : []
    if (fevers.length === 0) form.append(el('div', { className: 'note', textContent: L('noFevers') }))
    else form.append(feverChoice(fevers))
  }
  form.append(field('tempC', L('armpit'), { pad: 'decimal', max: 4 }))
  formDialog(L('secondaryTitle'), form, [
    cancelButton(),
    submitButton('/api/kiosk/secondary', () => ({ entryId: value('entryId') || chosen, tempC: num(value('tempC')) })),
  ], 'secondary')
}

/** @param {import('./k-state.js').Task} task */
export function taskDoneDialog(task) {
  const what = `${W(TASK_KIND, task.kind)} · ${W(TASK_AREA, task.area)}`
  const form = el('div', { className: 'form one' }, el('div', { className: 'note', textContent: what }), field('note', L('note'), { max: 200 }))
  openModal(L('taskDone'), [form], [cancelButton(), submitButton(`/api/tasks/${encodeURIComponent(task.id)}/done`, () => ({ note: value('note') }))], { kind: 'task' })
}
