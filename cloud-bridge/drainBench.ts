// Drain benchmark (DESIGN section 10): a backlog of N outbox rows drained by the bridge to mosquitto on loopback at
// QoS 1, against a bare mqtt.js publisher with the same in-flight window and message size, in the same run.
// Run alone: `npx tsx cloud-bridge/drainBench.ts [messages] [random|time-ordered] [ackFlushMs] [ackBatch]` (one JSON
// line); `npm run bench -- --only drain --runs 3` calls benchDrain() and prints the medians.
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import mqtt from 'mqtt'
import { pino, type Logger } from 'pino'
import { Store, type OutboxMessage } from '../gateway/store/store.ts'
import type { SubscriberReport } from './benchSubscriber.ts'
import { CloudBridge, MQTT_QUIET } from './bridge.ts'
import { eventSerializer, eventSource, gatePrefix } from './envelope.ts'
import { Mosquitto } from './mosquitto.ts'

export interface DrainBenchOptions {
  messages?: number
  window?: number
  /**
   * Event ids: `random` (UUIDv4, what the pipeline issues today) or `time-ordered` (UUIDv7-like). Kept from when the
   * outbox had a UNIQUE index on id (migration 3 dropped it), which made deletes touch random index pages with v4 ids.
   */
  ids?: 'random' | 'time-ordered'
  ackFlushMs?: number
  ackBatch?: number
  log?: Logger
}

export interface DrainBenchResult {
  messages: number
  window: number
  /** Bytes of one event payload (the bare publisher sends the same size). */
  payloadBytes: number
  bridgePerSec: number
  barePerSec: number
  /** bridgePerSec / barePerSec. */
  ratio: number
  /** Seqs 1..N that never reached the subscriber. */
  gaps: number
  /** First arrivals with a seq lower than an earlier one. */
  outOfOrder: number
  duplicates: number
  /** Bridge: start() to the outbox empty (every PUBACK in, deletes committed). */
  ms: number
  bareMs: number
  /**
   * Event-loop delay while the bridge drained (what a scan arriving then would wait), ms, sampled every 5 ms by
   * monitorEventLoopDelay: each sample is the interval between two timer runs, so an idle loop shows about 5.
   */
  loopDelayP50Ms: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  /** The same during the bare publisher's run: what mqtt.js alone costs the loop. */
  bareLoopDelayP50Ms: number
  bareLoopDelayP99Ms: number
  /**
   * CPU time per phase, ms: this process (bridge or bare publisher), mosquitto, and the subscriber process that
   * checks order. On a 2-core machine the three compete; when their sum approaches 2 × the phase's wall time, the
   * machine, not the publisher, sets the rate. Null where /proc is not readable.
   */
  cpu: { bridge: PhaseCpu; bare: PhaseCpu }
}

export interface PhaseCpu {
  publisherMs: number
  brokerMs: number | null
  subscriberMs: number | null
}

const PREFIX = gatePrefix('estate-gate', 'bench-site', 'bench-gate')
const SOURCE = eventSource('bench-site', 'bench-gate')
const BARE_TOPIC = 'bench/bare'

