// The gateway as the real process (plain node on dist/main.js with npm start's flags and environment): start to ready
// (spawn → GET /healthz answers), resident memory idle and under people at a steady pace, and the CPU time per entry,
// with a line scanner and a Modbus thermometer on ptys driven from a process of their own, the uplink to mosquitto,
// the embedded broker, the kiosk with a screen connected, and the default schedules (DESIGN section 10).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Mosquitto } from '../cloud-bridge/mosquitto.ts'
import { startGateProcess } from './gateProcess.ts'
import { tempDirFor } from './util.ts'

export interface ProcessBenchResult {
  starts: number
  readyMs: number[]
  readyP50Ms: number
  readyMaxMs: number
  rssIdleMB: number
  loadSeconds: number
  rssLoadMB: number
  rssLoadSamplesMB: number[]
  /** CPU time of the gateway's process (user + system) per entry committed at `rate` people a second; the devices
   *  run in a process of their own, so this is the gate's own cost. */
  cpuPerDecisionMs: number
  /** The same less what the process spends idle (polls, timers, the screen's stream) over the same time. */
  cpuPerDecisionAboveIdleMs: number
  /** CPU ms per second of an idle gate (median of the restarts). */
  idleCpuMsPerS: number
  decisions: number
  rate: number
  /** Of the CPU under load, the share spent in the kernel (writes, fsyncs, the ptys, the sockets). */
  cpuSystemShare: number
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function rssMB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  return Math.round(kb / 102.4) / 10
}

/** User + system CPU time of a process so far, in ms (/proc/PID/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const { user, system } = cpuSplitMs(pid)
  return user + system
}

export function cpuSplitMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 }
}

/** The outbox's last seq, read from the gateway's database (WAL: beside it); /healthz no longer shows it. */
function lastSeq(dir: string): number {
  const db = new Database(join(dir, 'data', 'estate-gate.db'), { readonly: true, fileMustExist: true })
  try {
    return (db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`).get() as { seq: number } | undefined)?.seq ?? 0
  } finally {
    db.close()
  }
}

export async function benchProcess(o: { starts: number; loadSeconds: number; rate: number; loadedNodeArgs?: string[] }): Promise<ProcessBenchResult> {
  const dir = tempDirFor('bench-process')
  const central = await Mosquitto.start()
  const readyMs: number[] = []
  let rssIdleMB = 0
  let rssLoad: number[] = []
  let cpuPerDecisionMs = 0
  let cpuPerDecisionAboveIdleMs = 0
  const idleCpuMsPerS: number[] = []
  let decisions = 0
  let cpuSystemShare = 0
  try {
    for (let i = 0; i <= o.starts; i++) {
      const loaded = i === o.starts
      const gate = await startGateProcess({ dir, centralUrl: central.url, nodeArgs: loaded ? o.loadedNodeArgs : undefined })
      const pid = gate.child.pid!
      // The first start creates the database; the rest are restarts, what a gate box sees after a power cut.
      if (i > 0 && !loaded) readyMs.push(gate.readyMs)
      const screen = new AbortController()
      void fetch(`${gate.url}/api/kiosk/events`, { signal: screen.signal })
        .then(async (res) => {
          for await (const _ of res.body ?? []) {
            // drained
          }
        })
        .catch(() => {})
      if (loaded) {
        // People at a steady pace through the pty devices; the CPU counted is the gateway's pid alone.
        rssLoad = []
        await sleep(1000)
        const cpu0 = cpuMs(pid)
        const split0 = cpuSplitMs(pid)
        const seq0 = lastSeq(dir)
        const t0 = performance.now()
        let n = 0
        const sampling = (async () => {
          for (let s = 0; s < o.loadSeconds; s += 5) {
            await sleep(5000)
            rssLoad.push(rssMB(pid))
          }
        })()
        for (let next = t0; performance.now() - t0 < o.loadSeconds * 1000; ) {
          await gate.scan(n++, 'proc')
          next += 1000 / o.rate
          await sleep(Math.max(0, next - performance.now()))
        }
        await sampling
        decisions = lastSeq(dir) - seq0
        const cpu = cpuMs(pid) - cpu0
        const split = cpuSplitMs(pid)
        cpuSystemShare = Math.round(((split.system - split0.system) / Math.max(1, cpu)) * 100) / 100
        const idle = median(idleCpuMsPerS) * ((performance.now() - t0) / 1000)
        cpuPerDecisionMs = Math.round((cpu / Math.max(1, decisions)) * 100) / 100
        cpuPerDecisionAboveIdleMs = Math.round((Math.max(0, cpu - idle) / Math.max(1, decisions)) * 100) / 100
      } else {
        // Idle: one second to settle after ready, then the CPU of four quiet seconds (polls, timers, the screen).
        await sleep(1000)
        const c0 = cpuMs(pid)
        await sleep(4000)
        idleCpuMsPerS.push((cpuMs(pid) - c0) / 4)
        rssIdleMB = Math.max(rssIdleMB, rssMB(pid))
      }
      screen.abort()
      await gate.stop()
    }
  } finally {
    await central.dispose()
  }
  const sorted = [...readyMs].sort((a, b) => a - b)
  return {
    starts: readyMs.length,
    readyMs,
    readyP50Ms: sorted[Math.floor(sorted.length / 2)]!,
    readyMaxMs: sorted.at(-1)!,
    rssIdleMB,
    loadSeconds: o.loadSeconds,
    rssLoadMB: Math.max(...rssLoad),
    rssLoadSamplesMB: rssLoad,
    cpuPerDecisionMs,
    cpuPerDecisionAboveIdleMs,
    idleCpuMsPerS: median(idleCpuMsPerS),
    decisions,
    rate: o.rate,
    cpuSystemShare,
  }
}
