// What the kiosk shows and stores of a person: never a full holder id on the screen, never a full name or phone
// number anywhere (DESIGN section 6). Masking happens on the server, whatever the browser sent.

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
