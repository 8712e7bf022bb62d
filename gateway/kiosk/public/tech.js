// @ts-check
// The technicians' pages: log in with a tech PIN, then devices, tests, config, logs, outbox and exports.
// Every call goes to this gateway's /api/tech; a 401 (wrong session or 15 minutes idle) returns to the login.
import { $, api, localTime, setLoggedOutHandler } from './common.js'
import { renderTests } from './t-tests.js'

/** @type {ReturnType<typeof setInterval> | undefined} */
let pollTimer
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ ($(id))
/** @param {string} id */
const table = (id) => /** @type {HTMLTableElement} */ ($(id))
/** @param {string} id */
const link = (id) => /** @type {HTMLAnchorElement} */ ($(id))
setLoggedOutHandler(() => showLogin())

// Times are shown in the site's zone (as on the staff screen), not the browser's: a technician's laptop may be set
// to anything. Learned from the config once logged in.
/** @type {string | undefined} */
let siteTimeZone
async function loadTimeZone() {
  if (siteTimeZone) return
  const r = await api('/api/tech/config')
  siteTimeZone = r.ok ? r.data?.config?.site?.timezone : undefined
}
/** @param {number | string} ts */
function clockTime(ts) {
  return localTime(ts, siteTimeZone)
}

/** @param {unknown} text @param {string} [cls] */
function td(text, cls) {
  const c = document.createElement('td')
  c.textContent = text === null || text === undefined ? '' : String(text)
  if (cls) c.className = cls
  return c
}

