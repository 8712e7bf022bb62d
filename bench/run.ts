// `npm run bench [-- --quick] [--only latency|drain|store|process|storm] [--runs N] [--storm-connects N]`: the figures of DESIGN section 10
// (BENCH_CPU_PROF=DIR: the process bench writes a V8 CPU profile of the loaded gateway into DIR).
// (a) scan-to-relay latency over real pseudo-terminals, one at a time, at 1 per second and 200 per second sustained,
//     with the uplink, embedded broker, kiosk stream and schedules running: the last byte of a code written to the
//     scanner's pty → the relay commanded on, including the pass check, the Modbus round trip (simulator answering
//     at once) and the fsynced SQLite commit;
// (b) the outbox drain of 100,000 messages to mosquitto against a bare mqtt.js publisher (`--runs` repeats it; the
//     machine may be shared, so compare ratios within a run);
// (c) the queries of the gate, the kiosk and the sheets over a log of 1,000,000 entries;
// (d) the real process: start to ready and resident memory;
// (e) scan latency at the real process under a storm of kiosk login guesses and bad broker CONNECTs (bench/authStorm.ts).
// Prints the figures, writes bench/out/latest.json and, for a full run, bench/RESULTS.md.
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fork } from 'node:child_process'
import { benchDrain, type DrainBenchResult } from '../cloud-bridge/drainBench.ts'
import { Gateway } from '../gateway/app.ts'
import { validateConfig } from '../gateway/config/load.ts'
import type { DecisionEvent } from '../gateway/pipeline/pipeline.ts'
import { createLogger } from '../gateway/logger.ts'
import { issuePass } from '../gateway/passes/issue.ts'
import { newKeyPair } from '../gateway/passes/keys.ts'
import { PtyPair } from '../simulators/pty.ts'
import { Mosquitto } from '../cloud-bridge/mosquitto.ts'
import { benchAuthStorm, type StormBenchResult } from './authStorm.ts'
import { benchProcess, type ProcessBenchResult } from './process.ts'
import { resultsMarkdown } from './results.ts'
import { benchStore, type StoreBenchResult } from './store.ts'
import { buildIfStale } from '../scripts/build.mjs'
import { tempDirFor } from './util.ts'

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' }, runs: { type: 'string', default: '1' }, 'storm-connects': { type: 'string', default: '200' } },
})
if (args.only !== undefined && !['latency', 'drain', 'store', 'process', 'storm'].includes(args.only)) throw new Error('--only takes latency, drain, store, process or storm')
const drainRuns = Number(args.runs)
if (!Number.isInteger(drainRuns) || drainRuns < 1) throw new Error('--runs takes a whole number ≥ 1')

