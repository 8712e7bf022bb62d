// @ts-check
// The staff's forms: open the gate, a visitor, a vehicle, a typed temperature, the armpit check, a task done.
// Each dialog is a form beside the keypad of the field being typed, sized to fit the 800x480 screen. Every field is
// checked at once before anything is sent (k-checks.js, which the server checks again), each error goes as soon as
// its field is right, and what was done is said in words when it is done.
import { $, api, button, el } from './common.js'
import { HOST_UNIT, nameOk, normalPlate, OCCUPANTS, PHONE_LAST4, PLATE, temperatureProblem } from './k-checks.js'
import { cancelButton, choices, closeModal, field, num, openModal, problemsNow, showError, showErrors, showProblems, targetInput, toast, value } from './k-dialogs.js'
import { padFor, surnamePicker } from './k-keypads.js'
import { celsius, L, state, timeOf, W, whoText } from './k-state.js'
import { gateState } from './k-gate.js'
import { OVERRIDE_TEXT, PASS_KIND, REASON_TEXT, TASK_AREA, TASK_KIND } from './i18n.js'

/** A pad host that shows the keypad of the field being typed; the surname field opens its picker instead. */
function padHost() {
  const host = el('div', { className: 'pad-host' })
  /** @param {HTMLInputElement} input @param {HTMLInputElement | null} previous */
  const onFocus = (input, previous) => {
    if (input.dataset.pad === 'surname') return surnameStep(input, previous, host)
    const p = padFor(input)
    // The host keeps its width (CSS) whichever pad it shows: nothing moves under a finger mid-tap.
    host.replaceChildren(...(p ? [p] : []))
  }
  return { host, onFocus }
}

/**
 * The surname picker takes the dialog (its body and its button row) until a surname is picked or 返回 is tapped;
 * then the form is back as it was, the surname in its field, the keypad on the field it was on before (none if none).
 * @param {HTMLInputElement} input
 * @param {HTMLInputElement | null} before
 * @param {HTMLElement} host
 */
