// @ts-check
// The page's own keyboards (a Pi touchscreen has none, and a system keyboard would cover the dialog): digits for
// temperatures and counts, a unit keypad (digits and "-", for 3-1-502), a plate keyboard (the province picker
// first, then letters and digits, as parking systems do), the surname picker, and the PIN pad. Keys are at least
// 48 px with 8 px between them, so that a gloved finger hits the key it aims at.
import { button, el } from './common.js'
import { activeInput } from './k-dialogs.js'
import { L } from './k-state.js'

/** Province abbreviations, in the order plate keyboards use. */
export const PROVINCES = [...'京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼']
/** Plates use no I or O (they would read as 1 and 0). */
const LETTERS = [...'ABCDEFGHJKLMNPQRSTUVWXYZ']

/** @param {HTMLInputElement} input @param {string} k */
function type(input, k) {
  if (k === '⌫') input.value = input.value.slice(0, -1)
  else if (k === 'CLR') input.value = ''
  else if (!input.maxLength || input.maxLength < 0 || input.value.length < input.maxLength) input.value += k
  input.dispatchEvent(new Event('input', { bubbles: true }))
}

/**
 * @param {string[]} keys
 * @param {string} cls
 * @param {(k: string) => void} [press]
 */
function pad(keys, cls, press) {
  const p = el('div', { className: `keypad ${cls}` })
  for (const k of keys) {
    // "CLR" is the clear key: "C" is a letter on the plate keyboard.
    const b = button(k === 'CLR' ? L('clear') : k, k === '⌫' || k === 'CLR' ? 'key-fn' : '', () => {
      if (press) return press(k)
      if (activeInput) type(activeInput, k)
    })
    b.dataset.key = k
    p.append(b)
  }
  return p
}

/** Digits (and "." for a temperature) for the focused input. @param {boolean} decimal */
export const digitPad = (decimal) => pad(['1', '2', '3', '4', '5', '6', '7', '8', '9', decimal ? '.' : 'CLR', '0', '⌫'], 'digits')

/** Digits and "-" for a host unit such as 3-1-502. */
export const unitPad = () => pad(['1', '2', '3', '4', '5', '6', '7', '8', '9', '-', '0', '⌫'], 'unit')

/** The PIN pad: keys call `press` (the PIN is never in an input the page could leak). @param {(k: string) => void} press */
export const pinPad = (press) => pad(['1', '2', '3', '4', '5', '6', '7', '8', '9', 'CLR', '0', '⌫'], 'pin', press)

/**
 * A plate keyboard: provinces while the plate has no province yet (or on the 省份 key), then letters and digits.
 * @returns {HTMLElement}
 */
export function plateKeyboard() {
  const box = el('div', { className: 'plate-kb' })
  /** @param {boolean} provinces */
  const show = (provinces) => {
    box.dataset.mode = provinces ? 'province' : 'letters'
    const keys = provinces ? [...PROVINCES, 'ABC', '⌫'] : [...'1234567890', ...LETTERS, '省', '⌫']
    box.replaceChildren(
      pad(keys, 'plate', (k) => {
        const input = activeInput
        if (!input) return
        if (k === 'ABC') return show(false)
        if (k === '省') return show(true)
        if (provinces && k !== '⌫') {
          // A province is the first character: it replaces one already there.
          input.value = k + input.value.replace(/^[\u4e00-\u9fa5]/, '')
          input.dispatchEvent(new Event('input', { bubbles: true }))
          return show(false)
        }
        type(input, k)
        if (input.value === '') show(true)
      }),
    )
    for (const b of box.querySelectorAll('button')) {
      if (b.dataset.key === 'ABC') b.textContent = L('letters')
      if (b.dataset.key === '省') b.textContent = L('province')
    }
  }
  show(!(activeInput && /^[\u4e00-\u9fa5]/.test(activeInput.value)))
  return box
}

/**
 * The commonest surnames, most common first (the household-register ranking of recent years), 60 a page: the first
 * page covers most visitors, the second most of the rest. Only the first character of a name is kept anyway.
 */
export const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖',
  ...'石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文施洪牛樊葛邢安齐伍庞颜倪庄',
]
export const SURNAME_PAGE = 60
/** A rare surname (or a foreign visitor's name) by its initial: the same first character the record keeps. */
const INITIALS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ']

/**
 * The surname picker, in the style of the plate keyboard's province picker: one tap on a surname picks it. Three
 * views: the commonest 60, the next 60, and A–Z for any other surname (its pinyin initial). Returns the picker and
 * the buttons that switch between the views (they take the dialog's button row while the picker is open).
 * @param {(surname: string) => void} pick
 * @returns {{ box: HTMLElement, views: HTMLButtonElement[] }}
 */
export function surnamePicker(pick) {
  const box = el('div', { className: 'surname-kb' })
  /** @type {HTMLButtonElement[]} */
  const views = []
  /** @param {'common' | 'more' | 'initials'} view */
  const show = (view) => {
    box.dataset.view = view
    const keys = view === 'initials' ? INITIALS : view === 'more' ? SURNAMES.slice(SURNAME_PAGE, 2 * SURNAME_PAGE) : SURNAMES.slice(0, SURNAME_PAGE)
    // The view buttons stay where they are under the finger: a shorter view (A–Z) keeps the height of the one before.
    const before = box.getBoundingClientRect().height
    if (before > 0) box.style.minHeight = `${Math.max(before, parseFloat(box.style.minHeight) || 0)}px`
    box.replaceChildren(pad(keys, 'surnames', pick))
    for (const b of views) b.classList.toggle('on', b.dataset.view === view)
  }
  for (const view of /** @type {const} */ (['common', 'more', 'initials'])) {
    const b = button(L(`surname_${view}`), 'btn btn-outline view-btn', () => show(view))
    b.dataset.view = view
    b.dataset.offline = 'ok'
    views.push(b)
  }
  show('common')
  return { box, views }
}

/**
 * The keypad for an input, by its data-pad.
 * @param {HTMLInputElement} input
 * @returns {HTMLElement | null}
 */
export function padFor(input) {
  switch (input.dataset.pad) {
    case 'decimal':
      return digitPad(true)
    case 'digits':
      return digitPad(false)
    case 'unit':
      return unitPad()
    case 'plate':
      return plateKeyboard()
    default:
      return null
  }
}
