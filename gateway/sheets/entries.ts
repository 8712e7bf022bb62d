// The entries sheet: every decision and every override of some local days, one row each, as the /tech page's export
// and `estate-gate export` hand it to the community office. Codes are in words (gateway/sheets/words.ts), times
// local with their offset, people by name with their id beside it (two people may share a name; the id is what the
// platform's entry events carry). The event id stays last: it matches a row with its P/entry event.
import type { Readable } from 'node:stream'
import type { EntryRow } from '../kiosk/records.ts'
import { localDateTime } from '../time.ts'
import { csvStream, type Row } from './csv.ts'
import {
  DECISION_WORDS,
  DIRECTION_WORDS,
  PASS_KIND_WORDS,
  reasonsText,
  SOURCE_WORDS,
  STAFF_ACTION_WORDS,
  word,
  YES_NO,
  type Lang,
  type Words,
} from './words.ts'

export const ENTRY_COLUMNS: readonly Words[] = [
  { zh: '时间', en: 'Time' },
  { zh: '日期', en: 'Day' },
  { zh: '方向', en: 'Direction' },
  { zh: '结果', en: 'Decision' },
  { zh: '原因', en: 'Reasons' },
  { zh: '类别', en: 'Kind' },
  { zh: '持码人编号', en: 'Holder id' },
  { zh: '体温 °C', en: 'Temperature °C' },
  { zh: '已复测', en: 'Rechecked' },
  { zh: '来源', en: 'Source' },
  { zh: '人工操作', en: 'Staff action' },
  { zh: '说明', en: 'Note' },
  { zh: '操作人', en: 'Staff' },
  { zh: '操作人编号', en: 'Staff id' },
  { zh: '访客姓名', en: 'Visitor name' },
  { zh: '手机后四位', en: 'Phone (last 4)' },
  { zh: '被访住户', en: 'Host unit' },
  { zh: '车牌', en: 'Plate' },
  { zh: '车内人数', en: 'Occupants' },
  { zh: '扫码器', en: 'Scanner' },
  { zh: '通行码编号', en: 'Pass id' },
  { zh: '规则版本', en: 'Policy version' },
  { zh: '时钟可信', en: 'Clock trusted' },
  { zh: '记录编号', en: 'Event id' },
]

export function entryHeader(lang: Lang): string[] {
  return ENTRY_COLUMNS.map((c) => c[lang])
}

export interface EntrySheetOptions {
  lang: Lang
  timeZone: string
  /** Staff id → name (sheets/words.ts staffNamer). */
  staffName: (id: string | null) => string
}

interface Detail {
  reason?: string
  note?: string
  manual?: { action?: string; maskedName?: string; phoneLast4?: string; hostUnit?: string; plate?: string; occupants?: number }
}

export function entryRow(r: EntryRow, o: EntrySheetOptions): Row {
  const { lang } = o
  const detail = r.detail ? (JSON.parse(r.detail) as Detail) : {}
  const m = detail.manual ?? {}
  const override = r.source === 'override'
  const yesNo = (b: number | boolean): string => YES_NO[b ? 'yes' : 'no'][lang]
  return [
    localDateTime(r.ts, o.timeZone),
    r.day,
    word(DIRECTION_WORDS, r.direction, lang),
    word(DECISION_WORDS, r.decision, lang),
    reasonsText(JSON.parse(r.reasons) as string[], lang),
    word(PASS_KIND_WORDS, r.kind, lang),
    r.subject,
    r.tempC === null ? null : r.tempC.toFixed(1),
    yesNo(r.rechecked),
    word(SOURCE_WORDS, r.source, lang),
    word(STAFF_ACTION_WORDS, override ? detail.reason : m.action, lang),
    override ? detail.note : null,
    o.staffName(r.staff),
    r.staff,
    m.maskedName,
    m.phoneLast4,
    m.hostUnit,
    m.plate,
    m.occupants,
    r.scanner,
    r.passId,
    r.policyVersion,
    yesNo(r.clockTrusted),
    r.eventId,
  ]
}

/** The streamed sheet: the BOM and header at once, then each page of rows as it is read. */
export function entriesCsv(pages: AsyncIterable<readonly EntryRow[]>, o: EntrySheetOptions): Readable {
  return csvStream(entryHeader(o.lang), pages, (r) => entryRow(r, o))
}
