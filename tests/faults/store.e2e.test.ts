// A corrupt or locked database at the start of the real gateway process: the gate opens on a rebuilt store (the
// bad file kept aside, an alert sent, every readable waiting message delivered with its seq), or stops with a
// clear message and touches nothing.
import { fork } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { Recorder } from '../bridge/helpers.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'
import { garbleLastLeafPage } from '../helpers/corrupt.ts'
import { GatewayProcess, runGateway, tempDir } from '../helpers/gatewayProcess.ts'

let broker: Mosquitto | null = null
let gw: GatewayProcess | null = null
let sub: Recorder | null = null

afterEach(async () => {
  await gw?.stop('SIGKILL')
  await sub?.client.endAsync(true)
  await broker?.dispose()
  gw = broker = sub = null
})

const config = (port: number): Record<string, unknown> => ({
  central: { url: `mqtt://127.0.0.1:${port}`, reconnectMinMs: 200, reconnectMaxMs: 1000 },
  localBroker: { enabled: false },
  simulation: { crowd: true, intervalMs: 200 },
})

describe('the database at start (real gateway process)', () => {
  it('a garbled page: the gate starts on a rebuilt store, keeps the bad file, alerts, and delivers what waited with its seq', async () => {
    broker = await Mosquitto.start()
    await broker.stop() // the uplink is down: decisions wait in the outbox
    const dir = tempDir()
    gw = await GatewayProcess.start(config(broker.port), { dir })
    await gw.until(() => (gw!.query('SELECT 1 FROM entries').length >= 40 ? true : undefined), 30_000, '40 decisions')
    await gw.stop('SIGKILL')
    const dbPath = join(gw.dataDir, 'estate-gate.db')
    const waiting = new Database(dbPath, { readonly: true })
    const before = waiting.prepare('SELECT seq, id FROM outbox ORDER BY seq').all() as { seq: number; id: string }[]
    waiting.close()
    // Garble the last page of the log.
    garbleLastLeafPage(dbPath, 'entries')

    await broker.restart()
    sub = await Recorder.connect(broker.url)
    gw = await GatewayProcess.start(config(broker.port), { dir })
    const kept = readdirSync(gw.dataDir).filter((f) => /^estate-gate\.db\.corrupt-\d{8}T\d{6}$/.test(f))
    expect(kept).toHaveLength(1)
    await gw.until(() => (sub!.events.some((e) => e.topic === 'alert' && (e.event.data as { kind?: string }).kind === 'store_recovered') ? true : undefined), 15_000, 'the store_recovered alert')
    const alert = sub.events.find((e) => e.topic === 'alert' && (e.event.data as { kind?: string }).kind === 'store_recovered')!
    assertMessage(messageForTopic('alert'), alert.event)
    expect(alert.event.data).toMatchObject({ severity: 'critical', keptAs: join(gw.dataDir, kept[0]!) })
    // Every message that was waiting arrives with the seq and id it had; the alert comes after them, no gap.
    await gw.until(() => (before.every((b) => sub!.events.some((e) => e.event.id === b.id)) ? true : undefined), 15_000, 'the waiting messages')
    for (const b of before) expect(sub.events.find((e) => e.event.id === b.id)!.event.seq).toBe(b.seq)
    expect(alert.event.seq).toBe(before.at(-1)!.seq + 1)
    expect(existsSync(join(gw.dataDir, kept[0]!))).toBe(true)
    expect((await gw.health()).status).not.toBe('down')
  }, 90_000)

  it('locked by another process: exit 1 with a message that names the lock, and the database unchanged', async () => {
    const dir = tempDir()
    gw = await GatewayProcess.start({ localBroker: { enabled: false }, simulation: { crowd: true, intervalMs: 200 } }, { dir })
    await gw.until(() => (gw!.query('SELECT 1 FROM entries').length >= 5 ? true : undefined), 20_000, 'five decisions')
    await gw.stop('SIGTERM')
    const dataDir = gw.dataDir
    gw = null
    const dbPath = join(dataDir, 'estate-gate.db')
    const count = (): number => (new Database(dbPath, { readonly: true }).prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n
    const n = count()
    const holder = fork(join(import.meta.dirname, '../gateway/lockHolder.ts'), [dbPath], { execArgv: ['--import', 'tsx'] })
    await new Promise<void>((resolve) => holder.once('message', () => resolve()))
    try {
      const file = join(dir, 'locked.yaml')
      writeFileSync(file, stringify({ dataDir, localBroker: { enabled: false }, kiosk: { host: '127.0.0.1', port: 0 } }))
      const res = await runGateway(['--config', file], { timeoutMs: 30_000 })
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(/estate-gate\.db is locked by another process .*nothing was changed/)
    } finally {
      holder.kill()
      await new Promise((r) => holder.once('exit', r))
    }
    expect(count()).toBe(n)
    expect(readdirSync(dataDir).filter((f) => f.includes('corrupt'))).toEqual([])
  }, 90_000)
})
