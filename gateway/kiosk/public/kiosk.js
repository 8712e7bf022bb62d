// The staff screen. Plain JS, no framework, no build step, nothing from the internet. State comes from the server
// (GET /api/kiosk/events, SSE: a snapshot, then events); actions are JSON POSTs that need a staff session.
import { DEVICE_KIND, OVERRIDE_TEXT, PASS_KIND, REASON_TEXT, STRINGS, TASK_KIND, t, word } from './i18n.js'

const $ = (id) => document.getElementById(id)
/** How long a result stays on screen before the idle "please scan". */
const CARD_MS = 8000
const PROMPT_MS = { recheck: 15000, remeasure: 6000 }

const state = {
  lang: localStorage.getItem('eg.lang') === 'en' ? 'en' : 'zh',
  connected: false,
  info: null,
  figures: null,
  devices: [],
  alarms: [],
  pending: [],
  tasks: null,
  duty: null,
  card: null,
  cardTimer: 0,
  prompt: null,
  promptTimer: 0,
  /** This screen's own staff session ({ id, name }) or null. */
  staff: null,
  lockedUntil: 0,
}

const L = (key, vars) => t(state.lang, key, vars)
const W = (table, code) => word(table, code, state.lang)

// ---- live feed ---------------------------------------------------------------------------------------------

let source = null
function connect() {
  source = new EventSource('/api/kiosk/events')
  source.addEventListener('snapshot', (e) => applySnapshot(JSON.parse(e.data)))
  source.addEventListener('decision', (e) => showCard(JSON.parse(e.data), true))
  source.addEventListener('prompt', (e) => onPrompt(JSON.parse(e.data)))
  source.addEventListener('alarms', (e) => setAlarms(JSON.parse(e.data)))
  source.addEventListener('pending', (e) => {
    const before = state.pending.length
    state.pending = JSON.parse(e.data)
    // Someone new is waiting for a typed temperature: the previous result must not stay on screen.
    if (state.pending.length > before) {
      state.card = null
      clearTimeout(state.cardTimer)
    }
    renderPrompt()
    renderCard()
  })
  source.addEventListener('figures', (e) => {
    state.figures = JSON.parse(e.data)
    renderFigures()
  })
  source.addEventListener('devices', (e) => {
    state.devices = JSON.parse(e.data)
    renderDevices()
  })
  source.addEventListener('duty', (e) => {
    state.duty = JSON.parse(e.data)
    renderDuty()
  })
  source.addEventListener('tasks', (e) => {
    state.tasks = JSON.parse(e.data)
    renderTasks()
  })
  source.onerror = () => {
    setConnected(false)
    // EventSource retries by itself, except after a refused response: then start a new one.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000)
  }
}

function applySnapshot(s) {
  state.info = s
  state.figures = s.figures
  state.devices = s.devices
  state.pending = s.pending
  state.tasks = s.tasks
  state.duty = s.duty
  setAlarms(s.alarms)
  if (s.last && Date.now() - s.last.ts < CARD_MS && (!state.card || state.card.eventId !== s.last.eventId)) showCard(s.last, false)
  setConnected(true)
  renderAll()
  refreshSession()
}

function setConnected(on) {
  state.connected = on
  document.body.dataset.connected = on ? 'yes' : 'no'
  $('conn-text').textContent = on ? L('connected') : L('disconnected')
  const banner = $('offline-banner')
  banner.hidden = on
  banner.textContent = `⚠ ${t('zh', 'disconnected')} / ${t('en', 'disconnected')}`
  $('card').classList.toggle('stale', !on)
}

// ---- result card -------------------------------------------------------------------------------------------

function showCard(card, live) {
  state.card = card
  clearTimeout(state.cardTimer)
  state.cardTimer = setTimeout(() => {
    state.card = null
    renderCard()
    renderAlarmLast()
  }, CARD_MS)
  if (state.prompt && state.prompt.kind === 'recheck' && state.prompt.scanner === card.scanner) clearPrompt()
  renderCard()
  renderAlarmLast()
  if (live) beep(card.decision)
}

/** Under an alarm, the gate goes on: the latest result stays readable at the bottom of the alarm. */
function renderAlarmLast() {
  const c = state.card
  const alarmed = c && state.alarms.some((a) => a.entryId === c.eventId)
  $('alarm-last').textContent = !c || alarmed ? '' : `${c.decision === 'admit' ? '✔' : '✘'} ${L(c.decision)} · ${[c.tempC === null ? '' : `${c.tempC.toFixed(1)} °C`, c.holder, reasonText(c)].filter(Boolean).join(' · ')}`
}