/** UUIDv7 layout: 48-bit ms timestamp, then a counter and random bits, so ids sort by creation. */
function uuidV7(now: number, i: number): string {
  const hex = now.toString(16).padStart(12, '0') + '7' + (i & 0xfff).toString(16).padStart(3, '0') + randomUUID().replace(/-/g, '').slice(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** A decision's outbox message, shaped like the pipeline's entry events. */
function entry(i: number, now: number, ids: DrainBenchOptions['ids']): OutboxMessage {
  return {
    id: ids === 'time-ordered' ? uuidV7(now + (i >> 12), i) : randomUUID(),
    topic: 'entry',
    type: 'estategate.entry.v1',
    time: new Date(now + i).toISOString(),
    data: {
      direction: i % 2 ? 'out' : 'in', kind: 'resident', subject: `H-3-1-${500 + (i % 100)}`, passId: randomUUID(),
      tempC: 36.4, decision: 'admit', reasons: [], rechecked: false, staff: null, scanner: 'scanner-in', source: 'scan',
      codeRef: null, policyVersion: 'a1b2c3d4', clockTrusted: true, bootId: 'bench-boot',
    },
  }
}

export async function benchDrain(opts: DrainBenchOptions = {}): Promise<DrainBenchResult> {
  const n = opts.messages ?? 100_000
  const window = opts.window ?? 256
  const log = opts.log ?? pino({ level: 'warn' })
  const dir = mkdtempSync(join(tmpdir(), 'estate-gate-drain-'))
  const store = new Store(join(dir, 'gate.db'), { synchronous: 'full' })
  const broker = await Mosquitto.start()
  let sub: Subscriber | null = null
  let bridge: CloudBridge | null = null
  try {
    const now = Date.now()
    store.enqueue(Array.from({ length: n }, (_, i) => entry(i, now, opts.ids)), now) // one transaction
    const sample = store.outboxAfter(0, 1)[0]!
    const payloadBytes = Buffer.byteLength(eventSerializer(SOURCE, store.seqstream())(sample, true))
    sub = await Subscriber.start({ url: broker.url, prefix: PREFIX, bareTopic: BARE_TOPIC, messages: n })

    bridge = new CloudBridge({
      url: broker.url, protocolVersion: 5, clientId: 'bench-gate', prefix: PREFIX, source: SOURCE, bootId: 'bench-boot',
      version: 'bench', outbox: store, clock: { now: () => Date.now() }, log, window,
      ...(opts.ackFlushMs !== undefined ? { ackFlushMs: opts.ackFlushMs } : {}),
      ...(opts.ackBatch !== undefined ? { ackBatch: opts.ackBatch } : {}),
    })
    const loop = monitorEventLoopDelay({ resolution: 5 })
    const cpu0 = cpuNow(broker.pid, sub)
    loop.enable()
    const t0 = performance.now()
    bridge.start()
    await bridge.whenDrained()
    const ms = performance.now() - t0
    loop.disable()
    const effectiveWindow = bridge.status().window
    await bridge.stop()
    await sub.done('bridge')
    const cpu1 = cpuNow(broker.pid, sub)

    const bareLoop = monitorEventLoopDelay({ resolution: 5 })
    bareLoop.enable()
    const bareMs = await barePublish(broker.url, n, effectiveWindow, payloadBytes)
    bareLoop.disable()
    await sub.done('bare')
    const cpu2 = cpuNow(broker.pid, sub)
    const report = await sub.report()
    return {
      messages: n,
      window: effectiveWindow,
      payloadBytes,
      bridgePerSec: Math.round(n / (ms / 1000)),
      barePerSec: Math.round(n / (bareMs / 1000)),
      ratio: Math.round((bareMs / ms) * 100) / 100,
      gaps: report.gaps,
      outOfOrder: report.outOfOrder,
      duplicates: report.duplicates,
      ms: Math.round(ms),
      bareMs: Math.round(bareMs),
      loopDelayP50Ms: ms1(loop.percentile(50)),
      loopDelayP99Ms: ms1(loop.percentile(99)),
      loopDelayMaxMs: ms1(loop.max),
      bareLoopDelayP50Ms: ms1(bareLoop.percentile(50)),
      bareLoopDelayP99Ms: ms1(bareLoop.percentile(99)),
      cpu: { bridge: cpuDelta(cpu0, cpu1), bare: cpuDelta(cpu1, cpu2) },
    }
  } finally {
    await bridge?.stop()
    sub?.close()
    await broker.dispose()
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const ms1 = (ns: number): number => Math.round(ns / 1e5) / 10

interface CpuMark {
  publisherMs: number
  brokerMs: number | null
  subscriberMs: number | null
}

function cpuNow(brokerPid: number | undefined, sub: Subscriber): CpuMark {
  const c = process.cpuUsage()
  return { publisherMs: (c.user + c.system) / 1000, brokerMs: brokerPid ? procCpuMs(brokerPid) : null, subscriberMs: sub.cpuMs }
}

function cpuDelta(a: CpuMark, b: CpuMark): PhaseCpu {
  const d = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : Math.round(y - x))
  return { publisherMs: Math.round(b.publisherMs - a.publisherMs), brokerMs: d(a.brokerMs, b.brokerMs), subscriberMs: d(a.subscriberMs, b.subscriberMs) }
}

/** utime + stime of a process from /proc (Linux; clock ticks of 10 ms, USER_HZ = 100 on every Linux port we run on). */
function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

/**
 * The reference: mqtt.js alone, QoS 1, at most `window` unacknowledged, N payloads of the same size, with the same
 * client options as the bridge (its debug logger silenced too, so the comparison is of our code, not of options).
 */
async function barePublish(url: string, n: number, window: number, bytes: number): Promise<number> {
  const payload = Buffer.alloc(bytes, 'x')
  const t0 = performance.now()
  const client = mqtt.connect(url, { protocolVersion: 5, clean: true, reconnectPeriod: 0, log: MQTT_QUIET })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  await new Promise<void>((resolve, reject) => {
    let sent = 0
    let acked = 0
    const pump = (): void => {
      while (sent - acked < window && sent < n) {
        sent++
        client.publish(BARE_TOPIC, payload, { qos: 1 }, (err) => {
          if (err) return reject(err)
          if (++acked === n) resolve()
          else if (sent - acked <= window >> 1) pump() // refill by half-windows, as the bridge does
        })
      }
    }
    pump()
  })
  const ms = performance.now() - t0
  await client.endAsync()
  return ms
}

class Subscriber {
  private readonly waiting = new Map<string, () => void>()
  private readonly finished = new Set<string>()
  /** The subscriber's CPU time at its last 'done', ms. */
  cpuMs: number | null = null
  private onReport: ((r: SubscriberReport) => void) | null = null

  private constructor(private readonly child: ChildProcess) {}

  static async start(args: { url: string; prefix: string; bareTopic: string; messages: number }): Promise<Subscriber> {
    const child = fork(join(import.meta.dirname, 'benchSubscriber.ts'), [JSON.stringify(args)], { execArgv: ['--import', 'tsx'] })
    const s = new Subscriber(child)
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: { type: string; which?: string; cpuMs?: number; error?: string; report?: SubscriberReport }) => {
        if (m.type === 'ready') {
          s.cpuMs = m.cpuMs ?? null
          resolve()
        }
        else if (m.type === 'error') reject(new Error(`bench subscriber: ${m.error}`))
        else if (m.type === 'done' && m.which) {
          s.cpuMs = m.cpuMs ?? null
          s.finished.add(m.which)
          s.waiting.get(m.which)?.()
        } else if (m.type === 'report' && m.report) s.onReport?.(m.report)
      })
      child.once('exit', (code) => reject(new Error(`bench subscriber exited (${code})`)))
    })
    return s
  }

  /** Waits until the subscriber has everything from `which`, or 30 s (then the report shows the gaps). */
  done(which: 'bridge' | 'bare'): Promise<void> {
    if (this.finished.has(which)) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 30_000)
      this.waiting.set(which, () => (clearTimeout(t), resolve()))
    })
  }

  report(): Promise<SubscriberReport> {
    return new Promise((resolve) => {
      this.onReport = resolve
      this.child.send({ cmd: 'report' })
    })
  }

  close(): void {
    if (this.child.connected) this.child.send({ cmd: 'exit' })
    setTimeout(() => this.child.kill('SIGKILL'), 2000).unref()
  }
}

if (process.argv[1] === import.meta.filename) {
  const messages = Number(process.argv[2] ?? 100_000)
  const ids = process.argv[3] === 'time-ordered' ? 'time-ordered' : 'random'
  const ackFlushMs = process.argv[4] ? Number(process.argv[4]) : undefined
  const ackBatch = process.argv[5] ? Number(process.argv[5]) : undefined
  const o = { ...(ackFlushMs !== undefined ? { ackFlushMs } : {}), ...(ackBatch !== undefined ? { ackBatch } : {}) }
  console.log(JSON.stringify({ ids, ...o, ...(await benchDrain({ messages, ids, ...o })) }))
}
