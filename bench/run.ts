// `npm run bench [-- --quick]`: scan-to-relay latency over real pseudo-terminals (DESIGN section 10).
// Measured: the last byte of a code written to the scanner's pty → the relay commanded on, including the pass
// check, the Modbus thermometer round trip (simulator answering at once) and the fsynced SQLite commit.
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SerialPort } from 'serialport'
import { Gateway } from '../gateway/app.ts'
import { validateConfig } from '../gateway/config/load.ts'
import { createLogger } from '../gateway/logger.ts'
import { issuePass } from '../gateway/passes/issue.ts'
import { newKeyPair } from '../gateway/passes/keys.ts'
import { ModbusThermometerSim } from '../simulators/devices/modbusThermometer.ts'
import { PtyPair } from '../simulators/pty.ts'
import { tempDirFor } from './util.ts'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } })

interface LatencyResult {
  scans: number
  gapMs: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

async function scanToRelay(count: number, gapMs: number): Promise<LatencyResult> {
  const dir = tempDirFor('bench-latency')
  const [scanPty, thermoPty] = await Promise.all([PtyPair.open({ name: 'scan' }), PtyPair.open({ name: 'thermo' })])
  const thermo = new ModbusThermometerSim({ unitId: 1, temperatureC: 36.6, respondDelayMs: 0 })
  await thermo.open(thermoPty.devicePath)
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
  // Logs as in production (info, synchronous), into a file rather than the terminal.
  const log = createLogger('info', createWriteStream(join(dir, 'gateway.log')))
  const gw = await Gateway.start(loaded.config, { log })
  const writer = new SerialPort({ path: scanPty.devicePath, baudRate: 9600 })
  await new Promise<void>((res, rej) => writer.once('open', res).once('error', rej))
  await waitFor(() => gw.thermometers[0]!.health().online, 5000)

  const warmup = Math.min(20, count)
  const passes: Buffer[] = []
  for (let i = 0; i < count + warmup; i++) {
    const pass = await issuePass(issuer, { sub: `H-1-1-${i}`, kind: 'resident', jti: `bench-${i}` }, { now: Date.now(), ttlSeconds: 3600 })
    passes.push(Buffer.from(`${pass}\r`))
  }
  const samples: number[] = []
  let pending: ((mono: number) => void) | null = null
  gw.relays[0]!.onActuate((mono) => pending?.(mono))
  for (let i = 0; i < passes.length; i++) {
    const actuated = new Promise<number>((res) => (pending = res))
    const t0 = performance.now()
    writer.write(passes[i]!)
    const t1 = await Promise.race([actuated, sleep(2000).then(() => NaN)])
    if (Number.isNaN(t1)) throw new Error(`scan ${i}: no relay command within 2 s (${JSON.stringify(gw.health().components['scanner-in'])})`)
    if (i >= warmup) samples.push(t1 - t0)
    await sleep(gapMs)
  }
  await new Promise<void>((res) => writer.close(() => res()))
  await gw.stop()
  await thermo.close()
  await Promise.all([scanPty.close(), thermoPty.close()])
  return { scans: samples.length, gapMs, ...stats(samples) }
}

function stats(xs: number[]): Omit<LatencyResult, 'scans' | 'gapMs'> {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!
  const r = (x: number): number => Math.round(x * 1000) / 1000
  return { p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), max: r(s[s.length - 1]!), mean: r(s.reduce((a, b) => a + b, 0) / s.length) }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await sleep(10)
  }
}

async function main(): Promise<void> {
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }
  console.log(`estate-gate bench${args.quick ? ' (quick)' : ''} on ${machine.cpus} × ${machine.cpu}, ${machine.memGiB} GiB, Node ${machine.node}`)
  const latency = await scanToRelay(args.quick ? 300 : 2000, 20)
  console.log(
    `scan-to-relay over a pty, Modbus round trip + fsynced commit included (${latency.scans} scans, one every ${latency.gapMs} ms):\n` +
      `  p50 ${latency.p50} ms   p90 ${latency.p90} ms   p99 ${latency.p99} ms   max ${latency.max} ms   (target p50 ≤ 2, p99 ≤ 5)`,
  )
  const out = args.out ?? join('bench', 'out', 'latest.json')
  mkdirSync(join(out, '..'), { recursive: true })
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), quick: args.quick, machine, latency }, null, 2))
  console.log(`written ${out}`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
