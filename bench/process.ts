// The gateway as the real process (plain node on dist/main.js with npm start's flags and environment): start to ready
// (spawn → GET /healthz answers), and resident memory idle and under a steady crowd, with the uplink to mosquitto,
// the embedded broker, the kiosk with a screen connected, and the default schedules (DESIGN section 10).
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { freePort, Mosquitto } from '../cloud-bridge/mosquitto.ts'
import { gatewayCommand, ROOT } from '../tests/helpers/gatewayProcess.ts'
import { startScriptEnv } from './authStorm.ts'
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
  /** CPU time of the process (user + system) per entry committed under the crowd; the simulated crowd and devices
   *  run in the same process, so this is an upper bound of the gate's own cost. */
  cpuPerDecisionMs: number
  /** The same less what the process spends idle (polls, timers, the screen's stream) over the same time. */
  cpuPerDecisionAboveIdleMs: number
  /** CPU ms per second of an idle gate (median of the restarts). */
  idleCpuMsPerS: number
  decisions: number
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function rssMB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  return Math.round(kb / 102.4) / 10
}

/** User + system CPU time of a process so far, in ms (/proc/PID/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function lastSeq(port: number): Promise<number> {
  const h = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { components: { store: { lastSeq: number } } }
  return h.components.store.lastSeq
}

export async function benchProcess(o: { starts: number; loadSeconds: number }): Promise<ProcessBenchResult> {
  const dir = tempDirFor('bench-process')
  const central = await Mosquitto.start()
  const readyMs: number[] = []
  let rssIdleMB = 0
  let rssLoad: number[] = []
  let cpuPerDecisionMs = 0
  let cpuPerDecisionAboveIdleMs = 0
  const idleCpuMsPerS: number[] = []
  let decisions = 0
  try {
    for (let i = 0; i <= o.starts; i++) {
      const loaded = i === o.starts
      const port = await freePort()
      const file = join(dir, 'gateway.yaml')
      writeFileSync(
        file,
        stringify({
          dataDir: join(dir, 'data'),
          central: { url: central.url },
          localBroker: { enabled: true, host: '127.0.0.1', port: await freePort() },
          kiosk: { host: '127.0.0.1', port },
          // The last start runs under a crowd of 5 people a second through the simulated devices.
          simulation: { crowd: loaded, intervalMs: 200 },
        }),
      )
      const [cmd, argv] = gatewayCommand(['--config', file], { built: true })
      const t0 = performance.now()
      const child = spawn(cmd, argv, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...startScriptEnv() } })
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the gateway exited during start (${child.exitCode})`)
        if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break
        if (performance.now() - t0 > 30_000) throw new Error('the gateway was not ready in 30 s')
        await sleep(5)
      }
      // The first start creates the database; the rest are restarts, what a gate box sees after a power cut.
      if (i > 0 && !loaded) readyMs.push(Math.round(performance.now() - t0))
      const screen = new AbortController()
      void fetch(`http://127.0.0.1:${port}/api/kiosk/events`, { signal: screen.signal })
        .then(async (res) => {
          for await (const _ of res.body ?? []) {
            // drained
          }
        })
        .catch(() => {})
      if (loaded) {
        rssLoad = []
        const cpu0 = cpuMs(child.pid!)
        const seq0 = await lastSeq(port)
        const t0 = performance.now()
        for (let s = 0; s < o.loadSeconds; s += 5) {
          await sleep(5000)
          rssLoad.push(rssMB(child.pid!))
        }
        decisions = (await lastSeq(port)) - seq0
        const cpu = cpuMs(child.pid!) - cpu0
        const idle = median(idleCpuMsPerS) * ((performance.now() - t0) / 1000)
        cpuPerDecisionMs = Math.round((cpu / Math.max(1, decisions)) * 100) / 100
        cpuPerDecisionAboveIdleMs = Math.round((Math.max(0, cpu - idle) / Math.max(1, decisions)) * 100) / 100
      } else {
        // Idle: one second to settle after ready, then the CPU of four quiet seconds (polls, timers, the screen).
        await sleep(1000)
        const c0 = cpuMs(child.pid!)
        await sleep(4000)
        idleCpuMsPerS.push((cpuMs(child.pid!) - c0) / 4)
        rssIdleMB = Math.max(rssIdleMB, rssMB(child.pid!))
      }
      screen.abort()
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
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
  }
}
