// The words of the sheets for the community office, Chinese (the default) and English (`?lang=en`, `--lang en`):
// every code a sheet shows (reasons, pass kinds, directions, decisions, sources, staff actions, task kinds and
// outcomes, the default tasks and their areas) becomes a word: no English id such as `lift-halls` on a Chinese sheet.
// The names of things (pass kinds, staff actions, task kinds and areas) come from the staff screen's words
// (gateway/kiosk/public/i18n.js), one table for both. Reasons differ on purpose: a sheet records what happened, the
// screen tells the guard what to do now ("测温无效，请重测").
import { z } from 'zod'
import type { GatewayConfig } from '../config/schema.ts'
import type { OPEN_REASONS } from '../kiosk/staff.ts'
import { OVERRIDE_TEXT, PASS_KIND, TASK_AREA, TASK_KIND } from '../kiosk/public/i18n.js'
import { personOf } from '../kiosk/pins.ts'
import type { ManualEntry } from '../pipeline/pipeline.ts'
import type { Reason } from '../pipeline/rules.ts'
import type { Outcome } from '../schedules/figures.ts'
import type { TaskOccurrence } from '../schedules/scheduler.ts'

export const LANGS = ['zh', 'en'] as const
export type Lang = (typeof LANGS)[number]

/** The `lang` query parameter of every sheet route: zh (default) or en. */
export const langParam = z.enum(LANGS, { error: 'zh or en' }).default('zh')

export type Words = Readonly<Record<Lang, string>>

/** Every reason of DESIGN section 3 (the type makes a new reason code a compile error until it has words). */
export const REASON_WORDS: Readonly<Record<Reason, Words>> = {
  fever: { zh: '发热', en: 'Fever' },
  temp_invalid: { zh: '测温无效', en: 'Invalid temperature reading' },
  no_temperature: { zh: '未测体温', en: 'No temperature taken' },
  unknown_code: { zh: '无效通行码', en: 'Not a valid pass' },
  bad_signature: { zh: '通行码签名无效（疑似伪造）', en: 'Bad pass signature (forged?)' },
  expired: { zh: '通行码已过期', en: 'Pass expired' },
  not_yet_valid: { zh: '通行码尚未生效', en: 'Pass not yet valid' },
  revoked: { zh: '通行码已作废', en: 'Pass revoked' },
  wrong_gate: { zh: '此通行码不适用于本门', en: 'Pass not valid at this gate' },
  isolation: { zh: '居家隔离人员外出', en: 'Home isolation: may not go out' },
  health_yellow: { zh: '健康码黄码', en: 'Health code yellow' },
  health_red: { zh: '健康码红码', en: 'Health code red' },
  anti_passback: { zh: '重复同向通行', en: 'Same direction twice (anti-passback)' },
  quota: { zh: '本户外出次数已用完', en: 'Household outing quota used up' },
  manual_override: { zh: '人工放行', en: 'Opened by staff' },
  exit_button: { zh: '出门按钮', en: 'Exit button' },
  gate_closed: { zh: '闸门常闭，未开门', en: 'Gate in remain-closed: not opened' },
}

/**
 * What staff did by hand: the kiosk's open reasons and the registrations (an override's detail `reason`), and a
 * temperature typed for a scan while the thermometer was offline (detail `manual.action`). A reason code sent by
 * the platform with gate/open (any [a-z_] code) is shown as it came.
 */
export const STAFF_ACTION_WORDS: Readonly<Record<(typeof OPEN_REASONS)[number] | ManualEntry['action'] | 'typed_temperature', Words>> = {
  ...(OVERRIDE_TEXT as Record<(typeof OPEN_REASONS)[number] | ManualEntry['action'], Words>),
  typed_temperature: { zh: '人工输入体温', en: 'Temperature typed by staff' },
}

export const PASS_KIND_WORDS: Readonly<Record<string, Words>> = {
  ...PASS_KIND,
  /** summaries' byKind for admissions without a pass (the gate opened by staff). */
  unknown: { zh: '无通行码', en: 'No pass' },
}

