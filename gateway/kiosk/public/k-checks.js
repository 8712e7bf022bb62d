// @ts-check
// What the staff's forms must hold, in one place for both ends: the screen checks every field as staff type and
// before it sends (k-forms.js), and the server checks again whatever a browser sent (gateway/kiosk/staff.ts).
// No DOM here: the server imports it, as the sheets import i18n.js.

/** The last four digits of a phone number, nothing more. */
export const PHONE_LAST4 = /^\d{4}$/
/** A host unit such as 3-1-502 (what the unit keypad types; letters and # for the estates that use them). */
export const HOST_UNIT = /^[0-9A-Za-z#-]{1,16}$/
/** A plate after `normalPlate`: an optional province, then 5 to 8 letters and digits. */
export const PLATE = /^[\u4e00-\u9fa5]?[A-Z0-9]{5,8}$/
export const OCCUPANTS = { min: 1, max: 9 }
/** A visitor's name: only its first character is kept, and a masked one (`*`) is not a name. */
export const NAME_MAX = 32

/** @param {string} p */
export const normalPlate = (p) => p.trim().toUpperCase().replace(/[\s·.-]/g, '')

/** @param {string} name */
export const nameOk = (name) => {
  const first = Array.from(name.trim())[0]
  return first !== undefined && first !== '*' && name.trim().length <= NAME_MAX
}

/**
 * What is wrong with a typed temperature under the rules: null (nothing), `needed` (none, where one is needed:
 * going in, or always for a typed scan and an armpit check), `range` (outside rules.validRangeC: a slip of the
 * finger, not a reading), `number` (not a number at all).
 * @param {unknown} tempC
 * @param {boolean} needed
 * @param {readonly [number, number]} validRangeC
 * @returns {null | 'needed' | 'range' | 'number'}
 */
export function temperatureProblem(tempC, needed, validRangeC) {
  if (tempC === null || tempC === undefined || tempC === '') return needed ? 'needed' : null
  if (typeof tempC !== 'number' || !Number.isFinite(tempC)) return 'number'
  const [lo, hi] = validRangeC
  return tempC >= lo && tempC <= hi ? null : 'range'
}
