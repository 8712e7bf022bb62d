// The gate mode through a real gateway (simulated devices, a real SQLite file): the gate/mode request under the rules
// of every request, remain-closed recording admits with gate_closed while the relay stays still, the exit button's
// entry, and the mode kept across a restart. Every message checked against docs/asyncapi.yaml.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { SimulatedScanner } from '../../devices/scanners/simulated.ts'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import type { DecisionEvent } from '../../gateway/pipeline/pipeline.ts'
import { handleRequest, type Response } from '../../gateway/requests.ts'
import { assertMessage } from '../contracts/asyncapi.ts'

const log = pino({ level: 'silent' })
const issuer = newKeyPair('estate-key-1')
let gw: Gateway | null = null

async function start(dataDir = mkdtempSync(join(tmpdir(), 'estate-gate-mode-'))): Promise<Gateway> {
  const res = validateConfig({
    dataDir,
    kiosk: { host: '127.0.0.1', port: 0 },
    localBroker: { enabled: false },
    rules: { recheckDelayMs: 0, antiPassback: 'off' },
    passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
  })
  if (!res.ok) throw new Error(res.errors.join('\n'))
  gw = await Gateway.start(res.config, { log })
  return gw
}

/** A resident scanned in at the simulated inbound scanner; resolves with the decision. */
async function scan(g: Gateway): Promise<DecisionEvent> {
  const text = await issuePass(issuer, { sub: 'H-1-1-101', kind: 'resident', jti: `p-${Math.random()}` }, { now: Date.now(), ttlSeconds: 3600 })
  const decided = new Promise<DecisionEvent>((res) => {
    const off = g.bus.on('decision', (d) => (off(), res(d)))
  })
  ;(g.scanners.find((s) => s.direction === 'in') as SimulatedScanner).inject(text)
  return decided
}

afterEach(async () => {
  await gw?.stop()
  gw = null
})

const later = (): string => new Date(Date.now() + 60_000).toISOString()
const send = async (g: Gateway, command: string, body: unknown): Promise<Response> => {
  const r = await handleRequest(command, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), g.requestContext())
  assertMessage('response', JSON.parse(JSON.stringify(r)))
  return r
}
/** The outbox as the platform will get it: each message checked against the contract. */
const outbox = (g: Gateway, topic: string): Record<string, any>[] =>
  g.store
    .outboxAfter(0, 10_000)
    .filter((m) => m.topic === topic)
    .map((m) => {
      const data = JSON.parse(m.data) as Record<string, unknown>
      assertMessage(topic, { specversion: '1.0', id: m.id, source: '/estate-gate/estate-001/north-1', type: m.type, time: m.time, datacontenttype: 'application/json', seq: m.seq, seqstream: 'abc1', data })
      return data
    })

