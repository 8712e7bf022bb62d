// npm run fleet -- --gates 200 --minutes 2 [--rate 1] [--consumers 2] [--chaos] [--inject-loss] [--json]
// Prints the report (fleet/report.ts); exits 1 on any gap or loss (and on id conflicts, a status not online at the
// end, or out-of-order first arrivals with a single consumer), 2 on bad arguments or when the run cannot start.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { defaultChaos, runFleet } from './fleet.ts'
import { formatReport } from './report.ts'
import { seededRandom } from './traffic.ts'

const USAGE = `usage: npm run fleet -- [options]
  --gates N            simulated gates (default 200)
  --minutes M          length of the traffic (default 2; fractions allowed)
  --rate R             people per second per gate (default 1: a busy gate)
  --consumers K        members of the platform's shared subscription (default 2)
  --subscription S     shared ($share/platform/..., the default) or plain (only with --consumers 1; the default then)
  --hour-seconds S     a compressed hour: each gate sends its hourly summary every S seconds (default 60)
  --chaos              restart mosquitto mid-run; kill gates (no DISCONNECT) and reopen them from their databases
  --inject-loss        delete one message from one gate's outbox before it is sent (the run must then fail)
  --sync normal|full   SQLite synchronous mode of the gates' databases (default normal: see fleet/README.md)
  --seed N             traffic seed (default 1)
  --settle-seconds S   after the traffic, how long the consumer waits with nothing new before reporting (default 10)
  --json               print the report as JSON
  --out FILE           also write the JSON report to FILE
  --log-level L        the run's own log (default info); --bridge-log-level L for the 200 bridges (default error)`

function fail(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`)
  process.exit(2)
}

function parse() {
  return parseArgs({
    options: {
      gates: { type: 'string', default: '200' },
      minutes: { type: 'string', default: '2' },
      rate: { type: 'string', default: '1' },
      consumers: { type: 'string', default: '2' },
      subscription: { type: 'string' },
      'hour-seconds': { type: 'string', default: '60' },
      chaos: { type: 'boolean', default: false },
      'inject-loss': { type: 'boolean', default: false },
      sync: { type: 'string', default: 'normal' },
      seed: { type: 'string', default: '1' },
      'settle-seconds': { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'bridge-log-level': { type: 'string', default: 'error' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
}
let a: ReturnType<typeof parse>['values']
try {
  a = parse().values
} catch (err) {
  fail((err as Error).message)
}
if (a.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

function num(name: string, v: string, min: number, integer: boolean): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) fail(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${v}"`)
  return n
}
const gates = num('gates', a.gates, 1, true)
const durationMs = Math.round(num('minutes', a.minutes, 0.01, false) * 60_000)
const rate = num('rate', a.rate, 0.001, false)
const consumers = num('consumers', a.consumers, 1, true)
const hourMs = Math.round(num('hour-seconds', a['hour-seconds'], 1, false) * 1000)
const seed = num('seed', a.seed, 0, true)
const settleMs = Math.round(num('settle-seconds', a['settle-seconds'], 0.1, false) * 1000)
const subscription = a.subscription ?? (consumers === 1 ? 'plain' : 'shared')
if (subscription !== 'shared' && subscription !== 'plain') fail(`--subscription must be shared or plain, got "${subscription}"`)
if (subscription === 'plain' && consumers !== 1) fail('--subscription plain is for one consumer (each plain member would get every message)')
if (a.sync !== 'normal' && a.sync !== 'full') fail(`--sync must be normal or full, got "${a.sync}"`)
const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
for (const k of ['log-level', 'bridge-log-level'] as const) if (!levels.includes(a[k])) fail(`--${k} must be one of ${levels.join(', ')}`)

const log = pino({ level: a['log-level'] }, pino.destination(2))
// Could not run at all (no mosquitto, too many gates for the open-file limit, ...): exit 2, not a delivery failure.
const report = await runFleet({
  gates,
  durationMs,
  rate,
  consumers,
  subscription,
  hourMs,
  chaos: a.chaos ? defaultChaos(durationMs, gates, seededRandom(seed + 1)) : null,
  ...(a['inject-loss'] ? { injectLoss: { gate: 0, atMs: Math.round(durationMs / 2) } } : {}),
  synchronous: a.sync,
  seed,
  baseTopic: 'estate-gate',
  log,
  bridgeLogLevel: a['bridge-log-level'],
  settleMs,
}).catch((err: Error) => {
  log.fatal({ err: err.message }, 'fleet: could not run')
  process.exit(2)
})
if (a.out) writeFileSync(a.out, `${JSON.stringify(report, null, 2)}\n`)
process.stdout.write(a.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`)
process.exit(report.ok ? 0 : 1)
