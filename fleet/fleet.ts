// The fleet run: N simulated gates (real Store + real CloudBridge each) against one real mosquitto, a platform
// consumer in its own process checking every gate's seq, optional chaos (broker restarts, gates killed and
// reopened from the same database), and a report of delivery, latency, throughput and what each part cost.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Logger } from 'pino'
import { Mosquitto } from '../cloud-bridge/mosquitto.ts'
import type { DeliveryReport, Expected } from './check.ts'
import type { ConsumerArgs, ConsumerCommand, ConsumerMessage, LivenessReport, RetainedSnapshot } from './consumer.ts'
import { SimGate } from './gate.ts'
import { Peak, RoleCpu, machineCpuMs, openFilesLimit, procRssMb } from './proc.ts'
import { nextGapMs, seededRandom } from './traffic.ts'

export interface ChaosPlan {
  /** Graceful broker restarts (SIGTERM: mosquitto saves sessions and queued messages), down for `downMs`. */
  brokerRestarts: { atMs: number; downMs: number }[]
  /** Gates (by index) killed as SIGKILL would, reopened from the same database after `downMs`. */
  gateKills: { atMs: number; gates: number[]; downMs: number }[]
}

export interface FleetOptions {
  gates: number
  /** Length of the traffic phase. */
  durationMs: number
  /** People per second per gate (Poisson arrivals). */
  rate: number
  /** Members of the platform's shared subscription. */
  consumers: number
  /** `shared` (`$share/platform/...`) or `plain` (one consumer only; survives a mosquitto restart). */
  subscription: 'shared' | 'plain'
  /** A compressed hour: every gate sends its hourly summary this often. */
  hourMs: number
  chaos: ChaosPlan | null
  /** One person's outbox message deleted before it is sent (the checker must see it): which gate, when. */
  injectLoss?: { gate: number; atMs: number }
  synchronous: 'full' | 'normal'
  seed: number
  baseTopic: string
  /** Bridge reconnect backoff; the gateway's default when omitted. */
  backoff?: { initialMs: number; maxMs: number }
  log: Logger
  /** Log level of the gates' bridges (200 bridges at `info` log every reconnect). */
  bridgeLogLevel: string
  /** How long the consumer waits with nothing new arriving before reporting what is missing. */
  settleMs: number
}

export interface RoleResources {
  cpuS: number
  /** Average cores busy over the measured window. */
  cores: number
  rssPeakMb: number
  /** CPU per message delivered, µs. */
  usPerMsg: number | null
}

export interface FleetReport {
  ok: boolean
  failures: string[]
  config: Omit<FleetOptions, 'log' | 'chaos' | 'backoff'> & { chaos: ChaosPlan | null }
  machine: {
    cores: number
    loadAvg1: { start: number; end: number }
    /** Average cores busy on the whole machine during the measured window, and how much of it was not this run. */
    busyCores: number | null
    othersCores: number | null
  }
  timing: { startupMs: number; trafficS: number; tailMs: number; measuredS: number }
  traffic: { people: number; enqueued: number; summaries: number; dropped: { gate: string; seq: number } | null }
  delivery: DeliveryReport
  liveness: LivenessReport & { killedGates: number }
  retained: RetainedSnapshot
  throughput: { perS: number; perGatePerS: { min: number; median: number; max: number }; peakPerS: number }
  bridges: { reconnects: number; sent: number; acked: number }
  chaos: { events: { atS: number; what: string }[] }
  resources: {
    fleet: RoleResources & { loopDelayMs: { p50: number; p99: number; max: number } }
    consumer: RoleResources
    mosquitto: RoleResources
  }
  malformed: number
}

/** The default chaos for a run of `durationMs`: one broker restart, gates killed during it and again later. */
export function defaultChaos(durationMs: number, gates: number, rnd: () => number): ChaosPlan {
  const down = Math.min(5000, Math.max(300, durationMs * 0.1))
  const pickGates = (share: number, avoid: Set<number>): number[] => {
    const n = Math.max(1, Math.round(gates * share))
    const out = new Set<number>()
    while (out.size < Math.min(n, gates - avoid.size)) {
      const g = Math.floor(rnd() * gates)
      if (!avoid.has(g)) out.add(g)
    }
    return [...out].sort((a, b) => a - b)
  }
  const first = pickGates(0.05, new Set())
  const second = pickGates(0.1, new Set(first))
  return {
    brokerRestarts: [{ atMs: Math.round(durationMs * 0.3), downMs: down }],
    gateKills: [
      // Killed while the broker is down: they reopen with a backlog that was never sent.
      { atMs: Math.round(durationMs * 0.3 + down / 2), gates: first, downMs: down },
      { atMs: Math.round(durationMs * 0.6), gates: second, downMs: down },
    ],
  }
}

