// @ts-check
// The gate itself (issue 16), from the server's GateState (snapshot and live event `gate`): the fire linkage across
// the screen (消防联动 · 闸门常开 while the alarm is on; 火警已解除 · 待复位 with 复位 when it waits for a reset), the
// mode as a chip in the top bar (a tap says who set it, when and why, and offers the change: a reason required, a
// second tap before holding the gate open or closed), a held-open or held-closed gate said over the card, and the
// door and the enclosure: held open too long (a warning, counting), forced open and the enclosure opened (critical).
// These banners come from the state alone: the alerts the gateway raises for the same things go to the platform.
import { $, api, button, el, localTime } from './common.js'
import { GATE_MODE } from './i18n.js'
import { cancelButton, choices, closeModal, errorText, field, modalOpen, openModal, problemsNow, showError, showProblems, toast, value } from './k-dialogs.js'
import { withStaff } from './k-staff.js'
import { changed, L, state, timeOf, W } from './k-state.js'

/**
 * @typedef {{ id: string, kind: 'door_forced_open' | 'door_held_open' | 'tamper', device: string, since: number, lastAt: number, endedAt: number | null, count: number }} GateAlarm
 * @typedef {{ mode: 'normal' | 'remain-open' | 'remain-closed', open: boolean, fire: { active: boolean, latched: boolean, since: number | null },
 *   door: { open: boolean | null, heldOpenSince: number | null, forcedAt: number | null }, tamper: boolean | null,
 *   modeBy: { staff: string | null, name?: string | null, via: 'kiosk' | 'platform' | null, reason: string | null, at: number | null },
 *   alarms?: GateAlarm[] }} Gate
 */

/** @type {Gate | null} */
let gate = null
/** The server's clock minus this screen's (the snapshot's `now`): "门未关闭 N 秒" counts from the server's time. */
let skew = 0
/** @type {ReturnType<typeof setInterval> | undefined} */
let heldTimer

/** The gate's state as the server sent it; a gateway without a gate control sends only the gate's name. @param {Record<string, any> | null | undefined} g */
export function setGate(g) {
  gate = g && typeof g.mode === 'string' ? /** @type {Gate} */ (g) : null
  changed('gate')
}

/** @param {number} serverNow */
export function setSkew(serverNow) {
  skew = serverNow - Date.now()
}

export const gateState = () => gate

/** Door and enclosure alarms waiting for the staff. */
export const gateAlarmCount = () => gate?.alarms?.length ?? 0

/**
 * What the next person on duty must know of the gate (the handover's 未完成事项): a mode other than normal and who set
 * it, the fire linkage, each door or enclosure alarm not yet dealt with. Words, most urgent first.
 * @returns {string[]}
 */
export function gateOpenItems() {
  if (!gate) return []
  /** @type {string[]} */
  const items = []
  if (gate.fire.active || gate.fire.latched) items.push(`⚠ ${L(gate.fire.active ? 'fireActive' : 'fireLatched')}`)
  for (const a of gate.alarms ?? []) items.push(alarmText(a))
  if (gate.mode !== 'normal') {
    const why = gate.modeBy.reason ? L('paren', { x: [whoSet(), gate.modeBy.reason].filter(Boolean).join(L('colon')) }) : ''
    items.push(`${L('modeChip', { mode: modeWord(gate.mode) })}${why}`)
  }
  return items
}

/** @param {string | null | undefined} mode */
const modeWord = (mode) => W(GATE_MODE, mode)

export function renderGate() {
  renderFire()
  renderModeChip()
  renderGateBanners()
}

