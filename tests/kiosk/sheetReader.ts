// Reads a sheet as the office's tools would, with an implementation we did not write: Python's csv module (RFC 4180
// reader, strict mode) after a UTF-8-with-BOM decode, and Python's datetime.fromisoformat for every local time with
// an offset, giving the instant it names. Also checks what Excel needs: the BOM and CRLF line ends.
import { execFileSync } from 'node:child_process'

const SCRIPT = String.raw`
import csv, datetime, io, json, re, sys
raw = sys.stdin.buffer.read()
if not raw.startswith(b'\xef\xbb\xbf'):
    sys.exit('no UTF-8 byte-order mark')
rows = list(csv.reader(io.StringIO(raw.decode('utf-8-sig'), newline=''), strict=True))
stamp = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d$')
instants = {c: round(datetime.datetime.fromisoformat(c).timestamp() * 1000) for r in rows for c in r if stamp.match(c)}
print(json.dumps({'rows': rows, 'instants': instants}, ensure_ascii=False))
`

export interface Sheet {
  rows: string[][]
  /** Each local time with offset in the sheet → epoch ms, as Python reads it. */
  instants: Record<string, number>
}

export function readSheet(raw: Buffer): Sheet {
  // Every line ends CR LF (no cell of these tests holds a line break).
  const text = raw.toString('utf8')
  if (/(^|[^\r])\n/.test(text)) throw new Error('a line ends LF without CR')
  if (!text.endsWith('\r\n')) throw new Error('the last line does not end CR LF')
  return JSON.parse(execFileSync('python3', ['-c', SCRIPT], { input: raw, encoding: 'utf8' })) as Sheet
}

/** The rows of a sheet's table: from the row equal to `header` to the next empty row. */
export function table(rows: readonly string[][], header: readonly string[]): string[][] {
  const i = rows.findIndex((r) => r.join('\u0000') === header.join('\u0000'))
  if (i < 0) throw new Error(`no row ${JSON.stringify(header)} in ${JSON.stringify(rows)}`)
  const end = rows.findIndex((r, j) => j > i && r.length === 0)
  return rows.slice(i + 1, end < 0 ? undefined : end)
}
