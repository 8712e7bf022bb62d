// @ts-check
// The result card (the last decision, large), the prompt above it (re-check, re-measure, type a temperature)
// and the connection banner. A result stays 8 s, then "please scan"; a new person being measured clears it. A
// denial stays at least 5 s, so that staff can read why: what comes meanwhile waits in the row under the card
// (下一位), and the card moves on to it after. The results before it stay in that row too (之前). The prompt banner
// is the card's own (the person being measured, no result on the card yet): with someone else's result on the
// card, a prompt waits in the row as the next person.
import { $, el } from './common.js'
import { OVERRIDE_TEXT, REASON_TEXT } from './i18n.js'
import { beep } from './k-sound.js'
import { celsius, changed, L, state, timeOf, W, whoText } from './k-state.js'

const CARD_MS = 8000
/** A denial stays on the card at least this long: read from 2 m away, a reason takes a few seconds. */
const HOLD_MS = 5000
/** A denial that waited this long behind others (a burst of refusals) is left to the row: the card keeps up. */
const STALE_MS = 10000
const HISTORY = 6
/** @type {Record<string, number>} */
const PROMPT_MS = { recheck: 15000, remeasure: 6000 }
/** @type {ReturnType<typeof setTimeout> | undefined} */
let cardTimer
/** @type {ReturnType<typeof setTimeout> | undefined} */
let holdTimer
/** @type {ReturnType<typeof setTimeout> | undefined} */
let promptTimer
/** Until when (performance.now()) the denial on the card is held; 0 when it is not. */
let heldUntil = 0
/** Results that came while a denial was held, oldest first, with when they came. */
/** @type {{ card: import('./k-state.js').Card, at: number }[]} */
let queue = []
/** When, during a hold, something asked for the card to go (a new person being measured, a temperature to type). */
let clearAsked = 0
/** When the prompt came. */
let promptAt = 0

/**
 * How a result looks: admit (green), deny (red), remeasure (amber: a bad reading is a request to measure again,
 * not a refusal), followup (an armpit check still a fever: the next step of its alarm, not a new denial), closed (an
 * admit in remain-closed: recorded as admitted, but the gate did not move, so the person is still outside).
 * @param {import('./k-state.js').Card} c
 * @returns {'admit' | 'deny' | 'remeasure' | 'followup' | 'closed'}
 */
export function cardLook(c) {
  if (c.decision === 'admit' && c.reasons.includes('gate_closed')) return 'closed'
  if (c.decision === 'admit') return 'admit'
  if (c.source === 'override' && (c.overrideReason === 'secondary_check' || c.action === 'secondary_check')) return 'followup'
  // Only anti-passback in warn mode can come with it (a refused pass is never measured).
  if (c.reasons.includes('temp_invalid')) return 'remeasure'
  return 'deny'
}

/** Something staff did by hand (人工开闸, a registration): they look for it on the card at once. */
const byStaff = (/** @type {import('./k-state.js').Card} */ c) => c.source === 'override'

/** Whether a result is held on the card (a refusal, an armpit check still a fever, a gate kept closed): not a re-measure, not an admit. */
const held = (/** @type {import('./k-state.js').Card} */ c) => ['deny', 'followup', 'closed'].includes(cardLook(c))
const holding = () => performance.now() < heldUntil

/** The results waiting for the card, oldest first. */
export const waitingCards = () => queue.map((q) => q.card)

/** @param {import('./k-state.js').Card} card @param {boolean} live */
export function showCard(card, live) {
  if (!state.history.some((c) => c.eventId === card.eventId)) state.history = [card, ...state.history].slice(0, HISTORY)
  // This scanner's person has a result: their re-check or re-measure is over (the result says it now).
  if (state.prompt && card.scanner !== null && state.prompt.scanner === card.scanner) endPrompt()
  if (card.eventId === state.card?.eventId || queue.some((q) => q.card.eventId === card.eventId)) changed('card')
  else if (holding() && byStaff(card) && state.card) {
    // The staff's own action takes the card at once; someone else's result it interrupts comes back after it (a
    // staff action interrupted by the next one does not: they did both, and read the first).
    if (!byStaff(state.card)) queue.unshift({ card: state.card, at: performance.now() })
    present(card)
  } else if (holding()) {
    queue.push({ card, at: performance.now() })
    changed('card')
  } else present(card)
  // Admitted with the gate shut: the staff must not hear the admit chime. The sound is the gate's: at once.
  if (live) beep(card.gateFailed ? 'deny' : cardLook(card))
}