function renderFire() {
  const fire = gate?.fire
  const box = $('fire-banner')
  const reset = $('fire-reset')
  const on = fire?.active === true
  const latched = !on && fire?.latched === true
  box.hidden = !on && !latched
  box.dataset.state = on ? 'active' : latched ? 'latched' : ''
  document.body.dataset.fire = box.dataset.state
  $('fire-word').textContent = on ? `⚠ ${L('fireActive')}` : latched ? `⚠ ${L('fireLatched')}` : ''
  const since = fire?.since ? timeOf(fire.since, true) : ''
  $('fire-sub').textContent = on ? (since ? L('fireSince', { t: since }) : '') : latched ? L('fireLatchedHelp', { mode: modeWord(gate?.mode) }) : ''
  reset.hidden = !latched
  reset.textContent = L('fireReset')
  // The 复位 question is about a cleared alarm: if it came back (or was reset elsewhere), the question is gone.
  if (!latched && $('modal').dataset.kind === 'fire-reset' && modalOpen()) {
    closeModal()
    toast(L(on ? 'fireBackToast' : 'fireResetElsewhere'), on)
  }
  // Over an open dialog too: the line above the strip (k-strip.js shows the rest).
  const over = $('modal-fire')
  over.hidden = box.hidden
  over.dataset.state = box.dataset.state
  over.textContent = $('fire-word').textContent
}

/**
 * The chip in the top bar is the gate: its mode, and under it the door (门 已关 / 门 开着) when there is a door contact.
 * Two short lines keep it narrow: the top bar has no room for two chips at 800x480, nor the device strip for one more.
 */
function renderModeChip() {
  const chip = $('gate-mode')
  chip.hidden = !gate
  if (!gate) return
  // The fire linkage overrides the mode: the chip says the gate is open for the fire, not 常闭.
  const fire = gate.fire.active || gate.fire.latched
  chip.dataset.mode = fire ? 'fire' : gate.mode
  const open = gate.door.open
  chip.dataset.door = open === null ? '' : open ? 'open' : 'closed'
  const lines = [el('span', { className: 'mode-line', textContent: fire ? L('modeChipFire') : L('modeChip', { mode: modeWord(gate.mode) }) })]
  if (open !== null) lines.push(el('span', { className: 'door-line', textContent: L(open ? 'doorOpen' : 'doorClosed') }))
  chip.replaceChildren(...lines)
}

/** @param {string} kind @param {'critical' | 'warning' | 'mode-closed' | 'mode-open'} level @param {string} text */
function banner(kind, level, text) {
  const b = el('div', { className: `gate-banner ${level}` }, el('span', { className: 'gb-text', textContent: text }))
  b.dataset.kind = kind
  if (level === 'critical') b.setAttribute('role', 'alert')
  return b
}

/** What an alarm says: what happened and when, whether it is still so, and how often. @param {GateAlarm} a */
export function alarmText(a) {
  const t = timeOf(a.since)
  const n = a.count > 1 ? `${L('dot')}${L('gateAlarmTimes', { n: a.count })}` : ''
  if (a.kind === 'door_held_open') {
    if (a.endedAt === null) return `⚠ ${L('doorHeld', { t: duration(Date.now() + skew - a.since) })}${n}`
    return `⚠ ${L('doorHeldEnded', { t, d: duration(a.endedAt - a.since) })}${n}`
  }
  const key = a.kind === 'tamper' ? (a.endedAt === null ? 'tamperBanner' : 'tamperEnded') : a.endedAt === null ? 'doorForced' : 'doorForcedEnded'
  return `⚠ ${L(key, { t, e: a.endedAt === null ? '' : timeOf(a.endedAt) })}${n}`
}

/** An alarm waiting for the staff: its words and 确认 (a PIN first when nobody is logged in). @param {GateAlarm} a */
function alarmBanner(a) {
  const b = banner(a.kind === 'door_held_open' ? 'held' : a.kind === 'tamper' ? 'tamper' : 'forced', a.kind === 'door_held_open' ? 'warning' : 'critical', alarmText(a))
  b.dataset.alarmId = a.id
  b.dataset.ended = a.endedAt === null ? 'no' : 'yes'
  const ack = button(L('gateAlarmAck'), 'btn btn-white gb-ack', () => withStaff(() => ackDialog(a.id)))
  ack.dataset.alarmId = a.id
  b.append(ack)
  return b
}