interface LatencyResult {
  scans: number
  gapMs: number
  /** Of which: the pty and the framing, write to scan event. */
  wireP50?: number
  wireP99?: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

interface LatencyOptions {
  count: number
  /** Time between two codes. */
  gapMs: number
  /** Paced: codes are written on a fixed clock whatever the gate is doing (sustained load); otherwise each
   *  waits for the previous decision. */
  paced: boolean
  /** Alternate in (thermometer) and out (no temperature) scanners, as people come and go at a real gate. */
  inAndOut?: boolean
  /** The central broker the uplink drains to while the gate decides. */
  central: string
  label: string
}

/**
 * Scan-to-relay with everything a gate runs (DESIGN section 10): the uplink draining to mosquitto, the embedded
 * broker, the kiosk with a staff screen connected to its live stream, and the default schedules.
 */
async function scanToRelay(o: LatencyOptions): Promise<LatencyResult> {
  const { count, gapMs } = o
  const dir = tempDirFor('bench-latency')
  const [scanPty, thermoPty, outPty] = await Promise.all([PtyPair.open({ name: 'scan' }), PtyPair.open({ name: 'thermo' }), PtyPair.open({ name: 'out' })])
  const devices = fork(join(import.meta.dirname, 'devices.ts'), [], { execArgv: ['--import', 'tsx'] })
  const replies: { cmd: string; i?: number; at?: number; error?: string }[] = []
  let notify: (() => void) | null = null
  devices.on('message', (m: (typeof replies)[number]) => {
    if (m.cmd === 'error') console.error(`device process: ${m.error}`)
    replies.push(m)
    notify?.()
  })
  const reply = async (pred: (m: (typeof replies)[number]) => boolean): Promise<(typeof replies)[number]> => {
    for (;;) {
      const k = replies.findIndex(pred)
      if (k >= 0) return replies.splice(k, 1)[0]!
      await Promise.race([new Promise<void>((r) => (notify = r)), sleep(5000).then(() => Promise.reject(new Error('device process silent')))])
    }
  }
  devices.send({ cmd: 'start', scannerPath: scanPty.devicePath, outScannerPath: outPty.devicePath, thermometerPath: thermoPty.devicePath })
  await reply((m) => m.cmd === 'ready')

  const issuer = newKeyPair('bench-key')
  const loaded = validateConfig({
    dataDir: join(dir, 'data'),
    devices: {
      scanners: [
        { name: 'scanner-in', driver: 'line', path: scanPty.gatewayPath, direction: 'in' },
        { name: 'scanner-out', driver: 'line', path: outPty.gatewayPath, direction: 'out' },
      ],
      thermometers: [{ name: 'thermo-in', driver: 'modbus-rtu', path: thermoPty.gatewayPath, function: 4, scale: 0.01, timeoutMs: 300 }],
      relays: [{ name: 'gate', driver: 'simulated', pulseMs: 100 }],
      buzzers: [{ name: 'buzzer', driver: 'simulated' }],
    },
    rules: { duplicateScanMs: 0 },
    passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
    central: { url: o.central },
    localBroker: { enabled: true, host: '127.0.0.1', port: 0 },
    kiosk: { host: '127.0.0.1', port: 0 },
  })
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'))
  // Logs as in production (info level), into a file rather than the terminal.
  const log = createLogger('info', createWriteStream(join(dir, 'gateway.log')))
  const gw = await Gateway.start(loaded.config, { log })
  await waitFor(() => gw.thermometers[0]!.health().online, 5000)
  // A staff screen, connected as the browser's EventSource would be.
  const screen = new AbortController()
  void fetch(`${gw.url}/api/kiosk/events`, { signal: screen.signal })
    .then(async (res) => {
      for await (const _ of res.body ?? []) {
        // drained
      }
    })
    .catch(() => {})

  const warmup = Math.min(20, count)
  const passes: string[] = []
  for (let i = 0; i < count + warmup; i++) {
    passes.push(await issuePass(issuer, { sub: `H-1-1-${i}`, kind: 'resident', jti: `bench-${i}` }, { now: Date.now(), ttlSeconds: 3600 }))
  }
  const decisions = new Map<string, DecisionEvent>()
  let decided = 0
  gw.bus.on('decision', (d) => {
    if (d.passId) decisions.set(d.passId, d)
    decided++
  })
  const samples: number[] = []
  const wire: number[] = []
  const stages = { verify: [] as number[], temperature: [] as number[], commit: [] as number[] }
  const written = new Map<number, number>()
  const t0 = performance.now()
  for (let i = 0; i < passes.length; i++) {
    devices.send({ cmd: 'scan', i, code: passes[i], scanner: o.inAndOut && i % 2 ? 1 : 0 })
    if (o.paced) {
      await sleep(Math.max(0, t0 + (i + 1) * gapMs - performance.now()))
      continue
    }
    written.set(i, (await reply((m) => m.cmd === 'written' && m.i === i)).at!)
    await waitFor(() => decisions.has(`bench-${i}`), 2000).catch(() => {
      throw new Error(`scan ${i}: no decision within 2 s (${JSON.stringify(gw.health().components['scanner-in'])})`)
    })
    await sleep(gapMs)
  }
  await waitFor(() => decided >= passes.length, 30_000).catch(() => {
    throw new Error(`${passes.length - decided} of ${passes.length} scans not decided within 30 s`)
  })
  const span = (performance.now() - t0) / 1000
  for (let i = 0; i < passes.length; i++) if (!written.has(i)) written.set(i, (await reply((m) => m.cmd === 'written' && m.i === i)).at!)
  for (let i = warmup; i < passes.length; i++) {
    const d = decisions.get(`bench-${i}`)!
    if (d.actuatedMono === null) throw new Error(`scan ${i} was not admitted: ${d.reasons.join(',')}`)
    const at = written.get(i)!
    samples.push(performance.timeOrigin + d.actuatedMono - at)
    wire.push(performance.timeOrigin + d.scanMono - at)
    stages.verify.push(d.marks.verified - d.scanMono)
    if (d.direction === 'in') stages.temperature.push(d.marks.temperature - d.scanMono)
    stages.commit.push(d.marks.committed - d.marks.temperature)
  }
  const uplink = gw.health().components.uplink
  screen.abort()
  devices.send({ cmd: 'stop' })
  await new Promise((r) => devices.once('exit', r))
  await gw.stop()
  await Promise.all([scanPty.close(), thermoPty.close(), outPty.close()])
  console.log(`  ${o.label}: ${passes.length} scans in ${span.toFixed(1)} s (${Math.round(passes.length / span)}/s); uplink connected: ${String(uplink?.connected)}`)
  for (const [k, xs] of Object.entries(stages)) {
    const st = stats(xs)
    console.log(`    stage ${k.padEnd(11)} p50 ${st.p50} ms   p99 ${st.p99} ms   (from the scan event${k === 'commit' ? ', commit only' : ''})`)
  }
  const wireMs = stats(wire)
  return { scans: samples.length, gapMs, ...stats(samples), wireP50: wireMs.p50, wireP99: wireMs.p99 }
}

function stats(xs: number[]): Omit<LatencyResult, 'scans' | 'gapMs' | 'wireP50' | 'wireP99'> {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!
  const r = (x: number): number => Math.round(x * 1000) / 1000
  return { p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), max: r(s[s.length - 1]!), mean: r(s.reduce((a, b) => a + b, 0) / s.length) }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : Math.round(((s[m - 1]! + s[m]!) / 2) * 100) / 100
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await sleep(1)
  }
}

