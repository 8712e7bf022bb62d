// The one CSV writer of every sheet the gateway hands out (entries export, gate day sheet, task day sheet, the CLI
// export): UTF-8 with a byte-order mark (without it Excel on a Chinese Windows reads the file as GBK and shows
// mojibake), CRLF line ends (RFC 4180), RFC 4180 quoting, and one rule against formula injection.
import { Readable } from 'node:stream'

export const BOM = '\uFEFF'

export type Cell = string | number | null | undefined
export type Row = readonly Cell[]

/**
 * One cell. A text that starts with = + - @ TAB or CR makes a spreadsheet evaluate it (CSV injection, OWASP): it
 * gets a leading apostrophe, so Excel and LibreOffice show it as text, whatever typed it (a visitor's name, a note,
 * a holder id from a pass). A number is written as a number: it is ours, never typed, and -3 is not a formula.
 */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`a sheet cell must be a finite number (got ${v})`)
    return String(v)
  }
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLine(cells: Row): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

/** A whole sheet held in memory (a day sheet: a few hundred lines at most). */
export function csvDocument(rows: readonly Row[]): string {
  return BOM + rows.map(csvLine).join('')
}

/** A streamed sheet: the BOM and the header at once, then each page of rows as it is read (months of entries). */
export function csvStream<T>(header: Row, pages: AsyncIterable<readonly T[]>, line: (item: T) => Row): Readable {
  return Readable.from(
    (async function* () {
      yield BOM + csvLine(header)
      for await (const items of pages) yield items.map((i) => csvLine(line(i))).join('')
    })(),
  )
}