/** @param {number} ms */
function duration(ms) {
  const all = Math.max(0, Math.floor(ms / 1000))
  const m = Math.floor(all / 60)
  const s = all % 60
  return m === 0 ? L('seconds', { s }) : L('minutes', { m, s: String(s).padStart(2, '0') })
}

/**
 * Over the card: each door or enclosure alarm until it is acknowledged (still on, or over and said so), critical first;
 * a condition still on after its alarm was acknowledged (the lid still open, the door still held open) without a
 * button; then the mode.
 */
function renderGateBanners() {
  const box = $('gate-banners')
  const alarms = [...(gate?.alarms ?? [])].sort((x, y) => Number(x.kind === 'door_held_open') - Number(y.kind === 'door_held_open') || y.lastAt - x.lastAt)
  /** @type {HTMLElement[]} */
  const items = alarms.map(alarmBanner)
  if (gate?.tamper === true && !alarms.some((a) => a.kind === 'tamper' && a.endedAt === null)) items.push(banner('tamper-on', 'warning', `⚠ ${L('tamperStill')}`))
  const held = gate?.door.heldOpenSince ?? null
  const heldLive = alarms.find((a) => a.kind === 'door_held_open' && a.endedAt === null)
  if (held !== null && !heldLive) items.push(banner('held', 'warning', `⚠ ${L('doorHeld', { t: duration(Date.now() + skew - held) })}`))
  // The mode said over the card (the fire banner says it all while the alarm holds the gate).
  if (gate && !gate.fire.active && !gate.fire.latched && gate.mode !== 'normal') {
    items.push(gate.mode === 'remain-closed' ? banner('mode', 'mode-closed', `⚠ ${L('modeBannerClosed')}`) : banner('mode', 'mode-open', `⚠ ${L('modeBannerOpen')}`))
  }
  box.replaceChildren(...items)
  box.hidden = items.length === 0
  clearInterval(heldTimer)
  // A door still held open counts up, every second.
  if (held !== null) {
    heldTimer = setInterval(() => {
      const text = box.querySelector('.gate-banner[data-kind="held"]:not([data-ended="yes"]) .gb-text')
      if (text) text.textContent = heldLive ? alarmText(heldLive) : `⚠ ${L('doorHeld', { t: duration(Date.now() + skew - held) })}`
    }, 1000)
  }
}

/**
 * 确认 on a door or enclosure alarm: what it was, and what was done (one tap on a common answer); the gateway records
 * it with who (the alert {kind}_acknowledged) and it leaves every screen.
 * @param {string} id
 */
function ackDialog(id) {
  const a = gate?.alarms?.find((x) => x.id === id)
  if (!a) return toast(L('code_no_alarm'))
  const what = el('div', { className: 'note', id: 'gate-ack-what', textContent: alarmText(a).replace(/^⚠ /, '') })
  const pick = choices('outcome', (state.info?.gateAlarmOutcomes?.[a.kind] ?? []).map((o) => [o, L(`gateOutcome_${o}`)]), null, 'gateAckOutcome')
  const note = field('note', L('ackNote'), { max: 100 })
  const checks = { outcome: () => (value('outcome') ? null : L('err_gateOutcome')) }
  const ok = button(L('confirm'), 'btn btn-green', async () => {
    const problems = problemsNow()
    if (Object.keys(problems).length > 0) return showProblems(problems)
    const outcome = value('outcome') ?? ''
    const r = await api('/api/kiosk/gate/ack', { id, outcome, ...(value('note') ? { note: value('note') } : {}) })
    if (!r.ok) return showError(errorText(r))
    closeModal()
    toast(L('toastGateAck', { o: L(`gateOutcome_${outcome}`) }))
  })
  ok.id = 'gate-ack-ok'
  ok.dataset.submit = 'yes'
  openModal(L('gateAckTitle'), [el('div', { className: 'form one' }, what, pick, note)], [cancelButton(), ok], { kind: 'gate-ack', checks })
}