async function main(): Promise<void> {
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }
  console.log(`estate-gate bench${args.quick ? ' (quick)' : ''} on ${machine.cpus} × ${machine.cpu}, ${machine.memGiB} GiB, Node ${machine.node}`)
  // The process and storm figures run dist/ as a gate does: built now if the sources changed.
  await buildIfStale({ log: (line: string) => console.log(line) })
  const latency: Record<string, LatencyResult> = {}
  if (args.only === undefined || args.only === 'latency') {
    const central = await Mosquitto.start()
    try {
      const modes: (Omit<LatencyOptions, 'central'> & { key: string })[] = [
        { key: 'oneAtATime', label: 'one at a time, 20 ms apart', count: args.quick ? 300 : 2000, gapMs: 20, paced: false },
        { key: 'perSecond1', label: '1 per second', count: args.quick ? 15 : 120, gapMs: 1000, paced: false },
        { key: 'perSecond200', label: '200 per second sustained, in and out alternating', count: args.quick ? 600 : 4000, gapMs: 5, paced: true, inAndOut: true },
        // The same rate through one scanner and its thermometer: one person at a time in front of it.
        { key: 'perSecond200In', label: '200 per second sustained, all through the in scanner', count: args.quick ? 600 : 4000, gapMs: 5, paced: true },
      ]
      console.log('scan-to-relay over a pty, Modbus round trip + fsynced commit included, uplink + embedded broker + kiosk stream + schedules running:')
      for (const m of modes) {
        const l = await scanToRelay({ ...m, central: central.url })
        latency[m.key] = l
        console.log(
          `    p50 ${l.p50} ms   p90 ${l.p90} ms   p99 ${l.p99} ms   max ${l.max} ms   (target p50 ≤ 2, p99 ≤ 5)` +
            `   pty + framing p50 ${l.wireP50} ms`,
        )
      }
    } finally {
      await central.dispose()
    }
  }
  let store: StoreBenchResult | undefined
  if (args.only === undefined || args.only === 'store') {
    const count = args.quick ? 100_000 : 1_000_000
    store = benchStore({ count })
    console.log(`the log at ${count.toLocaleString('en')} entries (${store.fileMB} MB, filled in ${store.fillSeconds} s), target ≤ 20 ms:`)
    for (const q of store.queries) console.log(`    ${q.name.padEnd(50)} p50 ${q.p50} ms   p99 ${q.p99} ms   max ${q.max} ms`)
  }
  let process_: ProcessBenchResult | undefined
  if (args.only === undefined || args.only === 'process') {
    process_ = await benchProcess({ starts: args.quick ? 2 : 5, loadSeconds: args.quick ? 10 : 30, rate: 5, loadedNodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : undefined })
    console.log(
      `the gateway process: start to ready p50 ${process_.readyP50Ms} ms, max ${process_.readyMaxMs} ms (target ≤ 800); ` +
        `resident memory idle ${process_.rssIdleMB} MB, after ${process_.loadSeconds} s at ${process_.rate} people/s ${process_.rssLoadMB} MB (target ≤ 85); ` +
        `CPU per entry ${process_.cpuPerDecisionMs} ms, ${process_.cpuPerDecisionAboveIdleMs} ms above idle (${Math.round(process_.cpuSystemShare * 100)} % in the kernel; ${process_.decisions} entries, devices in their own process; target ≤ 0.5); ` +
        `idle ${process_.idleCpuMsPerS} ms CPU a second`,
    )
  }
  let storm: StormBenchResult | undefined
  if (args.only === undefined || args.only === 'storm') {
    storm = await benchAuthStorm({ logins: 300, sources: 60, connects: Number(args['storm-connects']), gapMs: 50 })
    const s = storm
    console.log(
      `scan latency at the real process (UV_THREADPOOL_SIZE ${s.uvThreadpoolSize ?? 'unset'}) during ${s.logins} kiosk login guesses from ${s.sources} LAN addresses ` +
        `and ${s.connects} bad broker CONNECTs, one person every 50 ms, pty → entry event at a mosquitto subscriber:\n` +
        `    p50 ${s.p50} ms   p99 ${s.p99} ms   max ${s.max} ms   over 2 s ${s.over2s} of ${s.scans}   lost ${s.lost}   (target p99 ≤ 50, none over 2 s)\n` +
        `    quiet baseline p50 ${s.quietP50} ms   p99 ${s.quietP99} ms\n` +
        `    logins answered in ${s.loginStormMs} ms: ${Object.entries(s.loginStatuses).map(([k, v]) => `${v}× ${k}`).join(', ')}   (admitted: ${s.loginsAdmitted})\n` +
        `    CONNECTs answered in ${s.connectStorm.ms} ms: refused ${s.connectStorm.refused}, accepted ${s.connectStorm.accepted}, dropped ${s.connectStorm.dropped}`,
    )
  }
  const drainRunsOut: DrainBenchResult[] = []
  for (let r = 0; r < (args.only === undefined || args.only === 'drain' ? drainRuns : 0); r++) {
    const d = await benchDrain({ messages: args.quick ? 20_000 : 100_000 })
    drainRunsOut.push(d)
    const c = d.cpu
    console.log(
      `outbox drain to mosquitto on loopback, QoS 1 (${d.messages} messages of ${d.payloadBytes} bytes, window ${d.window})` +
        `${drainRuns > 1 ? `, run ${r + 1}/${drainRuns}` : ''}:\n` +
        `  bridge ${d.bridgePerSec} msg/s   bare mqtt.js publisher ${d.barePerSec} msg/s   ratio ${d.ratio}   ` +
        `gaps ${d.gaps}   out of order ${d.outOfOrder}   (target ≥ 20000 msg/s and ≥ 0.5 of bare, no gap)\n` +
        `  loop delay while draining (5 ms sampling, idle ≈ 5): p50 ${d.loopDelayP50Ms} ms   p99 ${d.loopDelayP99Ms} ms   ` +
        `max ${d.loopDelayMaxMs} ms   (bare publisher: p50 ${d.bareLoopDelayP50Ms}, p99 ${d.bareLoopDelayP99Ms})\n` +
        `  CPU ms bridge/bare: publisher ${c.bridge.publisherMs}/${c.bare.publisherMs}   mosquitto ${c.bridge.brokerMs}/${c.bare.brokerMs}   ` +
        `subscriber ${c.bridge.subscriberMs}/${c.bare.subscriberMs}   (wall ${d.ms}/${d.bareMs})`,
    )
  }
  if (drainRunsOut.length > 1) {
    const med = (f: (d: DrainBenchResult) => number): number => median(drainRunsOut.map(f))
    console.log(
      `  median of ${drainRunsOut.length}: bridge ${med((d) => d.bridgePerSec)} msg/s   bare ${med((d) => d.barePerSec)} msg/s   ` +
        `ratio ${med((d) => d.ratio)}   loop delay p50 ${med((d) => d.loopDelayP50Ms)} ms, p99 ${med((d) => d.loopDelayP99Ms)} ms   ` +
        `gaps ${Math.max(...drainRunsOut.map((d) => d.gaps))}   out of order ${Math.max(...drainRunsOut.map((d) => d.outOfOrder))}`,
    )
  }
  const drain = drainRunsOut.length === 1 ? drainRunsOut[0] : drainRunsOut.length > 1 ? drainRunsOut : undefined
  const out = args.out ?? join('bench', 'out', 'latest.json')
  mkdirSync(join(out, '..'), { recursive: true })
  const result = { at: new Date().toISOString(), quick: args.quick, only: args.only ?? null, machine, latency, drain, store, process: process_, storm }
  writeFileSync(out, JSON.stringify(result, null, 2))
  console.log(`written ${out}`)
  if (args.only === undefined && args.out === undefined) {
    writeFileSync(join('bench', 'RESULTS.md'), resultsMarkdown(result))
    console.log('written bench/RESULTS.md')
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