/** @param {import('./k-state.js').Card} card */
function present(card) {
  state.card = card
  clearTimeout(cardTimer)
  clearTimeout(holdTimer)
  cardTimer = setTimeout(() => {
    state.card = null
    changed('card')
  }, CARD_MS)
  heldUntil = held(card) ? performance.now() + HOLD_MS : 0
  if (heldUntil) holdTimer = setTimeout(release, HOLD_MS)
  changed('card')
}

/**
 * The denial has been on the card long enough: the next result that matters takes it. An admit or a re-measure
 * with something after it (a later result, a new person being measured) is left to the row: it is over.
 */
function release() {
  heldUntil = 0
  const now = performance.now()
  const later = (/** @type {number} */ at) => queue.some((q) => q.at > at) || clearAsked > at || (state.prompt !== null && promptAt > at)
  queue = queue.filter((q) => (held(q.card) ? now - q.at < STALE_MS : !later(q.at)))
  const next = queue.shift()
  const clear = clearAsked > 0 || state.prompt !== null
  clearAsked = 0
  if (next) return present(next.card)
  if (clear) {
    state.card = null
    clearTimeout(cardTimer)
  }
  changed('card')
}

/** Someone new is in front of the gate: the card goes back to them, unless it holds a denial (then after it). */
export function clearCard() {
  if (holding()) {
    clearAsked = performance.now()
    return
  }
  state.card = null
  clearTimeout(cardTimer)
}

/** @param {import('./k-state.js').Prompt} p */
export function onPrompt(p) {
  if (p.kind === 'manual_temperature') return // the pending list drives that banner
  // A new person is being measured: the previous person's result must not stay under the prompt.
  clearCard()
  state.prompt = p
  promptAt = performance.now()
  clearTimeout(promptTimer)
  promptTimer = setTimeout(() => {
    endPrompt()
    changed('card')
  }, PROMPT_MS[p.kind] ?? 6000)
  changed('card')
}

function endPrompt() {
  state.prompt = null
  clearTimeout(promptTimer)
}

/** @param {import('./k-state.js').Card} c */
export function reasonText(c) {
  // Admitted, but the gate stayed shut: that comes first, it is what the staff must act on.
  if (c.gateFailed) return [L('gateFailed'), admitText(c)].filter(Boolean).join(L('list'))
  // Refused, but the gate stands open (remain-open, fire): nothing stops the person but the staff.
  if (c.deniedOpen) return [admitText(c), L('deniedOpen')].filter(Boolean).join(L('dot'))
  return admitText(c)
}

/** A vehicle registered by hand: 车辆登记 · 粤B12345 · 1人. @param {import('./k-state.js').Card} c */
const vehicleText = (c) => [W(OVERRIDE_TEXT, 'vehicle'), c.plate, c.occupants ? L('occupantsN', { n: c.occupants }) : ''].filter(Boolean).join(' · ')

/** An admitted vehicle: its reason line says it all (registered, plate, people); the line above, only the way. */
const vehicleAdmit = (/** @type {import('./k-state.js').Card} */ c) => c.source === 'override' && c.decision === 'admit' && c.overrideReason === 'vehicle'

