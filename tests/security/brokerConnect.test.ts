// Issue 11, points 2 and 4, against the real gateway process: raw MQTT CONNECTs from the LAN at its embedded broker.
// - usernames cannot be enumerated: an unknown user is refused with the same code, after the same work, as a known
//   user with a wrong password (before: 5 in 0.4 ms against 4 in 40 ms);
// - a storm of bad CONNECTs from one source costs a handful of password checks, then that source is refused at once,
//   while a display on another address still gets in and receives the gate's events, and the uplink stays up.
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectStorm, rawConnect } from '../../bench/storm.ts'
import { connectFrom, nextMessage } from '../broker/helpers.ts'
import { freePort, GatewayProcess } from '../helpers/gatewayProcess.ts'

const P = 'estate-gate/estate-001/north-1'
let gw: GatewayProcess
let port: number
let url: string
const open: MqttClient[] = []

type BrokerHealth = { status: string; passwordChecks?: number; refusedBackoff?: number; refusedBusy?: number; sourcesBackingOff?: number }
const brokerHealth = async (): Promise<BrokerHealth> => (await gw.health()).components.localBroker as BrokerHealth

beforeAll(async () => {
  port = await freePort()
  url = `mqtt://127.0.0.1:${port}`
  gw = await GatewayProcess.start({
    site: { id: 'estate-001' },
    gate: { id: 'north-1' },
    localBroker: { port, users: [{ username: 'display', password: 'display-pw-1' }] },
    simulation: { crowd: true, intervalMs: 200 },
    log: { level: 'info' },
  })
  await gw.until(async () => ((await gw.health()).components.uplink?.connected ? true : undefined), 10_000, 'uplink connected')
})

afterAll(async () => {
  await Promise.all(open.map((c) => c.endAsync(true)))
  await gw?.stop()
})

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

describe('embedded broker, attacked from the LAN (real gateway process)', () => {
  it('refuses an unknown username exactly as a known one with a wrong password: same CONNACK code, same time', async () => {
    const unknown: number[] = []
    const known: number[] = []
    const codes = { unknown: new Set<number | null>(), known: new Set<number | null>() }
    // A fresh source address per try, as an attacker with a few addresses would: the backoff must not be what hides it.
    for (let i = 1; i <= 15; i++) {
      const u = await rawConnect({ host: '127.0.0.1', port, username: `guess-${i}`, password: 'password1', localAddress: `127.0.5.${i}` })
      const k = await rawConnect({ host: '127.0.0.1', port, username: 'display', password: 'password1', localAddress: `127.0.6.${i}` })
      unknown.push(u.ms), known.push(k.ms)
      codes.unknown.add(u.returnCode), codes.known.add(k.returnCode)
    }
    expect([...codes.unknown]).toEqual([4])
    expect([...codes.known]).toEqual([4])
    const ratio = median(unknown) / median(known)
    expect(ratio, `median ms: unknown ${median(unknown).toFixed(2)}, known ${median(known).toFixed(2)}`).toBeGreaterThan(0.5)
    expect(ratio).toBeLessThan(2)
  })

  it('rate-limits a CONNECT storm from one source; a display from another address still gets in and gets events', async () => {
    const before = await brokerHealth()
    const storm = connectStorm({ url, count: 300, username: 'display', localAddress: '127.0.0.1' })
    const unknownStorm = connectStorm({ url, count: 200, localAddress: '127.0.0.1' })
    // The display from 127.0.0.2 retries as mqtt.js would (it may be told "busy" once while the first checks run).
    let display: MqttClient | null = null
    for (let i = 0; i < 30 && !display; i++) {
      display = await connectFrom('127.0.0.2', url, { username: 'display', password: 'display-pw-1', clientId: 'lobby-screen' }).catch(() => null)
      if (!display) await new Promise((r) => setTimeout(r, 200))
    }
    expect(display, 'a display from 127.0.0.2 connects during the storm').not.toBeNull()
    open.push(display!)
    await display!.subscribeAsync(`${P}/entry`, { qos: 1 })
    const entry = nextMessage(display!, `${P}/entry`)
    const [s, u] = await Promise.all([storm, unknownStorm])
    expect(s.codes).toEqual({ 4: 300 })
    expect(u.codes).toEqual({ 4: 200 })
    const after = await brokerHealth()
    // A handful of scrypt checks for 500 CONNECTs, not 500 (a wait that runs out lets one more through).
    expect(after.passwordChecks! - before.passwordChecks!, JSON.stringify(after)).toBeLessThanOrEqual(20)
    // The wait grows with each failure counted after the last one ran out: a few more guesses (on a loaded machine
    // the storm may have outlasted the first short wait) leave the source refused for seconds.
    for (let i = 0; i < 6; i++) await rawConnect({ host: '127.0.0.1', port, username: 'display', password: 'guess', localAddress: '127.0.0.1' })
    const blocked = await brokerHealth()
    expect(blocked.sourcesBackingOff).toBeGreaterThanOrEqual(1)
    // The source is refused at once now, even with the right password, and no check runs for it.
    const r = await rawConnect({ host: '127.0.0.1', port, username: 'display', password: 'display-pw-1', localAddress: '127.0.0.1' })
    expect(r.returnCode).toBe(4)
    expect((await brokerHealth()).passwordChecks).toBe(blocked.passwordChecks)
    // Meanwhile the gate kept deciding and its events reach the display; the uplink (same address) stayed up.
    expect(JSON.parse(await entry)).toMatchObject({ type: 'estategate.entry.v1' })
    expect((await gw.health()).components.uplink).toMatchObject({ connected: true })
  })
})
