// The kiosk's small pure parts: masking, CSV cells (the one writer of every sheet), the words for every reason code
// on the screen and in the sheets, cookies.
import { describe, expect, it } from 'vitest'
import { REASONS } from '../../gateway/pipeline/rules.ts'
import { DEFAULT_SCHEDULES } from '../../gateway/schedules/defaults.ts'
import { csvCell, csvLine } from '../../gateway/sheets/csv.ts'
import * as sheetWords from '../../gateway/sheets/words.ts'
import { maskHolder, maskName, shownHolder } from '../../gateway/kiosk/mask.ts'
import { readCookie } from '../../gateway/kiosk/sessions.ts'
import { GATE_ALARM_OUTCOMES } from '../../gateway/gate/types.ts'
import { OPEN_REASONS } from '../../gateway/kiosk/staff.ts'
import { ROOT } from '../helpers/gatewayProcess.ts'

type Words = Record<string, { zh: string; en: string }>
// The browser's own module, the same file the staff screen loads (plain JS: no types to import).
const { LANGS, OVERRIDE_TEXT, PASS_KIND, REASON_TEXT, STRINGS, t } = (await import(`${ROOT}/gateway/kiosk/public/i18n.js`)) as {
  LANGS: ('zh' | 'en')[]
  OVERRIDE_TEXT: Words
  PASS_KIND: Words
  REASON_TEXT: Words
  STRINGS: Record<'zh' | 'en', Record<string, string>>
  t(lang: string, key: string, vars?: Record<string, unknown>): string
}

describe('masking', () => {
  it('shows a guard enough of a holder id to match it, never all of it', () => {
    expect(maskHolder('R-0102-67')).toBe('R-01****67')
    expect(maskHolder('H-3-1-502')).toBe('H-3-****02')
    expect(maskHolder('V-12')).toBe('V****2')
    expect(maskHolder('ab')).toBe('****')
    expect(maskHolder(null)).toBeNull()
  })

  it('shows a resident by the unit the staff know (the household id names it), anyone else masked', () => {
    expect(shownHolder('H-3-1-502', 'resident')).toBe('3-1-502')
    expect(shownHolder('H-12-502', 'resident')).toBe('12-502')
    // Not a household id as DESIGN section 6 writes them: masked as before.
    expect(shownHolder('H-000123', 'resident')).toBe('H-00****23')
    expect(shownHolder('R-0102-67', 'resident')).toBe('R-01****67')
    expect(shownHolder('H-3-1-502-7-1', 'resident')).toBe('H-3-****-1')
    // Only a resident's pass names a home.
    expect(shownHolder('H-3-1-502', 'visitor')).toBe('H-3-****02')
    expect(shownHolder(null, null)).toBeNull()
  })

  it('keeps only the first character of a name', () => {
    expect(maskName('张三丰')).toBe('张**')
    expect(maskName('  Li Wei ')).toBe('L**')
    expect(maskName('张**')).toBe('张**')
    expect(maskName('𠮷野家')).toBe('𠮷**')
    expect(() => maskName('**')).toThrow(RangeError)
  })
})

describe('CSV', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvLine(['a,b', 'say "hi"', null, 36.6, -3, '=SUM(A1)', '+1', '@x', '-x'])).toBe('"a,b","say ""hi""",,36.6,-3,\'=SUM(A1),\'+1,\'@x,\'-x\r\n')
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"')
  })

  it('one formula rule for every sheet: a text starting with = + - @ TAB or CR gets an apostrophe, a number never', () => {
    // The two old writers disagreed on "-3" as text (entries: left alone; task sheet: defused): now one rule.
    expect(['=1+1', '+1', '-3', '@SUM(A1)', '\tx', '\rx', '=cmd|"/c calc"!A0'].map(csvCell)).toEqual([
      `'=1+1`,
      `'+1`,
      `'-3`,
      `'@SUM(A1)`,
      `'\tx`,
      `"'\rx"`,
      `"'=cmd|""/c calc""!A0"`,
    ])
    expect([-3, 0, 36.6, ' =1', '1-2', 'a=b', '张=三'].map(csvCell)).toEqual(['-3', '0', '36.6', ' =1', '1-2', 'a=b', '张=三'])
    expect(() => csvCell(Number.NaN)).toThrow(RangeError)
  })
})