function renderCard() {
  const el = $('card')
  const c = state.card
  el.className = `card ${c ? c.decision : 'idle'}${state.connected ? '' : ' stale'}`
  el.dataset.state = c ? c.decision : 'idle'
  el.dataset.eventId = c ? c.eventId : ''
  if (!c) {
    // A person is still in front of the gate (a re-check, or a temperature to type): not "please scan".
    const waiting = state.pending.length > 0 ? 'waitTemp' : state.prompt?.kind === 'recheck' ? 'measuring' : null
    el.dataset.state = waiting ? 'measuring' : 'idle'
    $('card-word').textContent = L(waiting ?? 'idle')
    $('card-meta').textContent = waiting ? '' : L('idleSub')
    for (const id of ['card-temp', 'card-who', 'card-reason']) $(id).textContent = ''
    return
  }
  $('card-word').textContent = `${c.decision === 'admit' ? '✔' : '✘'} ${L(c.decision)}`
  // A dash only where a temperature was wanted and not had; a refused pass or an exit has none to show.
  const missing = c.reasons.includes('no_temperature') || c.reasons.includes('temp_invalid')
  $('card-temp').textContent = c.tempC === null ? (missing ? '— °C' : '') : `${c.tempC.toFixed(1)} °C`
  // An override's reason is on the reason line; here only who passed (a pass kind, or a registered visitor/vehicle).
  const kind = c.passKind ? W(PASS_KIND, c.passKind) : ''
  $('card-who').textContent = [`${L(c.direction)}`, kind, c.holder].filter(Boolean).join(' · ')
  $('card-reason').textContent = reasonText(c)
  const meta = [timeOf(c.ts)]
  if (c.rechecked) meta.push(L('rechecked'))
  if (c.degraded) meta.push(L('degraded'))
  if (c.action === 'typed_temperature') meta.push(L('typed'))
  if (c.staff) meta.push(`${L('byStaff')}: ${c.staff}`)
  $('card-meta').textContent = meta.join(' · ')
}

function reasonText(c) {
  const reasons = c.reasons.filter((r) => r !== 'manual_override' || c.decision === 'deny')
  if (c.source === 'override' && c.decision === 'admit') {
    const why = W(OVERRIDE_TEXT, c.overrideReason)
    return [W(REASON_TEXT, 'manual_override'), why].filter(Boolean).join('：')
  }
  if (reasons.length === 0) return c.direction === 'in' && c.tempC !== null ? L('tempOk') : ''
  return reasons.map((r) => W(REASON_TEXT, r)).join('；')
}

// ---- prompts (re-check, re-measure, typed temperature) -----------------------------------------------------

function onPrompt(p) {
  if (p.kind === 'manual_temperature') return // the pending list drives that banner
  // A new person is being measured: the previous person's result must not stay under the prompt.
  state.card = null
  clearTimeout(state.cardTimer)
  state.prompt = p
  clearTimeout(state.promptTimer)
  state.promptTimer = setTimeout(clearPrompt, PROMPT_MS[p.kind] ?? 6000)
  renderPrompt()
  renderCard()
}

function clearPrompt() {
  state.prompt = null
  clearTimeout(state.promptTimer)
  renderPrompt()
  renderCard()
}

function renderPrompt() {
  const box = $('prompt')
  const action = $('prompt-action')
  box.dataset.kind = ''
  action.hidden = true
  if (state.pending.length > 0) {
    box.hidden = false
    box.dataset.kind = 'manual_temperature'
    $('prompt-text').textContent = L('manualTemp')
    action.hidden = false
    action.textContent = L('typeTemp')
  } else if (state.prompt) {
    box.hidden = false
    box.dataset.kind = state.prompt.kind
    const temp = state.prompt.tempC === null ? '' : `  ${state.prompt.tempC.toFixed(1)} °C`
    $('prompt-text').textContent = L(state.prompt.kind) + temp
  } else box.hidden = true
}

// ---- alarms --------------------------------------------------------------------------------------------------

function setAlarms(list) {
  state.alarms = list
  renderAlarm()
}

