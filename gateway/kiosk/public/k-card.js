// @ts-check
// The result card (the last decision, large), the prompt above it (re-check, re-measure, type a temperature)
// and the connection banner. A result stays 8 s, then "please scan"; a new person being measured clears it. The
// results before it stay in a row under the card.
import { $, el } from './common.js'
import { OVERRIDE_TEXT, REASON_TEXT } from './i18n.js'
import { beep } from './k-sound.js'
import { celsius, changed, L, state, timeOf, W, whoText } from './k-state.js'

const CARD_MS = 8000
const HISTORY = 6
/** @type {Record<string, number>} */
const PROMPT_MS = { recheck: 15000, remeasure: 6000 }
/** @type {ReturnType<typeof setTimeout> | undefined} */
let cardTimer
/** @type {ReturnType<typeof setTimeout> | undefined} */
let promptTimer

/**
 * How a result looks: admit (green), deny (red), remeasure (amber: a bad reading is a request to measure again,
 * not a refusal), followup (an armpit check still a fever: the next step of its alarm, not a new denial).
 * @param {import('./k-state.js').Card} c
 * @returns {'admit' | 'deny' | 'remeasure' | 'followup'}
 */
export function cardLook(c) {
  if (c.decision === 'admit') return 'admit'
  if (c.source === 'override' && (c.overrideReason === 'secondary_check' || c.action === 'secondary_check')) return 'followup'
  // Only anti-passback in warn mode can come with it (a refused pass is never measured).
  if (c.reasons.includes('temp_invalid')) return 'remeasure'
  return 'deny'
}

/** @param {import('./k-state.js').Card} card @param {boolean} live */
export function showCard(card, live) {
  state.card = card
  if (!state.history.some((c) => c.eventId === card.eventId)) state.history = [card, ...state.history].slice(0, HISTORY)
  clearTimeout(cardTimer)
  cardTimer = setTimeout(() => {
    state.card = null
    changed('card')
  }, CARD_MS)
  // The card says it now (the re-check is over; "measure again" is the card itself).
  if (state.prompt && (state.prompt.kind === 'recheck' || cardLook(card) === 'remeasure') && state.prompt.scanner === card.scanner) clearPrompt()
  changed('card')
  // Admitted with the gate shut: the staff must not hear the admit chime.
  if (live) beep(card.gateFailed ? 'deny' : cardLook(card))
}

export function clearCard() {
  state.card = null
  clearTimeout(cardTimer)
}

/** @param {import('./k-state.js').Prompt} p */
export function onPrompt(p) {
  if (p.kind === 'manual_temperature') return // the pending list drives that banner
  // A new person is being measured: the previous person's result must not stay under the prompt.
  clearCard()
  state.prompt = p
  clearTimeout(promptTimer)
  promptTimer = setTimeout(clearPrompt, PROMPT_MS[p.kind] ?? 6000)
  changed('card')
}

function clearPrompt() {
  state.prompt = null
  clearTimeout(promptTimer)
  changed('card')
}

/** @param {import('./k-state.js').Card} c */
export function reasonText(c) {
  // Admitted, but the gate stayed shut: that comes first, it is what the staff must act on.
  if (c.gateFailed) return [L('gateFailed'), admitText(c)].filter(Boolean).join(L('list'))
  return admitText(c)
}

/** @param {import('./k-state.js').Card} c */
function admitText(c) {
  const look = cardLook(c)
  if (look === 'remeasure') return L('remeasureWhy')
  if (look === 'followup') return L('stillFeverNext')
  if (c.source === 'override' && c.decision === 'admit') {
    if (c.overrideReason === 'secondary_check') return L('secondaryOk')
    const why = W(OVERRIDE_TEXT, c.overrideReason)
    return [W(REASON_TEXT, 'manual_override'), why].filter(Boolean).join(L('colon'))
  }
  const reasons = c.reasons.filter((r) => r !== 'manual_override' || c.decision === 'deny')
  if (reasons.length === 0) return c.direction === 'in' && c.tempC !== null ? L('tempOk') : ''
  // Anti-passback says which way the person went twice: 重复进门（无出门记录）, or its mirror on the way out.
  return reasons.map((r) => W(REASON_TEXT, r === 'anti_passback' && c.direction === 'out' ? 'anti_passback_out' : r)).join(L('list'))
}

/** @param {import('./k-state.js').Card} c */
export function cardWord(c) {
  const look = cardLook(c)
  if (look === 'remeasure') return `⟳ ${L('remeasureWord')}`
  if (look === 'followup') return `⚠ ${L('stillFeverWord')}`
  return `${c.decision === 'admit' ? '✔' : '✘'} ${L(c.decision)}`
}

