// @ts-check
// The staff screen's state: what the server last sent (snapshot and events) and this screen's own (language, the
// result on show, the staff session). Parts render from it; `changed(part)` asks the wiring to re-render a part.
import { localTime } from './common.js'
import { PASS_KIND, t, word } from './i18n.js'

/**
 * @typedef {{ eventId: string, ts: number, direction: 'in' | 'out', decision: 'admit' | 'deny', reasons: string[], tempC: number | null,
 *   passKind: string | null, holder: string | null, name?: string | null, unit?: string | null, plate?: string | null, occupants?: number | null, rechecked: boolean, source: 'scan' | 'override' | 'exit', scanner: string | null,
 *   staff: string | null, overrideReason: string | null, throughClosed?: boolean, deniedOpen?: boolean, action: string | null, degraded: boolean, alarm: boolean, gateFailed?: boolean,
 *   confirmedC?: number | null }} Card
 * @typedef {{ relay: string, entryId: string, ts: number, direction: 'in' | 'out', error: string }} RelayFault
 * @typedef {{ entryId: string, kind: 'fever' | 'isolation_breach', ts: number, direction: 'in' | 'out', passKind: string | null,
 *   holder: string | null, tempC: number | null, manual: boolean, secondaryC: number | null, name?: string | null, unit?: string | null,
 *   plate?: string | null, occupants?: number | null, count?: number, entryIds?: string[], lastTs?: number }} Alarm the same person alarming again
 *   joins their open alarm: `count` entries, `tempC` the latest reading, `lastTs` the latest time
 * @typedef {{ entryId: string, ts: number, tempC: number | null, passKind: string | null, holder: string | null, name?: string | null,
 *   unit?: string | null, secondary?: boolean, secondaryC?: number | null, secondaryFever?: boolean }} Fever a fever entry, for the armpit check (an alarm is one)
 * @typedef {{ name: string, kind: string, status: string, detail?: string | number | null }} Device
 * @typedef {{ id: number, taskId?: string, kind: string, area: string, status: string, dueAt: string, overdueAt?: string }} Task
 * @typedef {{ id: string, name: string }} Staff
 * @typedef {{ kind: string, scanner: string | null, tempC: number | null }} Prompt
 * @typedef {{ site: { id: string, name: string }, gate: { id: string, name: string }, timeZone: string, feverC: number,
 *   validRangeC: [number, number], scanners: { name: string, direction: 'in' | 'out' }[], openReasons: string[], gateAlarmOutcomes?: Record<string, string[]>,
 *   demo: { staffPin: string | null, techPin: string | null } | null, sessions?: string }} Info sessions: which gateway process's sessions
 */

export const state = {
  /** @type {'zh' | 'en'} */
  lang: localStorage.getItem('eg.lang') === 'en' ? 'en' : 'zh',
  connected: false,
  /** When the live feed went down (Date.now()); null while it is up, and before it first came up. */
  /** @type {number | null} */
  lostAt: null,
  /** @type {Info | null} */
  info: null,
  /** @type {Record<string, number> | null} */
  figures: null,
  /** @type {Device[]} */
  devices: [],
  /** @type {Alarm[]} */
  alarms: [],
  /** Relays that did not open for an admitted entry (until they move again). */
  /** @type {RelayFault[]} */
  relayFaults: [],
  /** Which open alarm is at the front of the stack (its entryId). */
  alarmFront: '',
  /** @type {{ scanner: string }[]} */
  pending: [],
  /** @type {Task[] | null} */
  tasks: null,
  /** @type {{ id: string, name: string, since: number } | null} */
  duty: null,
  /** @type {Card | null} */
  card: null,
  /** The last results, newest first (the card's among them): the recent row shows the ones before it. */
  /** @type {Card[]} */
  history: [],
  /** @type {Prompt | null} */
  prompt: null,
  /** This screen's own staff session, or null; `onDuty` false: acting without the shift. */
  /** @type {(Staff & { onDuty: boolean }) | null} */
  staff: null,
  /**
   * The session this screen had was found gone (not ended here: the gateway restarted, or it ended elsewhere), until
   * someone logs in again: the screen says so (k-staff.js). `restart`: the gateway's sessions are not those it had.
   */
  /** @type {{ name: string, restart: boolean } | null} */
  sessionLost: null,
}

/** @param {string} key @param {Record<string, unknown>} [vars] */
export const L = (key, vars) => t(state.lang, key, vars)
/** @param {Record<string, { zh: string, en: string }>} table @param {string | null | undefined} code */
export const W = (table, code) => word(table, code, state.lang)

/** @param {number} ts @param {boolean} [short] */
export const timeOf = (ts, short = false) => localTime(ts, state.info?.timeZone, { seconds: !short })

/** @param {number | null} c */
export const celsius = (c) => (c === null ? '' : `${c.toFixed(1)} °C`)

/**
 * Whose result or alarm: the kind (住户 / 访客), the masked holder id, or for a visitor registered by hand the masked
 * name and the unit visited, for a vehicle its plate and the people in it.
 * @param {{ passKind: string | null, holder: string | null, name?: string | null, unit?: string | null, plate?: string | null, occupants?: number | null }} x
 */
export const whoText = (x) =>
  [x.passKind ? W(PASS_KIND, x.passKind) : '', x.holder, x.name, x.unit ? L('visiting', { u: x.unit }) : '', x.plate, x.occupants ? L('occupantsN', { n: x.occupants }) : '']
    .filter(Boolean)
    .join(' · ')

/** @type {Map<string, Set<() => void>>} */
const listeners = new Map()

/** @param {string} part @param {() => void} fn */
export function onChange(part, fn) {
  let set = listeners.get(part)
  if (!set) listeners.set(part, (set = new Set()))
  set.add(fn)
}

/** @param {...string} parts */
export function changed(...parts) {
  for (const p of parts) for (const fn of listeners.get(p) ?? []) fn()
}