export async function runFleet(o: FleetOptions): Promise<FleetReport> {
  const cleanup: (() => Promise<void> | void)[] = []
  try {
    return await run(o, cleanup)
  } finally {
    for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => {})
  }
}

/** Each gate holds its database, WAL and shared-memory files and a socket open; plus what Node itself uses. */
const FDS_PER_GATE = 4
const FDS_SPARE = 100

async function run(o: FleetOptions, cleanup: (() => Promise<void> | void)[]): Promise<FleetReport> {
  const log = o.log
  const fdLimit = openFilesLimit()
  if (fdLimit !== null && o.gates * FDS_PER_GATE + FDS_SPARE > fdLimit) {
    const most = Math.floor((fdLimit - FDS_SPARE) / FDS_PER_GATE)
    throw new Error(`${o.gates} gates need about ${o.gates * FDS_PER_GATE + FDS_SPARE} open files; this process may open ${fdLimit} (ulimit -n), enough for ${most} gates`)
  }
  const rnd = seededRandom(o.seed)
  const tStart = performance.now()

  // Persistence: a graceful restart keeps the consumers' sessions and what was queued for them.
  const broker = await Mosquitto.start({ persistence: true })
  cleanup.push(() => broker.dispose())
  const consumer = await ConsumerProcess.start({ url: broker.url, baseTopic: o.baseTopic, consumers: o.consumers, subscription: o.subscription, group: 'platform' })
  cleanup.push(() => consumer.close())

  const root = mkdtempSync(join(tmpdir(), 'estate-gate-fleet-'))
  cleanup.push(() => rmSync(root, { recursive: true, force: true }))
  const bridgeLog = log.child({ part: 'bridge' }, { level: o.bridgeLogLevel })
  const gates: SimGate[] = []
  for (let i = 0; i < o.gates; i++) {
    const site = `estate-${String(i + 1).padStart(4, '0')}`
    const dir = join(root, site)
    mkdirSync(dir)
    gates.push(
      new SimGate({
        baseTopic: o.baseTopic,
        site,
        gate: 'main',
        dir,
        url: broker.url,
        synchronous: o.synchronous,
        log: bridgeLog.child({ gate: site }),
        version: 'fleet-sim',
        random: rnd,
        ...(o.backoff ? { backoff: o.backoff } : {}),
      }),
    )
  }
  cleanup.push(async () => {
    for (const g of gates) g.kill()
  })
  for (const g of gates) {
    g.open(Date.now())
    // Opening a database holds the loop for a few ms: let the bridges already started read their CONNACKs, or with
    // thousands of gates the first ones hit their connect timeout (and the broker publishes their wills).
    await new Promise((r) => setImmediate(r))
  }
  await until(() => gates.every((g) => g.counters().connected), 60_000, 'every gate connected')
  const startupMs = Math.round(performance.now() - tStart)
  log.info({ gates: o.gates, startupMs, broker: broker.url }, 'fleet: every gate connected; traffic starts')

  // Resources are measured from the start of traffic until the consumer has everything.
  const fleetCpu0 = process.cpuUsage()
  const consumerCpu = new RoleCpu(() => consumer.pid)
  const brokerCpu = new RoleCpu(() => broker.pid)
  const c0 = { consumer: consumerCpu.sample(), broker: brokerCpu.sample() }
  const machine0 = machineCpuMs()
  const load0 = loadavg()[0]!
  const peaks = { fleet: new Peak(), consumer: new Peak(), broker: new Peak() }
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLING_MS })
  loop.enable()
  const sample = (): void => {
    consumerCpu.sample()
    brokerCpu.sample()
    peaks.fleet.add(process.memoryUsage().rss / 1048576)
    peaks.consumer.add(consumer.pid ? procRssMb(consumer.pid) : null)
    peaks.broker.add(broker.pid ? procRssMb(broker.pid) : null)
  }
  const sampler = setInterval(sample, 1000)
  cleanup.push(() => clearInterval(sampler))

  const t0 = Date.now()
  const chaosEvents: { atS: number; what: string }[] = []
  const note = (what: string): void => {
    const atS = Math.round((Date.now() - t0) / 100) / 10
    chaosEvents.push({ atS, what })
    log.info({ atS }, `fleet: ${what}`)
  }
  const pending: Promise<void>[] = []
  const timers: NodeJS.Timeout[] = []
  /** Runs `fn` at `ms` into the traffic; the run waits for every one of them before it drains. */
  const at = (ms: number, fn: () => Promise<void> | void): void => {
    const p = new Promise<void>((resolve, reject) => {
      timers.push(setTimeout(() => Promise.resolve().then(fn).then(resolve, reject), ms))
    })
    p.catch(() => {}) // reported by the Promise.all below, not as an unhandled rejection meanwhile
    pending.push(p)
  }
  cleanup.push(() => timers.forEach(clearTimeout))

  const killed = new Set<number>()
  for (const r of o.chaos?.brokerRestarts ?? []) {
    at(r.atMs, async () => {
      brokerCpu.sample()
      note(`broker stopped (SIGTERM, persistence) for ${r.downMs} ms`)
      await broker.stop()
      await sleep(r.downMs)
      // What each running gate had enqueued when the broker came back: recovered once all of it is acknowledged.
      const target = gates.map((g) => (g.alive ? g.lastSeq() : 0))
      await broker.restart()
      const back = performance.now()
      note('broker started again')
      // Polled every 100 ms: each look at a bridge's status counts its outbox.
      const since = (ok: boolean): string => (ok ? `${Math.round(performance.now() - back)} ms` : 'not within 120 s')
      const [c, u] = await Promise.all([
        waitFor(() => gates.every((g) => !g.alive || g.counters().connected), 120_000).then(since),
        waitFor(() => gates.every((g, i) => !g.alive || target[i] === 0 || (g.counters().lastAckedSeq ?? 0) >= target[i]!), 120_000).then(since),
      ])
      note(`after the broker restart: every running gate reconnected in ${c}, its backlog acknowledged in ${u}`)
    })
  }
  for (const k of o.chaos?.gateKills ?? []) {
    at(k.atMs, async () => {
      const victims = k.gates.filter((i) => gates[i]?.alive)
      for (const i of victims) {
        gates[i]!.kill()
        killed.add(i)
      }
      note(`${victims.length} gates killed (no DISCONNECT, unflushed acks lost) for ${k.downMs} ms`)
      await sleep(k.downMs)
      const now = Date.now()
      for (const i of victims) gates[i]!.open(now)
      note(`${victims.length} gates reopened from their databases`)
    })
  }
  let dropped: FleetReport['traffic']['dropped'] = null
  const inject = o.injectLoss
  if (inject) {
    at(inject.atMs, () => {
      const g = gates[inject.gate]
      if (!g?.alive) throw new Error(`cannot inject a loss at gate ${inject.gate}: not running`)
      dropped = { gate: g.key, seq: g.recordAndDropOne(rnd, Date.now()) }
      note(`injected loss: ${g.key} seq ${dropped.seq} deleted from the outbox before sending`)
    })
  }

  // Traffic: every 10 ms, each running gate records the people whose arrival time has come.
  const next = gates.map(() => t0 + nextGapMs(o.rate, rnd))
  let summaries = 0
  let hour = 0
  const summaryRounds: Promise<void>[] = []
  const simHour0 = Date.UTC(2026, 10, 23, 0, 0, 0)
  await new Promise<void>((resolve, reject) => {
    let lastProgress = t0
    const tick = setInterval(() => {
      try {
        const now = Date.now()
        for (let i = 0; i < gates.length; i++) {
          const g = gates[i]!
          if (!g.alive) {
            // Nobody passes a gate that is down (the box is rebooting); arrivals resume when it is back.
            next[i] = now + nextGapMs(o.rate, rnd)
            continue
          }
          while (next[i]! <= now && next[i]! < t0 + o.durationMs) {
            // Stamped when recorded, not at the tick: the latency measured is the uplink's, not this loop's.
            g.person(rnd, Date.now())
            next[i]! += nextGapMs(o.rate, rnd)
          }
        }
        if (now - t0 >= (hour + 1) * o.hourMs && (hour + 1) * o.hourMs <= o.durationMs) {
          hour++
          const simStart = simHour0 + (hour - 1) * 3_600_000
          // Every gate counts its hour at the same moment, each on its own CPU: here they share one loop, so the
          // network gets a turn between two gates, and each summary is stamped when it is made.
          summaryRounds.push(
            (async () => {
              for (const g of gates) {
                if (!g.alive) continue
                g.summary(Date.now(), simStart)
                summaries++
                await new Promise((r) => setImmediate(r))
              }
            })(),
          )
        }
        if (now - lastProgress >= 10_000) {
          lastProgress = now
          consumer.progress().then(
            (p) => log.info({ atS: Math.round((now - t0) / 1000), enqueued: sum(gates, (g) => g.enqueued), received: p.distinct, duplicates: p.duplicates, backlog: sum(gates, (g) => g.backlog()) }, 'fleet: progress'),
            (err: Error) => log.error({ err: err.message }, 'fleet: no progress from the consumer'),
          )
        }
        if (now - t0 >= o.durationMs) {
          clearInterval(tick)
          resolve()
        }
      } catch (err) {
        clearInterval(tick)
        reject(err as Error)
      }
    }, 10)
  })
  const trafficS = (Date.now() - t0) / 1000
  const tTrafficEnd = performance.now()
  // Chaos still under way (a gate down at the end) finishes first: every gate must be back to drain.
  await Promise.all([...pending, ...summaryRounds])
  await waitAll(
    gates.map((g) => g.whenDrained()),
    120_000,
  )
  const expected: Expected = {}
  for (const g of gates) expected[g.key] = { first: 1, last: g.lastSeq() }
  const rep = await consumer.report(expected, o.settleMs)
  const tailMs = Math.round(performance.now() - tTrafficEnd)
  sample()
  clearInterval(sampler)
  loop.disable()
  const measuredS = (Date.now() - t0) / 1000
  const fleetCpu = process.cpuUsage(fleetCpu0)
  const machine1 = machineCpuMs()
  const load1 = loadavg()[0]!
  // After the measured window: a dashboard's view of every retained message, gates still online.
  const retained = await consumer.retained()
  const bridges = { reconnects: sum(gates, (g) => g.counters().reconnects), sent: sum(gates, (g) => g.counters().sent), acked: sum(gates, (g) => g.counters().acked) }

  await Promise.all(gates.map((g) => g.stop()))

  const d = rep.delivery
  const role = (cpuMs: number, rssPeakMb: number): RoleResources => ({
    cpuS: round(cpuMs / 1000, 2),
    cores: round(cpuMs / 1000 / measuredS, 3),
    rssPeakMb: round(rssPeakMb, 1),
    usPerMsg: d.distinct > 0 ? round((cpuMs * 1000) / d.distinct, 1) : null,
  })
  const fleetMs = (fleetCpu.user + fleetCpu.system) / 1000
  const consumerMs = consumerCpu.sample() - c0.consumer
  const brokerMs = brokerCpu.sample() - c0.broker
  const busyCores = machine0 && machine1 ? (machine1.busyMs - machine0.busyMs) / 1000 / measuredS : null
  const oursCores = (fleetMs + consumerMs + brokerMs) / 1000 / measuredS
  const people = sum(gates, (g) => g.people)
  const enqueued = sum(gates, (g) => g.enqueued)

  const failures: string[] = []
  if (d.gaps.count > 0) failures.push(`${d.gaps.count} seq gaps`)
  if (d.lost.count > 0) failures.push(`${d.lost.count} messages lost (enqueued, never received)`)
  if (d.idConflicts > 0) failures.push(`${d.idConflicts} id conflicts`)
  if (d.unexpected > 0) failures.push(`${d.unexpected} unexpected messages`)
  if (o.consumers === 1 && d.outOfOrder > 0) failures.push(`${d.outOfOrder} first arrivals out of seq order`)
  if (rep.liveness.online !== o.gates) failures.push(`${o.gates - rep.liveness.online} gates not shown online by their retained status`)
  if (rep.malformed > 0) failures.push(`${rep.malformed} malformed messages`)

  const { log: _log, chaos, backoff: _b, ...config } = o
  return {
    ok: failures.length === 0,
    failures,
    config: { ...config, chaos },
    machine: {
      cores: cpus().length,
      loadAvg1: { start: round(load0, 2), end: round(load1, 2) },
      busyCores: busyCores === null ? null : round(busyCores, 2),
      othersCores: busyCores === null ? null : round(Math.max(0, busyCores - oursCores), 2),
    },
    timing: { startupMs, trafficS: round(trafficS, 1), tailMs, measuredS: round(measuredS, 1) },
    traffic: { people, enqueued, summaries, dropped },
    delivery: d,
    liveness: { ...rep.liveness, killedGates: killed.size },
    retained,
    throughput: {
      perS: round(d.distinct / trafficS, 1),
      perGatePerS: { min: round(d.perGate.min / trafficS, 2), median: round(d.perGate.median / trafficS, 2), max: round(d.perGate.max / trafficS, 2) },
      peakPerS: d.peakPerSecond,
    },
    bridges,
    chaos: { events: chaosEvents },
    resources: {
      fleet: {
        ...role(fleetMs, peaks.fleet.max),
        loopDelayMs: { p50: beyond(loop.percentile(50)), p99: beyond(loop.percentile(99)), max: beyond(loop.max) },
      },
      consumer: role(consumerMs, peaks.consumer.max),
      mosquitto: role(brokerMs, peaks.broker.max),
    },
    malformed: rep.malformed,
  }
}