function renderAlarm() {
  const a = state.alarms[0]
  const box = $('alarm')
  if (!a) {
    box.hidden = true
    box.dataset.entryId = ''
    stopAlarmSound()
    return
  }
  box.hidden = false
  box.dataset.entryId = a.entryId
  box.dataset.kind = a.kind
  const fever = a.kind === 'fever'
  $('alarm-title').textContent = `⚠ ${L(fever ? 'alarmFever' : 'alarmIsolation')}`
  $('alarm-temp').textContent = a.tempC === null ? '' : `${a.tempC.toFixed(1)} °C`
  $('alarm-who').textContent = [timeOf(a.ts), L(a.direction), W(PASS_KIND, a.passKind), a.holder].filter(Boolean).join(' · ')
  $('alarm-help').textContent = L(fever ? 'alarmFeverHelp' : 'alarmIsolationHelp')
  $('alarm-more').textContent = state.alarms.length > 1 ? L('alarmMore', { n: state.alarms.length - 1 }) : ''
  $('alarm-ack').textContent = L('acknowledge')
  $('alarm-secondary').textContent = L('secondary')
  $('alarm-secondary').hidden = !fever
  renderAlarmLast()
  startAlarmSound()
}

// ---- sound (WebAudio, no files) ------------------------------------------------------------------------------

let audioCtx = null
let alarmTimer = 0

function audio() {
  if (!audioCtx) {
    try {
      audioCtx = new AudioContext()
      audioCtx.onstatechange = renderSound
    } catch {
      return null
    }
  }
  if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {})
  renderSound()
  return audioCtx
}

function tone(freq, at, ms, gain = 0.25, type = 'square') {
  const ac = audio()
  if (!ac || ac.state !== 'running') return
  const o = ac.createOscillator()
  const g = ac.createGain()
  o.type = type
  o.frequency.value = freq
  g.gain.value = gain
  o.connect(g).connect(ac.destination)
  const start = ac.currentTime + at / 1000
  o.start(start)
  o.stop(start + ms / 1000)
}

function beep(decision) {
  if (state.alarms.length > 0) return
  if (decision === 'admit') tone(1320, 0, 120, 0.15, 'sine')
  else {
    tone(392, 0, 220)
    tone(392, 320, 220)
  }
}

/** A two-tone siren, repeated every two seconds until the last alarm is acknowledged: unlike any other sound. */
function startAlarmSound() {
  document.body.dataset.sound = 'alarm'
  if (alarmTimer) return
  const siren = () => {
    for (let i = 0; i < 6; i++) tone(i % 2 ? 660 : 988, i * 250, 240, 0.3, 'sawtooth')
  }
  siren()
  alarmTimer = setInterval(siren, 2000)
}

function stopAlarmSound() {
  document.body.dataset.sound = ''
  clearInterval(alarmTimer)
  alarmTimer = 0
}

function renderSound() {
  const running = audioCtx && audioCtx.state === 'running'
  document.body.dataset.audio = audioCtx ? audioCtx.state : 'none'
  const b = $('sound')
  b.hidden = Boolean(running)
  b.textContent = L('soundOff')
}

// ---- figures, devices, tasks, duty ---------------------------------------------------------------------------

function renderFigures() {
  const f = state.figures
  const set = (id, v) => ($(id).textContent = f ? String(v) : '–')
  set('fig-in', f?.in)
  set('fig-out', f?.out)
  set('fig-denied', f?.denied)
  set('fig-fevers', f?.fevers)
  set('fig-isolated', f?.isolated)
}

function deviceLabel(d) {
  const scanners = state.info?.scanners ?? []
  if (d.kind === 'scanner') {
    const s = scanners.find((x) => x.name === d.name)
    const same = scanners.filter((x) => s && x.direction === s.direction).length
    const base = s ? L(s.direction === 'in' ? 'scanIn' : 'scanOut') : W(DEVICE_KIND, 'scanner')
    return same > 1 ? `${base} ${d.name}` : base
  }
  const n = state.devices.filter((x) => x.kind === d.kind).length
  const base = W(DEVICE_KIND, d.kind)
  if (d.kind === 'backlog') return `${base} ${d.detail ?? '–'}`
  return n > 1 ? `${base} ${d.name}` : base
}

