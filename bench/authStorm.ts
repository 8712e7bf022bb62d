// Scan latency under a password storm (DESIGN section 10: "a storm of logins or broker CONNECTs never delays a
// decision by more than 2 s, target p99 ≤ 50 ms"; issue 11, point 2). The real gateway process, started as
// `npm start` starts it (its UV_THREADPOOL_SIZE included), with a line scanner and a Modbus thermometer on ptys
// (bench/devices.ts, its own process), the uplink to mosquitto, the embedded broker and the kiosk. People scan at a
// steady pace while, at once (from a process of their own, bench/stormClient.ts), `logins` kiosk login guesses arrive from LAN addresses (127.0.1.x, spread over
// `sources` of them: an attacker with many addresses) and `connects` bad broker CONNECTs. Latency is the outside
// view, as in bench/soak.ts: a code's last byte written to the pty → its entry event at a subscriber of mosquitto.
import { fork } from 'node:child_process'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { Mosquitto } from '../cloud-bridge/mosquitto.ts'
import { startScriptEnv } from '../tests/helpers/gatewayProcess.ts'
import { startGateProcess } from './gateProcess.ts'
import type { ConnectStormResult } from './storm.ts'
import { tempDirFor } from './util.ts'

export interface StormBenchResult {
  uvThreadpoolSize: string | null
  logins: number
  sources: number
  connects: number
  /** Login answers by HTTP status (0: no answer). */
  loginStatuses: Record<string, number>
  /** Logins answered 200: must be 0 (the PIN is not among the guesses; a 200 would be a bug in the bench). */
  loginsAdmitted: number
  loginStormMs: number
  connectStorm: ConnectStormResult
  /** Scans written while a storm was running. */
  scans: number
  p50: number
  p99: number
  max: number
  /** Scans decided later than 2 s (the bound a person at the gate must never wait past). */
  over2s: number
  /** Scans never decided. */
  lost: number
  /** Before the storm, the same pace: the baseline on this machine. */
  quietP50: number
  quietP99: number
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function quantiles(xs: number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return { p50: NaN, p99: NaN, max: NaN }
  const q = (p: number): number => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 100) / 100
  return { p50: q(0.5), p99: q(0.99), max: q(1) }
}

export async function benchAuthStorm(o: { logins: number; sources: number; connects: number; gapMs: number }): Promise<StormBenchResult> {
  const dir = tempDirFor('bench-storm')
  const central = await Mosquitto.start()
  const gate = await startGateProcess({
    dir,
    centralUrl: central.url,
    config: ({ kioskPort, brokerPort }) => ({
      localBroker: { enabled: true, host: '127.0.0.1', port: brokerPort, users: [{ username: 'display', password: 'display-secret-1', role: 'display' }] },
      // Two staff and one tech: a wrong guess costs one scrypt per PIN of its role.
      kiosk: { host: '127.0.0.1', port: kioskPort, staffPins: ['8642', '97310'], techPins: ['531975'] },
    }),
  })
  const { kioskPort, brokerPort, written } = gate
  const env = startScriptEnv()

  const arrived = new Map<number, number>()
  const sub = mqtt.connect(central.url, { protocolVersion: 5 })
  sub.on('message', (topic, payload) => {
    const at = performance.timeOrigin + performance.now()
    if (!topic.endsWith('/entry')) return
    const passId = (JSON.parse(payload.toString()) as { data?: { passId?: string } }).data?.passId
    const m = passId ? /^storm-(\d+)$/.exec(passId) : null
    if (m) arrived.set(Number(m[1]), at)
  })
  await new Promise<void>((r) => sub.once('connect', () => r()))
  await sub.subscribeAsync('estate-gate/#', { qos: 1 })

  // The attackers' process, forked before anyone scans: its start-up (tsx compiling) is in neither figure.
  const attackers = fork(join(import.meta.dirname, 'stormClient.ts'), [], { execArgv: ['--import', 'tsx'] })
  await sleep(2000)
  let n = 0
  const scanOne = async (): Promise<number> => {
    const i = n++
    await gate.scan(i, 'storm')
    return i
  }
  // A steady pace of people, whatever the storm does to the gateway.
  let stopScans = false
  const scanning = (async () => {
    for (let next = performance.now(); !stopScans; ) {
      await scanOne()
      next += o.gapMs
      await sleep(Math.max(0, next - performance.now()))
    }
  })()
  await sleep(3000)
  const firstStormScan = n
  const stormDone = new Promise<{ loginStatuses: Record<string, number>; loginStormMs: number; connectStorm: ConnectStormResult }>((r) => attackers.once('message', r as never))
  attackers.send({ cmd: 'storm', kioskPort, brokerPort, logins: o.logins, sources: o.sources, connects: o.connects })
  const { loginStatuses, loginStormMs, connectStorm } = await stormDone
  const lastStormScan = n
  await sleep(1000)
  stopScans = true
  await scanning
  // Every scan's event, or 10 s past the last: what is still missing then is lost.
  for (const t = Date.now(); arrived.size < n - 0 && Date.now() - t < 10_000; ) await sleep(50)

  const lat = (from: number, to: number): { xs: number[]; lost: number } => {
    const xs: number[] = []
    let lost = 0
    for (let i = from; i < to; i++) {
      const w = written.get(i)
      const a = arrived.get(i)
      if (w === undefined || a === undefined) lost++
      else xs.push(a - w)
    }
    return { xs, lost }
  }
  // The quiet baseline skips the first second (caches warming up).
  const quiet = quantiles(lat(Math.ceil(1000 / o.gapMs), firstStormScan).xs)
  const storm = lat(firstStormScan, lastStormScan + 1)
  const q = quantiles(storm.xs)

  await sub.endAsync(true)
  await gate.stop()
  await central.dispose()
  return {
    uvThreadpoolSize: env.UV_THREADPOOL_SIZE ?? null,
    logins: o.logins,
    sources: o.sources,
    connects: o.connects,
    loginStatuses,
    loginsAdmitted: loginStatuses['200'] ?? 0,
    loginStormMs,
    connectStorm,
    scans: storm.xs.length + storm.lost,
    ...q,
    over2s: storm.xs.filter((x) => x > 2000).length,
    lost: storm.lost,
    quietP50: quiet.p50,
    quietP99: quiet.p99,
  }
}
