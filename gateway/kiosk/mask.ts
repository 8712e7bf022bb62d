// What the kiosk shows and stores of a person: a resident's unit, otherwise never a full holder id on the screen;
// never a full name or phone number anywhere (DESIGN section 6). Masking happens on the server, whatever the browser
// sent.

/** `R-0102-67` → `R-01****67`: enough for a guard to match a pass, not enough to copy it. Fixed four stars, so
 * the length of the id is not shown either. */
export function maskHolder(id: string | null): string | null {
  if (id === null) return null
  const chars = Array.from(id)
  if (chars.length <= 3) return '****'
  if (chars.length <= 6) return `${chars[0]}****${chars.at(-1)}`
  return `${chars.slice(0, 4).join('')}****${chars.slice(-2).join('')}`
}

/** `张三丰` → `张**`, `Li Wei` → `L**`: the first character only (an already masked `张**` stays as it is). */
export function maskName(name: string): string {
  const first = Array.from(name.trim())[0]
  if (!first || first === '*') throw new RangeError('a name must start with a letter or character')
  return `${first}**`
}

/** A household id as DESIGN section 6 writes them: `H-` and the unit, two to four numbers such as `H-3-1-502`. */
const HOUSEHOLD = /^H-(\d{1,4}(?:-\d{1,4}){1,3})$/

/**
 * Who a decision was for, as the staff screen shows it: a resident by the unit the staff know (`H-3-1-502` →
 * `3-1-502`, as a visitor's host unit is shown), anyone else by the masked id. A unit is not among what DESIGN
 * section 6 keeps off screens and records (names, ID numbers, phone numbers), and the household id that names one is
 * a pass's `sub`, never a name; an id that is not a household's stays masked.
 */
export function shownHolder(id: string | null, kind: string | null): string | null {
  const unit = kind === 'resident' && id !== null ? HOUSEHOLD.exec(id)?.[1] : undefined
  return unit ?? maskHolder(id)
}