function renderDevices() {
  const strip = $('devices')
  strip.replaceChildren(
    ...state.devices
      .filter((d) => d.kind !== 'buzzer')
      .map((d) => {
        const el = document.createElement('div')
        const status = d.kind === 'backlog' ? (d.detail > 0 && !upOk() ? 'degraded' : 'ok') : d.status
        el.className = `dev ${status}`
        el.dataset.device = d.name
        el.dataset.status = status
        el.title = d.name
        const dot = document.createElement('span')
        dot.className = 'dot'
        const label = document.createElement('span')
        label.textContent = deviceLabel(d) + (status === 'down' ? ` ${L('offline')}` : '')
        el.append(dot, label)
        return el
      }),
  )
}

function upOk() {
  return state.devices.some((d) => d.kind === 'uplink' && d.status === 'ok')
}

function openTasks() {
  const order = { overdue: 0, due: 1 }
  return (state.tasks ?? []).filter((x) => x.status === 'due' || x.status === 'overdue').sort((a, b) => order[a.status] - order[b.status] || a.dueAt.localeCompare(b.dueAt))
}

function renderTasks() {
  const ul = $('tasks')
  const open = openTasks()
  const items = []
  if (state.tasks === null || open.length === 0) {
    const li = document.createElement('li')
    li.className = 'none'
    li.textContent = L('noTasks')
    items.push(li)
  }
  // Two fit under the figures on both screen sizes; the title gives the count.
  const shown = open.slice(0, 2)
  $('tasks-title').textContent = open.length > 0 ? `${L('tasks')} · ${L('openCount', { n: open.length })}` : L('tasks')
  for (const task of shown) {
    const li = document.createElement('li')
    li.className = task.status
    li.dataset.taskId = String(task.id)
    const text = document.createElement('div')
    text.className = 'task-text'
    text.textContent = `${W(TASK_KIND, task.kind)} · ${task.area}`
    const small = document.createElement('small')
    small.textContent = `${timeOf(Date.parse(task.dueAt), true)} ${L(task.status === 'overdue' ? 'overdue' : 'due')}`
    text.append(small)
    const btn = button(L('done'), 'btn btn-green btn-small', () => withStaff(() => taskDoneDialog(task)))
    li.append(text, btn)
    items.push(li)
  }
  ul.replaceChildren(...items)
}

function renderDuty() {
  $('duty-label').textContent = `${L('duty')}:`
  $('duty-name').textContent = state.duty ? state.duty.name : L('noDuty')
}

function renderActions() {
  const nav = $('actions')
  if (!state.staff) {
    nav.replaceChildren(button(L('login'), 'btn', () => pinDialog()))
    return
  }
  nav.replaceChildren(
    button(L('open'), 'btn btn-red', () => openDialog()),
    button(L('visitor'), 'btn', () => visitorDialog()),
    button(L('vehicle'), 'btn', () => vehicleDialog()),
    button(L('secondary'), 'btn', () => secondaryDialog(null)),
    button(L('handover'), 'btn btn-gray', () => handoverDialog()),
  )
}

function renderStatic() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en'
  document.body.dataset.lang = state.lang
  for (const b of document.querySelectorAll('.lang-btn')) b.classList.toggle('on', b.dataset.lang === state.lang)
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = L(el.dataset.t)
  $('fig-title').textContent = L('today')
  if (state.info) {
    $('gate-name').textContent = `${state.info.gate.name} · ${state.info.site.name}`
    document.title = `${state.info.gate.name} · estate-gate`
  }
}

function renderClock() {
  $('clock').textContent = timeOf(Date.now())
}

function renderAll() {
  renderStatic()
  renderClock()
  setConnected(state.connected)
  renderCard()
  renderPrompt()
  renderAlarm()
  renderFigures()
  renderDevices()
  renderTasks()
  renderDuty()
  renderActions()
  renderSound()
}

// ---- helpers -------------------------------------------------------------------------------------------------

function timeOf(ts, short = false) {
  const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(short ? {} : { second: '2-digit' }) }
  if (state.info?.timeZone) opts.timeZone = state.info.timeZone
  return new Intl.DateTimeFormat('en-GB', opts).format(ts)
}

function button(label, cls, onClick) {
  const b = document.createElement('button')
  b.className = cls
  b.textContent = label
  b.addEventListener('click', onClick)
  return b
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag)
  Object.assign(e, props)
  e.append(...children)
  return e
}

async function api(path, body, method = 'POST') {
  let res
  try {
    res = await fetch(path, {
      method,
      headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      credentials: 'same-origin',
    })
  } catch {
    return { ok: false, status: 0, data: { message: L('disconnected') } }
  }
  let data = {}
  try {
    data = await res.json()
  } catch {
    /* an empty or non-JSON body */
  }
  if (res.status === 401 && data.error === 'login_required') {
    state.staff = null
    renderActions()
  }
  return { ok: res.ok, status: res.status, data }
}

