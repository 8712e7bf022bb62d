// @ts-check
// /tech, the device tests: one row per device with its test, each result a sentence in both languages with the
// local time (the site's zone), never raw JSON or epoch milliseconds. Pulsing the relay opens the gate, so it
// asks first, with how long.
import { $, api, button, el, localTime } from './common.js'

/** @typedef {{ kind?: string, driver?: string, pulseMs?: number, info?: Record<string, unknown> }} Device */

const PATTERNS = { admit: '放行 admit', deny: '拒绝 deny', fever: '发热 fever', remeasure: '重测 remeasure', alarm: '报警 alarm' }
const PULSES = [300, 500, 1000, 2000, 3000, 5000]

/** @param {number | null | undefined} c */
const deg = (c) => (typeof c === 'number' ? `${c.toFixed(1)} °C` : '–')

/**
 * A test's answer as a sentence, Chinese first.
 * @param {string} test
 * @param {string} name
 * @param {import('./common.js').ApiResult} r
 */
export function resultSentence(test, name, r) {
  const d = r.data
  if (!r.ok) {
    const why = r.status === 0 ? '连不上网关 · gateway not reachable' : String(d.message ?? d.error ?? `HTTP ${r.status}`)
    return { ok: false, text: `${name}：测试失败 · test failed: ${why}` }
  }
  if (test === 'pulse') {
    const ms = d.ms ?? null
    const n = d.health?.counters?.pulses
    return d.pulsed
      ? { ok: true, text: `${name}：已吸合${ms ? ` ${ms} 毫秒` : ''}，闸门打开（累计 ${n} 次）· relay pulsed${ms ? ` for ${ms} ms` : ''}, the gate opened (${n} pulses so far)` }
      : { ok: false, text: `${name}：没有吸合 · the relay did not pulse` }
  }
  if (test === 'beep') return { ok: true, text: `${name}：已鸣响「${PATTERNS[/** @type {keyof PATTERNS} */ (d.pattern)] ?? d.pattern}」· played the ${d.pattern} pattern` }
  if (test === 'read') {
    if (!d.ok) return { ok: false, text: `${name}：没有读到温度（${d.error}${d.detail ? `: ${d.detail}` : ''}）· no reading (${d.error})` }
    const range = d.inValidRange ? '在有效范围内 · within the valid range' : '超出有效范围 · outside the valid range'
    const ambient = typeof d.ambientCelsius === 'number' ? `，环境 ambient ${deg(d.ambientCelsius)}${d.ambientOutOfRange ? '（超出工作范围 out of range）' : ''}` : ''
    return { ok: Boolean(d.inValidRange), text: `${name}：读数 ${deg(d.celsius)}（原始 raw ${deg(d.rawCelsius)}${ambient}），${range} · read ${deg(d.celsius)}` }
  }
  if (test === 'probe') {
    if (!d.answered) return { ok: false, text: `${name}：模块没有应答（${d.baudRate} 波特）· the module did not answer at ${d.baudRate} baud` }
    const yn = (/** @type {boolean | null} */ v) => (v === null ? '未知 unknown' : v ? '是 yes' : '否 no')
    return {
      ok: true,
      text: `${name}：模块已应答，${d.baudRate} 波特，串口输出 serial output ${yn(d.serialOutput)}，回车结尾 CR tail ${yn(d.crTail)}，硬件 hardware ${d.hardwareVersion ?? '–'}，软件 software ${d.softwareVersion ?? '–'}`,
    }
  }
  return { ok: true, text: `${name}：完成 · done` }
}

/** @param {{ ok: boolean, text: string }} s @param {string | undefined} tz */
function show(s, tz) {
  const line = el('div', { className: s.ok ? 'good' : 'bad', textContent: `${localTime(Date.now(), tz)}  ${s.text}` })
  $('test-result').prepend(line)
}

/**
 * @param {Record<string, Device>} devices
 * @param {string | undefined} tz the site's time zone
 */
export function renderTests(devices, tz) {
  const rows = []
  for (const [name, c] of Object.entries(devices)) {
    if (!c.kind) continue
    const row = el('div', { className: 'test-row' }, el('b', { textContent: `${name} (${c.kind})` }))
    row.dataset.device = name
    /** @param {string} text @param {string} test @param {string} path @param {() => Record<string, unknown>} body */
    const run = (text, test, path, body) => {
      const b = button(text, 'btn', async () => {
        b.disabled = true
        const r = await api(path, body())
        b.disabled = false
        show(resultSentence(test, name, r), tz)
      })
      return b
    }
    if (c.kind === 'relay') row.append(pulseControl(name, tz))
    if (c.kind === 'buzzer') {
      const sel = el('select', { ariaLabel: 'pattern' })
      for (const [p, label] of Object.entries(PATTERNS)) sel.append(new Option(label, p))
      row.append(sel, run('鸣响 Beep', 'beep', '/api/tech/test/buzzer', () => ({ name, pattern: sel.value })))
    }
    if (c.kind === 'thermometer') row.append(run('立即测温 Read now', 'read', '/api/tech/test/thermometer', () => ({ name })))
    if (c.kind === 'scanner') row.append(run(c.driver === 'gm65' ? '探测 GM65 Probe' : '探测 Probe (gm65 only)', 'probe', '/api/tech/test/scanner', () => ({ name })))
    rows.push(row)
  }
  $('tests').replaceChildren(...rows)
}

/** "Pulse relay" asks first: the gate opens, for how long. @param {string} name @param {string | undefined} tz */
function pulseControl(name, tz) {
  const box = el('span', { className: 'pulse' })
  const ask = button('吸合 Pulse relay', 'btn', () => {
    const sel = el('select', { ariaLabel: 'ms' })
    for (const ms of PULSES) sel.append(new Option(`${ms} 毫秒 ms`, String(ms), ms === 1000, ms === 1000))
    const yes = button('确定开闸 Open the gate', 'btn btn-red', async () => {
      const ms = Number(sel.value)
      const r = await api('/api/tech/test/relay', { name, ms })
      if (r.ok) r.data.ms = ms
      show(resultSentence('pulse', name, r), tz)
      box.replaceChildren(ask)
    })
    yes.className += ' pulse-confirm'
    const no = button('取消 Cancel', 'btn btn-gray', () => box.replaceChildren(ask))
    box.replaceChildren(el('span', { className: 'warn', textContent: '闸门会打开 The gate will open for ' }), sel, yes, no)
  })
  box.append(ask)
  return box
}
