// CSV for the community office: UTF-8 with a byte-order mark (Excel on a Chinese Windows opens it as GBK
// otherwise and shows mojibake), CRLF line ends, and cells that start like a formula defused.
import { Readable } from 'node:stream'
import { rfc3339 } from '../time.ts'
import type { EntryRow } from './records.ts'

export const BOM = '\uFEFF'

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  // =, +, - and @ at the start make a spreadsheet evaluate the cell (CSV injection).
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

export const ENTRY_CSV_HEADER = [
  'time', 'day', 'direction', 'decision', 'reasons', 'kind', 'subject', 'temp_c', 'rechecked', 'source', 'override_reason',
  'staff', 'visitor_name', 'phone_last4', 'host_unit', 'plate', 'occupants', 'scanner', 'pass_id', 'policy_version', 'clock_trusted', 'event_id',
]

export function entryCsvLine(r: EntryRow): string {
  const detail = r.detail ? (JSON.parse(r.detail) as { reason?: string; manual?: Record<string, unknown> }) : {}
  const m = detail.manual ?? {}
  return csvLine([
    rfc3339(r.ts), r.day, r.direction, r.decision, (JSON.parse(r.reasons) as string[]).join(' '), r.kind, r.subject,
    r.tempC === null ? null : r.tempC.toFixed(1), r.rechecked ? 'yes' : 'no', r.source, r.source === 'override' ? (detail.reason ?? null) : null,
    r.staff, m.maskedName, m.phoneLast4, m.hostUnit, m.plate, m.occupants, r.scanner, r.passId, r.policyVersion, r.clockTrusted ? 'yes' : 'no', r.eventId,
  ])
}

/** A streamed CSV: the BOM and header, then each page of rows as it is read. */
export function entriesCsv(pages: AsyncIterable<EntryRow[]>): Readable {
  return Readable.from(
    (async function* () {
      yield BOM + csvLine(ENTRY_CSV_HEADER)
      for await (const rows of pages) yield rows.map(entryCsvLine).join('')
    })(),
  )
}
