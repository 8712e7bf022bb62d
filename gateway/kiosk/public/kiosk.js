// @ts-check
// The staff screen: plain ES modules, no framework, no build step, nothing from the internet. State comes from the
// server (k-live.js); each part renders itself from it (k-card, k-alarms, k-side); actions are JSON POSTs that
// need a staff session (k-staff, k-forms). This file wires them together.
import { $, el, setLoggedOutHandler } from './common.js'
import { renderAlarms, wireAlarms } from './k-alarms.js'
import { fitCard, fitRecent, renderCard, renderConnection, renderRelayFaults } from './k-card.js'
import { closeModal, modalOpen } from './k-dialogs.js'
import { renderGate, wireGate } from './k-gate.js'
import { openDialog, secondaryDialog, typedTemperatureDialog, vehicleDialog, visitorDialog } from './k-forms.js'
import { connect } from './k-live.js'
import { fitTasks, renderDevices, renderDuty, renderFigures, renderTasks } from './k-side.js'
import { audio, renderSound } from './k-sound.js'
import { fitStrip, renderStrip, wireStrip } from './k-strip.js'
import { renderActions, sessionLost, withStaff } from './k-staff.js'
import { changed, L, onChange, state, timeOf } from './k-state.js'

const actions = {
  open: () => openDialog(),
  visitor: visitorDialog,
  vehicle: vehicleDialog,
  secondary: () => void secondaryDialog(null),
}

function renderStatic() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en'
  document.body.dataset.lang = state.lang
  for (const b of document.querySelectorAll('.lang-btn')) b.classList.toggle('on', /** @type {HTMLElement} */ (b).dataset.lang === state.lang)
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = L(/** @type {HTMLElement} */ (e).dataset.t ?? '')
  $('fig-title').textContent = L('today')
  if (state.info) {
    $('gate-name').replaceChildren(el('span', { id: 'gate-only', textContent: state.info.gate.name }), el('span', { id: 'gate-site', textContent: ` · ${state.info.site.name}` }))
    fitTop()
    document.title = `${state.info.gate.name} · estate-gate`
  }
}

/**
 * The top bar at 800x480 holds the gate's name, the clock, the connection, the gate chip, the duty and the languages,
 * and at times 点击启用声音 or a helper's mark: then the site's name gives way (the gate's own name stays), rather than
 * the name running under the clock.
 */
function fitTop() {
  const name = $('gate-name')
  const site = document.getElementById('gate-site')
  if (!site) return
  site.hidden = false
  if (name.scrollWidth > name.clientWidth + 0.5) site.hidden = true
}

// Whatever else changes in the top bar (the duty, the connection, the gate chip, the sound prompt) changes the room left
// for the name: fit it again after each change, so the result does not depend on the order things arrived in. The
// name itself and the clock's ticks are left out (fitTop changes the one; the other would refit every second).
let fitQueued = false
new MutationObserver((records) => {
  const skip = (/** @type {Node} */ n) => $('gate-name').contains(n) || $('clock').contains(n)
  if (fitQueued || records.every((r) => skip(r.target))) return
  fitQueued = true
  requestAnimationFrame(() => {
    fitQueued = false
    fitTop()
  })
}).observe($('top'), { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden', 'class'] })
addEventListener('resize', fitTop)

const renderClock = () => ($('clock').textContent = timeOf(Date.now(), true))

onChange('card', renderCard)
onChange('alarms', renderAlarms)
for (const part of ['card', 'alarms', 'modal']) onChange(part, renderStrip)
onChange('figures', renderFigures)
onChange('devices', renderDevices)
onChange('gate', renderGate)
onChange('tasks', renderTasks)
// With an alarm open the side column gives way to the alarm stack: the banner then shows the most urgent open task.
onChange('alarms', renderTasks)
onChange('duty', renderDuty)
onChange('relays', renderRelayFaults)
onChange('actions', () => renderActions(actions))
onChange('connection', () => {
  renderConnection()
  renderCard()
  renderStrip()
})
onChange('all', () => {
  renderStatic()
  renderClock()
  changed('connection', 'alarms', 'figures', 'devices', 'tasks', 'duty', 'actions', 'relays', 'gate')
  renderSound()
})

/** @param {'zh' | 'en'} lang */
function setLang(lang) {
  state.lang = lang
  localStorage.setItem('eg.lang', lang)
  // A dialog is built in the language it was opened in: close it rather than show two languages.
  if (modalOpen()) closeModal()
  changed('all')
}

for (const b of document.querySelectorAll('.lang-btn')) b.addEventListener('click', () => setLang(/** @type {HTMLElement} */ (b).dataset.lang === 'en' ? 'en' : 'zh'))
$('prompt-action').addEventListener('click', () => withStaff(typedTemperatureDialog))
$('sound').addEventListener('click', () => audio())
// Browsers start audio only after a touch unless the kiosk runs with --autoplay-policy=no-user-gesture-required.
document.addEventListener('pointerdown', () => audio(), { capture: true })
// A 401 login_required: the session this screen had is gone (k-staff.js says so, and offers the PIN in a dialog).
setLoggedOutHandler(() => sessionLost(false))
wireAlarms()
wireGate()
wireStrip()
new ResizeObserver(() => fitTasks()).observe($('side'))
new ResizeObserver(() => fitTop()).observe($('gate-name'))
new ResizeObserver(() => fitStrip()).observe($('strip'))
new ResizeObserver(() => fitRecent()).observe($('recent'))
new ResizeObserver(() => fitCard()).observe($('card'))
setInterval(renderClock, 1000)

audio()
changed('all')
connect()