/** Who set the mode in force, in words. */
function whoSet() {
  const by = gate?.modeBy
  if (!by || by.via === null) return L('modeDefault')
  if (by.via === 'platform') return L('modeByPlatform', { who: by.name ?? by.staff ?? '' })
  return by.name ?? by.staff ?? ''
}

/** A tap on the mode chip: the mode in force, who set it, when and why; 更改模式 asks for a PIN when none is in. */
function modeInfoDialog() {
  if (!gate) return
  const by = gate.modeBy
  /** @param {string} k @param {string} v */
  const row = (k, v) => {
    const d = el('div', { className: 'sum-row' }, el('dt', { textContent: L(k) }), el('dd', { textContent: v }))
    d.dataset.row = k
    return d
  }
  const list = el(
    'dl',
    { className: 'summary', id: 'mode-info' },
    row('modeNow', modeWord(gate.mode)),
    ...(fireHold() ? [row('modeFire', L(gate.fire.active ? 'modeFireOn' : 'modeFireLatched'))] : []),
    ...(gate.door.open === null ? [] : [row('modeDoor', L(gate.door.open ? 'modeDoorOpen' : 'modeDoorClosed'))]),
    row('modeBy', whoSet()),
    ...(by.at ? [row('modeAt', localTime(by.at, state.info?.timeZone, { date: true, seconds: false }))] : []),
    ...(by.reason ? [row('modeWhy', by.reason)] : []),
  )
  const close = button(L('close'), 'btn btn-gray', closeModal)
  close.dataset.offline = 'ok'
  close.id = 'mode-close'
  const change = button(L('modeChange'), 'btn', () => withStaff(modeDialog))
  change.id = 'mode-change'
  openModal(L('modeTitle'), [el('div', { className: 'form one' }, list)], [close, change], { kind: 'gate-info' })
}

/** The fire linkage holds the gate open whatever the mode (an alarm on, or cleared and awaiting a reset). */
const fireHold = () => gate !== null && (gate.fire.active || gate.fire.latched)

/** Common reasons per mode asked for: back to normal is not "closed for the night". */
const PRESETS = {
  normal: ['modePresetBack', 'modePresetEventOver', 'modePresetRepaired', 'modePresetOffice'],
  'remain-open': ['modePresetEvent', 'modePresetRepair', 'modePresetOffice'],
  'remain-closed': ['modePresetNight', 'modePresetRepair', 'modePresetOffice'],
}

/** The reason a staff member must give (gateway/kiosk/gate.ts: 2 to 200 characters). @param {string} text */
const reasonOk = (text) => text.length >= 2 && text.length <= 200

/**
 * Changing the mode: the new mode, and why (a common reason a tap away, or typed). Holding the gate open or closed
 * takes a second tap on a button that says which (确认常开 / 确认常闭), with what it means said above it.
 */