async function refreshSession() {
  const r = await api('/api/kiosk/session', null, 'GET')
  if (r.ok) {
    state.staff = r.data.staff
    renderActions()
  }
}

function toast(text, bad = false) {
  const box = $('toast')
  box.textContent = text
  box.className = bad ? 'bad' : ''
  box.hidden = false
  clearTimeout(toast.timer)
  toast.timer = setTimeout(() => (box.hidden = true), 3000)
}

// ---- dialogs ---------------------------------------------------------------------------------------------------

let activeInput = null

function openModal(title, body, buttons) {
  $('modal-title').textContent = title
  $('modal-body').replaceChildren(...body)
  $('modal-error').textContent = ''
  $('modal-buttons').replaceChildren(...buttons)
  $('modal').hidden = false
  activeInput = $('modal-body').querySelector('input')
  activeInput?.focus()
}

function closeModal() {
  $('modal').hidden = true
  $('modal-body').replaceChildren()
  activeInput = null
}

function cancelButton() {
  return button(L('cancel'), 'btn btn-gray', closeModal)
}

/** A labelled input; numeric ones are filled from the on-screen keypad (a Pi touchscreen has no keyboard). */
function field(name, label, opts = {}) {
  const input = el('input', { name, type: 'text', autocomplete: 'off', value: opts.value ?? '' })
  if (opts.numeric) input.inputMode = opts.decimal ? 'decimal' : 'numeric'
  if (opts.max) input.maxLength = opts.max
  input.addEventListener('focus', () => (activeInput = input))
  const wrap = el('div', { className: 'field' }, el('label', { textContent: label }), input, el('div', { className: 'err' }))
  wrap.dataset.field = name
  return wrap
}

function choices(name, options, selected, labelKey = name === 'direction' ? 'direction' : 'openReason') {
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
  return el('div', { className: 'field' }, el('label', { textContent: L(labelKey) }), wrap)
}

function keypad(decimal, onEnter) {
  const pad = el('div', { className: 'keypad' })
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', decimal ? '.' : 'C', '0', '⌫']
  for (const k of keys) {
    pad.append(
      button(k === 'C' ? L('clear') : k, '', () => {
        const input = activeInput
        if (!input) return
        if (k === '⌫') input.value = input.value.slice(0, -1)
        else if (k === 'C') input.value = ''
        else if (!input.maxLength || input.maxLength < 0 || input.value.length < input.maxLength) input.value += k
        input.dispatchEvent(new Event('input'))
      }),
    )
  }
  if (onEnter) pad.append(button(L('confirm'), 'wide btn-green', onEnter))
  return pad
}

function value(name) {
  const f = $('modal-body').querySelector(`[data-field="${name}"]`)
  if (!f) return undefined
  if (f.classList.contains('choices')) return f.dataset.value
  return f.querySelector('input,textarea').value.trim()
}

function showErrors(r) {
  for (const f of $('modal-body').querySelectorAll('.field')) f.classList.remove('bad')
  for (const e of $('modal-body').querySelectorAll('.err')) e.textContent = ''
  const fields = r.data.fields ?? {}
  let placed = false
  for (const [name, serverMsg] of Object.entries(fields)) {
    // The server's messages are English; the Chinese screen says it in its own words.
    const msg = state.lang === 'zh' && STRINGS.zh[`err_${name}`] ? STRINGS.zh[`err_${name}`] : serverMsg
    const f = $('modal-body').querySelector(`[data-field="${name}"]`)
    const wrap = f?.closest('.field') ?? f
    const err = wrap?.querySelector('.err')
    if (err) {
      wrap.classList.add('bad')
      err.textContent = msg
      placed = true
    }
  }
  $('modal-error').textContent = placed ? '' : (r.data.message ?? Object.values(fields).join('; ') ?? L('failed'))
}

const num = (v) => (v === '' || v === undefined ? null : Number(v))

/** Runs `then` with a staff session, asking for a PIN first when this screen has none. */
function withStaff(then) {
  if (state.staff) then()
  else pinDialog(then)
}

