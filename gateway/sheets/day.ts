// The gate's day sheet (/api/tech/day.csv): the figures the community office asks for every day (DESIGN section 1:
// people in and out, fevers, isolation, disinfection done), from the same counts as P/summary/day.
import type { AreaFigures } from '../schedules/figures.ts'
import type { SummaryCounts } from '../summaries.ts'
import { localDateTime } from '../time.ts'
import { csvDocument, type Row } from './csv.ts'
import { AREA_WORDS, PASS_KIND_WORDS, REASON_WORDS, word, type Lang, type Words } from './words.ts'

export interface SheetHead {
  day: string
  timeZone: string
  site: { id: string; name: string }
  gate: { id: string; name: string }
  /** When the sheet was made: a day still under way has figures that will grow. */
  now: number
}

const L = {
  day: { zh: '日期', en: 'Day' },
  site: { zh: '社区', en: 'Site' },
  gate: { zh: '大门', en: 'Gate' },
  timeZone: { zh: '时区', en: 'Time zone' },
  made: { zh: '制表时间', en: 'Made at' },
  figures: [
    { zh: '进入人次（含拒绝）', en: 'In (incl. denied)' },
    { zh: '外出人次（含拒绝）', en: 'Out (incl. denied)' },
    { zh: '放行人次', en: 'Admitted' },
    { zh: '拒绝人次', en: 'Denied' },
    { zh: '人工操作', en: 'Staff actions' },
    { zh: '发热', en: 'Fevers' },
    { zh: '居家隔离户', en: 'Isolated households' },
    { zh: '最高体温 °C', en: 'Highest °C' },
  ],
  kind: [
    { zh: '类别', en: 'Kind' },
    { zh: '进入', en: 'In' },
    { zh: '外出', en: 'Out' },
  ],
  reason: [
    { zh: '原因', en: 'Reason' },
    { zh: '次数', en: 'Count' },
  ],
} satisfies Record<string, Words | Words[]>

/** The task figures per area: on time, late, missed, open (also in the task sheet). */
export const AREA_COLUMNS: readonly Words[] = [
  { zh: '区域', en: 'Area' },
  { zh: '按时完成', en: 'On time' },
  { zh: '超时完成', en: 'Late' },
  { zh: '漏做', en: 'Missed' },
  { zh: '待完成', en: 'Open' },
]

/** The lines that open every day sheet: day, site, gate, time zone, when it was made. */
export function sheetHead(h: SheetHead, lang: Lang): Row[] {
  return [
    [L.day[lang], h.day],
    [L.site[lang], h.site.name, h.site.id],
    [L.gate[lang], h.gate.name, h.gate.id],
    [L.timeZone[lang], h.timeZone],
    [L.made[lang], localDateTime(h.now, h.timeZone)],
  ]
}

/** The area table, ordered by the area's words in the sheet's language (pinyin order in Chinese). */
export function areaRows(figures: Readonly<Record<string, AreaFigures>>, lang: Lang): Row[] {
  const collator = new Intl.Collator(lang === 'zh' ? 'zh-CN' : 'en')
  return [
    AREA_COLUMNS.map((c) => c[lang]),
    ...Object.entries(figures)
      .map(([area, f]) => [word(AREA_WORDS, area, lang), f.onTime, f.late, f.missed, f.open] as const)
      .sort((a, b) => collator.compare(a[0], b[0])),
  ]
}

export function gateDaySheetCsv(h: SheetHead, c: SummaryCounts, tasks: Readonly<Record<string, AreaFigures>>, lang: Lang): string {
  const pick = (ws: readonly Words[]): string[] => ws.map((w) => w[lang])
  return csvDocument([
    ...sheetHead(h, lang),
    [],
    pick(L.figures),
    [c.in, c.out, c.admitted, c.denied, c.overrides, c.fevers, c.isolatedHouseholds, c.maxTempC === null ? null : c.maxTempC.toFixed(1)],
    [],
    pick(L.kind),
    ...Object.entries(c.byKind).map(([k, v]) => [word(PASS_KIND_WORDS, k, lang), v.in, v.out]),
    [],
    pick(L.reason),
    ...Object.entries(c.byReason).map(([k, v]) => [word(REASON_WORDS, k, lang), v]),
    [],
    ...areaRows(tasks, lang),
  ])
}
