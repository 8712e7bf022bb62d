// Stopping the gateway: each step on its own, so that one that fails (a stop hook that throws) never skips the
// relays' safe state or the store's close, and the relays are safe before the store closes.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { SimulatedRelay } from '../../devices/registry.ts'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { createLogger } from '../../gateway/logger.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function start(o: { stopBudgetMs?: number } = {}): Promise<{ gw: Gateway; logs: Record<string, unknown>[]; dbPath: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'estate-gate-stop-'))
  dirs.push(dataDir)
  const res = validateConfig({
    dataDir,
    kiosk: { host: '127.0.0.1', port: 0 },
    localBroker: { enabled: false },
    devices: {
      scanners: [{ name: 'scanner-in', driver: 'simulated', direction: 'in' }],
      relays: [{ name: 'gate', driver: 'simulated', pulseMs: 30_000 }],
      buzzers: [{ name: 'buzzer', driver: 'simulated' }],
    },
  })
  if (!res.ok) throw new Error(res.errors.join('\n'))
  const logs: Record<string, unknown>[] = []
  const sink = new Writable({ write: (chunk, _enc, cb) => (logs.push(JSON.parse(String(chunk)) as Record<string, unknown>), cb()) })
  const gw = await Gateway.start(res.config, { log: createLogger('info', sink), ...o })
  return { gw, logs, dbPath: join(dataDir, 'estate-gate.db') }
}

describe('Gateway.stop', () => {
  it('a stop hook that throws (and one that rejects): the relay still goes to its safe state, then the store closes', async () => {
    const { gw, logs, dbPath } = await start()
    const relay = gw.relays[0] as SimulatedRelay
    // The gate is open (a 30 s pulse) when the stop comes.
    expect(gw.pipeline.override({ direction: 'in', staff: 'test', reason: 'other' }).decision).toBe('admit')
    expect(relay.pin.level).toBe(1)
    // Hooks run in reverse order of registration: both run, whichever fails first.
    gw.onStop(async () => {
      throw new Error('hook rejected')
    })
    gw.onStop(() => {
      throw new Error('hook threw')
    })
    // Whether the database was still open when the relay was last written.
    let storeOpenAtSafeWrite: boolean | null = null
    relay.pin.onWrite = (v) => {
      if (v === 0) storeOpenAtSafeWrite = gw.store.db.open
    }

    await expect(gw.stop()).resolves.toBeUndefined()

    expect(relay.pin.level).toBe(0)
    expect(relay.pin.isClosed).toBe(true)
    expect(storeOpenAtSafeWrite).toBe(true)
    expect(gw.store.db.open).toBe(false)
    // Closed cleanly: the last connection checkpointed the WAL into the file and removed it.
    expect(!existsSync(`${dbPath}-wal`) || statSync(`${dbPath}-wal`).size === 0).toBe(true)
    const db = new Database(dbPath, { fileMustExist: true })
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect((db.prepare(`SELECT count(*) AS n FROM entries WHERE decision = 'admit'`).get() as { n: number }).n).toBe(1)
    db.close()
    // Each failure is logged with what failed, and the stop goes on to the end.
    const failed = logs.filter((l) => l.msg === 'stop step failed; going on')
    expect(failed.map((l) => (l.err as { message: string }).message).sort()).toEqual(['hook rejected', 'hook threw'])
    expect(logs.at(-1)).toMatchObject({ msg: 'gateway stopped' })
  })

  it('a stop hook that never settles: the stop goes on after its budget, the relay goes safe and the store closes', async () => {
    const { gw, logs } = await start({ stopBudgetMs: 200 })
    const relay = gw.relays[0] as SimulatedRelay
    expect(gw.pipeline.override({ direction: 'in', staff: 'test', reason: 'other' }).decision).toBe('admit')
    expect(relay.pin.level).toBe(1)
    let leftBehind: (err: Error) => void = () => {}
    gw.onStop(() => new Promise<void>((_, reject) => (leftBehind = reject)))

    await expect(gw.stop()).resolves.toBeUndefined()

    expect(relay.pin.level).toBe(0)
    expect(gw.store.db.open).toBe(false)
    expect(logs.find((l) => l.msg === 'stop step did not finish in time; going on')).toMatchObject({ step: 'stop hook' })
    expect(logs.at(-1)).toMatchObject({ msg: 'gateway stopped' })
    // If it fails later, that is logged too (never an unhandled rejection).
    leftBehind(new Error('too late'))
    await new Promise((r) => setImmediate(r))
    expect(logs.at(-1)).toMatchObject({ msg: 'stop step failed after it was left behind', err: { message: 'too late' } })
  })

  it('a second stop is a no-op', async () => {
    const { gw } = await start()
    await gw.stop()
    await expect(gw.stop()).resolves.toBeUndefined()
  })
})
