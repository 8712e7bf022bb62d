// The CSV day sheet of tasks: per area, done on time, late, missed; then one line per occurrence. UTF-8 with a BOM
// and CRLF line ends, so that Excel on a Chinese Windows opens it with the right characters (without the BOM it
// reads the file as GBK and shows mojibake).
import { tzOffsetMs } from '../summaries.ts'
import { outcomeOf, type AreaFigures, type Outcome } from './figures.ts'
import type { TaskOccurrence } from './scheduler.ts'

export interface SheetInput {
  day: string
  timeZone: string
  site: { id: string; name: string }
  gate: { id: string; name: string }
  figures: Record<string, AreaFigures>
  occurrences: readonly TaskOccurrence[]
  now: number
}

const OUTCOME: Record<Outcome, string> = { 'on-time': '按时 on time', late: '迟做 late', missed: '未做 missed', open: '待做 open' }
const KIND: Record<TaskOccurrence['kind'], string> = { disinfection: '消毒 disinfection', 'duty-check': '查岗 duty check' }

export function daySheetCsv(s: SheetInput): string {
  const rows: (string | number)[][] = [
    ['日期 Day', s.day],
    ['社区 Site', s.site.name, s.site.id],
    ['大门 Gate', s.gate.name, s.gate.id],
    ['时区 Time zone', s.timeZone],
    [],
    ['区域 Area', '按时 On time', '迟做 Late', '未做 Missed', '待做 Open'],
    ...Object.entries(s.figures)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([area, f]) => [area, f.onTime, f.late, f.missed, f.open]),
    [],
    ['应做时间 Due', '任务 Task', '类别 Kind', '区域 Area', '结果 Outcome', '执行人 Done by', '完成时间 Done at', '备注 Note'],
    ...s.occurrences.map((o) => [
      localTime(Date.parse(o.dueAt), s.timeZone),
      o.taskId,
      KIND[o.kind],
      o.area,
      OUTCOME[outcomeOf({ status: o.status, late: o.late, dueAtMs: Date.parse(o.dueAt), graceMinutes: o.graceMinutes }, s.now)],
      o.doneBy ?? '',
      o.doneAt ? localTime(Date.parse(o.doneAt), s.timeZone) : '',
      o.note ?? '',
    ]),
  ]
  return '\uFEFF' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** `2026-11-23 09:00`, local. */
function localTime(ts: number, timeZone: string): string {
  return new Date(ts + tzOffsetMs(ts, timeZone)).toISOString().slice(0, 16).replace('T', ' ')
}

/**
 * RFC 4180 quoting; and a text typed by staff that starts like a formula (= + - @) gets a leading apostrophe, so
 * that Excel shows it instead of running it.
 */
function cell(v: string | number): string {
  if (typeof v === 'number') return String(v)
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}
