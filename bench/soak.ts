// `npm run soak -- --minutes N [--rate 5] [--check]`: the whole gateway as a real process, with a line scanner and a
// Modbus thermometer on pseudo-terminals, the uplink to a real mosquitto, the embedded broker, the kiosk and the
// schedules all running, fed a steady stream of people. Every 10 s it samples the process's resident memory and
// open file descriptors (from /proc) and the latency from a code's last byte on the pty to its entry event at an
// MQTT subscriber (the outside view). Flat is the target; `--check` exits 1 on clear growth (CI runs 2 minutes).
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import mqtt from 'mqtt'
import { SerialPort } from 'serialport'
import { stringify } from 'yaml'
import { freePort, Mosquitto } from '../cloud-bridge/mosquitto.ts'
import { issuePass } from '../gateway/passes/issue.ts'
import { newKeyPair } from '../gateway/passes/keys.ts'
import { ModbusThermometerSim } from '../simulators/devices/modbusThermometer.ts'
import { PtyPair } from '../simulators/pty.ts'
import { gatewayCommand, ptyGateDevices, ROOT, startScriptEnv } from '../tests/helpers/gatewayProcess.ts'
import { buildIfStale } from '../scripts/build.mjs'
import { tempDirFor } from './util.ts'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5' },
    check: { type: 'boolean', default: false },
    'sample-seconds': { type: 'string', default: '10' },
    // A command put before the gateway's node, e.g. --wrap 'heaptrack -o /tmp/gw' (words split on spaces).
    wrap: { type: 'string' },
    // End with kill -9 instead of SIGTERM, so that a profiler sees what is live at that moment, not after teardown.
    kill9: { type: 'boolean', default: false },
  },
})
const minutes = Number(args.minutes)
const rate = Number(args.rate)
const sampleMs = Number(args['sample-seconds']) * 1000
if (!(minutes > 0) || !(rate > 0 && rate <= 200) || !(sampleMs >= 1000)) throw new Error('--minutes > 0, --rate 1..200, --sample-seconds ≥ 1')

