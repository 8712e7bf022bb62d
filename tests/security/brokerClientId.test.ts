// Issue 11, point 5, against the real gateway process in embedded mode: a `display` user hammers the embedded broker
// with the bridge's client id (estate-gate-{site}-{gate}) from before the gateway starts, through a restart. aedes
// hands a client id to whoever connects last, so without a reservation the display took the id (and the uplink
// was kept out until the next restart). Now the id is reserved before the broker listens: the display is refused
// "identifier rejected" (2), the uplink connects, and events flow.
import { connect as tcpConnect } from 'node:net'
import type { MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { connectPacket } from '../../bench/storm.ts'
import { connectFrom, nextMessage } from '../broker/helpers.ts'
import { freePort, GatewayProcess, tempDir } from '../helpers/gatewayProcess.ts'

const BRIDGE_ID = 'estate-gate-estate-001-north-1'
const P = 'estate-gate/estate-001/north-1'

/**
 * Squatters: each loop connects with the bridge's id and the display's (right) password, keeps an accepted
 * connection open for as long as the broker lets it, and tries again at once when refused or cut.
 */
function squat(port: number, loops: number): { codes: Map<string, number>; wins: () => number; stop: () => void } {
  const codes = new Map<string, number>()
  let stopped = false
  let won = 0
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const s = tcpConnect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' })
      let got = Buffer.alloc(0)
      const note = (k: string): void => void codes.set(k, (codes.get(k) ?? 0) + 1)
      s.once('connect', () => s.write(connectPacket({ clientId: BRIDGE_ID, username: 'display', password: 'display-pw-1' })))
      s.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d])
        if (got.length < 4) return
        const rc = got[3]!
        note(String(rc))
        if (rc === 0) won++
        else s.destroy() // refused: try again; accepted: hold it until the broker cuts it
        got = Buffer.alloc(0)
      })
      s.once('error', () => note('no broker'))
      s.once('close', () => resolve())
      const stopCheck = setInterval(() => stopped && (clearInterval(stopCheck), s.destroy()), 20)
      s.once('close', () => clearInterval(stopCheck))
    })
  for (let i = 0; i < loops; i++)
    void (async () => {
      while (!stopped) {
        await once()
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
  return { codes, wins: () => won, stop: () => void (stopped = true) }
}

let gw: GatewayProcess | null = null
let squatters: ReturnType<typeof squat> | null = null
const open: MqttClient[] = []
afterEach(async () => {
  squatters?.stop()
  await Promise.all(open.splice(0).map((c) => c.endAsync(true)))
  await gw?.stop()
  gw = null
})

describe("the bridge's client id on the embedded broker (real gateway process)", () => {
  it('a display squatting it before start and through a restart never gets it; the uplink connects and events flow', async () => {
    const port = await freePort()
    const dir = tempDir()
    const config = {
      site: { id: 'estate-001' },
      gate: { id: 'north-1' },
      localBroker: { port, users: [{ username: 'display', password: 'display-pw-1' }] },
      central: { reconnectMinMs: 200, reconnectMaxMs: 1000 },
      simulation: { crowd: true, intervalMs: 200 },
      log: { level: 'info' },
    }
    squatters = squat(port, 4)
    for (const round of ['first start', 'restart']) {
      gw = await GatewayProcess.start(config, { dir })
      await gw.until(async () => ((await gw!.health()).components.uplink?.connected ? true : undefined), 10_000, `uplink connected (${round})`)
      // Events flow to a display with its own id, from another address.
      const display = await connectFrom('127.0.0.2', `mqtt://127.0.0.1:${port}`, { username: 'display', password: 'display-pw-1', clientId: `lobby-${round.length}` })
      open.push(display)
      await display.subscribeAsync(`${P}/entry`, { qos: 1 })
      expect(JSON.parse(await nextMessage(display, `${P}/entry`)), round).toMatchObject({ type: 'estategate.entry.v1' })
      expect((await gw.health()).components.uplink, round).toMatchObject({ connected: true })
      expect(squatters.wins(), `${round}: squatter codes ${JSON.stringify([...squatters.codes])}`).toBe(0)
      expect(squatters.codes.get('2') ?? 0, round).toBeGreaterThan(0)
      // Connected once, at the first try, and never refused or kicked out since.
      const uplink = gw.logs.filter((l) => /^uplink (connected|error|connection lost)$/.test(String(l.msg))).map((l) => `${l.msg} ${l.err ?? ''}`.trim())
      expect(uplink, round).toEqual(['uplink connected'])
      await Promise.all(open.splice(0).map((c) => c.endAsync(true)))
      if (round === 'first start') await gw.stop()
    }
    // Only "identifier rejected" (or no broker while the gateway was down): never accepted, never rate-limited.
    expect([...squatters.codes.keys()].filter((k) => k !== '2' && k !== 'no broker')).toEqual([])
  })
})