function surnameStep(input, before, host) {
  const body = $('modal-body')
  const row = $('modal-buttons')
  const form = [...body.children]
  const buttons = [...row.children]
  input.blur()
  const back = () => {
    body.replaceChildren(...form)
    row.replaceChildren(...buttons)
    $('modal').dataset.step = ''
    for (const f of body.querySelectorAll('.field')) f.classList.remove('active')
    if (before && before !== input) targetInput(before)
    else host.replaceChildren()
  }
  const { box, views } = surnamePicker((surname) => {
    input.value = surname
    back()
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
  const label = el('div', { className: 'picker-label', textContent: L('name') })
  const done = button(L('pickerBack'), 'btn btn-gray', back)
  done.dataset.offline = 'ok'
  done.id = 'surname-back'
  body.replaceChildren(el('div', { className: 'picker' }, label, box))
  row.replaceChildren(...views, done)
  $('modal').dataset.step = 'surname'
}

/**
 * @param {string} title
 * @param {HTMLElement} form
 * @param {HTMLElement[]} buttons
 * @param {string} kind
 * @param {import('./k-dialogs.js').Checks} [checks]
 */
function formDialog(title, form, buttons, kind, checks = {}) {
  const { host, onFocus } = padHost()
  openModal(title, [form, host], buttons, { kind, onFocus, checks })
}

/** @param {string} [selected] */
function directionChoice(selected = 'in') {
  return choices('direction', [['in', L('dirIn')], ['out', L('dirOut')]], selected, 'direction')
}

/** The typed temperature's check: needed going in (or always), inside rules.validRangeC. @param {boolean} always */
const tempCheck = (always) => () => {
  const typed = value('tempC') ?? ''
  const range = state.info?.validRangeC ?? [34, 42.5]
  const problem = temperatureProblem(typed === '' ? null : Number(typed), always || value('direction') !== 'out', range)
  if (problem === 'needed') return L(always ? 'err_tempC' : 'err_tempIn')
  if (problem === 'number') return L('err_tempC')
  if (problem === 'range') return L('err_tempRange', { lo: range[0], hi: range[1] })
  return null
}

/**
 * What a decision the staff asked for did, for the toast: the gate opened (or, admitted, did not), or refused and why.
 * @param {Record<string, any>} d the server's answer: decision, reasons, gateFailed
 * @returns {{ text: string, bad: boolean }}
 */
function outcome(d) {
  if (d.decision === 'deny') return { text: `${L('deny')}${L('colon')}${(d.reasons ?? []).map((/** @type {string} */ r) => W(REASON_TEXT, r)).join(L('list'))}`, bad: true }
  if (d.gateFailed) return { text: L('gateFailed'), bad: true }
  if (d.gateClosed) return { text: W(REASON_TEXT, 'gate_closed'), bad: true }
  return { text: '', bad: false }
}

/**
 * @param {string} path
 * @param {() => Record<string, unknown>} collect
 * @param {(answer: Record<string, any>, sent: Record<string, unknown>) => { text: string, bad?: boolean }} done what to say once done
 * @param {string} [label]
 */
function submitButton(path, collect, done, label = L('confirm')) {
  const b = button(label, 'btn btn-green', async () => {
    // Every field's error in one go, before anything is sent.
    const problems = problemsNow()
    if (Object.keys(problems).length > 0) return showProblems(problems)
    const sent = collect()
    const r = await api(path, sent)
    if (!r.ok) return showErrors(r)
    closeModal()
    const said = done(r.data, sent)
    toast(said.text, said.bad ?? false)
  })
  b.dataset.submit = 'yes'
  return b
}

/**
 * What a registration did, for its toast: 已登记访客 (and 闸门未打开 or 禁止通行 when so).
 * @param {string} what
 * @param {Record<string, any>} d
 */
function registered(what, d) {
  const o = outcome(d)
  return { text: o.text ? `${what}${L('list')}${o.text}` : what, bad: o.bad }
}

/** @param {'in' | 'out'} [direction] the way preselected (an exit-button press in remain-closed: out) */
export function openDialog(direction = 'in') {
  const reasons = /** @type {[string, string][]} */ ((state.info?.openReasons ?? []).map((r) => [r, W(OVERRIDE_TEXT, r)]))
  const g = gateState()
  // Held closed (and no fire hold): say before 确定 that this opens it once and the mode stays.
  const closed = g?.mode === 'remain-closed' && !g.fire.active && !g.fire.latched
  const note = closed ? [el('div', { className: 'note sure', id: 'open-closed-note', textContent: L('openClosedNote') })] : []
  const form = el('div', { className: 'form one' }, ...note, choices('reason', reasons, null, 'openReason'), field('text', L('openText'), { max: 100 }), directionChoice(direction))
  const checks = {
    reason: () => (value('reason') ? null : L('err_reason')),
    text: () => (value('reason') === 'other' && !value('text') ? L('err_text') : null),
  }
  openModal(L('openTitle'), [form], [
    cancelButton(),
    submitButton(
      '/api/kiosk/open',
      () => ({ reason: value('reason') || undefined, text: value('text') || undefined, direction: value('direction') }),
      (d, sent) => {
        const why = W(OVERRIDE_TEXT, String(sent.reason))
        // The gate did not move: the staff must open it by hand (the card and the banner say so too).
        if (d.gateFailed) return { text: L('toastNotOpened', { why }), bad: true }
        if (d.gateClosed) return { text: W(REASON_TEXT, 'gate_closed'), bad: true }
        return { text: L('toastOpened', { why }) }
      },
    ),
  ], { kind: 'open', checks })
}

export function visitorDialog() {
  const form = el(
    'div',
    { className: 'form two' },
    // Across the form: its label and error say what is kept.
    field('name', L('name'), { pad: 'surname', max: 32, hint: L('surnameHint'), wide: true }),
    field('phoneLast4', L('phone4'), { pad: 'digits', max: 4 }),
    field('hostUnit', L('hostUnit'), { pad: 'unit', max: 16 }),
    field('tempC', L('temp'), { pad: 'decimal', max: 4 }),
    directionChoice(),
  )
  const checks = {
    name: () => (nameOk(value('name') ?? '') ? null : L('err_name')),
    phoneLast4: () => (PHONE_LAST4.test(value('phoneLast4') ?? '') ? null : L('err_phoneLast4')),
    hostUnit: () => (HOST_UNIT.test(value('hostUnit') ?? '') ? null : L('err_hostUnit')),
    tempC: tempCheck(false),
  }
  formDialog(L('visitorTitle'), form, [
    cancelButton(),
    submitButton(
      '/api/kiosk/visitor',
      () => ({
        name: value('name'),
        phoneLast4: value('phoneLast4'),
        hostUnit: value('hostUnit'),
        tempC: num(value('tempC')),
        direction: value('direction'),
      }),
      (d) => registered(L('toastVisitor'), d),
    ),
  ], 'visitor', checks)
}

export function vehicleDialog() {
  const form = el(
    'div',
    { className: 'form one' },
    field('plate', L('plate'), { pad: 'plate', max: 9 }),
    el('div', { className: 'row' }, field('occupants', L('occupants'), { pad: 'digits', max: 1, value: '1' }), field('tempC', L('driverTemp'), { pad: 'decimal', max: 4 })),
    directionChoice(),
  )
  const checks = {
    plate: () => (PLATE.test(normalPlate(value('plate') ?? '')) ? null : L('err_plate')),
    occupants: () => {
      const n = Number(value('occupants') || NaN)
      return Number.isInteger(n) && n >= OCCUPANTS.min && n <= OCCUPANTS.max ? null : L('err_occupants')
    },
    tempC: tempCheck(false),
  }
  formDialog(L('vehicleTitle'), form, [
    cancelButton(),
    submitButton(
      '/api/kiosk/vehicle',
      () => ({ plate: value('plate'), occupants: num(value('occupants')), tempC: num(value('tempC')), direction: value('direction') }),
      (d, sent) => registered(L('toastVehicle', { plate: normalPlate(String(sent.plate ?? '')) }), d),
    ),
  ], 'vehicle', checks)
}

export function typedTemperatureDialog() {
  const pending = state.pending
  const first = pending[0]
  if (!first) return
  const scanners = /** @type {[string, string][]} */ (pending.map((p) => [p.scanner, p.scanner]))
  const form = el('div', { className: 'form one' }, ...(pending.length > 1 ? [choices('scanner', scanners, first.scanner, 'manualTempAt')] : []), field('tempC', L('temp'), { pad: 'decimal', max: 4 }))
  formDialog(L('typeTemp'), form, [
    cancelButton(),
    submitButton(
      '/api/kiosk/temperature',
      () => ({ scanner: value('scanner') || first.scanner, tempC: num(value('tempC')) }),
      // The decision follows on the live feed, as a scan's does.
      (_d, sent) => ({ text: L('toastTemp', { t: celsius(Number(sent.tempC)) }) }),
    ),
  ], 'temperature', { tempC: tempCheck(true) })
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
      list.dispatchEvent(new Event('input', { bubbles: true }))
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
 * A normal reading for a person whose armpit check had already confirmed the fever (the server says so:
 * confirm_required) does not let them in at once: the dialog keeps to that fever (whose it is, in place of the list),
 * asks 此人腋温曾确认 38.1 °C 仍发热，确定放行？, wants the reason (原因（必填）) and a second tap (确认放行, red); only then
 * is the reading sent with the note and confirm.
 * @param {import('./k-state.js').Fever | null} fever
 */
export async function secondaryDialog(fever) {
  const chosen = fever?.entryId ?? null
  /** @type {import('./k-state.js').Fever[]} */
  let fevers = []
  const form = el('div', { className: 'form one' })
  if (fever) form.append(el('div', { className: 'note who', id: 'secondary-who', textContent: feverLine(fever) }))
  else {
    const r = await api('/api/kiosk/fevers')
    fevers = r.ok ? r.data.fevers : []
    if (fevers.length === 0) form.append(el('div', { className: 'note', textContent: L('noFevers') }))
    else form.append(feverChoice(fevers))
  }
  form.append(field('tempC', L('armpit'), { pad: 'decimal', max: 4 }))
  /** The armpit reading that had confirmed this person's fever, once the server said so; and the fever it is for. */
  let confirmedC = /** @type {number | null} */ (null)
  let fixed = /** @type {string | null} */ (null)
  const entryId = () => fixed ?? (value('entryId') || chosen)
  const checks = {
    entryId: () => (entryId() ? null : L('err_entryId')),
    tempC: tempCheck(true),
    note: () => (confirmedC !== null && !value('note') ? L('err_admitNote') : null),
  }
  /** @param {number} c the reading that had confirmed the fever */
  const askToAdmit = (c) => {
    confirmedC = c
    fixed = entryId()
    const f = fever ?? fevers.find((x) => x.entryId === fixed)
    const whose = f ? `${feverLine(f)} ⚠ ${L('stillFeverWord')}` : ''
    const list = form.querySelector('.fever-list')?.closest('.field')
    if (list) list.replaceWith(el('div', { className: 'note who', id: 'secondary-who', textContent: whose }))
    else if (whose && form.querySelector('#secondary-who')) $('secondary-who').textContent = whose
    if (!form.querySelector('#secondary-sure')) {
      form.querySelector('[data-field="tempC"]')?.closest('.field')?.after(el('div', { className: 'note sure', id: 'secondary-sure' }), field('note', L('admitNote'), { max: 200 }))
    }
    $('secondary-sure').textContent = L('admitSure', { t: celsius(c) })
    ok.textContent = L('admitConfirm')
    ok.className = 'btn btn-red'
    showError('')
  }
  const ok = button(L('confirm'), 'btn btn-green', async () => {
    const problems = problemsNow()
    if (Object.keys(problems).length > 0) return showProblems(problems)
    const sent = { entryId: entryId(), tempC: num(value('tempC')), ...(confirmedC !== null ? { note: value('note'), confirm: true } : {}) }
    const r = await api('/api/kiosk/secondary', sent)
    if (!r.ok && r.data.error === 'confirm_required') return askToAdmit(Number(r.data.confirmedC))
    if (!r.ok) return showErrors(r)
    closeModal()
    const t = celsius(Number(sent.tempC))
    toast(r.data.decision === 'deny' ? L('toastArmpitFever', { t }) : L('toastArmpit', { t }), r.data.decision === 'deny')
  })
  ok.id = 'secondary-ok'
  ok.dataset.submit = 'yes'
  formDialog(L('secondaryTitle'), form, [cancelButton(), ok], 'secondary', checks)
}

/** @param {import('./k-state.js').Task} task */
export function taskDoneDialog(task) {
  const what = `${W(TASK_KIND, task.kind)} · ${W(TASK_AREA, task.area)}`
  const form = el('div', { className: 'form one' }, el('div', { className: 'note', textContent: what }), field('note', L('note'), { max: 200 }))
  openModal(L('taskDone'), [form], [
    cancelButton(),
    submitButton(`/api/tasks/${encodeURIComponent(task.id)}/done`, () => ({ note: value('note') }), () => ({ text: L('toastTask', { what }) })),
  ], { kind: 'task' })
}
