// @ts-check
// The live feed (GET /api/kiosk/events, Server-Sent Events): a snapshot on every (re)connect, then events.
import { clearCard, onPrompt, showCard } from './k-card.js'
import { setAlarms } from './k-alarms.js'
import { changed, state } from './k-state.js'
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
    state.connected = false
    changed('connection')
    // EventSource retries by itself, except after a refused response: then start a new one.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000)
  }
}

/** @param {Record<string, any>} s */
function applySnapshot(s) {
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
  if (s.last && Date.now() - s.last.ts < CARD_MS && (!state.card || state.card.eventId !== s.last.eventId)) showCard(s.last, false)
  state.connected = true
  changed('all')
  void refreshSession()
}