/** @param {Record<string, unknown> | null | undefined} obj */
function kvs(obj) {
  return Object.entries(obj ?? {})
    .map(([k, v]) => `${k}=${v === null ? '–' : typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join('  ')
}

// ---- login ---------------------------------------------------------------------------------------------------

function showLogin(message = '') {
  clearInterval(pollTimer)
  document.body.dataset.view = 'login'
  $('login').hidden = false
  $('app').hidden = true
  $('logout').hidden = true
  $('who').textContent = ''
  $('login-error').textContent = message
  input('pin').value = ''
  $('pin').focus()
}

/** @param {{ id: string, name: string }} tech */
function showApp(tech) {
  document.body.dataset.view = 'app'
  $('login').hidden = true
  $('app').hidden = false
  $('logout').hidden = false
  $('who').textContent = `${tech.name} (${tech.id})`
  showTab('devices')
}

async function login() {
  const pin = input('pin').value
  const r = await api('/api/tech/login', { pin })
  input('pin').value = ''
  if (r.ok) return showApp(r.data.tech)
  $('login-error').textContent =
    r.status === 429 ? `错误次数过多，请 ${r.data.retryAfterSec} 秒后再试 · Too many wrong PINs: wait ${r.data.retryAfterSec} s`
    : r.status === 403 ? '未配置技术员密码 · No tech PINs configured (kiosk.techPins)'
    : r.status === 400 ? '4–12 位数字 · 4 to 12 digits'
    : '密码错误 · Wrong PIN'
}

for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'C', '0', '⌫']) {
  const b = document.createElement('button')
  b.textContent = k
  b.addEventListener('click', () => {
    const p = input('pin')
    if (k === 'C') p.value = ''
    else if (k === '⌫') p.value = p.value.slice(0, -1)
    else if (p.value.length < 12) p.value += k
  })
  $('pad').append(b)
}
const ok = document.createElement('button')
ok.textContent = '登录 Log in'
ok.className = 'wide'
ok.id = 'login-btn'
ok.addEventListener('click', login)
$('pad').append(ok)
$('pin').addEventListener('keydown', (e) => void (e.key === 'Enter' && login()))
$('logout').addEventListener('click', async () => {
  await api('/api/tech/logout', {})
  showLogin()
})

// ---- tabs ----------------------------------------------------------------------------------------------------

/** @type {Record<string, () => unknown>} */
const loaders = { devices: loadDevices, tests: loadTests, config: loadConfig, logs: loadLogs, outbox: loadOutbox, export: loadExport }

/** @param {string} name */
function showTab(name) {
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('on', /** @type {HTMLElement} */ (b).dataset.tab === name)
  for (const t of document.querySelectorAll('.tab')) /** @type {HTMLElement} */ (t).hidden = t.id !== `tab-${name}`
  clearInterval(pollTimer)
  void loaders[name]?.()
  // Live health: devices refresh every two seconds while their tab is open.
  if (name === 'devices') pollTimer = setInterval(loadDevices, 2000)
}
for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showTab(/** @type {HTMLElement} */ (b).dataset.tab ?? 'devices'))

/** @type {Record<string, Record<string, any>>} */
let devices = {}

async function loadDevices() {
  await loadTimeZone()
  const r = await api('/api/tech/devices')
  if (!r.ok) return
  devices = r.data.components
  $('overall').textContent = `总体 Overall: ${r.data.status}`
  const rows = Object.entries(r.data.components).map(([name, c]) => {
    const tr = document.createElement('tr')
    tr.dataset.device = name
    const last = c.lastSeen ? clockTime(c.lastSeen) : '–'
    tr.append(
      td(`${name}${c.kind ? ` (${c.kind}, ${c.driver})` : ''}`),
      td(c.status, c.status),
      td(last),
      td(kvs(c.counters ?? (c.backlog ? { backlog: c.backlog.count ?? c.backlog, lastSeq: c.lastSeq } : {})), 'kvs'),
      td(kvs(c.info ?? Object.fromEntries(Object.entries(c).filter(([k]) => !['status', 'counters', 'kind', 'driver', 'lastSeen', 'since', 'lastError'].includes(k)))), 'kvs'),
      td(c.lastError ?? c.error ?? ''),
    )
    return tr
  })
  table('devices-table').tBodies[0]?.replaceChildren(...rows)
}

/** @param {unknown} result */
function show(result) {
  $('test-result').replaceChildren(document.createTextNode(typeof result === 'string' ? result : JSON.stringify(result, null, 2)))
}

async function loadTests() {
  await loadTimeZone()
  if (Object.keys(devices).length === 0) await loadDevices()
  renderTests(devices, siteTimeZone)
}

$('ports-btn').addEventListener('click', async () => {
  const r = await api('/api/tech/ports')
  if (!r.ok) return show(`列出串口失败 · Could not list the serial ports: ${r.data.message ?? r.data.error ?? r.status}`)
  table('ports-table').tBodies[0]?.replaceChildren(
    ...r.data.ports.map((/** @type {Record<string, any>} */ p) => {
      const tr = document.createElement('tr')
      tr.append(td(p.path), td(p.byId.join('\n') || '–'), td(p.manufacturer ?? ''), td(p.vendorId ? `${p.vendorId}:${p.productId}` : ''))
      return tr
    }),
  )
})

async function loadConfig() {
  const r = await api('/api/tech/config')
  if (r.ok) $('config-view').textContent = JSON.stringify(r.data.config, null, 2)
}

$('config-apply').addEventListener('click', async () => {
  const out = $('config-result')
  let patch
  try {
    patch = JSON.parse(input('config-patch').value)
  } catch (e) {
    out.innerHTML = ''
    out.append(line(`JSON 格式错误 · Not valid JSON: ${/** @type {Error} */ (e).message}`, 'bad'))
    return
  }
  const r = await api('/api/tech/config', { patch })
  out.replaceChildren()
  if (!r.ok) {
    for (const [k, v] of Object.entries(r.data.fields ?? { '(request)': r.data.message ?? r.status })) out.append(line(`✘ ${k}: ${v}`, 'bad'))
    return
  }
  if (r.data.applied.length) out.append(line(`✔ 已生效 Applied: ${r.data.applied.join(', ')}`, 'good'))
  if (r.data.restartNeeded.length) out.append(line(`⟳ 需重启 Restart needed: ${r.data.restartNeeded.join(', ')}`, 'warn'))
  if (!r.data.applied.length && !r.data.restartNeeded.length) out.append(line('没有变化 Nothing changed', 'good'))
  $('config-view').textContent = JSON.stringify(r.data.config, null, 2)
})

/** @param {string} text @param {string} cls */
function line(text, cls) {
  const d = document.createElement('div')
  d.className = cls
  d.textContent = text
  return d
}

/** @type {Record<number, string>} */
const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }

async function loadLogs() {
  const r = await api('/api/tech/logs?limit=200')
  if (!r.ok) return
  table('logs-table').tBodies[0]?.replaceChildren(
    ...r.data.lines.reverse().map((/** @type {Record<string, any>} */ l) => {
      const tr = document.createElement('tr')
      const { time, level, module, msg, svc: _svc, pid: _pid, hostname: _h, ...rest } = l
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : ''
      tr.append(td(time ? clockTime(time) : ''), td(LEVELS[level] ?? level, level >= 50 ? 'down' : level >= 40 ? 'degraded' : ''), td(module ?? ''), td(`${msg ?? ''}${extra}`))
      return tr
    }),
  )
}
$('logs-refresh').addEventListener('click', loadLogs)

async function loadOutbox() {
  const r = await api('/api/tech/outbox')
  if (!r.ok) return
  const d = r.data
  const rows = [
    ['待发消息 Messages waiting', d.count],
    ['最早 seq First', d.firstSeq ?? '–'],
    ['最新 seq Last', d.lastSeq],
    ['最早时间 Oldest', d.oldest ? localTime(d.oldest, siteTimeZone, { date: true }) : '–'],
    ['按主题 By topic', kvs(d.byTopic) || '–'],
    ['上行 Uplink', d.uplink ? `${d.uplink.status}${d.uplink.url ? ` · ${d.uplink.url}` : ''}` : '–'],
  ]
  $('outbox').replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt')
      dt.textContent = k
      const dd = document.createElement('dd')
      dd.textContent = String(v)
      return [dt, dd]
    }),
  )
}
$('outbox-refresh').addEventListener('click', loadOutbox)

function today() {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

function loadExport() {
  for (const id of ['from', 'to', 'day']) if (!input(id).value) input(id).value = today()
  updateLinks()
}

/** Dates only in these URLs: no names, ids or PINs ever go in one. */
function updateLinks() {
  link('export-link').href = `/api/tech/entries.csv?from=${input('from').value}&to=${input('to').value}`
  link('day-link').href = `/api/tech/day.csv?day=${input('day').value}`
  link('tasks-link').href = `/api/tasks/sheet.csv?day=${input('day').value}`
}
for (const id of ['from', 'to', 'day']) $(id).addEventListener('change', updateLinks)

const session = await api('/api/tech/session')
if (session.ok && session.data.tech) showApp(session.data.tech)
else showLogin()
