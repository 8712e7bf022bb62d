// The task day sheet (/api/tasks/sheet.csv): per area on time, late, missed, open; then one line per occurrence with
// who did it, when and the note. Written by the one CSV writer (gateway/sheets/csv.ts), in the office's words.
import { csvDocument } from '../sheets/csv.ts'
import { areaRows, sheetHead, type SheetHead } from '../sheets/day.ts'
import { AREA_WORDS, OUTCOME_WORDS, TASK_KIND_WORDS, TASK_WORDS, word, type Lang, type Words } from '../sheets/words.ts'
import { localDateTime } from '../time.ts'
import { outcomeOf, type AreaFigures } from './figures.ts'
import type { TaskOccurrence } from './scheduler.ts'

export interface SheetInput extends SheetHead {
  figures: Record<string, AreaFigures>
  occurrences: readonly TaskOccurrence[]
  lang: Lang
  /** Staff id → name (sheets/words.ts staffNamer). */
  staffName: (id: string | null) => string
}

export const TASK_COLUMNS: readonly Words[] = [
  { zh: '应做时间', en: 'Due' },
  { zh: '任务', en: 'Task' },
  { zh: '类别', en: 'Kind' },
  { zh: '区域', en: 'Area' },
  { zh: '结果', en: 'Outcome' },
  { zh: '执行人', en: 'Done by' },
  { zh: '执行人编号', en: 'Staff id' },
  { zh: '完成时间', en: 'Done at' },
  { zh: '备注', en: 'Note' },
]

export function daySheetCsv(s: SheetInput): string {
  const { lang, timeZone } = s
  const at = (iso: string | null): string | null => (iso === null ? null : localDateTime(Date.parse(iso), timeZone))
  return csvDocument([
    ...sheetHead(s, lang),
    [],
    ...areaRows(s.figures, lang),
    [],
    TASK_COLUMNS.map((c) => c[lang]),
    ...s.occurrences.map((o) => [
      at(o.dueAt),
      word(TASK_WORDS, o.taskId, lang),
      word(TASK_KIND_WORDS, o.kind, lang),
      word(AREA_WORDS, o.area, lang),
      word(OUTCOME_WORDS, outcomeOf({ status: o.status, late: o.late, dueAtMs: Date.parse(o.dueAt), graceMinutes: o.graceMinutes }, s.now), lang),
      o.doneBy === null ? null : s.staffName(o.doneBy),
      o.doneBy,
      at(o.doneAt),
      o.note,
    ]),
  ])
}