interface Sample {
  atS: number
  rssMB: number
  /** Resident size of glibc's [heap] mapping (malloc below the mmap threshold), from /proc/PID/smaps. */
  heapMB: number
  fds: number
  decisions: number
  p50: number | null
  p99: number | null
  max: number | null
  backlog: number | null
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function procStatus(pid: number): { rssMB: number; heapMB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
  const heapKb = Number(/\[heap\]\n(?:.*\n)*?Rss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps`, 'utf8'))?.[1] ?? 0)
  const mb = (k: number): number => Math.round((k / 1024) * 10) / 10
  return { rssMB: mb(kb), heapMB: mb(heapKb), fds: readdirSync(`/proc/${pid}/fd`).length }
}

/** The gateway's own pid: the spawned one, or under --wrap the node process the wrapper started (its descendant). */
function nodePid(root: number): number {
  const children = (pid: number): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
    } catch {
      return []
    }
  }
  const todo = [root]
  for (let pid = todo.shift(); pid !== undefined; pid = todo.shift()) {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dist/main.js')) return pid
    todo.push(...children(pid))
  }
  throw new Error(`no node process under pid ${root}`)
}

function quantile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 100) / 100
}

async function main(): Promise<number> {
  // The soak runs dist/ as a gate does: built now if the sources changed.
  await buildIfStale({ log: (line: string) => console.error(line) })
  const dir = tempDirFor('soak')
  const broker = await Mosquitto.start()
  const [scanPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'scan' }), PtyPair.open({ name: 'thermo' })])
  const thermo = new ModbusThermometerSim({ unitId: 1, temperatureC: 36.6, respondDelayMs: 0 })
  await thermo.open(thermoPty.devicePath)
  const issuer = newKeyPair('soak-key')
  const kioskPort = await freePort()
  const config = {
    dataDir: join(dir, 'data'),
    devices: ptyGateDevices({ inPath: scanPty.gatewayPath, thermoPath: thermoPty.gatewayPath, pulseMs: 100 }),
    rules: { duplicateScanMs: 0, antiPassback: 'off' },
    passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
    central: { url: broker.url },
    localBroker: { enabled: true, host: '127.0.0.1', port: await freePort() },
    kiosk: { host: '127.0.0.1', port: kioskPort },
    log: { level: 'info' },
  }
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, stringify(config))
  const [cmd, argv] = gatewayCommand(['--config', file], { built: true })
  const wrap = args.wrap?.split(/\s+/).filter(Boolean) ?? []
  const gw = spawn(wrap[0] ?? cmd, wrap.length ? [...wrap.slice(1), cmd, ...argv] : argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...startScriptEnv() } })
  const url = `http://127.0.0.1:${kioskPort}`
  for (let t = Date.now(); ; await sleep(50)) {
    if (Date.now() - t > 20_000) throw new Error('gateway not ready in 20 s')
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break
  }
  const pid = nodePid(gw.pid!)

  // The platform: entry events matched to the moment their code's last byte was written.
  const written = new Map<string, number>()
  let window: number[] = []
  let decisions = 0
  let lastSeq = 0
  let gaps = 0
  const sub = mqtt.connect(broker.url, { protocolVersion: 5 })
  sub.on('message', (topic, payload) => {
    const at = performance.now()
    const ev = JSON.parse(payload.toString()) as { seq: number; data: { passId?: string } }
    if (ev.seq > lastSeq + 1) gaps += ev.seq - lastSeq - 1
    lastSeq = Math.max(lastSeq, ev.seq)
    if (!topic.endsWith('/entry')) return
    const t0 = ev.data.passId ? written.get(ev.data.passId) : undefined
    if (t0 === undefined) return
    written.delete(ev.data.passId!)
    window.push(at - t0)
    decisions++
  })
  await new Promise<void>((r) => sub.once('connect', () => r()))
  await sub.subscribeAsync('estate-gate/+/+/#', { qos: 1 })
  // The kiosk: a staff screen connected to its live stream, when the gateway has one.
  const kiosk = new AbortController()
  void fetch(`${url}/api/kiosk/events`, { signal: kiosk.signal })
    .then(async (res) => {
      if (!res.ok || !res.body) return
      for await (const _ of res.body) {
        // drained, as a browser would
      }
    })
    .catch(() => {})

  const scanner = new SerialPort({ path: scanPty.devicePath, baudRate: 9600 })
  await new Promise<void>((res, rej) => scanner.once('open', res).once('error', rej))

  const started = performance.now()
  const endAt = started + minutes * 60_000
  const samples: Sample[] = []
  let n = 0
  let nextSample = started + sampleMs
  console.log(`soak: ${minutes} min at ${rate} people/s; gateway pid ${pid}; ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB`)
  console.log('   t(s)  rss(MB)  heap(MB)  fds  decisions  p50(ms)  p99(ms)  max(ms)  backlog')
  for (let next = performance.now(); performance.now() < endAt; ) {
    if (gw.exitCode !== null) throw new Error(`the gateway exited (${gw.exitCode}) during the soak`)
    const jti = `soak-${n++}`
    const code = await issuePass(issuer, { sub: `H-${n % 400}`, kind: 'resident', jti }, { now: Date.now(), ttlSeconds: 600 })
    written.set(jti, performance.now())
    scanner.write(`${code}\r`)
    next += 1000 / rate
    if (performance.now() >= nextSample) {
      const sorted = window.sort((a, b) => a - b)
      const health = (await fetch(`${url}/healthz`).then((r) => r.json(), () => null)) as { components?: { store?: { backlog?: { count?: number } } } } | null
      const s: Sample = {
        atS: Math.round((performance.now() - started) / 1000),
        ...procStatus(pid),
        decisions,
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        max: quantile(sorted, 1),
        backlog: health?.components?.store?.backlog?.count ?? null,
      }
      samples.push(s)
      window = []
      nextSample += sampleMs
      const f = (v: number | null, w: number): string => String(v ?? '-').padStart(w)
      console.log(`${f(s.atS, 7)}  ${f(s.rssMB, 7)}  ${f(s.heapMB, 8)}  ${f(s.fds, 3)}  ${f(s.decisions, 9)}  ${f(s.p50, 7)}  ${f(s.p99, 7)}  ${f(s.max, 7)}  ${f(s.backlog, 7)}`)
    }
    await sleep(Math.max(0, next - performance.now()))
  }
  await sleep(2000)
  const lost = written.size
  kiosk.abort()
  scanner.close()
  const exited = new Promise<number | null>((r) => gw.once('exit', (code) => r(code)))
  if (args.kill9) process.kill(pid, 'SIGKILL')
  else if (wrap.length) process.kill(pid, 'SIGTERM')
  else gw.kill('SIGTERM')
  const exit = await exited
  await sub.endAsync(true)
  await thermo.close()
  await Promise.all([scanPty.close(), thermoPty.close(), broker.dispose()])

  const verdict = judge(samples)
  const result = { minutes, rate, scans: n, decisions, lost, gaps, exitCode: exit, samples, verdict }
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true })
  const out = join(ROOT, 'bench/out', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(out, JSON.stringify(result, null, 2))
  console.log(`\n${n} codes written, ${decisions} entry events matched, ${lost} without an event, ${gaps} seq gaps, gateway exit ${exit}`)
  console.log(`verdict: ${verdict.ok ? 'flat' : 'GROWTH'}: ${verdict.notes.join('; ')}`)
  console.log(`written ${out}`)
  return args.check && (!verdict.ok || lost > 0 || gaps > 0 || (exit !== 0 && !args.kill9)) ? 1 : 0
}

/**
 * Growth is judged between the first and last thirds of the run, after a warm-up sample: V8 heaps and SQLite page
 * caches grow at first and then hold, so the first sample is no baseline.
 */
function judge(samples: Sample[]): { ok: boolean; notes: string[] } {
  const notes: string[] = []
  const body = samples.slice(1)
  if (body.length < 3) return { ok: true, notes: ['too short to judge'] }
  const third = Math.max(1, Math.floor(body.length / 3))
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const first = body.slice(0, third)
  const last = body.slice(-third)
  const rssGrowth = med(last.map((s) => s.rssMB)) - med(first.map((s) => s.rssMB))
  const fdGrowth = med(last.map((s) => s.fds)) - med(first.map((s) => s.fds))
  const p99 = (xs: Sample[]): number => med(xs.map((s) => s.p99 ?? 0))
  let ok = true
  notes.push(`rss ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB`, `fds ${fdGrowth >= 0 ? '+' : ''}${fdGrowth}`, `p99 ${p99(first)} → ${p99(last)} ms`)
  // Thresholds: well above the noise of a 2-minute run on a shared 2-core machine, well below a real leak's slope.
  if (rssGrowth > 24) ok = false
  if (fdGrowth > 8) ok = false
  if (p99(last) > 3 * p99(first) && p99(last) > 50) ok = false
  const maxRss = Math.max(...samples.map((s) => s.rssMB))
  notes.push(`peak rss ${maxRss} MB`)
  return { ok, notes }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
