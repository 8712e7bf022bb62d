// @ts-check
// Today's figures, the tasks (an overdue one also as a large banner over the card, with a chime; while an alarm
// takes the side column, the most urgent open one), the device strip and who is on duty.
import { $, button, el } from './common.js'
import { DEVICE_KIND, TASK_AREA, TASK_KIND } from './i18n.js'
import { taskChime } from './k-sound.js'
import { L, state, timeOf, W } from './k-state.js'
import { taskDoneDialog } from './k-forms.js'
import { closeModal, modalOpen, openModal } from './k-dialogs.js'
import { renderHelperMark, withStaff } from './k-staff.js'

export function renderFigures() {
  const f = state.figures
  for (const k of ['in', 'out', 'denied', 'fevers', 'isolated']) $(`fig-${k}`).textContent = f ? String(f[k] ?? '–') : '–'
}

/** @param {import('./k-state.js').Device} d */
function deviceLabel(d) {
  const scanners = state.info?.scanners ?? []
  if (d.kind === 'scanner') {
    const s = scanners.find((x) => x.name === d.name)
    const same = scanners.filter((x) => s && x.direction === s.direction).length
    const base = s ? L(s.direction === 'in' ? 'scanIn' : 'scanOut') : W(DEVICE_KIND, 'scanner')
    return same > 1 ? `${base} ${d.name}` : base
  }
  const n = state.devices.filter((x) => x.kind === d.kind).length
  const base = W(DEVICE_KIND, d.kind)
  if (d.kind === 'backlog') return `${base} ${d.detail ?? '–'}`
  return n > 1 ? `${base} ${d.name}` : base
}

export function renderDevices() {
  const upOk = state.devices.some((d) => d.kind === 'uplink' && d.status === 'ok')
  $('devices').replaceChildren(
    ...state.devices
      .filter((d) => d.kind !== 'buzzer')
      .map((d) => {
        const status = d.kind === 'backlog' ? (Number(d.detail) > 0 && !upOk ? 'degraded' : 'ok') : d.status
        const chip = el('div', { className: `dev ${status}`, title: d.name }, el('span', { className: 'dot' }), el('span', { textContent: deviceLabel(d) + (status === 'down' ? ` ${L('offline')}` : '') }))
        chip.dataset.device = d.name
        chip.dataset.status = status
        return chip
      }),
  )
}

/** Open tasks (due, overdue), overdue first, then by when each is due. */
export function openTasks() {
  /** @type {Record<string, number>} */
  const order = { overdue: 0, due: 1 }
  return (state.tasks ?? []).filter((x) => x.status === 'due' || x.status === 'overdue').sort((a, b) => (order[a.status] ?? 2) - (order[b.status] ?? 2) || a.dueAt.localeCompare(b.dueAt))
}

/** What a task is, in words: 门岗区域消毒 / Disinfection · Gate area. @param {import('./k-state.js').Task} task */
export const taskWhat = (task) => L('taskWhat', { area: W(TASK_AREA, task.area), kind: W(TASK_KIND, task.kind) })

/** The time a task must be done by (past it, it is overdue). @param {import('./k-state.js').Task} task */
export const taskBy = (task) => timeOf(Date.parse(task.overdueAt ?? task.dueAt), true)

/** @param {import('./k-state.js').Task} task */
function doneButton(task) {
  return button(L('done'), 'btn btn-green btn-small', () => withStaff(() => taskDoneDialog(task)))
}

/** A task as a row: what, by when (overdue said so), and 完成. @param {import('./k-state.js').Task} task @param {'li' | 'div'} tag */
function taskRow(task, tag) {
  const when = L(task.status === 'overdue' ? 'taskOverdueBy' : 'taskDueBy', { t: taskBy(task) })
  const row = el(tag, { className: `task-row ${task.status}` }, el('div', { className: 'task-text' }, taskWhat(task), el('small', { textContent: when })), doneButton(task))
  row.dataset.taskId = String(task.id)
  return row
}

/** The list that no space cuts: every open task, in a dialog whose list scrolls under a finger. */
let allTasksList = /** @type {HTMLElement | null} */ (null)
function tasksDialog() {
  const list = el('div', { className: 'all-tasks', id: 'all-tasks' })
  allTasksList = list
  fillAllTasks()
  const close = button(L('close'), 'btn btn-gray', closeModal)
  close.id = 'all-tasks-close'
  openModal(L('tasksAllTitle', { n: openTasks().length }), [list], [close], { kind: 'tasks' })
}

