// The fleet run end to end, small: real gates (Store + CloudBridge each) against a real mosquitto, a consumer
// process checking every seq. Through a broker restart and a gate killed mid-run nothing is lost; and a message
// deleted from an outbox before it was sent is reported as a gap, so the check can fail.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { runFleet, type FleetOptions } from '../../fleet/fleet.ts'

const ROOT = join(import.meta.dirname, '..', '..')

function options(over: Partial<FleetOptions>): FleetOptions {
  return {
    gates: 10,
    durationMs: 4000,
    rate: 5,
    consumers: 2,
    subscription: 'shared',
    hourMs: 1500,
    chaos: null,
    synchronous: 'normal',
    seed: 7,
    baseTopic: 'estate-gate',
    backoff: { initialMs: 100, maxMs: 400 },
    log: pino({ level: 'silent' }),
    bridgeLogLevel: 'silent',
    settleMs: 1500,
    ...over,
  }
}

describe('fleet run', () => {
  it('10 gates through a broker restart and a gate killed and reopened: no gap, no loss, everyone online again', async () => {
    const r = await runFleet(
      options({
        // One plain subscription: mosquitto 2.0.11 keeps it across a restart (it drops shared ones: fleet/README.md).
        consumers: 1,
        subscription: 'plain',
        chaos: {
          brokerRestarts: [{ atMs: 1200, downMs: 500 }],
          gateKills: [{ atMs: 2600, gates: [3], downMs: 500 }],
        },
      }),
    )
    expect(r.failures).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.delivery.gaps.count).toBe(0)
    expect(r.delivery.lost.count).toBe(0)
    expect(r.delivery.idConflicts).toBe(0)
    expect(r.delivery.outOfOrder).toBe(0)
    expect(r.delivery.distinct).toBe(r.traffic.enqueued)
    expect(r.delivery.gatesSeen).toBe(10)
    // The outage really happened: rows waited in the outboxes and went out marked historical, every gate reconnected.
    expect(r.delivery.historical).toBeGreaterThan(0)
    expect(r.bridges.reconnects).toBeGreaterThanOrEqual(10)
    expect(r.traffic.summaries).toBeGreaterThanOrEqual(10)
    const events = r.chaos.events.map((e) => e.what)
    expect(events).toHaveLength(5)
    expect(events).toEqual(
      expect.arrayContaining([
        'broker stopped (SIGTERM, persistence) for 500 ms',
        'broker started again',
        expect.stringMatching(/^after the broker restart: every running gate reconnected in \d+ ms, its backlog acknowledged in \d+ ms$/),
        '1 gates killed (no DISCONNECT, unflushed acks lost) for 500 ms',
        '1 gates reopened from their databases',
      ]),
    )
    // The killed gate's will said offline; its new boot said online.
    expect(r.liveness).toMatchObject({ gates: 10, online: 10, rebooted: 1, killedGates: 1 })
    expect(r.liveness.offlineMessages).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('a message deleted from one outbox before it is sent is reported as a gap and a loss, and the run fails', async () => {
    const r = await runFleet(options({ gates: 4, durationMs: 2000, injectLoss: { gate: 1, atMs: 800 } }))
    const dropped = r.traffic.dropped
    expect(dropped).not.toBeNull()
    expect(dropped!.gate).toBe('estate-0002/main')
    expect(r.delivery.gaps).toEqual({ count: 1, ranges: [{ gate: dropped!.gate, from: dropped!.seq, to: dropped!.seq }] })
    expect(r.delivery.lost).toEqual({ count: 1, ranges: [{ gate: dropped!.gate, from: dropped!.seq, to: dropped!.seq }] })
    expect(r.delivery.distinct).toBe(r.traffic.enqueued - 1)
    expect(r.ok).toBe(false)
    expect(r.failures).toEqual(['1 seq gaps', '1 messages lost (enqueued, never received)'])
    // Both members of the shared subscription took a share of the traffic.
    expect(r.delivery.perMember).toHaveLength(2)
    expect(Math.min(...r.delivery.perMember)).toBeGreaterThan(0)
  }, 60_000)

  it('npm run fleet exits 1 when a message is lost, and 2 on a bad argument', () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'fleet/run.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
    const lost = cli(['--gates', '3', '--minutes', '0.03', '--rate', '5', '--inject-loss', '--settle-seconds', '1', '--json', '--log-level', 'silent'])
    expect(lost.status).toBe(1)
    const report = JSON.parse(lost.stdout) as { ok: boolean; delivery: { gaps: { count: number } } }
    expect(report.ok).toBe(false)
    expect(report.delivery.gaps.count).toBe(1)

    const bad = cli(['--gates', 'many'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--gates must be an integer ≥ 1, got "many"')
  }, 60_000)
})
