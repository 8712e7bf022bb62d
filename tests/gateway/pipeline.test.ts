// The entry pipeline with simulated devices and a real SQLite file: every path a person can take at the gate.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { validateConfig } from '../../gateway/config/load.ts'
import type { GatewayConfig } from '../../gateway/config/schema.ts'
import { TypedBus } from '../../gateway/events.ts'
import { codeHash } from '../../gateway/passes/codeHash.ts'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { createPassVerifier } from '../../gateway/passes/verify.ts'
import { EntryPipeline, type DecisionEvent, type PipelineEvents, type PromptEvent } from '../../gateway/pipeline/pipeline.ts'
import { Store } from '../../gateway/store/store.ts'
import { createBuzzer, createRelay, createScanner, createThermometer } from '../../devices/registry.ts'
import type { Relay, ScanRead, Thermometer } from '../../devices/types.ts'

const issuer = newKeyPair('k1')
const log = pino({ level: 'silent' })
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0) // 10:00 in Shanghai

interface SimThermo extends Thermometer {
  queue(...c: number[]): void
  setOnline(on: boolean): void
}

function build(rules: Record<string, unknown> = {}) {
  const res = validateConfig({ rules: { recheckDelayMs: 0, duplicateScanMs: 0, ...rules }, passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] } })
  if (!res.ok) throw new Error(res.errors.join('\n'))
  const config: GatewayConfig = res.config
  let mono = 1000
  const clock = { now: () => NOW, mono: () => (mono += 1) }
  const ctx = { clock, log }
  const store = new Store(join(mkdtempSync(join(tmpdir(), 'estate-gate-pipe-')), 'g.db'), { synchronous: 'normal' })
  const thermo = createThermometer(config.devices.thermometers[0]!, ctx) as SimThermo
  const relay = createRelay({ ...config.devices.relays[0]!, pulseMs: 100 }, ctx)
  const buzzer = createBuzzer(config.devices.buzzers[0]!, ctx)
  const bus = new TypedBus<PipelineEvents>()
  const decisions: DecisionEvent[] = []
  const prompts: PromptEvent[] = []
  bus.on('decision', (d) => decisions.push(d))
  bus.on('prompt', (p) => prompts.push(p))
  const pipeline = new EntryPipeline({
    gateId: 'north-1',
    timeZone: 'Asia/Shanghai',
    rules: config.rules,
    policyVersion: 'test',
    bootId: 'boot',
    clock,
    sleep: async () => {},
    clockTrusted: () => true,
    verifier: createPassVerifier({ issuers: config.passes.issuers, clock, clockToleranceSec: 0 }),
    codeHash: (t) => codeHash(Buffer.alloc(32, 7), t),
    store,
    thermometers: [thermo],
    relays: [relay],
    buzzers: [buzzer],
    bus,
    log,
  })
  return { store, thermo, relay, pipeline, decisions, prompts, clock, scanner: createScanner(config.devices.scanners[0]!, ctx) }
}

type Env = ReturnType<typeof build>
let env: Env
let n = 0
const pass = (claims: Record<string, unknown> = {}, opts: { now?: number; ttl?: number } = {}): Promise<string> =>
  issuePass(issuer, { sub: 'H-3-1-502', kind: 'resident', jti: `p${++n}`, ...claims }, { now: opts.now ?? NOW, ttlSeconds: opts.ttl ?? 3600 })
const scan = (text: string, direction: 'in' | 'out' = 'in'): Promise<DecisionEvent | null> =>
  env.pipeline.submit(direction, { scanner: direction === 'in' ? 'scanner-in' : 'scanner-out', text, at: NOW, mono: env.clock.mono() } satisfies ScanRead)
const pulses = (r: Relay): number => r.health().counters.pulses ?? 0

