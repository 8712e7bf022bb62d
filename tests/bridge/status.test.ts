// The retained P/status (online on every connect, the will `offline` when the connection dies, `offline` on a
// graceful stop) and the retained device health, re-published after each reconnect.
import { afterEach, describe, expect, it } from 'vitest'
import type { StatusMessage } from '../../cloud-bridge/envelope.ts'
import { Recorder, makeBridge, openStore, until } from './helpers.ts'
import { Mosquitto } from './mosquitto.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function setup(): Promise<{ m: Mosquitto; sub: Recorder; later: () => Promise<Recorder> }> {
  const m = await Mosquitto.start()
  cleanup.push(() => m.dispose())
  const sub = await Recorder.connect(m.url)
  cleanup.push(() => sub.close())
  const later = async (): Promise<Recorder> => {
    const r = await Recorder.connect(m.url)
    cleanup.push(() => r.close())
    return r
  }
  return { m, sub, later }
}

const states = (r: Recorder): StatusMessage['state'][] => r.statuses.map((s) => s.status.state)

describe('cloud bridge: status and device health', () => {
  it('retains online while connected, the will offline when the connection dies, offline on stop', async () => {
    const { m, sub, later } = await setup()
    const store = openStore()
    cleanup.push(() => store.close())
    const bridge = makeBridge(store, m.url, { bootId: 'boot-1', version: '1.2.3' })
    cleanup.push(() => bridge.stop())
    bridge.start()
    await until(() => states(sub).includes('online'), 'online')
    const online = sub.statuses[0]!.status
    expect(online).toMatchObject({ state: 'online', bootId: 'boot-1', version: '1.2.3' })
    expect(Date.parse(online.ts)).not.toBeNaN()

    const late = await later()
    await until(() => late.statuses.length > 0, 'the retained status')
    expect(late.statuses[0]).toMatchObject({ status: { state: 'online' }, retain: true })

    // A dead connection (no DISCONNECT): the broker publishes the will, then the bridge comes back online.
    bridge.dropConnection('test: cable pulled')
    await until(() => states(sub).join() === 'online,offline,online', 'offline (will) then online again')
    expect(sub.statuses[1]!.status).toMatchObject({ state: 'offline', bootId: 'boot-1', version: '1.2.3' })
    expect(bridge.status()).toMatchObject({ connected: true, reconnects: 1, lastError: 'test: cable pulled' })

    await bridge.stop()
    await until(() => states(sub).at(-1) === 'offline', 'offline on stop')
    const after = await later()
    await until(() => after.statuses.length > 0, 'the retained status after stop')
    expect(after.statuses[0]).toMatchObject({ status: { state: 'offline', bootId: 'boot-1' }, retain: true })
  })

  it('retains device health and re-publishes it after a reconnect', async () => {
    const { m, sub, later } = await setup()
    const store = openStore()
    cleanup.push(() => store.close())
    const bridge = makeBridge(store, m.url)
    cleanup.push(() => bridge.stop())
    expect(() => bridge.publishDevice('scanner/in', {})).toThrow(/device name/)
    bridge.publishDevice('scanner-in', { online: true, errors: 0 }) // before start: remembered
    bridge.start()
    await until(() => sub.devices.length === 1, 'device health after connect')
    expect(sub.devices[0]).toMatchObject({ name: 'scanner-in', health: { online: true, errors: 0 } })

    bridge.publishDevice('scanner-in', { online: false, errors: 3 })
    bridge.publishDevice('thermo-in', { online: true, errors: 0 })
    await until(() => sub.devices.length === 3, 'two updates')

    bridge.dropConnection()
    await until(() => sub.devices.length === 5, 're-published after the reconnect')
    expect(sub.devices.slice(3).map((d) => [d.name, d.health])).toEqual([
      ['scanner-in', { online: false, errors: 3 }],
      ['thermo-in', { online: true, errors: 0 }],
    ])

    const late = await later()
    await until(() => late.devices.length === 2, 'retained health')
    expect(late.devices.every((d) => d.retain)).toBe(true)
    expect(late.devices.find((d) => d.name === 'scanner-in')?.health).toEqual({ online: false, errors: 3 })
  })
})