export const DIRECTION_WORDS: Readonly<Record<'in' | 'out', Words>> = { in: { zh: '进入', en: 'In' }, out: { zh: '外出', en: 'Out' } }
export const DECISION_WORDS: Readonly<Record<'admit' | 'deny', Words>> = { admit: { zh: '放行', en: 'Admitted' }, deny: { zh: '拒绝', en: 'Denied' } }
export const SOURCE_WORDS: Readonly<Record<'scan' | 'override' | 'exit', Words>> = {
  scan: { zh: '扫码', en: 'Scan' },
  override: { zh: '人工', en: 'Staff' },
  exit: { zh: '出门按钮', en: 'Exit button' },
}
export const YES_NO: Readonly<Record<'yes' | 'no', Words>> = { yes: { zh: '是', en: 'Yes' }, no: { zh: '否', en: 'No' } }

export const TASK_KIND_WORDS: Readonly<Record<TaskOccurrence['kind'], Words>> = TASK_KIND as Record<TaskOccurrence['kind'], Words>

/** The state of a task occurrence as a sheet shows it (schedules/figures.ts outcomeOf, from its status and grace). */
export const OUTCOME_WORDS: Readonly<Record<Outcome, Words>> = {
  'on-time': { zh: '按时完成', en: 'On time' },
  late: { zh: '超时完成', en: 'Late' },
  missed: { zh: '漏做', en: 'Missed' },
  open: { zh: '待完成', en: 'Open' },
}

/** The areas of the default tasks (gateway/schedules/defaults.ts); a site's own areas are shown as configured. */
export const AREA_WORDS: Readonly<Record<string, Words>> = TASK_AREA

/** The default tasks by id; a site's own tasks are shown by their configured id. */
export const TASK_WORDS: Readonly<Record<string, Words>> = {
  corridors: { zh: '楼道消毒', en: 'Corridor disinfection' },
  'lift-halls': { zh: '电梯厅消毒', en: 'Lift hall disinfection' },
  'gate-area': { zh: '门岗区域消毒', en: 'Gate area disinfection' },
  toilets: { zh: '公共卫生间消毒', en: 'Toilet disinfection' },
  bins: { zh: '垃圾投放点消毒', en: 'Bin disinfection' },
  'duty-check': { zh: '门岗查岗', en: 'Gate duty check' },
}

/** Who acted when nobody at the gate did: a remote gate/open without a staff name (gateway/requests.ts). */
export const SPECIAL_PEOPLE: Readonly<Record<string, Words>> = {
  central: { zh: '中心平台', en: 'Central platform' },
  platform: { zh: '中心平台', en: 'Central platform' },
}

/** A code in words; a code without words (a site's own area, a reason code sent by the platform) as it is. */
export function word(table: Readonly<Record<string, Words>>, code: string | null | undefined, lang: Lang): string {
  if (code === null || code === undefined) return ''
  return Object.hasOwn(table, code) ? table[code]![lang] : code
}

/** Several reasons in one cell: 发热、重复同向通行 / Fever; Same direction twice. */
export function reasonsText(codes: readonly string[], lang: Lang): string {
  return codes.map((c) => word(REASON_WORDS, c, lang)).join(lang === 'zh' ? '、' : '; ')
}

/**
 * Names for the staff ids that rows record (kiosk.staffPins and techPins `{ id, name, pin }`): the office reads
 * 张伟, not zhang. An id no longer in the config (a person who left) keeps its id as the name; a bare PIN's person
 * is named by its id (staff-2), as the screen names them.
 */
export function staffNamer(kiosk: Pick<GatewayConfig['kiosk'], 'staffPins' | 'techPins'> | null, lang: Lang): (id: string | null) => string {
  const names = new Map<string, string>()
  for (const [list, role] of [[kiosk?.staffPins ?? [], 'staff'], [kiosk?.techPins ?? [], 'tech']] as const) {
    list.forEach((e, i) => {
      const p = personOf(e, i, role)
      if (!names.has(p.id)) names.set(p.id, p.name)
    })
  }
  return (id) => {
    if (id === null) return ''
    // A remote gate/open is recorded as platform:<who the platform named> (gateway/requests.ts): never a kiosk name.
    const remote = /^platform:(.+)$/.exec(id)
    if (remote) return `${word(SPECIAL_PEOPLE, 'platform', lang)}${lang === 'zh' ? `（${remote[1]}）` : ` (${remote[1]})`}`
    return names.get(id) ?? word(SPECIAL_PEOPLE, id, lang)
  }
}
