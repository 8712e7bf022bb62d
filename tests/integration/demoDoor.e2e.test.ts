// The demo's door (issue 16, point 8): the real gateway process with the simulated crowd and the default simulated
// door contact. Whoever is let through opens the door just after the pulse and closes it a couple of seconds later,
// so door supervision is seen working on the demo and raises no false alert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultLevelFile, writeLevelFile } from '../../devices/inputs/simulated.ts'
import { GatewayProcess } from '../helpers/gatewayProcess.ts'

describe('the demo crowd and its door', () => {
  let gw: GatewayProcess

  beforeAll(async () => {
    // The schema's default devices plus the demo's door and fire-alarm inputs, a fast crowd, no broker: the outbox
    // keeps every alert for the test to read.
    const inputs = [
      { name: 'door', kind: 'door-contact', driver: 'simulated' },
      { name: 'fire-alarm', kind: 'fire-alarm', driver: 'simulated' },
    ]
    gw = await GatewayProcess.start({ simulation: { crowd: true, intervalMs: 300 }, devices: { inputs }, gate: { heldOpenSec: 5 }, localBroker: { enabled: false }, log: { level: 'info' } })
  }, 20_000)

  afterAll(async () => {
    await gw?.stop()
  })

  it('opens and closes the door for the people let through, and raises no door alert', async () => {
    const door = async (): Promise<Record<string, number>> => (await gw.health()).components.door?.counters ?? {}
    // At least three openings and closings, and the last closing's held-open window over.
    await gw.until(async () => ((await door()).changes ?? 0) >= 6 ? true : undefined, 30_000, 'the door opened and closed three times')
    await new Promise((r) => setTimeout(r, 5500))
    const admits = gw.query<{ n: number }>(`SELECT count(*) AS n FROM entries WHERE decision = 'admit'`)[0]!.n
    expect(admits).toBeGreaterThanOrEqual(3)
    const kinds = gw.query<{ kind: string }>(`SELECT json_extract(data, '$.kind') AS kind FROM outbox WHERE topic = 'alert'`).map((r) => r.kind)
    expect(kinds.filter((k) => k.startsWith('door_'))).toEqual([])
    expect((await gw.health()).components.door).toMatchObject({ kind: 'input', online: true })
  }, 60_000)

  it('a door propped open from outside (npm run sim -- input door on) stays open through the crowd and raises door_held_open', async () => {
    const alerts = (): string[] => gw.query<{ kind: string }>(`SELECT json_extract(data, '$.kind') AS kind FROM outbox WHERE topic = 'alert'`).map((r) => r.kind)
    const file = defaultLevelFile(gw.dataDir, 'door')
    writeLevelFile(file, true)
    // heldOpenSec 5, people let through every 300 ms or so: the crowd must not shut a door it did not open.
    await gw.until(() => (alerts().includes('door_held_open') ? true : undefined), 15_000, 'door_held_open')
    expect((await gw.health()).components.door).toMatchObject({ info: { active: true } })
    expect(alerts().filter((k) => k.startsWith('door_'))).toEqual(['door_held_open'])
    writeLevelFile(file, false)
    await gw.until(() => (alerts().includes('door_held_open_cleared') ? true : undefined), 5_000, 'door_held_open_cleared')
  }, 60_000)
})