/** @param {import('./k-state.js').Card} c */
function admitText(c) {
  const look = cardLook(c)
  if (look === 'remeasure') return L('remeasureWhy')
  if (look === 'followup') return L('stillFeverNext')
  // The gate did not move on purpose: that is what the staff tell the person (the rest of the reasons do not matter).
  // Someone inside pressed the exit button and is waiting: staff may open by hand.
  // The word already says 闸门常闭: the line says what it means and what to do.
  if (look === 'closed') return c.source === 'exit' ? L('exitWaitWhy') : L('closedWhy')
  if (c.source === 'exit') return L('exitWhy')
  if (c.source === 'override' && c.decision === 'admit') {
    // Let in on confirmation after an armpit check that had confirmed the fever: the card says so, with that reading
    // (kept on one line: it wraps as a whole).
    if (c.overrideReason === 'secondary_check') {
      return typeof c.confirmedC === 'number' ? L('secondaryOkConfirmed', { t: celsius(c.tempC), c: celsius(c.confirmedC).replace(/ /g, '\u00a0') }) : L('secondaryOk', { t: celsius(c.tempC) })
    }
    if (vehicleAdmit(c)) return vehicleText(c)
    const why = W(OVERRIDE_TEXT, c.overrideReason)
    // The gate opened by hand for a reason (人工开闸：救护车); a visitor registered is let in (人工放行：访客登记).
    const how = c.overrideReason === 'visitor' ? W(REASON_TEXT, 'manual_override') : L('openedBy')
    const text = [how, why].filter(Boolean).join(L('colon'))
    return c.throughClosed ? `${text}${L('dot')}${L('throughClosed')}` : text
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
  if (look === 'closed') return `⚠ ${L(c.source === 'exit' ? 'exitWaitWord' : 'closedWord')}`
  // The exit button inside: someone went out without a pass, not a pass the screen does not know.
  if (c.source === 'exit') return `✔ ${L('exitWord')}`
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
    $('card-who').textContent = [L(c.direction), vehicleAdmit(c) ? '' : whoText(c)].filter(Boolean).join(' · ')
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
  fitCard()
}

/**
 * When the card is too small for all it says (beside the alarm stack, under the banners, on the 7-inch), the time
 * goes first, then the line of whose it was; with several reasons at once, the word, then the reason, get smaller:
 * never a clipped word.
 */
export function fitCard() {
  const card = $('card')
  const word = $('card-word')
  const reason = $('card-reason')
  const parts = [$('card-meta'), $('card-who')]
  for (const p of parts) p.hidden = false
  word.style.fontSize = ''
  reason.style.fontSize = ''
  const fits = () => card.scrollHeight <= card.clientHeight + 0.5
  for (const p of parts) {
    if (fits()) return
    p.hidden = true
  }
  for (let px = parseFloat(getComputedStyle(word).fontSize) - 4; !fits() && px >= 28; px -= 4) word.style.fontSize = `${px}px`
  for (let px = parseFloat(getComputedStyle(reason).fontSize) - 2; !fits() && px >= 20; px -= 2) reason.style.fontSize = `${px}px`
}

/** @param {import('./k-state.js').Card} c */
function recentItem(c) {
  const look = cardLook(c)
  // A scanned admit is its temperature; anything else says why (人工开闸：救护车, 出门按钮, a refusal's reason).
  const why = look === 'admit' && c.source === 'scan' ? celsius(c.tempC) : reasonText(c)
  const li = el('li', { className: `recent ${look}` }, el('span', { className: 'rc-time', textContent: timeOf(c.ts) }), el('b', { textContent: cardWord(c) }), el('span', { className: 'rc-why', textContent: why }))
  li.dataset.eventId = c.eventId
  li.dataset.look = look
  return li
}

/**
 * The row under the card, small: first what comes after the card's result (下一位: results waiting while a denial
 * is read, a person being measured meanwhile), then the results before it (之前), as many as fit. Who looked away
 * from the gate for a moment still sees what happened, after the card has moved on or gone back to "please scan".
 */
function renderRecent() {
  const ol = $('recent')
  const next = state.card ? waitingCards() : []
  const shown = new Set([state.card?.eventId, ...next.map((c) => c.eventId)])
  const before = state.history.filter((c) => !shown.has(c.eventId)).slice(0, 4)
  const items = next.map((c) => recentItem(c))
  const p = state.card ? state.prompt : null
  if (p) {
    const li = el('li', { className: 'recent measuring' }, el('b', { textContent: L(p.kind === 'remeasure' ? 'remeasureWord' : 'measuring') }), el('span', { className: 'rc-why', textContent: celsius(p.tempC) }))
    li.dataset.look = 'measuring'
    li.dataset.prompt = p.kind
    items.push(li)
  }
  const head = items.length > 0 ? [el('li', { className: 'recent-label next', textContent: L('next') })] : []
  const tail = before.length > 0 ? [el('li', { className: 'recent-label before', textContent: L('recent') })] : []
  ol.hidden = items.length + before.length === 0
  ol.replaceChildren(...head, ...items, ...tail, ...before.map((c) => recentItem(c)))
  fitRecent()
}

/**
 * Drops the oldest results that do not fit the row (what comes next is kept longest), then the first one's reason:
 * never a clipped word.
 */
export function fitRecent() {
  const ol = $('recent')
  if (ol.hidden) return
  const items = /** @type {HTMLElement[]} */ ([...ol.querySelectorAll('li.recent')])
  const label = /** @type {HTMLElement | null} */ (ol.querySelector('li.recent-label.before'))
  for (const li of [...items, ...(label ? [label] : [])]) {
    li.hidden = false
    li.classList.remove('short')
  }
  const fits = () => ol.scrollWidth <= ol.clientWidth + 0.5
  for (let i = items.length - 1; i > 0 && !fits(); i--) {
    const li = /** @type {HTMLElement} */ (items[i])
    li.hidden = true
    // 之前 with nothing left after it goes too.
    if (label && li.previousElementSibling === label) label.hidden = true
  }
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
  } else if (state.prompt && !state.card) {
    // Only over the card of the person it is for (being measured, no result yet), never over someone else's result.
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