export function renderCard() {
  const el = $('card')
  const c = state.card
  el.className = `card ${c ? cardLook(c) : 'idle'}${state.connected ? '' : ' stale'}`
  el.dataset.state = c ? cardLook(c) : 'idle'
  el.dataset.eventId = c ? c.eventId : ''
  el.dataset.gate = c?.gateFailed ? 'failed' : ''
  if (!c) {
    // A person is still in front of the gate (a re-check, or a temperature to type): not "please scan".
    const waiting = state.pending.length > 0 ? 'waitTemp' : state.prompt?.kind === 'recheck' ? 'measuring' : null
    el.dataset.state = waiting ? 'measuring' : 'idle'
    $('card-word').textContent = L(waiting ?? 'idle')
    $('card-meta').textContent = waiting ? '' : L('idleSub')
    for (const id of ['card-temp', 'card-who', 'card-reason']) $(id).textContent = ''
  } else {
    $('card-word').textContent = cardWord(c)
    // A dash only where a temperature was wanted and not had; a refused pass or an exit has none to show.
    const missing = c.reasons.includes('no_temperature') || c.reasons.includes('temp_invalid')
    $('card-temp').textContent = c.tempC === null ? (missing ? '— °C' : '') : celsius(c.tempC)
    $('card-who').textContent = [L(c.direction), whoText(c)].filter(Boolean).join(' · ')
    $('card-reason').textContent = reasonText(c)
    const meta = [timeOf(c.ts)]
    if (c.rechecked) meta.push(L('rechecked'))
    if (c.degraded) meta.push(L('degraded'))
    if (c.action === 'typed_temperature') meta.push(L('typed'))
    if (c.staff) meta.push(`${L('byStaff')}${c.staff}`)
    $('card-meta').textContent = meta.join(' · ')
  }
  renderPrompt()
  renderRecent()
}

/**
 * The results before the one on the card, small, in a row under it (as many as fit): who looked away from the gate
 * for a moment still sees what happened, after the card has moved on or gone back to "please scan".
 */
function renderRecent() {
  const ol = $('recent')
  const before = state.history.filter((c) => c.eventId !== state.card?.eventId).slice(0, 4)
  ol.hidden = before.length === 0
  const items = before.map((c) => {
    const look = cardLook(c)
    const why = look === 'admit' ? celsius(c.tempC) : reasonText(c)
    const li = el('li', { className: `recent ${look}` }, el('span', { className: 'rc-time', textContent: timeOf(c.ts) }), el('b', { textContent: cardWord(c) }), el('span', { className: 'rc-why', textContent: why }))
    li.dataset.eventId = c.eventId
    li.dataset.look = look
    return li
  })
  ol.replaceChildren(el('li', { className: 'recent-label', textContent: L('recent') }), ...items)
  fitRecent()
}

/** Drops the oldest results that do not fit the row, then the newest one's reason: never a clipped word. */
export function fitRecent() {
  const ol = $('recent')
  if (ol.hidden) return
  const items = /** @type {HTMLElement[]} */ ([...ol.querySelectorAll('li.recent')])
  for (const li of items) {
    li.hidden = false
    li.classList.remove('short')
  }
  const fits = () => ol.scrollWidth <= ol.clientWidth + 0.5
  for (let i = items.length - 1; i > 0 && !fits(); i--) /** @type {HTMLElement} */ (items[i]).hidden = true
  if (!fits()) items[0]?.classList.add('short')
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
    const temp = state.prompt.tempC === null ? '' : `  ${celsius(state.prompt.tempC)}`
    $('prompt-text').textContent = L(state.prompt.kind) + temp
  } else box.hidden = true
}

/** The connection banner, in the screen's language; the device chips go grey, as their state is not known. */
export function renderConnection() {
  const on = state.connected
  document.body.dataset.connected = on ? 'yes' : 'no'
  $('conn-text').textContent = on ? L('connected') : L('disconnected')
  const banner = $('offline-banner')
  banner.hidden = on
  banner.textContent = `⚠ ${L('disconnected')} ${L('devicesUnknown')}`
  $('card').classList.toggle('stale', !on)
}

/** A relay that did not open for an admitted person: a red banner until that relay moves again (the server keeps it). */
export function renderRelayFaults() {
  const banner = $('relay-banner')
  const faults = state.relayFaults
  banner.hidden = faults.length === 0
  document.body.dataset.relay = faults.length > 0 ? 'failed' : 'ok'
  banner.textContent = faults
    .map((f) => `⚠ ${L('relayFault', { relay: f.relay, time: timeOf(f.ts, true), dir: L(f.direction) })}`)
    .join('\n')
}
