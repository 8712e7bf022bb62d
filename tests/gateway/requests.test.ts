// Requests from the central platform, against a real gateway on simulated devices and a real SQLite file.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { overridesPath, withOverrides } from '../../gateway/config/overrides.ts'
import { handleRequest, MAX_REQUEST_BYTES, type Response } from '../../gateway/requests.ts'
import { assertMessage } from '../contracts/asyncapi.ts'

const log = pino({ level: 'silent' })
let gw: Gateway | null = null

async function start(dataDir = mkdtempSync(join(tmpdir(), 'estate-gate-req-'))): Promise<Gateway> {
  const res = withOverrides(
    validateConfig({
      dataDir,
      kiosk: { host: '127.0.0.1', port: 0 },
      localBroker: { enabled: false },
      central: { password: 'secret-pw' },
    }),
  )
  if (!res.ok) throw new Error(res.errors.join('\n'))
  gw = await Gateway.start(res.config, { log })
  return gw
}

const later = (): string => new Date(Date.now() + 60_000).toISOString()
/** Every response must match the published contract (docs/asyncapi.yaml). */
const send = (g: Gateway, command: string, body: unknown): Response => {
  const r = handleRequest(command, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), g.requestContext())
  assertMessage('response', JSON.parse(JSON.stringify(r)))
  return r
}

afterEach(async () => {
  await gw?.stop()
  gw = null
})

describe('requests', () => {
  it('refuses malformed, oversized, unknown, invalid and expired requests, changing nothing', async () => {
    const g = await start()
    const seq = g.store.lastSeq()
    expect(send(g, 'gate/open', '{not json')).toMatchObject({ requestId: null, status: 'error', error: { code: 'malformed' } })
    expect(handleRequest('gate/open', Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20), g.requestContext()).error?.code).toBe('too_large')
    expect(send(g, 'gate/explode', { requestId: 'r1', expires: later() })).toMatchObject({ requestId: 'r1', error: { code: 'unknown_command' } })
    expect(send(g, 'gate/open', { requestId: 'r2', expires: later(), reason: 'Ambulance!' })).toMatchObject({ error: { code: 'invalid' } })
    expect(send(g, 'gate/open', { requestId: 'r3', reason: 'ambulance' }).error?.message).toMatch(/expires/)
    const expired = send(g, 'gate/open', { requestId: 'r4', expires: new Date(Date.now() - 1000).toISOString(), reason: 'ambulance' })
    expect(expired).toMatchObject({ requestId: 'r4', status: 'error', error: { code: 'expired' } })
    expect(g.store.lastSeq()).toBe(seq)
    expect(g.relays[0]!.health().counters.pulses).toBe(0)
  })

  it('gate/open is an audited override: its own row, an entry event, then the relay', async () => {
    const g = await start()
    const r = send(g, 'gate/open', { requestId: 'r5', expires: later(), reason: 'ambulance', staff: 'duty-officer-7' })
    expect(r).toMatchObject({ requestId: 'r5', status: 'ok', data: { eventId: expect.any(String), seq: expect.any(Number) } })
    expect(g.store.recentEntries(1)[0]).toMatchObject({ source: 'override', decision: 'admit', reasons: '["manual_override"]', staff: 'duty-officer-7' })
    const msg = g.store.outboxAfter(0, 100).find((m) => m.id === (r.data as { eventId: string }).eventId)
    expect(JSON.parse(msg!.data)).toMatchObject({ reasons: ['manual_override'], staff: 'duty-officer-7', overrideReason: 'ambulance' })
    expect(g.relays[0]!.health().counters.pulses).toBe(1)
  })

  it('replaces the isolation and revoked lists, and they survive a restart', async () => {
    let g = await start()
    const dataDir = g.config.dataDir
    expect(send(g, 'lists/isolation', { requestId: 'a', expires: later(), items: [{ subject: 'H-1-1-101', startDay: '2026-11-20', endDay: '2026-12-03' }] })).toMatchObject({ status: 'ok', data: { count: 1 } })
    expect(send(g, 'lists/revoked', { requestId: 'b', expires: later(), passIds: ['p1', 'p2', 'p1'] })).toMatchObject({ status: 'ok', data: { count: 2 } })
    await g.stop()
    g = await start(dataDir)
    expect(g.store.isIsolated('H-1-1-101', '2026-11-25')).toBe(true)
    expect(g.store.isRevoked('p2')).toBe(true)
  })

  it('config/get hides secrets; config/set applies rules at once, persists, and says what needs a restart', async () => {
    let g = await start()
    const got = send(g, 'config/get', { requestId: 'c', expires: later() }).data as { config: { central: { password: string }; rules: { feverC: number } } }
    expect(got.config.central.password).toBe('[REDACTED]')
    expect(got.config.rules.feverC).toBe(37.3)
    const before = g.pipeline.policyVersion
    const bad = send(g, 'config/set', { requestId: 'd', expires: later(), config: { rules: { feverC: 'hot' } } })
    expect(bad).toMatchObject({ status: 'error', error: { code: 'failed' } })
    expect(bad.error?.message).toMatch(/rules\.feverC/)
    expect(existsSync(overridesPath(g.config.dataDir))).toBe(false)
    const ok = send(g, 'config/set', { requestId: 'e', expires: later(), config: { rules: { feverC: 37.5 }, retention: { days: 14 } } })
    expect(ok).toMatchObject({ status: 'ok', data: { applied: ['rules.feverC'], restartNeeded: ['retention.days'] } })
    expect(g.pipeline.policyVersion).not.toBe(before)
    const dataDir = g.config.dataDir
    await g.stop()
    g = await start(dataDir)
    expect(g.config.rules.feverC).toBe(37.5)
    expect(g.config.retention.days).toBe(14)
  })

  it('summary/resend and tasks/list answer', async () => {
    const g = await start()
    expect(send(g, 'summary/resend', { requestId: 'f', expires: later(), from: '2026-11-22', to: '2026-11-21' })).toMatchObject({ status: 'error' })
    expect(send(g, 'summary/resend', { requestId: 'g', expires: later(), from: '2000-01-01', to: '2000-01-02' })).toMatchObject({ status: 'ok', data: { days: expect.any(Array) } })
    expect(send(g, 'summary/resend', { requestId: 'g2', expires: later(), from: '2000-01-01', to: '2026-01-01' }).error?.message).toMatch(/at most 62 days/)
    expect(send(g, 'tasks/list', { requestId: 'h', expires: later() })).toMatchObject({ status: 'ok', data: { tasks: [] } })
  })
})
