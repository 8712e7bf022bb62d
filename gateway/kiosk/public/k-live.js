// @ts-check
// The live feed (GET /api/kiosk/events, Server-Sent Events): a snapshot on every (re)connect, then events. While it
// is down the screen cannot be trusted, and says so: the card greyed with 连接中断 and for how long, and every action
// that needs the gateway greyed too; a tap on one says why nothing happens. All of it is back with the next snapshot.
import { $, el } from './common.js'
import { clearCard, onPrompt, showCard } from './k-card.js'
import { setAlarms } from './k-alarms.js'
import { setGate, setSkew } from './k-gate.js'
import { clearOfflineLine, toast } from './k-dialogs.js'
import { changed, L, onChange, state } from './k-state.js'
import { refreshSession } from './k-staff.js'

const CARD_MS = 8000

/** @param {MessageEvent} e */
const data = (e) => JSON.parse(e.data)

export function connect() {
  const source = new EventSource('/api/kiosk/events')
  source.addEventListener('snapshot', (e) => applySnapshot(data(e)))
  source.addEventListener('decision', (e) => showCard(data(e), true))
  source.addEventListener('prompt', (e) => onPrompt(data(e)))
  source.addEventListener('alarms', (e) => setAlarms(data(e)))
  source.addEventListener('gate', (e) => setGate(data(e)))
  source.addEventListener('pending', (e) => {
    const before = state.pending.length
    state.pending = data(e)
    // Someone new is waiting for a typed temperature: the previous result must not stay on screen.
    if (state.pending.length > before) clearCard()
    changed('card')
  })
  /** @type {[string, string, keyof typeof state][]} */
  const simple = [
    ['figures', 'figures', 'figures'],
    ['devices', 'devices', 'devices'],
    ['duty', 'duty', 'duty'],
    ['tasks', 'tasks', 'tasks'],
    ['relays', 'relays', 'relayFaults'],
  ]
  for (const [event, part, key] of simple) {
    source.addEventListener(event, (e) => {
      Object.assign(state, { [key]: data(e) })
      changed(part)
    })
  }
  source.onerror = () => {
    // The first failure of a run of them: reconnecting keeps failing until the gateway answers again.
    if (state.connected || state.lostAt === null) state.lostAt = Date.now()
    state.connected = false
    changed('connection')
    // EventSource retries by itself, except after a refused response: then start a new one.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000)
  }
}

/** @param {Record<string, any>} s */
function applySnapshot(s) {
  // Another gateway process's snapshot: the session this screen had ended with the one before (sessions.ts).
  const restarted = state.info !== null && s.sessions !== state.info.sessions
  state.info = /** @type {import('./k-state.js').Info} */ (s)
  state.figures = s.figures
  state.devices = s.devices
  state.pending = s.pending
  state.tasks = s.tasks
  state.duty = s.duty
  state.relayFaults = s.relayFaults ?? []
  // The results the screen missed while away (a reload, a lost connection), newest first.
  if (Array.isArray(s.recent)) state.history = [...s.recent]
  setAlarms(s.alarms)
  if (typeof s.now === 'number') setSkew(s.now)
  setGate(s.gate)
  if (s.last && Date.now() - s.last.ts < CARD_MS && (!state.card || state.card.eventId !== s.last.eventId)) showCard(s.last, false)
  state.connected = true
  state.lostAt = null
  changed('all')
  clearOfflineLine()
  void refreshSession(restarted)
}

/**
 * What needs the gateway: the staff actions, the alarm and task buttons, the typed-temperature prompt, the gate's mode
 * chip and the fire reset, and every
 * button of a dialog but those that only close it or change its view (data-offline), and the shift summary's 关闭.
 */
const NEEDS_GATEWAY = ['#actions button', '#gate-mode', '#fire-banner button', '#relogin-mark', '#alarm button', '#tasks button', '#task-banner button', '#prompt-action', '#modal-buttons button:not([data-offline]):not(#summary-close)'].join(', ')

// Taken before the button's own handler: nothing is sent that could not arrive, nor a dialog opened that could not be sent.
document.addEventListener(
  'click',
  (e) => {
    if (state.connected || !(e.target instanceof Element) || !e.target.closest(NEEDS_GATEWAY)) return
    e.preventDefault()
    e.stopImmediatePropagation()
    toast(L('lostBlocked'), true)
  },
  { capture: true },
)

/** What takes the card's place while the feed is down (the card itself is k-card.js's: this stands in for it, kiosk.css). */
const lost = el('article', { id: 'card-lost', className: 'card card-lost' }, el('div', { id: 'lost-word', className: 'lost-word' }), el('div', { id: 'lost-for', className: 'lost-for' }), el('div', { id: 'lost-help', className: 'lost-help' }))
$('card').after(lost)
/** @type {ReturnType<typeof setInterval> | undefined} */
let lostTimer

/** @param {number} ms */
function duration(ms) {
  const all = Math.max(0, Math.floor(ms / 1000))
  const m = Math.floor(all / 60)
  const sec = all % 60
  return m === 0 ? L('seconds', { s: sec }) : L('minutes', { m, s: String(sec).padStart(2, '0') })
}

function renderLostTime() {
  $('lost-for').textContent = state.lostAt === null ? '' : L('lostFor', { t: duration(Date.now() - state.lostAt) })
}

function renderLost() {
  // Before the first snapshot the screen is still connecting: nothing was lost yet.
  $('lost-word').textContent = state.lostAt === null ? L('connecting') : `⚠ ${L('lostWord')}`
  $('lost-help').textContent = state.lostAt === null ? '' : L('lostHelp')
  renderLostTime()
  clearInterval(lostTimer)
  if (!state.connected) lostTimer = setInterval(renderLostTime, 1000)
}
onChange('connection', renderLost)