describe('sheet words', () => {
  it('has Chinese and English for every reason, pass kind, staff action, default task and area', () => {
    const { AREA_WORDS, PASS_KIND_WORDS, REASON_WORDS, STAFF_ACTION_WORDS, TASK_KIND_WORDS, TASK_WORDS } = sheetWords
    const codes: [Readonly<Record<string, sheetWords.Words>>, readonly string[]][] = [
      [REASON_WORDS, REASONS],
      [PASS_KIND_WORDS, ['resident', 'visitor', 'staff', 'vehicle']],
      [STAFF_ACTION_WORDS, [...OPEN_REASONS, 'visitor', 'vehicle', 'secondary_check', 'typed_temperature']],
      // Taken from the screen's words (a JS table): the type no longer proves every kind has words, this does.
      [TASK_KIND_WORDS, ['disinfection', 'duty-check']],
      [TASK_WORDS, DEFAULT_SCHEDULES.map((s) => s.id)],
      [AREA_WORDS, DEFAULT_SCHEDULES.map((s) => s.area)],
    ]
    for (const [words, list] of codes) {
      for (const c of list) {
        for (const lang of sheetWords.LANGS) expect(words[c]?.[lang], `${c} in ${lang}`).toBeTruthy()
        // A Chinese sheet shows no English id (lift-halls, manual_override).
        expect(words[c]!.zh, c).not.toMatch(/[a-z]/i)
      }
    }
    expect(sheetWords.word(AREA_WORDS, '3号楼大堂', 'zh')).toBe('3号楼大堂')
    expect(sheetWords.word(AREA_WORDS, 'toString', 'zh')).toBe('toString')
    expect(sheetWords.reasonsText(['fever', 'anti_passback'], 'zh')).toBe('发热、重复同向通行')
    expect(sheetWords.reasonsText(['fever', 'anti_passback'], 'en')).toBe('Fever; Same direction twice (anti-passback)')
  })

  it('names staff ids from kiosk.staffPins and techPins; an unknown id stays an id; the platform in words', () => {
    const name = sheetWords.staffNamer({ staffPins: [{ id: 'zhang', name: '张伟', pin: '246810' }, '135790'], techPins: [{ id: 'li', name: '李工', pin: '97531' }] }, 'zh')
    expect(['zhang', 'staff-2', 'li', 'gone-1', 'central', null].map(name)).toEqual(['张伟', 'staff-2', '李工', 'gone-1', '中心平台', ''])
    expect(sheetWords.staffNamer(null, 'en')('central')).toBe('Central platform')
  })
})

describe('staff screen words', () => {
  it('has Chinese and English for every reason code of DESIGN section 3, every pass kind and every open reason', () => {
    for (const r of REASONS) for (const lang of LANGS) expect(REASON_TEXT[r]?.[lang], `${r} in ${lang}`).toBeTruthy()
    for (const k of ['resident', 'visitor', 'staff', 'vehicle']) expect(PASS_KIND[k]).toMatchObject({ zh: expect.any(String), en: expect.any(String) })
    for (const r of [...OPEN_REASONS, 'visitor', 'vehicle', 'secondary_check']) expect(OVERRIDE_TEXT[r]).toMatchObject({ zh: expect.any(String), en: expect.any(String) })
    // What staff may say was done about a door or enclosure alarm (the server's list, sent in the snapshot).
    for (const o of Object.values(GATE_ALARM_OUTCOMES).flat()) for (const lang of LANGS) expect(STRINGS[lang]?.[`gateOutcome_${o}`], `${o} in ${lang}`).toBeTruthy()
  })

  it('has every screen string in both languages', () => {
    expect(Object.keys(STRINGS.en).sort()).toEqual(Object.keys(STRINGS.zh).sort())
    expect(t('en', 'pinLocked', { s: 42 })).toBe('Too many wrong PINs: wait 42 s')
    expect(t('zh', 'idle')).toBe('请扫码')
  })
})

describe('cookies', () => {
  it('reads one cookie among others', () => {
    expect(readCookie('a=1; eg_staff=tok-en_1; eg_tech=x', 'eg_staff')).toBe('tok-en_1')
    expect(readCookie('eg_staff2=x', 'eg_staff')).toBeUndefined()
    expect(readCookie(undefined, 'eg_staff')).toBeUndefined()
  })
})

