// Issue 12, point 9: the embedded broker's JSON log lines, as the real gateway process writes them. A duplicated key
// is legal JSON that most readers silently collapse (JSON.parse keeps the last), so the raw lines are checked.
import { describe, expect, it } from 'vitest'
import { freePort, GatewayProcess } from '../helpers/gatewayProcess.ts'

describe('the embedded broker in the gateway log', () => {
  it('logs "local broker listening" once, and no line carries a key twice', async () => {
    const port = await freePort()
    const gw = await GatewayProcess.start({ localBroker: { port, users: [{ username: 'display', password: 'display-pw-1' }] }, log: { level: 'info' } })
    await gw.until(async () => ((await gw.health()).components.uplink?.connected ? true : undefined), 10_000, 'uplink connected')
    const { stdout } = await gw.stop()
    const lines = stdout.split('\n').filter((l) => l.startsWith('{'))
    const listening = lines.filter((l) => l.includes('"local broker listening"'))
    expect(listening).toHaveLength(1)
    expect(JSON.parse(listening[0]!)).toMatchObject({ module: 'gateway/broker', url: `mqtt://127.0.0.1:${port}` })
    for (const line of lines) {
      const keys = [...line.matchAll(/[{,]"([^"\\]+)":/g)].map((m) => m[1]!)
      const top = Object.keys(JSON.parse(line) as object)
      // Every top-level key once: pino writes child bindings as they come, so a twice-bound key shows up twice.
      expect(keys.filter((k) => k === 'module').length, line).toBeLessThanOrEqual(1)
      expect(new Set(top).size).toBe(top.length)
    }
    expect(lines.filter((l) => l.includes('"module":"gateway/broker"')).length).toBeGreaterThan(0)
  })
})