function fillAllTasks() {
  if (!allTasksList) return
  const open = openTasks()
  allTasksList.replaceChildren(...(open.length > 0 ? open.map((x) => taskRow(x, 'div')) : [el('div', { className: 'none', textContent: L('noTasks') })]))
  if (modalOpen() && $('modal').dataset.kind === 'tasks') $('modal-title').textContent = L('tasksAllTitle', { n: open.length })
}

export function renderTasks() {
  const open = openTasks()
  /** @type {HTMLElement[]} */
  const items = []
  if (open.length === 0) items.push(el('li', { className: 'none', textContent: L('noTasks') }))
  $('tasks-title').textContent = open.length > 0 ? `${L('tasks')} · ${L('openCount', { n: open.length })}` : L('tasks')
  for (const task of open) items.push(taskRow(task, 'li'))
  // What does not fit under the figures is counted on a button that opens the whole list: nothing is cut silently.
  const more = button('', 'btn btn-outline btn-small tasks-more', tasksDialog)
  more.id = 'tasks-more'
  items.push(el('li', { className: 'more', hidden: true }, more))
  $('tasks').replaceChildren(...items)
  fitTasks()
  if (modalOpen() && $('modal').dataset.kind === 'tasks') fillAllTasks()
  // An overdue task is not a small card in a corner: a banner over the result, and a chime until it is done. While an
  // alarm stack takes the side column's place, the banner shows the most urgent open task even when only due, so
  // the rounds stay in view beside the alarm; "另有 N 项" opens the others.
  const overdue = open.filter((x) => x.status === 'overdue')
  const alarm = state.alarms.length > 0
  const banner = $('task-banner')
  const first = alarm ? open[0] : overdue[0]
  banner.hidden = !first
  if (first) {
    banner.dataset.taskId = String(first.id)
    banner.dataset.status = first.status
    const late = first.status === 'overdue'
    // The label has a short form for a narrow banner (beside the alarm stack at 800x480).
    const text = el(
      'span',
      { className: 'task-banner-text' },
      el('span', { className: 'tb-long', textContent: `${late ? '⚠ ' : ''}${L(late ? 'overdueBanner' : 'dueBanner')}${L('colon')}` }),
      el('span', { className: 'tb-short', textContent: `${late ? '⚠ ' : ''}${L(late ? 'overdueShort' : 'dueBanner')}${L('colon')}` }),
      el('span', { className: 'tb-what', textContent: taskWhat(first) }),
      el('span', { className: 'tb-by', textContent: L('byTime', { t: taskBy(first) }) }),
    )
    const others = open.length - 1
    /** @type {HTMLElement[]} */
    const moreButton = []
    if (others > 0) {
      const b = button(L('tasksMore', { n: others }), 'btn btn-outline btn-small task-more', tasksDialog)
      b.id = 'task-banner-more'
      moreButton.push(b)
    }
    banner.replaceChildren(text, ...moreButton, doneButton(first))
  }
  taskChime(overdue.length > 0)
}

export function renderDuty() {
  $('duty-label').textContent = L('duty')
  $('duty-name').textContent = state.duty ? state.duty.name : L('noDuty')
  renderHelperMark()
}

/**
 * As many tasks as fit under the figures; the rest are counted on "另有 N 项", which opens them all (never clipped,
 * never silently left out).
 */
export function fitTasks() {
  const ul = $('tasks')
  const rows = /** @type {HTMLElement[]} */ ([...ul.querySelectorAll('li[data-task-id]')])
  const more = /** @type {HTMLElement | null} */ (ul.querySelector('li.more'))
  for (const li of rows) li.hidden = false
  if (!more) return
  more.hidden = true
  const bottom = ul.getBoundingClientRect().bottom
  const over = () => [...ul.children].some((li) => !(/** @type {HTMLElement} */ (li).hidden) && li.getBoundingClientRect().bottom > bottom + 0.5)
  if (!over()) return
  more.hidden = false
  let hidden = 0
  for (const li of rows.reverse()) {
    if (!over()) break
    li.hidden = true
    hidden++
  }
  const b = more.querySelector('button')
  if (b) b.textContent = L('tasksMore', { n: hidden })
}
