// `npm run bench [-- --quick] [--only latency|drain] [--runs N]`: scan-to-relay latency over real pseudo-terminals
// and the outbox drain (DESIGN section 10). `--runs` repeats the drain (bridge and bare in each run; the machine is
// shared, so compare ratios within a run).
// Measured: the last byte of a code written to the scanner's pty → the relay commanded on, including the pass
// check, the Modbus thermometer round trip (simulator answering at once) and the fsynced SQLite commit.
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
import { tempDirFor } from './util.ts'

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' }, runs: { type: 'string', default: '1' } },
})
if (args.only !== undefined && args.only !== 'latency' && args.only !== 'drain') throw new Error('--only takes latency or drain')
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

async function scanToRelay(count: number, gapMs: number): Promise<LatencyResult> {
  const dir = tempDirFor('bench-latency')
  const [scanPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'scan' }), PtyPair.open({ name: 'thermo' })])
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
  devices.send({ cmd: 'start', scannerPath: scanPty.devicePath, thermometerPath: thermoPty.devicePath })
  await reply((m) => m.cmd === 'ready')

  const issuer = newKeyPair('bench-key')
  const loaded = validateConfig({
    dataDir: join(dir, 'data'),
    devices: {
      scanners: [{ name: 'scanner-in', driver: 'line', path: scanPty.gatewayPath, direction: 'in' }],
      thermometers: [{ name: 'thermo-in', driver: 'modbus-rtu', path: thermoPty.gatewayPath, function: 4, scale: 0.01, timeoutMs: 300 }],
      relays: [{ name: 'gate', driver: 'simulated', pulseMs: 100 }],
      buzzers: [{ name: 'buzzer', driver: 'simulated' }],
    },
    rules: { duplicateScanMs: 0 },
    passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
    localBroker: { enabled: false },
    kiosk: { host: '127.0.0.1', port: 0 },
  })
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'))
  // Logs as in production (info level), into a file rather than the terminal.
  const log = createLogger('info', createWriteStream(join(dir, 'gateway.log')))
  const gw = await Gateway.start(loaded.config, { log })
  await waitFor(() => gw.thermometers[0]!.health().online, 5000)

  const warmup = Math.min(20, count)
  const passes: string[] = []
  for (let i = 0; i < count + warmup; i++) {
    passes.push(await issuePass(issuer, { sub: `H-1-1-${i}`, kind: 'resident', jti: `bench-${i}` }, { now: Date.now(), ttlSeconds: 3600 }))
  }
  const samples: number[] = []
  const wire: number[] = []
  const stages = { verify: [] as number[], temperature: [] as number[], commit: [] as number[] }
  let actuated: number | null = null
  let decision: DecisionEvent | null = null
  gw.relays[0]!.onActuate((mono) => (actuated = performance.timeOrigin + mono))
  gw.bus.on('decision', (d) => (decision = d))
  for (let i = 0; i < passes.length; i++) {
    actuated = null
    decision = null
    devices.send({ cmd: 'scan', i, code: passes[i] })
    const written = await reply((m) => m.cmd === 'written' && m.i === i)
    await waitFor(() => actuated !== null && decision !== null, 2000).catch(() => {
      throw new Error(`scan ${i}: no relay command within 2 s (${JSON.stringify(gw.health().components['scanner-in'])})`)
    })
    const d = decision as unknown as DecisionEvent
    if (i >= warmup) {
      samples.push(actuated! - written.at!)
      wire.push(performance.timeOrigin + d.scanMono - written.at!)
      stages.verify.push(d.marks.verified - d.scanMono)
      stages.temperature.push(d.marks.temperature - d.scanMono)
      stages.commit.push(d.marks.committed - d.marks.temperature)
    }
    await sleep(gapMs)
  }
  devices.send({ cmd: 'stop' })
  await new Promise((r) => devices.once('exit', r))
  await gw.stop()
  await Promise.all([scanPty.close(), thermoPty.close()])
  for (const [k, xs] of Object.entries(stages)) {
    const st = stats(xs)
    console.log(`  stage ${k.padEnd(11)} p50 ${st.p50} ms   p99 ${st.p99} ms   (from the scan event${k === 'commit' ? ', commit only' : ''})`)
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
  let latency: LatencyResult | undefined
  if (args.only !== 'drain') {
    latency = await scanToRelay(args.quick ? 300 : 2000, 20)
    console.log(
      `scan-to-relay over a pty, Modbus round trip + fsynced commit included (${latency.scans} scans, one every ${latency.gapMs} ms):\n` +
        `  p50 ${latency.p50} ms   p90 ${latency.p90} ms   p99 ${latency.p99} ms   max ${latency.max} ms   (target p50 ≤ 2, p99 ≤ 5)\n` +
        `  of which pty + framing (write → scan event): p50 ${latency.wireP50} ms   p99 ${latency.wireP99} ms`,
    )
  }
  const drainRunsOut: DrainBenchResult[] = []
  for (let r = 0; r < (args.only === 'latency' ? 0 : drainRuns); r++) {
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
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), quick: args.quick, only: args.only ?? null, machine, latency, drain }, null, 2))
  console.log(`written ${out}`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