function pinDialog(then) {
  let pin = ''
  const display = el('div', { className: 'pin-display' })
  const show = () => (display.textContent = '●'.repeat(pin.length) || ' ')
  show()
  const submit = async () => {
    if (pin.length < 4) return
    const r = await api('/api/kiosk/login', { pin })
    pin = ''
    show()
    if (r.ok) {
      state.staff = r.data.staff
      closeModal()
      renderActions()
      toast(`${L('duty')}: ${r.data.staff.name}`)
      then?.()
      return
    }
    $('modal-error').textContent =
      r.status === 429 ? L('pinLocked', { s: r.data.retryAfterSec }) : r.status === 403 ? L('noPins') : r.status === 401 ? L('pinWrong') : (r.data.message ?? L('failed'))
  }
  const pad = el('div', { className: 'keypad big' })
  for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'C', '0', '⌫']) {
    const b = button(k === 'C' ? L('clear') : k, '', () => {
      if (k === 'C') pin = ''
      else if (k === '⌫') pin = pin.slice(0, -1)
      else if (pin.length < 12) pin += k
      show()
    })
    b.dataset.key = k
    pad.append(b)
  }
  const ok = button(L('confirm'), 'wide btn-green', submit)
  ok.id = 'pin-ok'
  pad.append(ok)
  openModal(L('pinTitle'), [el('div', { className: 'form', style: 'align-items:center' }, display, pad)], [cancelButton()])
}

function directionChoice(selected = 'in') {
  return choices('direction', [['in', L('dirIn')], ['out', L('dirOut')]], selected)
}

function submitButton(path, collect, done) {
  return button(L('confirm'), 'btn btn-green', async () => {
    const body = collect()
    const r = await api(path, body)
    if (!r.ok) return showErrors(r)
    closeModal()
    toast(L('saved'))
    done?.(r.data)
  })
}

function openDialog() {
  const reasons = (state.info?.openReasons ?? []).map((r) => [r, W(OVERRIDE_TEXT, r)])
  const form = el('div', { className: 'form' }, choices('reason', reasons, null), field('text', L('openText'), { max: 100 }), directionChoice())
  openModal(L('openTitle'), [form], [
    cancelButton(),
    submitButton('/api/kiosk/open', () => ({ reason: value('reason') || undefined, text: value('text') || undefined, direction: value('direction') })),
  ])
}

function visitorDialog() {
  const form = el(
    'div',
    { className: 'form' },
    field('name', L('name'), { max: 32 }),
    field('phoneLast4', L('phone4'), { numeric: true, max: 4 }),
    field('hostUnit', L('hostUnit'), { max: 16 }),
    field('tempC', L('temp'), { numeric: true, decimal: true, max: 4 }),
    directionChoice(),
  )
  openModal(L('visitorTitle'), [form, keypad(true)], [
    cancelButton(),
    submitButton('/api/kiosk/visitor', () => ({
      name: value('name'),
      phoneLast4: value('phoneLast4'),
      hostUnit: value('hostUnit'),
      tempC: num(value('tempC')),
      direction: value('direction'),
    })),
  ])
}

function vehicleDialog() {
  const form = el(
    'div',
    { className: 'form' },
    field('plate', L('plate'), { max: 10 }),
    field('occupants', L('occupants'), { numeric: true, max: 1, value: '1' }),
    field('tempC', L('driverTemp'), { numeric: true, decimal: true, max: 4 }),
    directionChoice(),
  )
  openModal(L('vehicleTitle'), [form, keypad(true)], [
    cancelButton(),
    submitButton('/api/kiosk/vehicle', () => ({ plate: value('plate'), occupants: num(value('occupants')), tempC: num(value('tempC')), direction: value('direction') })),
  ])
}

function typedTemperatureDialog() {
  const pending = state.pending
  if (pending.length === 0) return
  const form = el(
    'div',
    { className: 'form' },
    pending.length > 1 ? choices('scanner', pending.map((p) => [p.scanner, p.scanner]), pending[0].scanner, 'manualTempAt') : el('div'),
    field('tempC', L('temp'), { numeric: true, decimal: true, max: 4 }),
  )
  const send = async () => {
    const r = await api('/api/kiosk/temperature', { scanner: value('scanner') || pending[0].scanner, tempC: num(value('tempC')) })
    if (!r.ok) return showErrors(r)
    closeModal()
  }
  openModal(L('typeTemp'), [form, keypad(true, send)], [cancelButton()])
}