describe('entry pipeline', () => {
  beforeEach(async () => {
    env = build()
    await Promise.all([env.thermo.start(), env.relay.start()])
  })
  afterEach(async () => {
    await Promise.all([env.thermo.stop(), env.relay.stop()])
    env.store.close()
  })

  it('admits at 36.6 °C and pulses the relay once the row is committed', async () => {
    env.thermo.queue(36.6)
    const d = await scan(await pass())
    expect(d).toMatchObject({ decision: 'admit', reasons: [], tempC: 36.6, rechecked: false, kind: 'resident', subject: 'H-3-1-502' })
    expect(env.store.recentEntries(1)[0]).toMatchObject({ decision: 'admit', tempC: 36.6 })
    expect(pulses(env.relay)).toBe(1)
  })

  it('re-checks a fever once: confirmed is a deny with an alert, cleared is an admit', async () => {
    env.thermo.queue(37.8, 37.9)
    const fever = await scan(await pass())
    expect(fever).toMatchObject({ decision: 'deny', reasons: ['fever'], tempC: 37.9, rechecked: true, alerts: ['fever'] })
    expect(env.prompts.map((p) => p.kind)).toEqual(['recheck'])
    expect(env.store.outboxAfter(0, 10).map((r) => r.topic)).toEqual(['entry', 'alert'])
    env.thermo.queue(37.4, 36.9)
    expect(await scan(await pass())).toMatchObject({ decision: 'admit', tempC: 36.9, rechecked: true })
    expect(pulses(env.relay)).toBe(1)
  })

  it('never treats an out-of-range reading as normal: temp_invalid and a re-measure prompt', async () => {
    env.thermo.queue(33.0)
    expect(await scan(await pass())).toMatchObject({ decision: 'deny', reasons: ['temp_invalid'], tempC: 33 })
    expect(env.prompts.map((p) => p.kind)).toEqual(['remeasure'])
    env.thermo.queue(43.5)
    expect(await scan(await pass())).toMatchObject({ decision: 'deny', reasons: ['temp_invalid'] })
  })

  it('runs degraded without a thermometer online: no_temperature', async () => {
    env.thermo.setOnline(false)
    expect(await scan(await pass())).toMatchObject({ decision: 'deny', reasons: ['no_temperature'], degraded: true, tempC: null })
  })

  it('lets people out without a temperature, but not an isolated household (alert)', async () => {
    expect(await scan(await pass(), 'out')).toMatchObject({ decision: 'admit', tempC: null })
    env.store.replaceIsolation([{ subject: 'H-1-1-101', startDay: '2026-11-20', endDay: '2026-12-03' }])
    const d = await scan(await pass({ sub: 'H-1-1-101' }), 'out')
    expect(d).toMatchObject({ decision: 'deny', reasons: ['isolation'], alerts: ['isolation_breach'] })
  })

  it('refuses expired, revoked, wrong-gate and yellow passes with their reasons, recording the holder', async () => {
    const expired = await pass({}, { now: NOW - 7200_000, ttl: 3600 })
    expect(await scan(expired)).toMatchObject({ decision: 'deny', reasons: ['expired'], subject: 'H-3-1-502' })
    env.store.replaceRevoked(['revoked-1'], NOW)
    expect(await scan(await pass({ jti: 'revoked-1' }))).toMatchObject({ reasons: ['revoked'] })
    expect(await scan(await pass({ gates: ['south-2'] }))).toMatchObject({ reasons: ['wrong_gate'] })
    expect(await scan(await pass({ hc: 'yellow' }))).toMatchObject({ reasons: ['health_yellow'] })
    expect(pulses(env.relay)).toBe(0)
  })

  it('keeps only a keyed hash of a code that is not a pass', async () => {
    const d = await scan('https://example.com/some-qr?phone=13800138000')
    expect(d).toMatchObject({ decision: 'deny', reasons: ['unknown_code'], subject: null })
    const raw = JSON.stringify(env.store.db.prepare('SELECT * FROM entries').all()) + JSON.stringify(env.store.outboxAfter(0, 10))
    expect(raw).not.toContain('13800138000')
    expect(raw).toContain(codeHash(Buffer.alloc(32, 7), 'https://example.com/some-qr?phone=13800138000'))
  })

  it('anti-passback: warn admits and records it; deny refuses', async () => {
    const p = await pass()
    env.thermo.queue(36.5, 36.5)
    await scan(p)
    expect(await scan(p)).toMatchObject({ decision: 'admit', reasons: ['anti_passback'] })
    env.store.close()
    env = build({ antiPassback: 'deny' })
    await env.thermo.start()
    env.thermo.queue(36.5, 36.5)
    const q = await pass()
    await scan(q)
    expect(await scan(q)).toMatchObject({ decision: 'deny', reasons: ['anti_passback'] })
  })

  it('decides a code held in front of the scanner once per window', async () => {
    env.store.close()
    env = build({ duplicateScanMs: 3000 })
    await env.thermo.start()
    const p = await pass()
    env.thermo.queue(36.5)
    const [a, b] = await Promise.all([scan(p), scan(p)])
    expect(a).toMatchObject({ decision: 'admit' })
    expect(b).toBeNull()
    expect(env.pipeline.counters.duplicates).toBe(1)
  })

  it('keeps the gate closed when the decision cannot be logged', async () => {
    env.thermo.queue(36.6)
    // The disk filled up between the reads and the commit.
    env.store.recordDecision = () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    }
    const d = await scan(await pass())
    expect(d).toMatchObject({ decision: 'deny', seqs: [] })
    expect(pulses(env.relay)).toBe(0)
    expect(env.pipeline.counters.storeErrors).toBe(1)
  })
})
