// What the gate did, told truthfully: the gateway in this process with its scanner and thermometer on real
// pseudo-terminals (device simulators writing the devices' bytes), a simulated relay whose pin is made to fail on
// demand, the uplink to a real mosquitto. The entry is committed before the relay moves; a relay that does not move
// for an admitted entry raises relay_failed with the entry's id, is counted in /healthz, and the next good pulse
// brings it back.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import type { SimulatedRelay } from '../../devices/registry.ts'
import { Gateway } from '../../gateway/app.ts'
import { validateConfig } from '../../gateway/config/load.ts'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import type { DecisionEvent } from '../../gateway/pipeline/pipeline.ts'
import { Recorder, until } from '../bridge/helpers.ts'
import { assertMessage, messageForTopic } from '../contracts/asyncapi.ts'
import { openInboundDevices, type InboundDevices } from '../helpers/inboundDevices.ts'

const issuer = newKeyPair('estate-key-1')
let passNo = 0
const pass = (): Promise<string> => issuePass(issuer, { sub: `H-2-1-${100 + ++passNo}`, kind: 'resident', jti: `act-${passNo}` }, { now: Date.now(), ttlSeconds: 3600 })

describe('actuation (gateway on pseudo-terminals, uplink to mosquitto)', () => {
  let devices: InboundDevices
  let broker: Mosquitto
  let sub: Recorder
  let gw: Gateway
  let dataDir: string
  let relay: SimulatedRelay
  const decisions: DecisionEvent[] = []

  beforeAll(async () => {
    devices = await openInboundDevices()
    const { inPty, thermoPty } = devices
    broker = await Mosquitto.start()
    sub = await Recorder.connect(broker.url)
    dataDir = mkdtempSync(join(tmpdir(), 'estate-gate-actuation-'))
    const res = validateConfig({
      dataDir,
      devices: {
        scanners: [{ name: 'scanner-in', driver: 'line', path: inPty.gatewayPath, direction: 'in' }],
        thermometers: [{ name: 'thermo-in', driver: 'modbus-rtu', path: thermoPty.gatewayPath, unitId: 1, function: 4, register: 0, scale: 0.01, timeoutMs: 300 }],
        relays: [{ name: 'gate', driver: 'simulated', pulseMs: 200 }],
        buzzers: [{ name: 'buzzer', driver: 'simulated' }],
      },
      rules: { duplicateScanMs: 0, antiPassback: 'off', recheckDelayMs: 0 },
      passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
      central: { url: broker.url, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      localBroker: { enabled: false },
      kiosk: { host: '127.0.0.1', port: 0 },
    })
    if (!res.ok) throw new Error(res.errors.join('\n'))
    gw = await Gateway.start(res.config, { log: pino({ level: 'silent' }) })
    gw.bus.on('decision', (d) => decisions.push(d))
    relay = gw.relays[0] as SimulatedRelay
    await until(() => gw.thermometers[0]!.health().online, 'thermometer online')
  }, 30_000)

  afterAll(async () => {
    await gw?.stop()
    await sub?.client.endAsync(true)
    await broker?.dispose()
    await devices?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  /** Scans a fresh pass on the pseudo-terminal; resolves with its decision. */
  async function scanOne(): Promise<DecisionEvent> {
    const n = decisions.length
    await devices.scanner.scan(await pass())
    await until(() => decisions.length > n, 'the decision', 10_000)
    return decisions[n]!
  }

  const healthz = async (): Promise<{ status: string; components: Record<string, { status: string; counters: Record<string, number>; lastError: string | null }> }> =>
    (await (await fetch(`${gw.url}/healthz`)).json()) as never

  it('the entry row is committed before the relay pin moves (another connection reads it at the write)', async () => {
    const seenAtWrite: { eventId: string; decision: string }[] = []
    relay.pin.onWrite = (v) => {
      if (v !== 1) return
      // A second connection sees only what is committed: the pin "reads the database" as it switches.
      const db = new Database(join(dataDir, 'estate-gate.db'), { readonly: true, fileMustExist: true })
      try {
        seenAtWrite.push(db.prepare('SELECT event_id AS eventId, decision FROM entries ORDER BY id DESC LIMIT 1').get() as never)
      } finally {
        db.close()
      }
    }
    try {
      const d = await scanOne()
      expect(d.decision).toBe('admit')
      expect(seenAtWrite).toEqual([{ eventId: d.eventId, decision: 'admit' }])
      expect(d.actuatedMono).not.toBeNull()
      expect(d.relayFailures).toEqual([])
    } finally {
      relay.pin.onWrite = null
    }
  })

  it('a relay write that fails: relay_failed with the entry id at the platform, counted in /healthz; the next good pulse brings it back', async () => {
    // The previous pulse over: the pin is off when it starts failing.
    await until(() => relay.pin.level === 0, 'the previous pulse released')
    const before = (await healthz()).components.gate!.counters
    relay.pin.fail('EIO: injected by the test')
    const d = await scanOne()
    // The decision stays what it was (admit, committed); the gate did not open, and the event says so.
    expect(d.decision).toBe('admit')
    expect(d.actuatedMono).toBeNull()
    expect(d.relayFailures).toEqual([{ relay: 'gate', error: 'writing 1 to the pin failed: EIO: injected by the test' }])
    expect(relay.pin.level).toBe(0)
    const db = new Database(join(dataDir, 'estate-gate.db'), { readonly: true })
    expect(db.prepare('SELECT decision FROM entries WHERE event_id = ?').get(d.eventId)).toEqual({ decision: 'admit' })
    db.close()

    const isRelayFailed = (e: { topic: string; event: { data: unknown } }): boolean => e.topic === 'alert' && (e.event.data as { kind?: string }).kind === 'relay_failed'
    await until(() => sub.events.some(isRelayFailed), 'relay_failed at the platform', 10_000)
    const alert = sub.events.filter(isRelayFailed)
    expect(alert).toHaveLength(1)
    assertMessage(messageForTopic('alert'), alert[0]!.event)
    expect(alert[0]!.event.data).toMatchObject({
      kind: 'relay_failed',
      severity: 'critical',
      entryId: d.eventId,
      device: 'gate',
      direction: 'in',
      scanner: 'scanner-in',
      error: 'writing 1 to the pin failed: EIO: injected by the test',
    })
    // The entry's own event went before its alert.
    const entrySeq = sub.events.find((e) => e.event.id === d.eventId)?.event.seq
    expect(entrySeq).toBeLessThan(alert[0]!.event.seq)

    const h = await healthz()
    expect(h.components.gate).toMatchObject({ status: 'down', lastError: expect.stringContaining('EIO') })
    expect(h.components.gate!.counters.failedPulses).toBe((before.failedPulses ?? 0) + 1)
    expect(h.components.gate!.counters.pulses).toBe(before.pulses)
    expect(h.status).toBe('down') // the only relay is out: the gate cannot open

    relay.pin.fail(null)
    const next = await scanOne()
    expect(next.actuatedMono).not.toBeNull()
    expect(next.relayFailures).toEqual([])
    expect(relay.pin.level).toBe(1)
    const after = await healthz()
    expect(after.components.gate).toMatchObject({ status: 'ok' })
    expect(after.components.gate!.counters).toMatchObject({ failedPulses: (before.failedPulses ?? 0) + 1, pulses: before.pulses! + 1 })
    await until(() => sub.events.some((e) => e.event.id === next.eventId), 'the next entry at the platform', 10_000)
    expect(sub.events.filter(isRelayFailed)).toHaveLength(1)
  })

  it('a gate opened by staff that does not move raises relay_failed too', async () => {
    await until(() => relay.pin.level === 0, 'the previous pulse released')
    relay.pin.fail('EIO: injected by the test')
    try {
      const d = gw.pipeline.override({ direction: 'in', staff: 'zhang', reason: 'ambulance' })
      expect(d.relayFailures).toHaveLength(1)
      const queued = gw.store.outboxAfter(0, 100_000).filter((r) => r.topic === 'alert' && (JSON.parse(r.data) as { entryId?: string }).entryId === d.eventId)
      expect(queued.map((r) => (JSON.parse(r.data) as { kind: string }).kind)).toEqual(['relay_failed'])
    } finally {
      relay.pin.fail(null)
    }
  })
})