async function secondaryDialog(entryId) {
  let chosen = entryId
  const form = el('div', { className: 'form' })
  if (!chosen) {
    const r = await api('/api/kiosk/fevers', null, 'GET')
    const fevers = r.ok ? r.data.fevers : []
    if (fevers.length === 0) form.append(el('div', { className: 'modal-error', textContent: L('noFevers') }))
    else {
      chosen = fevers[0].entryId
      form.append(
        choices(
          'entryId',
          fevers.map((f) => [f.entryId, `${timeOf(f.ts, true)} ${f.holder ?? ''} ${f.tempC === null ? '' : f.tempC.toFixed(1) + '°C'}${f.secondary ? ' ✔' : ''}`]),
          chosen,
          'secondaryPick',
        ),
      )
    }
  }
  form.append(field('tempC', L('armpit'), { numeric: true, decimal: true, max: 4 }))
  const send = async () => {
    const r = await api('/api/kiosk/secondary', { entryId: value('entryId') || chosen, tempC: num(value('tempC')) })
    if (!r.ok) return showErrors(r)
    closeModal()
    toast(L('saved'))
  }
  openModal(L('secondaryTitle'), [form, keypad(true, send)], [cancelButton()])
}

function taskDoneDialog(task) {
  const form = el('div', { className: 'form' }, el('div', { className: 'summary', textContent: `${W(TASK_KIND, task.kind)} · ${task.area}` }), field('note', L('note'), { max: 200 }))
  openModal(L('taskDone'), [form], [
    cancelButton(),
    button(L('confirm'), 'btn btn-green', async () => {
      const r = await api(`/api/tasks/${encodeURIComponent(task.id)}/done`, { note: value('note') })
      if (!r.ok) return showErrors({ data: { message: r.data.message ?? r.data.error ?? L('failed') } })
      closeModal()
      toast(L('saved'))
    }),
  ])
}

function handoverDialog() {
  const form = el('div', { className: 'form' }, field('note', L('handoverNote'), { max: 200 }))
  openModal(L('handover'), [form], [
    cancelButton(),
    button(L('handoverConfirm'), 'btn btn-gray', async () => {
      const staff = state.staff
      const r = await api('/api/kiosk/handover', { note: value('note') })
      if (!r.ok) return showErrors(r)
      state.staff = null
      renderActions()
      summaryDialog(r.data.summary, staff)
    }),
  ])
}

function summaryDialog(s, staff) {
  const row = (k, v) => [el('dt', { textContent: L(k) }), el('dd', { textContent: String(v) })]
  const dl = el(
    'dl',
    { className: 'summary', id: 'shift-summary' },
    ...row('shiftStaff', staff?.name ?? s.staff),
    ...row('shiftFrom', `${timeOf(Date.parse(s.from), true)} – ${timeOf(Date.parse(s.to), true)}`),
    ...row('shiftEntries', s.entries),
    ...row('shiftAdmitted', s.admitted),
    ...row('shiftDenials', s.denials),
    ...row('shiftFevers', s.fevers),
    ...row('shiftOverrides', s.overrides),
    ...row('shiftOpenTasks', s.openTasks),
    ...row('shiftOpenAlarms', s.openAlarms),
  )
  openModal(L('handoverTitle'), [el('div', { className: 'form' }, dl)], [button(L('close'), 'btn btn-gray', closeModal), button(L('nextLogin'), 'btn', () => pinDialog())])
}

// ---- wiring ------------------------------------------------------------------------------------------------------

function setLang(lang) {
  state.lang = lang
  localStorage.setItem('eg.lang', lang)
  renderAll()
}

for (const b of document.querySelectorAll('.lang-btn')) b.addEventListener('click', () => setLang(b.dataset.lang))
$('prompt-action').addEventListener('click', () => withStaff(typedTemperatureDialog))
$('alarm-ack').addEventListener('click', () =>
  withStaff(async () => {
    const a = state.alarms[0]
    if (!a) return
    const r = await api('/api/kiosk/ack', { entryId: a.entryId })
    if (!r.ok && r.status !== 401) toast(r.data.message ?? L('failed'), true)
  }),
)
$('alarm-secondary').addEventListener('click', () => withStaff(() => secondaryDialog(state.alarms[0]?.entryId ?? null)))
$('sound').addEventListener('click', () => audio())
// Browsers start audio only after a touch unless the kiosk runs with --autoplay-policy=no-user-gesture-required.
document.addEventListener('pointerdown', () => audio(), { capture: true })
setInterval(renderClock, 1000)

audio()
renderAll()
connect()
