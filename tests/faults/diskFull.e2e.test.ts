// The data disk full under the real gateway process (a small tmpfs as its dataDir, filled to the last byte): the
// process stays up, what cannot be logged does not open the gate, /healthz says so, and once space is back the
// gate decides again and every decision it did commit reaches the platform, in seq order with no gap.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { Recorder } from '../bridge/helpers.ts'
import { GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let sub: Recorder | null = null
let mnt: string | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await sub?.client.endAsync(true)
  await broker?.dispose()
  if (mnt) execFileSync('umount', ['-l', mnt])
  gw = broker = sub = mnt = null
})

/** Writes until the filesystem refuses (ENOSPC); returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler.bin')
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(64 * 1024, 1)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC')
  }
  // The last partial block too.
  try {
    for (;;) writeSync(fd, chunk, 0, 512)
  } catch {
    // full
  }
  closeSync(fd)
  return path
}

describe('the data disk full (real gateway process on a full tmpfs)', () => {
  it('stays up, opens nothing it cannot log, reports it, and loses no committed decision', async () => {
    mnt = join(tempDir(), 'mnt')
    mkdirSync(mnt)
    try {
      // A size-limited filesystem needs root (CI runs as root); without it this test fails rather than skips.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt])
    } catch (err) {
      mnt = null
      throw new Error(`cannot mount a tmpfs for the disk-full test (needs root): ${(err as Error).message}`)
    }
    broker = await Mosquitto.start()
    sub = await Recorder.connect(broker.url)
    gw = await GatewayProcess.start(
      {
        dataDir: join(mnt, 'data'),
        central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
        localBroker: { enabled: false },
        simulation: { crowd: true, intervalMs: 200 },
        log: { level: 'info' },
      },
      {},
    )
    const committed = (): number => gw!.query<{ n: number }>('SELECT count(*) AS n FROM entries')[0]!.n
    await gw.until(() => (committed() >= 10 ? true : undefined), 20_000, 'ten decisions')

    const filler = fill(mnt)
    const full = committed()
    // People keep coming: every decision now fails to commit, and the gate stays closed for each.
    const h = await gw.until(async () => {
      const health = await gw!.health()
      return Number(health.components.store?.errors ?? 0) >= 3 ? health : undefined
    }, 20_000, 'store errors while the disk is full')
    expect(h.components.store).toMatchObject({ status: 'degraded' })
    expect(h.status).not.toBe('ok')
    const failed = gw.logs.filter((l) => l.msg === 'could not record the decision; the gate stays closed')
    expect(failed.length).toBeGreaterThanOrEqual(3)
    // No relay pulse for a decision that is not in the log: the relay's counter stands still while full.
    const pulses = async (): Promise<number> => Number((await gw!.health()).components.gate?.counters?.pulses)
    const p0 = await pulses()
    expect(Number.isFinite(p0)).toBe(true)
    const errs0 = Number((await gw.health()).components.store?.errors)
    await gw.until(async () => (Number((await gw!.health()).components.store?.errors) >= errs0 + 3 ? true : undefined), 20_000, 'three more failed commits')
    expect(await pulses()).toBe(p0)
    expect(gw.child.exitCode).toBeNull()

    rmSync(filler)
    await gw.until(() => (committed() >= full + 5 ? true : undefined), 20_000, 'decisions logged again once space is back')
    // Everything committed, before and after, arrives: no gap, first arrivals in order.
    const ids = gw.query<{ event_id: string }>('SELECT event_id FROM entries').map((r) => r.event_id)
    await gw.until(() => (ids.every((id) => sub!.events.some((e) => e.event.id === id)) ? true : undefined), 20_000, 'every committed decision at the platform')
    const seqs = [...new Set(sub.events.filter((e) => typeof e.event.seq === 'number').map((e) => e.event.seq))].sort((a, b) => a - b)
    expect(seqs[0]).toBe(1)
    expect(seqs.length, 'no gap').toBe(seqs.at(-1))
    expect(gw.child.exitCode).toBeNull()
  }, 120_000)
})
