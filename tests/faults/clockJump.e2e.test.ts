// The wall clock stepped under the real gateway process (libfaketime, as NTP steps a board without a real-time
// clock; the monotonic clock is left alone, as NTP does): 3 hours forward, then 2 back. The process stays up, no
// committed decision is lost, every hour and every task that fell due in the gap is raised exactly once, and the
// step back repeats none of them.
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { Recorder } from '../bridge/helpers.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'
import { GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let sub: Recorder | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await sub?.client.endAsync(true)
  await broker?.dispose()
  gw = broker = sub = null
})

/** libfaketime's preload library (installed by .ci/run: Debian's faketime package). */
function libfaketime(): string {
  const found = execFileSync('sh', ['-c', 'ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null || true']).toString().trim().split('\n')[0]
  if (!found || !existsSync(found)) throw new Error('libfaketime not found: apt-get install faketime (.ci/run does)')
  return found
}

const HOUR = 3_600_000

describe('the wall clock stepped (real gateway process, libfaketime)', () => {
  it('3 hours forward then 2 back: nothing lost, each hour and each task in the gap raised once, none repeated', async () => {
    const dir = tempDir()
    const offsetFile = join(dir, 'faketime')
    writeFileSync(offsetFile, '+0\n')
    broker = await Mosquitto.start()
    sub = await Recorder.connect(broker.url)
    gw = await GatewayProcess.start(
      {
        central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
        localBroker: { enabled: false },
        simulation: { crowd: true, intervalMs: 250 },
        schedules: [{ id: 'hourly-round', kind: 'disinfection', area: '大门', cron: '0 * * * *', graceMinutes: 30 }],
        log: { level: 'info' },
      },
      {
        dir,
        env: {
          LD_PRELOAD: libfaketime(),
          FAKETIME_TIMESTAMP_FILE: offsetFile,
          FAKETIME_CACHE_DURATION: '1',
          FAKETIME_DONT_FAKE_MONOTONIC: '1',
        },
      },
    )
    const committed = (): number => gw!.query<{ n: number }>('SELECT count(*) AS n FROM entries')[0]!.n
    await gw.until(() => (committed() >= 5 ? true : undefined), 20_000, 'decisions before the step')
    const stepped = (): number => gw!.logs.filter((l) => l.msg === 'the wall clock was stepped').length

    writeFileSync(offsetFile, '+3h\n')
    await gw.until(() => (stepped() >= 1 ? true : undefined), 15_000, 'the forward step noticed')
    const forward = gw.logs.find((l) => l.msg === 'the wall clock was stepped')!
    const from = Date.parse(String(forward.from))
    const to = Date.parse(String(forward.to))
    expect(Number(forward.deltaMs)).toBeGreaterThan(3 * HOUR - 5000)
    const n0 = committed()
    await gw.until(() => (committed() >= n0 + 5 ? true : undefined), 20_000, 'decisions after the forward step')

    writeFileSync(offsetFile, '+1h\n')
    await gw.until(() => (stepped() >= 2 ? true : undefined), 15_000, 'the backward step noticed')
    const n1 = committed()
    await gw.until(() => (committed() >= n1 + 5 ? true : undefined), 20_000, 'decisions after the backward step')
    expect(gw.child.exitCode).toBeNull()

    // No committed decision lost, seq without a gap.
    const ids = gw.query<{ event_id: string }>('SELECT event_id FROM entries').map((r) => r.event_id)
    await gw.until(() => (ids.every((id) => sub!.events.some((e) => e.event.id === id)) ? true : undefined), 20_000, 'every decision at the platform')
    const seqs = [...new Set(sub.events.map((e) => e.event.seq))].sort((a, b) => a - b)
    expect(seqs[0]).toBe(1)
    expect(seqs.length, 'no gap').toBe(seqs.at(-1))
    for (const e of sub.events) assertMessage(messageForTopic(e.topic), e.event)

    // The hourly task: every full hour in the forward gap raised once (with its own dueAt), none twice.
    const hoursInGap: string[] = []
    for (let h = Math.floor(from / HOUR) * HOUR + HOUR; h <= to; h += HOUR) hoursInGap.push(new Date(h).toISOString())
    const due = sub.events.filter((e) => e.topic === 'task' && (e.event.data as { event: string }).event === 'due')
    const dueAts = due.map((e) => new Date(Date.parse((e.event.data as { dueAt: string }).dueAt)).toISOString())
    expect(new Set(dueAts).size, 'no task raised twice').toBe(dueAts.length)
    for (const h of hoursInGap) expect(dueAts).toContain(h)
    // Hourly summaries: each local hour at most once, those of the gap included.
    const periods = sub.events.filter((e) => e.topic === 'summary/hour').map((e) => (e.event.data as { period: string }).period)
    expect(new Set(periods).size, 'no hour summarised twice').toBe(periods.length)
    expect(periods.length).toBeGreaterThanOrEqual(hoursInGap.length)
  }, 120_000)
})