describe('gate/mode', () => {
  it('sets the mode with a reason: recorded, alerted, in /healthz, and refused when malformed, without a reason, expired or replayed', async () => {
    const g = await start()
    const seq = g.store.lastSeq()
    const bad = [
      [{ requestId: 'm1', expires: later(), mode: 'open-sesame', reason: 'curfew' }, /mode/],
      [{ requestId: 'm2', expires: later(), mode: 'remain-closed' }, /reason/],
      [{ requestId: 'm3', expires: later(), mode: 'remain-closed', reason: 'x' }, /reason/],
      [{ requestId: 'm4', expires: later(), mode: 'remain-closed', reason: 'curfew', open: true }, /open/],
    ] as const
    for (const [body, why] of bad) {
      const r = await send(g, 'gate/mode', body)
      expect(r).toMatchObject({ requestId: body.requestId, status: 'error', error: { code: 'invalid' } })
      expect(r.error!.message).toMatch(why)
    }
    expect(await send(g, 'gate/mode', '{"requestId": "m5", ')).toMatchObject({ status: 'error', error: { code: 'malformed' } })
    const expired = await send(g, 'gate/mode', { requestId: 'm6', expires: new Date(Date.now() - 1000).toISOString(), mode: 'remain-open', reason: 'a parade' })
    expect(expired).toMatchObject({ status: 'error', error: { code: 'expired' } })
    expect(g.store.lastSeq()).toBe(seq)
    expect(g.gate.mode).toBe('normal')

    const ok = await send(g, 'gate/mode', { requestId: 'm7', expires: later(), mode: 'remain-closed', reason: 'curfew from 22:00', staff: 'officer-7' })
    expect(ok).toEqual({ requestId: 'm7', status: 'ok', data: { mode: 'remain-closed', previous: 'normal', changed: true } })
    expect(await send(g, 'gate/mode', { requestId: 'm7', expires: later(), mode: 'remain-open', reason: 'again' })).toMatchObject({ error: { code: 'duplicate' } })
    expect(g.gate.mode).toBe('remain-closed')
    expect(outbox(g, 'alert')).toMatchObject([
      { kind: 'gate_mode_changed', severity: 'info', mode: 'remain-closed', previous: 'normal', via: 'platform', staff: 'platform:officer-7', reason: 'curfew from 22:00', requestId: 'm7' },
    ])
    expect(g.store.gateEvents(5)).toMatchObject([{ kind: 'gate_mode_changed', via: 'platform', staff: 'platform:officer-7', requestId: 'm7' }])
    expect(g.health().components.gate).toMatchObject({ kind: 'relay', state: 'closed', mode: 'remain-closed', held: false })
    expect(g.gate.state().modeBy).toMatchObject({ staff: 'platform:officer-7', via: 'platform', reason: 'curfew from 22:00' })
    // The same mode again: answered, and nothing written.
    const again = await send(g, 'gate/mode', { requestId: 'm8', expires: later(), mode: 'remain-closed', reason: 'to be sure' })
    expect(again).toMatchObject({ status: 'ok', data: { changed: false } })
    expect(outbox(g, 'alert')).toHaveLength(1)
  })

  it('remain-closed: a scan admitted is recorded with gate_closed and the relay stays still; gate/open says it did not open; survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'estate-gate-mode-'))
    let g = await start(dataDir)
    await send(g, 'gate/mode', { requestId: 'c1', expires: later(), mode: 'remain-closed', reason: 'curfew' })
    expect(await scan(g)).toMatchObject({ source: 'scan', decision: 'admit', reasons: ['gate_closed'], tempC: expect.any(Number), actuatedMono: null, relayFailures: [] })
    const open = await send(g, 'gate/open', { requestId: 'c2', expires: later(), reason: 'ambulance' })
    expect(open).toMatchObject({ status: 'ok', data: { opened: false, gateClosed: true } })
    const exit = g.pipeline.exitButton('exit')
    expect(exit).toMatchObject({ source: 'exit', direction: 'out', decision: 'admit', reasons: ['exit_button', 'gate_closed'], actuatedMono: null })
    expect(g.relays[0]!.health().counters.pulses).toBe(0)
    expect(g.relays[0]!.isOpen).toBe(false)
    await g.stop()
    g = await start(dataDir)
    expect(g.gate.mode).toBe('remain-closed')
    expect(g.pipeline.exitButton('exit').reasons).toEqual(['exit_button', 'gate_closed'])
    expect(g.relays[0]!.health().counters.pulses).toBe(0)
    await send(g, 'gate/mode', { requestId: 'c3', expires: later(), mode: 'normal', reason: 'curfew over' })
    const d = g.pipeline.exitButton('exit')
    expect(d.reasons).toEqual(['exit_button'])
    expect(d.actuatedMono).not.toBeNull()
    expect(g.relays[0]!.health().counters.pulses).toBe(1)
    const entries = outbox(g, 'entry')
    expect(entries.at(-1)).toMatchObject({ source: 'exit', input: 'exit', direction: 'out', decision: 'admit', reasons: ['exit_button'], kind: null, staff: null, scanner: null })
    // The scan, gate/open and the exit before and after the restart; nothing after the mode went back to normal.
    expect(entries.filter((e) => e.reasons.includes('gate_closed')).map((e) => e.source)).toEqual(['scan', 'override', 'exit', 'exit'])
    expect(g.store.recentEntries(1)[0]).toMatchObject({ source: 'exit', reasons: '["exit_button"]' })
  })

  it('remain-open holds the relay open through /healthz and a pulse during it', async () => {
    const g = await start()
    await send(g, 'gate/mode', { requestId: 'o1', expires: later(), mode: 'remain-open', reason: 'market day' })
    expect(g.relays[0]!.isOpen).toBe(true)
    expect(g.health().components.gate).toMatchObject({ state: 'open', mode: 'remain-open', held: true })
    expect(g.gate.state()).toMatchObject({ mode: 'remain-open', open: true })
  })
})
