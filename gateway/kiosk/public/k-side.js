// @ts-check
// Today's figures, the tasks (an overdue one also as a large banner over the card, with a chime), the device
// strip and who is on duty.
import { $, button, el } from './common.js'
import { DEVICE_KIND, TASK_AREA, TASK_KIND } from './i18n.js'
import { taskChime } from './k-sound.js'
import { L, state, timeOf, W } from './k-state.js'
import { taskDoneDialog } from './k-forms.js'
import { withStaff } from './k-staff.js'

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

function openTasks() {
  /** @type {Record<string, number>} */
  const order = { overdue: 0, due: 1 }
  return (state.tasks ?? []).filter((x) => x.status === 'due' || x.status === 'overdue').sort((a, b) => (order[a.status] ?? 2) - (order[b.status] ?? 2) || a.dueAt.localeCompare(b.dueAt))
}

/** @param {import('./k-state.js').Task} task */
const taskText = (task) => `${W(TASK_KIND, task.kind)} · ${W(TASK_AREA, task.area)}`

/** @param {import('./k-state.js').Task} task */
function doneButton(task) {
  return button(L('done'), 'btn btn-green btn-small', () => withStaff(() => taskDoneDialog(task)))
}

export function renderTasks() {
  const open = openTasks()
  /** @type {HTMLElement[]} */
  const items = []
  if (open.length === 0) items.push(el('li', { className: 'none', textContent: L('noTasks') }))
  $('tasks-title').textContent = open.length > 0 ? `${L('tasks')} · ${L('openCount', { n: open.length })}` : L('tasks')
  for (const task of open.slice(0, 6)) {
    const small = el('small', { textContent: `${timeOf(Date.parse(task.dueAt), true)} ${L(task.status === 'overdue' ? 'overdue' : 'due')}` })
    const li = el('li', { className: task.status }, el('div', { className: 'task-text' }, taskText(task), small), doneButton(task))
    li.dataset.taskId = String(task.id)
    items.push(li)
  }
  $('tasks').replaceChildren(...items)
  fitTasks()
  // An overdue task is not a small card in a corner: a banner over the result, and a chime until it is done.
  const overdue = open.filter((x) => x.status === 'overdue')
  const banner = $('task-banner')
  const first = overdue[0]
  banner.hidden = !first
  if (first) {
    banner.dataset.taskId = String(first.id)
    // The label has a short form for a narrow banner (beside the alarm stack at 800x480); "+1" is a chip of its own,
    // so it never wraps to a line by itself.
    const text = el(
      'span',
      { className: 'task-banner-text' },
      el('span', { className: 'tb-long', textContent: `⚠ ${L('overdueBanner')}${L('colon')}` }),
      el('span', { className: 'tb-short', textContent: L('overdueShort') ? `⚠ ${L('overdueShort')}${L('colon')}` : '⚠ ' }),
      taskText(first),
    )
    const more = overdue.length > 1 ? [el('span', { className: 'task-more', textContent: `+${overdue.length - 1}` })] : []
    banner.replaceChildren(text, ...more, doneButton(first))
  }
  taskChime(overdue.length > 0)
}

export function renderDuty() {
  $('duty-label').textContent = L('duty')
  $('duty-name').textContent = state.duty ? state.duty.name : L('noDuty')
}

/** As many tasks as fit under the figures (the title gives the count); the rest wait for the space, never clipped. */
export function fitTasks() {
  const ul = $('tasks')
  for (const li of ul.children) /** @type {HTMLElement} */ (li).hidden = false
  const bottom = ul.getBoundingClientRect().bottom
  const items = [...ul.children].reverse()
  for (const li of items) {
    if (li.getBoundingClientRect().bottom <= bottom + 0.5) break
    /** @type {HTMLElement} */ (li).hidden = true
  }
}