describe('the staff screen words for what the server says', () => {
  it('has words in both languages for every error code and every field a staff route can refuse', async () => {
    const { readFileSync } = await import('node:fs')
    const { schemas } = await import('../../gateway/kiosk/staff.ts')
    const source = ['staff.ts', 'context.ts', 'guard.ts', 'network.ts', 'gate.ts'].map((f) => readFileSync(`${ROOT}/gateway/kiosk/${f}`, 'utf8')).join('\n')
    const codes = new Set([...source.matchAll(/error: '([a-z_]+)'/g)].map((m) => m[1]!))
    expect(codes.size).toBeGreaterThan(8)
    const fields = new Set<string>(['pin'])
    for (const s of Object.values(schemas)) for (const k of Object.keys((s as unknown as { shape: Record<string, unknown> }).shape)) fields.add(k)
    // takeOver is a flag the screen sets itself; kind is the alarm kind it sends with an acknowledgement.
    for (const k of ['takeOver', 'kind']) fields.delete(k)
    expect(fields.size).toBeGreaterThan(10)
    for (const lang of LANGS) {
      for (const c of codes) expect(STRINGS[lang][`code_${c}`], `${lang}: code_${c}`).toBeTruthy()
      for (const f of fields) expect(STRINGS[lang][`err_${f}`], `${lang}: err_${f}`).toBeTruthy()
    }
  })

  it('uses the gate supervisor wording of issue 17', () => {
    const zh = STRINGS.zh
    expect([zh.alarmFever, zh.alarmIsolation, zh.shiftOpenAlarms]).toEqual(['发热报警', '居家隔离人员外出报警', '未处理报警'])
    // The third review at the 7-inch screen: the acknowledgement button and its dialog, a gate opened by hand.
    expect([zh.acknowledge, zh.ackTitle, zh.openedBy]).toEqual(['登记处置', '登记处置', '人工开闸'])
    // The second review at the gate (800x480): what a supervisor says out loud.
    expect([t('zh', 'ackAll', { n: 2 }), zh.dirIn, zh.dirOut, zh.in, zh.out]).toEqual(['全部处置（2）', '进门', '出门', '进门', '出门'])
    expect([REASON_TEXT.unknown_code!.zh, REASON_TEXT.anti_passback!.zh, REASON_TEXT.anti_passback_out!.zh]).toEqual(['非通行码，请出示通行码', '重复进门（无出门记录）', '重复出门（无进门记录）'])
    expect([zh.scanIn, zh.uplink, zh.backlog, zh.duty, zh.byStaff, zh.nextLogin, zh.shiftFrom, zh.shiftEntries, zh.degraded, zh.secondaryOk]).toEqual([
      '入口扫码', '平台连接', '待上传', '值班：', '操作人：', '接班人登录', '值班时段', '扫码人次', '测温仪离线', '腋温复测正常 {t}，放行',
    ])
    expect(t('zh', 'openCount', { n: 1 })).toBe('1 项待完成')
    // The third review (the shift at the 7-inch screen): who acts, helping, the handover's figures, an overdue task.
    expect([zh.switchStaff, zh.pinTitleNext, zh.takeOverNo]).toEqual(['换人登录', '接班人请输入密码', '临时帮忙（不接班）'])
    expect(t('zh', 'takeOverText', { name: '李娜', duty: '张伟' })).toBe('李娜，是否接替 张伟 值班？')
    expect(t('zh', 'helperMark', { name: '李娜', duty: '张伟' })).toBe('李娜临时操作中 · 值班：张伟')
    expect(`${zh.shiftEntries}${t('zh', 'shiftEntriesValue', { n: 5, a: 3, d: 2 })}`).toBe('扫码人次5（放行 3 / 拒绝 2）')
    const what = t('zh', 'taskWhat', { area: '门岗区域', kind: '消毒' })
    expect(`${zh.overdueBanner}${zh.colon}${what}${t('zh', 'byTime', { t: '03:44' })}`).toBe('超时未做：门岗区域消毒（应 03:44 前）')
    expect([STRINGS.en.overdueBanner, STRINGS.en.overdueShort]).toEqual(['Overdue', 'Overdue'])
    expect(REASON_TEXT.wrong_gate!.zh).toBe('此通行码不适用于本门')
    // The name label and its error say the same thing (the third review: what the system keeps).
    expect(zh.name).toBe('访客姓名（系统只保存姓氏）')
    expect(zh.err_name).toContain(zh.name)
    expect(STRINGS.en.colon).toBe(': ')
  })
})