/** The consumer child process (fleet/consumer.ts). */
class ConsumerProcess {
  private readonly waiters: { take: (m: ConsumerMessage) => boolean; fail: (err: Error) => void }[] = []
  private gone: Error | null = null

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: ConsumerMessage) => {
      const i = this.waiters.findIndex((w) => w.take(m))
      if (i >= 0) this.waiters.splice(i, 1)
    })
    // A consumer that dies must fail the run, not leave it waiting for an answer.
    child.once('exit', (code, signal) => {
      this.gone = new Error(`the consumer process exited (${code ?? signal})`)
      for (const w of this.waiters.splice(0)) w.fail(this.gone)
    })
  }

  get pid(): number | undefined {
    return this.gone ? undefined : this.child.pid
  }

  static async start(args: ConsumerArgs): Promise<ConsumerProcess> {
    const child = fork(join(import.meta.dirname, 'consumer.ts'), [JSON.stringify(args)], { execArgv: ['--import', 'tsx'] })
    const c = new ConsumerProcess(child)
    try {
      await within(20_000, 'the consumer to connect and subscribe', c.expect('ready'))
    } catch (err) {
      await c.close()
      throw err
    }
    return c
  }

  /** The next message of this type; an `error` message from the consumer fails it. */
  private expect<T extends ConsumerMessage['type']>(type: T): Promise<Extract<ConsumerMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.gone) return reject(this.gone)
      this.waiters.push({
        take: (m) => {
          if (m.type === 'error') reject(new Error(`consumer: ${m.error}`))
          else if (m.type === type) resolve(m as Extract<ConsumerMessage, { type: T }>)
          else return false
          return true
        },
        fail: reject,
      })
    })
  }

  progress(): Promise<Extract<ConsumerMessage, { type: 'progress' }>> {
    return this.ask({ cmd: 'progress' }, 'progress')
  }

  report(expected: Expected, idleMs: number): Promise<Extract<ConsumerMessage, { type: 'report' }>> {
    return this.ask({ cmd: 'report', expected, idleMs }, 'report')
  }

  async retained(): Promise<RetainedSnapshot> {
    return (await this.ask({ cmd: 'retained' }, 'retained')).snapshot
  }

  private ask<T extends ConsumerMessage['type']>(cmd: ConsumerCommand, type: T): Promise<Extract<ConsumerMessage, { type: T }>> {
    const answer = this.expect(type)
    if (!this.gone) this.child.send(cmd)
    return answer
  }

  async close(): Promise<void> {
    if (this.gone) return
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()))
    if (this.child.connected) this.child.send({ cmd: 'exit' } satisfies ConsumerCommand)
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000)
    await gone
    clearTimeout(t)
  }
}

/** `p`, or a timeout error naming what was awaited. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`fleet: timed out after ${ms} ms waiting for ${what}`)), ms)))
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(t)
  }
}

/** Resolves true once `pred` holds, false after `timeoutMs`. */
async function waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (!pred()) {
    if (performance.now() > deadline) return false
    await sleep(100)
  }
  return true
}

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`fleet: timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/** Resolves when all settle or after `ms` (the report then shows what did not arrive). */
async function waitAll(ps: Promise<void>[], ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined
  await Promise.race([Promise.all(ps), new Promise<void>((r) => (t = setTimeout(r, ms)))])
  clearTimeout(t)
}

/** The loop-delay monitor's timer: an idle loop reads this much, so the report gives what is beyond it. */
const LOOP_SAMPLING_MS = 10
const beyond = (ns: number): number => round(Math.max(0, ns / 1e6 - LOOP_SAMPLING_MS), 1)

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const sum = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((a, x) => a + f(x), 0)
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits
