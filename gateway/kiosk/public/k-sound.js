// @ts-check
// Sounds made in the page (WebAudio, no files): a short beep per result, a siren while an alarm is open, a chime
// for an overdue task. Browsers start audio only after a touch unless the kiosk runs with
// --autoplay-policy=no-user-gesture-required (deploy/ does); until then a button offers to enable it.
import { $ } from './common.js'
import { L, state } from './k-state.js'

/** @type {AudioContext | null} */
let ctx = null
/** @type {ReturnType<typeof setInterval> | 0} */
let sirenTimer = 0
/** @type {ReturnType<typeof setInterval> | 0} */
let chimeTimer = 0

export function audio() {
  if (!ctx) {
    try {
      ctx = new AudioContext()
      ctx.onstatechange = renderSound
    } catch {
      return null
    }
  }
  if (ctx.state === 'suspended') ctx.resume().catch(() => {})
  renderSound()
  return ctx
}

/** @param {number} freq @param {number} at @param {number} ms @param {number} [gain] @param {OscillatorType} [type] */
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

/** @param {'admit' | 'deny' | 'remeasure' | 'followup' | 'closed'} look (k-card.js cardLook; closed sounds as a refusal: nobody goes through) */
export function beep(look) {
  if (state.alarms.length > 0 || look === 'followup') return
  if (look === 'admit') tone(1320, 0, 120, 0.15, 'sine')
  else if (look === 'remeasure') {
    // Two short mid notes: "again", not the low double of a refusal.
    tone(880, 0, 90, 0.2, 'triangle')
    tone(880, 160, 90, 0.2, 'triangle')
  } else {
    tone(392, 0, 220)
    tone(392, 320, 220)
  }
}

/** A two-tone siren, repeated every two seconds until the last alarm is acknowledged: unlike any other sound. */
/** @param {boolean} on */
export function siren(on) {
  document.body.dataset.sound = on ? 'alarm' : chimeTimer ? 'task' : ''
  if (!on) {
    clearInterval(sirenTimer)
    sirenTimer = 0
    return
  }
  if (sirenTimer) return
  const play = () => {
    for (let i = 0; i < 6; i++) tone(i % 2 ? 660 : 988, i * 250, 240, 0.3, 'sawtooth')
  }
  play()
  sirenTimer = setInterval(play, 2000)
}

/** Three rising notes every 30 s while a task is overdue (quieter than the siren, which it gives way to). */
/** @param {boolean} on */
export function taskChime(on) {
  if (!on) {
    clearInterval(chimeTimer)
    chimeTimer = 0
    if (document.body.dataset.sound === 'task') document.body.dataset.sound = ''
    return
  }
  if (chimeTimer) return
  const play = () => {
    if (sirenTimer) return
    for (const [i, f] of [523, 659, 784].entries()) tone(f, i * 220, 200, 0.2, 'triangle')
  }
  play()
  chimeTimer = setInterval(play, 30_000)
  if (!sirenTimer) document.body.dataset.sound = 'task'
}

export function renderSound() {
  const running = ctx && ctx.state === 'running'
  document.body.dataset.audio = ctx ? ctx.state : 'none'
  const b = $('sound')
  b.hidden = Boolean(running)
  b.textContent = L('soundOff')
}