function modeDialog() {
  if (!gate) return
  const now = gate.mode
  // The mode in force is marked and cannot be picked again; the others are what there is to choose.
  const options = /** @type {[string, string][]} */ (['normal', 'remain-open', 'remain-closed'].map((m) => [m, m === now ? L('modeCurrentChoice', { mode: modeWord(m) }) : modeWord(m)]))
  const pick = choices('mode', options, null, 'modePick')
  for (const b of /** @type {NodeListOf<HTMLButtonElement>} */ (pick.querySelectorAll('button.choice'))) {
    if (b.dataset.value !== now) continue
    b.classList.add('current')
    b.disabled = true
  }
  const reason = field('modeReason', L('modeReason'), { max: 200 })
  const input = /** @type {HTMLInputElement} */ (reason.querySelector('input'))
  const presets = el('div', { className: 'choices presets', id: 'mode-presets' })
  /** The presets for the mode picked (none until one is). @param {string | undefined} mode */
  const showPresets = (mode) => {
    const keys = mode ? (PRESETS[/** @type {keyof typeof PRESETS} */ (mode)] ?? []) : []
    presets.replaceChildren(
      ...keys.map((k) => {
        const b = button(L(k), 'choice', () => {
          input.value = L(k)
          input.dispatchEvent(new Event('input', { bubbles: true }))
        })
        b.dataset.preset = k
        return b
      }),
    )
    presetField.hidden = keys.length === 0
  }
  const presetField = el('div', { className: 'field' }, el('label', { textContent: L('modePresets') }), presets)
  const sure = el('div', { className: 'note sure', id: 'mode-sure' })
  const current = el('div', { className: 'note', id: 'mode-current', textContent: `${L('modeNow')}${L('colon')}${modeWord(now)}` })
  // During the fire linkage the gate stays open whatever is chosen: said before anything is.
  const fireNote = fireHold() ? [el('div', { className: 'note sure', id: 'mode-fire-note', textContent: L('modeFireNote') })] : []
  const form = el('div', { className: 'form one' }, ...fireNote, current, pick, presetField, reason, sure)
  showPresets(undefined)
  let armed = false
  const disarm = () => {
    armed = false
    ok.textContent = L('confirm')
    ok.className = 'btn btn-green'
    sure.textContent = ''
    showError('')
  }
  pick.addEventListener('click', () => {
    disarm()
    showPresets(value('mode'))
  })
  const checks = {
    mode: () => (value('mode') ? null : L('err_mode')),
    modeReason: () => (reasonOk(value('modeReason') ?? '') ? null : L('err_modeReason')),
  }
  const ok = button(L('confirm'), 'btn btn-green', async () => {
    const problems = problemsNow()
    if (Object.keys(problems).length > 0) return showProblems(problems)
    const mode = value('mode') ?? ''
    if (mode === gate?.mode) return showError(L('modeSame', { mode: modeWord(mode) }))
    if (mode !== 'normal' && !armed) {
      armed = true
      ok.textContent = L(mode === 'remain-open' ? 'modeConfirmOpen' : 'modeConfirmClosed')
      ok.className = 'btn btn-red'
      sure.textContent = L(mode === 'remain-open' ? 'modeSureOpen' : 'modeSureClosed')
      return
    }
    const r = await api('/api/kiosk/gate/mode', { mode, reason: value('modeReason') })
    if (!r.ok && r.status === 400 && r.data.fields) {
      disarm()
      /** @type {Record<string, string>} */
      const words = {}
      if (r.data.fields.reason) words.modeReason = L('err_modeReason')
      if (r.data.fields.mode) words.mode = L('err_mode')
      return showProblems(words, Object.keys(words).length > 0 ? '' : errorText(r))
    }
    if (!r.ok) return showError(errorText(r))
    closeModal()
    toast(L('toastMode', { mode: modeWord(r.data.mode) }))
  })
  ok.id = 'mode-ok'
  ok.dataset.submit = 'yes'
  openModal(L('modeChange'), [form], [cancelButton(), ok], { kind: 'gate-mode', checks })
}

/** 复位 after a cleared fire alarm: a staff action, asked once more; the server's refusals said in words. */
function fireResetDialog() {
  const text = el('div', { className: 'note', id: 'fire-reset-text', textContent: L('fireResetText', { mode: modeWord(gate?.mode) }) })
  const ok = button(L('fireResetConfirm'), 'btn btn-green', async () => {
    const r = await api('/api/kiosk/gate/fire-reset', {})
    if (!r.ok) return showError(errorText(r))
    closeModal()
    toast(L('toastFireReset', { mode: modeWord(gate?.mode) }))
  })
  ok.id = 'fire-reset-ok'
  ok.dataset.submit = 'yes'
  openModal(L('fireResetTitle'), [el('div', { className: 'form one' }, text)], [cancelButton(), ok], { kind: 'fire-reset' })
}

export function wireGate() {
  $('gate-mode').addEventListener('click', modeInfoDialog)
  $('fire-reset').addEventListener('click', () => withStaff(fireResetDialog))
}
