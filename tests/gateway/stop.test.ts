// Stopping the gateway: each step on its own, so that one that fails (a stop hook that throws) never skips the
// relays' safe state or the store's close, and the relays are safe before the store closes.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { Recorder } from '../bridge/helpers.ts'
import type { SimulatedRelay } from '../../devices/registry.ts'
import type { SimulatedScanner } from '../../devices/scanners/simulated.ts'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { createLogger } from '../../gateway/logger.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function start(o: { stopBudgetMs?: number; config?: Record<string, unknown>; dataDir?: string } = {}): Promise<{ gw: Gateway; logs: Record<string, unknown>[]; dbPath: string }> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'estate-gate-stop-'))
  dirs.push(dataDir)
  const res = validateConfig({
    dataDir,
    ...o.config,
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
  const gw = await Gateway.start(res.config, { log: createLogger('info', sink), ...(o.stopBudgetMs === undefined ? {} : { stopBudgetMs: o.stopBudgetMs }) })
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

  it('a clean stop raises no device_offline: the platform learns of it from the retained offline status, and a device that fails while running still alerts', async () => {
    const broker = await Mosquitto.start()
    try {
      const platform = await Recorder.connect(broker.url)
      const config = { central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 }, devices: { scanners: [{ name: 'scanner-in', driver: 'simulated', direction: 'in' }], relays: [{ name: 'gate', driver: 'simulated' }], buzzers: [{ name: 'buzzer', driver: 'simulated' }] } }
      const { gw, dbPath } = await start({ config })
      const deadline = Date.now() + 10_000
      while (!platform.statuses.some((s) => s.status.state === 'online' && s.status.bootId === gw.bootId)) {
        if (Date.now() > deadline) throw new Error('no online status at the platform')
        await new Promise((r) => setTimeout(r, 25))
      }
      // A scanner that fails while the gate runs: that is what device_offline is for.
      const offlineAlerts = (): string[] => platform.events.filter((e) => e.topic === 'alert' && (e.event.data as { kind: string }).kind === 'device_offline').map((e) => (e.event.data as { device: string }).device)
      ;(gw.scanners[0] as SimulatedScanner).setOnline(false)
      while (offlineAlerts().length === 0) {
        if (Date.now() > deadline) throw new Error('no device_offline at the platform')
        await new Promise((r) => setTimeout(r, 25))
      }
      await gw.stop()
      // Nothing waits to tell the platform at the next start that the devices went offline at this stop.
      const db = new Database(dbPath, { readonly: true, fileMustExist: true })
      const queued = db.prepare(`SELECT data FROM outbox WHERE topic = 'alert'`).all() as { data: string }[]
      db.close()
      expect(queued.map((r) => (JSON.parse(r.data) as { kind: string }).kind)).not.toContain('device_offline')
      expect(offlineAlerts()).toEqual(['scanner-in'])
      // What tells it: the retained status, offline, of this boot.
      const last = platform.statuses.at(-1)!
      expect(last.status).toMatchObject({ state: 'offline', bootId: gw.bootId })
      const retained = await Recorder.connect(broker.url)
      const deadline2 = Date.now() + 5000
      while (retained.statuses.length === 0 && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 25))
      expect(retained.statuses[0]).toMatchObject({ retain: true, status: { state: 'offline', bootId: gw.bootId } })
      await retained.client.endAsync(true)
      await platform.client.endAsync(true)
    } finally {
      await broker.dispose()
    }
  }, 30_000)
})
