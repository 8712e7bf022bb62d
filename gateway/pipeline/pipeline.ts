// One entry attempt, end to end (DESIGN section 3): code → pass → rules → temperature → durable commit → relay,
// buzzer and kiosk. The decision row and its outbox messages are committed before anything moves.
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Buzzer, Clock, Relay, Scanner, ScanRead, Thermometer } from '../../devices/types.ts'
import type { RulesConfig } from '../config/schema.ts'
import type { TypedBus } from '../events.ts'
import type { EntryRecord, OutboxMessage, Store } from '../store/store.ts'
import { localDay, rfc3339 } from '../time.ts'
import { applyPassRules, verificationAlert, type AlertKind, type Reason } from './rules.ts'
import { startFirstReading, takeTemperature, type Reading } from './temperature.ts'

export interface PassLike {
  id: string
  subject: string
  kind: string
  gates?: readonly string[] | undefined
  hc?: string | undefined
}

export type VerifyOutcome =
  | { ok: true; pass: PassLike }
  | { ok: false; reason: 'unknown_code' | 'bad_signature' | 'wrong_gate' | 'expired' | 'not_yet_valid'; pass?: Partial<PassLike> | undefined }

export interface PassVerifierLike {
  verify(text: string): Promise<VerifyOutcome>
}

/** What the kiosk, tests and the bench see of each decision. */
export interface DecisionEvent {
  eventId: string
  ts: number
  source: 'scan' | 'override' | 'exit'
  direction: 'in' | 'out'
  decision: 'admit' | 'deny'
  reasons: Reason[]
  kind: string | null
  subject: string | null
  passId: string | null
  tempC: number | null
  rechecked: boolean
  scanner: string | null
  staff: string | null
  degraded: boolean
  /** Overrides: the reason code (ambulance, visitor, secondary_check, ...). */
  overrideReason: string | null
  /** A kiosk open that went through remain-closed once (the mode stayed). */
  throughClosed: boolean
  /** What staff typed or registered (published as entry data `manual`; never a full name or phone number). */
  manual: Record<string, unknown> | null
  alerts: AlertKind[]
  seqs: number[]
  /** Relays that should have opened for this admit and did not (each raised a relay_failed alert). */
  relayFailures: RelayFailure[]
  /** Monotonic ms: scan's last byte, and the relay (or buzzer) command; null for an admit no relay carried out. */
  scanMono: number
  actuatedMono: number | null
  /** Monotonic ms at each stage, for the bench: where the time between scan and relay goes. */
  marks: { verified: number; temperature: number; committed: number }
}

/** A relay that refused or failed the pulse of an admitted entry, and why (its lastError). */
export interface RelayFailure {
  relay: string
  error: string
}

export type PromptEvent = { kind: 'recheck' | 'remeasure' | 'manual_temperature'; scanner: string; tempC: number | null }

export interface PipelineEvents {
  decision: DecisionEvent
  prompt: PromptEvent
}

export interface PipelineDeps {
  gateId: string
  timeZone: string
  rules: RulesConfig
  policyVersion: string
  bootId: string
  clock: Clock
  sleep: (ms: number) => Promise<void>
  clockTrusted: () => boolean
  verifier: PassVerifierLike
  codeHash: (text: string) => string
  store: Store
  thermometers: readonly Thermometer[]
  relays: readonly Relay[]
  buzzers: readonly Buzzer[]
  bus: TypedBus<PipelineEvents>
  log: Logger
  manualTemperature?: (scanner: string, timeoutMs: number) => Promise<ManualReading | null>
  /** The gate's mode (gateway/gate): in remain-closed an admit is recorded with gate_closed and the relay stays still. */
  gate?: { blocksAdmit(): boolean }
}

/** A temperature typed at the kiosk for a waiting scan, and who typed it (the row is attributed to them). */
export interface ManualReading {
  celsius: number
  staff: string
}

/** An entry registered by hand at the kiosk (DESIGN section 3.7): a visitor, a vehicle, a secondary check. */
export interface ManualEntry {
  direction: 'in' | 'out'
  staff: string
  action: 'visitor' | 'vehicle' | 'secondary_check'
  kind: string | null
  subject: string | null
  passId: string | null
  /** Typed, °C; required inbound (the same temperature rule as a scan). */
  tempC: number | null
  /** Published as entry data `manual`: masked name, last four phone digits, host unit, plate, occupants, fever entry. */
  manual: Record<string, unknown>
}

export class EntryPipeline {
  /** Per scanner, one person at a time: the thermometer in front of it is shared. */
  private readonly queues = new Map<string, Promise<void>>()
  private readonly recent = new Map<string, number>()
  readonly counters = { scans: 0, duplicates: 0, admitted: 0, denied: 0, storeErrors: 0, errors: 0, relayFailures: 0 }

  constructor(private d: PipelineDeps) {}

  /** New rules from config/set: decisions already under way finish with the rules they started with. */
  setPolicy(rules: RulesConfig, policyVersion: string): void {
    this.d = { ...this.d, rules, policyVersion }
  }

  get policyVersion(): string {
    return this.d.policyVersion
  }

  /**
   * An override (a staff member at the kiosk, or the central platform): its own row with reason manual_override,
   * attributed to who asked, committed before the relay moves like any decision.
   * `throughClosed`: the staff member at the gate sees who is there (an ambulance at night): their open goes through
   * remain-closed once, the mode stays, and the row says so (`gateMode`). The platform's gate/open does not.
   */
  override(o: { direction: 'in' | 'out'; staff: string; reason: string; detail?: Record<string, unknown>; throughClosed?: boolean }): DecisionEvent {
    const mono = this.d.clock.mono()
    const through = o.throughClosed === true && this.d.gate?.blocksAdmit() === true
    const entry = this.passlessAdmit(o.direction, 'manual_override', o.staff, { reason: o.reason, ...o.detail, ...(through ? { gateMode: 'remain-closed' } : {}) })
    return this.commitAndActuate(entry, [], mono, undefined, through)
  }

  /**
   * The exit button was pressed (gateway/gate): an entry of its own (source exit, out, reason exit_button, no pass and
   * no staff), committed before the outbound relays pulse like any decision.
   */
  exitButton(input: string): DecisionEvent {
    const mono = this.d.clock.mono()
    return this.commitAndActuate({ ...this.passlessAdmit('out', 'exit_button', null, { input }), source: 'exit' }, [], mono)
  }

  /** An admit with no pass and no reading (an override, the exit button): its one reason and who, if anyone. */
  private passlessAdmit(direction: 'in' | 'out', reason: Reason, staff: string | null, detail: Record<string, unknown>): EntryRecord {
    return this.staffRecord({ direction, kind: null, subject: null, passId: null, tempC: null, rechecked: false, decision: 'admit', reasons: [reason], staff, detail })
  }

  /** The row of something a person did by hand (an override, a registration): who, not which scanner. */
  private staffRecord(
    f: Pick<EntryRecord, 'direction' | 'kind' | 'subject' | 'passId' | 'tempC' | 'rechecked' | 'decision' | 'reasons' | 'staff' | 'detail'>,
  ): EntryRecord {
    const d = this.d
    const now = d.clock.now()
    return {
      eventId: randomUUID(),
      ts: now,
      day: localDay(now, d.timeZone),
      clockTrusted: d.clockTrusted(),
      bootId: d.bootId,
      source: 'override',
      codeHash: null,
      scanner: null,
      policyVersion: d.policyVersion,
      ...f,
    }
  }

  /**
   * A person registered by hand. The temperature rule of a scan applies: a fever denies, alerts and sounds the
   * fever pattern; anything else admits (the relay pulses). Committed before the relay moves, like a scan.
   * Throws a RangeError for a temperature outside rules.validRangeC (a typing slip, not a reading).
   */
  manualEntry(m: ManualEntry): DecisionEvent {
    const d = this.d
    const [lo, hi] = d.rules.validRangeC
    if (m.tempC !== null && !(m.tempC >= lo && m.tempC <= hi)) throw new RangeError(`temperature must be ${lo}-${hi} °C (got ${m.tempC})`)
    if (m.tempC === null && m.direction === 'in') throw new RangeError('an inbound entry needs a temperature')
    const tempC = m.tempC === null ? null : Math.round(m.tempC * 10) / 10
    const fever = tempC !== null && tempC >= d.rules.feverC
    const entry = this.staffRecord({
      direction: m.direction,
      kind: m.kind,
      subject: m.subject,
      passId: m.passId,
      tempC,
      rechecked: m.action === 'secondary_check',
      decision: fever ? 'deny' : 'admit',
      reasons: fever ? ['fever'] : ['manual_override'],
      staff: m.staff,
      detail: { reason: m.action, manual: { action: m.action, ...m.manual } },
    })
    return this.commitAndActuate(entry, fever ? ['fever'] : [], d.clock.mono())
  }

  /** Connects a scanner; returns the unsubscribe function. */
  attach(scanner: Scanner): () => void {
    return scanner.onScan((scan) => this.submit(scanner.direction, scan))
  }

  /** Queues a scan behind the previous one from the same scanner; resolves when it is decided. */
  submit(direction: 'in' | 'out', scan: ScanRead): Promise<DecisionEvent | null> {
    this.counters.scans++
    if (this.isRepeat(scan)) {
      this.counters.duplicates++
      return Promise.resolve(null)
    }
    const prev = this.queues.get(scan.scanner) ?? Promise.resolve()
    const run = prev.then(() => this.decide(direction, scan))
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.queues.set(scan.scanner, tail)
    void tail.then(() => {
      if (this.queues.get(scan.scanner) === tail) this.queues.delete(scan.scanner)
    })
    return run.catch((err: unknown) => {
      this.counters.errors++
      this.d.log.error({ err, scanner: scan.scanner }, 'entry pipeline failed; the gate stays closed')
      for (const b of this.d.buzzers) b.play('deny')
      return null
    })
  }

  /** Resolves when every queued scan has been decided (for a clean stop). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()])
  }

  /** A module held in front of a code re-reads it many times a second: one decision per code per window. */
  private isRepeat(scan: ScanRead): boolean {
    const key = `${scan.scanner}\u0000${scan.text}`
    const last = this.recent.get(key)
    const window = this.d.rules.duplicateScanMs
    if (last !== undefined && scan.mono - last < window) return true
    this.recent.set(key, scan.mono)
    if (this.recent.size > 256) {
      for (const [k, t] of this.recent) if (scan.mono - t >= window) this.recent.delete(k)
    }
    return false
  }

  private async decide(direction: 'in' | 'out', scan: ScanRead): Promise<DecisionEvent> {
    const d = this.d
    const firstReading = direction === 'in' ? startFirstReading(scan.mono, d) : undefined
    const verified = await d.verifier.verify(scan.text)
    const marks = { verified: d.clock.mono(), temperature: 0, committed: 0 }
    const now = d.clock.now()
    const day = localDay(now, d.timeZone)
    const reasons: Reason[] = []
    const alerts: AlertKind[] = []
    let codeHash: string | null = null
    let pass: Partial<PassLike> = {}

    if (!verified.ok) {
      reasons.push(verified.reason)
      const alert = verificationAlert(verified.reason)
      if (alert) alerts.push(alert)
      pass = verified.pass ?? {}
      // The text of a code that is not a valid pass is never kept: only its keyed hash (DESIGN section 6).
      if (verified.reason === 'unknown_code' || verified.reason === 'bad_signature') codeHash = d.codeHash(scan.text)
    } else {
      pass = verified.pass
      const p = verified.pass
      const quota = d.rules.householdQuota
      const verdict = applyPassRules(
        {
          direction,
          gateId: d.gateId,
          pass: p,
          revoked: d.store.isRevoked(p.id),
          isolated: d.store.isIsolated(p.subject, day),
          lastDirection: d.rules.antiPassback === 'off' ? null : d.store.lastAdmittedDirection(p.id),
          outings: quota && direction === 'out' ? d.store.outingsSince(p.subject, now - quota.perDays * 86_400_000) : null,
        },
        d.rules,
      )
      reasons.push(...verdict.deny)
      alerts.push(...verdict.alerts)
      if (verdict.deny.length === 0) reasons.push(...verdict.warn)
    }

    let tempC: number | null = null
    let rechecked = false
    let degraded = false
    let readings: Reading[] = []
    let typedBy: string | null = null
    const denied = (): boolean => reasons.some((r) => r !== 'anti_passback' || d.rules.antiPassback === 'deny')
    if (direction === 'in' && !denied()) {
      const t = await takeTemperature(
        scan.mono,
        {
        thermometers: d.thermometers,
        rules: d.rules,
        clock: d.clock,
        sleep: d.sleep,
        onRecheck: (r) => this.prompt('recheck', scan.scanner, r.celsius),
        manualTemperature: d.manualTemperature
          ? async (ms) => {
              this.prompt('manual_temperature', scan.scanner, null)
              const typed = await d.manualTemperature!(scan.scanner, ms)
              typedBy = typed?.staff ?? null
              return typed === null ? null : Math.round(typed.celsius * 10) / 10
            }
          : undefined,
        },
        firstReading,
      )
      tempC = t.tempC
      rechecked = t.rechecked
      readings = t.readings
      if (t.status === 'fever') {
        reasons.push('fever')
        alerts.push('fever')
      } else if (t.status === 'invalid') {
        reasons.push('temp_invalid')
        this.prompt('remeasure', scan.scanner, t.tempC)
      } else if (t.status === 'none') {
        reasons.push('no_temperature')
        degraded = true
      }
    }

    marks.temperature = d.clock.mono()
    const decision = denied() ? 'deny' : 'admit'
    const entry: EntryRecord = {
      eventId: randomUUID(),
      ts: d.clock.now(),
      day,
      clockTrusted: d.clockTrusted(),
      bootId: d.bootId,
      source: 'scan',
      direction,
      kind: pass.kind ?? null,
      subject: pass.subject ?? null,
      passId: pass.id ?? null,
      codeHash,
      tempC,
      rechecked,
      decision,
      reasons,
      scanner: scan.scanner,
      staff: typedBy,
      policyVersion: d.policyVersion,
      detail:
        typedBy !== null
          ? { readings, degraded, manual: { action: 'typed_temperature' } }
          : readings.length > 0 || degraded
            ? { readings, degraded }
            : null,
    }
    return this.commitAndActuate(entry, alerts, scan.mono, marks)
  }

  /** Shared by scans and (later) kiosk overrides: log first, then move the gate. */
  commitAndActuate(entry: EntryRecord, alerts: AlertKind[], scanMono: number, marks = { verified: 0, temperature: 0, committed: 0 }, throughClosed = false): DecisionEvent {
    const d = this.d
    // Remain-closed: decided as it was and recorded so, and the gate does not move (the reason says why).
    const closed = entry.decision === 'admit' && !throughClosed && d.gate?.blocksAdmit() === true
    if (closed) entry = { ...entry, reasons: [...entry.reasons, 'gate_closed'] }
    const messages = [entryMessage(entry), ...alerts.map((a) => alertMessage(a, entry))]
    let seqs: number[]
    let decision = entry.decision
    try {
      seqs = d.store.recordDecision(entry, messages)
    } catch (err) {
      // Fail secure: what is not in the log did not happen, so the gate does not open.
      this.counters.storeErrors++
      d.log.error({ err, eventId: entry.eventId }, 'could not record the decision; the gate stays closed')
      seqs = []
      decision = 'deny'
    }
    marks.committed = d.clock.mono()
    let actuatedMono: number | null = null
    const relayFailures: RelayFailure[] = []
    if (decision === 'admit' && closed) {
      // The person is told at once that the gate stays shut.
      for (const b of d.buzzers) b.play('deny')
      this.counters.admitted++
    } else if (decision === 'admit') {
      for (const r of d.relays) {
        if (r.direction !== 'both' && r.direction !== entry.direction) continue
        if (r.pulse()) actuatedMono ??= d.clock.mono()
        else relayFailures.push({ relay: r.name, error: r.health().lastError ?? 'the pulse was refused' })
      }
      for (const b of d.buzzers) b.play('admit')
      this.counters.admitted++
    } else {
      for (const b of d.buzzers) b.play(alerts.includes('fever') || alerts.includes('isolation_breach') ? 'fever' : 'deny')
      actuatedMono = d.clock.mono()
      this.counters.denied++
    }
    // After the relays, never before: the entry row is what makes the gate open, and is already committed.
    if (relayFailures.length > 0) this.relayFailed(entry, relayFailures)
    const event: DecisionEvent = {
      eventId: entry.eventId,
      ts: entry.ts,
      source: entry.source,
      direction: entry.direction,
      decision,
      reasons: [...entry.reasons] as Reason[],
      kind: entry.kind,
      subject: entry.subject,
      passId: entry.passId,
      tempC: entry.tempC,
      rechecked: entry.rechecked,
      scanner: entry.scanner,
      staff: entry.staff,
      degraded: Boolean(entry.detail?.degraded),
      overrideReason: entry.source === 'override' ? String(entry.detail?.reason ?? '') || null : null,
      throughClosed: throughClosed && entry.detail?.gateMode === 'remain-closed',
      manual: (entry.detail?.manual as Record<string, unknown> | undefined) ?? null,
      alerts,
      seqs,
      relayFailures,
      scanMono,
      actuatedMono,
      marks,
    }
    d.log.info(
      { eventId: event.eventId, direction: event.direction, decision, reasons: event.reasons, kind: event.kind, tempC: event.tempC, seq: seqs[0] },
      'decision',
    )
    d.bus.emit('decision', event)
    return event
  }

  /**
   * An admitted person in front of a gate that did not open: one relay_failed alert per relay, naming the entry, in
   * its own transaction (the entry is committed already). The uplink is woken by the decision event that follows.
   */
  private relayFailed(entry: EntryRecord, failures: readonly RelayFailure[]): void {
    const d = this.d
    this.counters.relayFailures += failures.length
    d.log.error({ eventId: entry.eventId, failures }, 'the gate did not open for an admitted entry')
    const now = d.clock.now()
    try {
      d.store.enqueue(failures.map((f) => relayFailedMessage(entry, f, now)), now)
    } catch (err) {
      d.log.error({ err, eventId: entry.eventId }, 'could not queue the relay_failed alert')
    }
  }

  private prompt(kind: PromptEvent['kind'], scanner: string, tempC: number | null): void {
    if (kind !== 'manual_temperature') for (const b of this.d.buzzers) b.play('remeasure')
    this.d.bus.emit('prompt', { kind, scanner, tempC })
  }
}

export function entryMessage(e: EntryRecord): OutboxMessage {
  return {
    id: e.eventId,
    topic: 'entry',
    type: 'estategate.entry.v1',
    time: rfc3339(e.ts),
    data: {
      direction: e.direction,
      kind: e.kind,
      subject: e.subject,
      passId: e.passId,
      tempC: e.tempC,
      decision: e.decision,
      reasons: e.reasons,
      rechecked: e.rechecked,
      staff: e.staff,
      scanner: e.scanner,
      source: e.source,
      // An override says why (a reason code such as ambulance); a scan's reasons say it already.
      overrideReason: e.source === 'override' ? (e.detail?.reason ?? null) : undefined,
      // The exit button's entry names the button.
      input: e.source === 'exit' ? (e.detail?.input ?? null) : undefined,
      // A kiosk open that went through remain-closed once (the mode stayed).
      gateMode: e.detail?.gateMode ?? undefined,
      // Staff at the kiosk: what they registered or typed (masked name, last four phone digits, plate, ...).
      manual: e.detail?.manual ?? undefined,
      codeRef: e.codeHash,
      policyVersion: e.policyVersion,
      clockTrusted: e.clockTrusted,
      bootId: e.bootId,
    },
  }
}

const ALERT_TEXT: Record<AlertKind, { severity: 'critical' | 'warning'; message: string }> = {
  fever: { severity: 'critical', message: 'fever confirmed after re-check; secondary (armpit) check required' },
  isolation_breach: { severity: 'critical', message: 'a household under home isolation tried to go out' },
  forged_pass: { severity: 'warning', message: 'a pass with an invalid signature was presented' },
}

/** A fever typed at the kiosk is not "confirmed after re-check": say where the reading came from. */
function feverText(e: EntryRecord): string {
  const action = (e.detail?.manual as { action?: string } | undefined)?.action
  if (action === 'secondary_check') return 'fever confirmed by the secondary (armpit) check'
  if (action === 'visitor' || action === 'vehicle' || action === 'typed_temperature') return 'fever on a temperature typed at the kiosk; secondary (armpit) check required'
  return e.rechecked ? ALERT_TEXT.fever.message : 'fever reading (no automatic re-check); secondary (armpit) check required'
}

/** The alert that goes with a decision (fever, isolation breach, forged pass), beside its entry event. */
export function alertMessage(kind: AlertKind, e: EntryRecord): OutboxMessage {
  return {
    id: randomUUID(),
    topic: 'alert',
    type: 'estategate.alert.v1',
    time: rfc3339(e.ts),
    data: {
      kind,
      severity: ALERT_TEXT[kind].severity,
      message: kind === 'fever' ? feverText(e) : ALERT_TEXT[kind].message,
      entryId: e.eventId,
      direction: e.direction,
      subject: e.subject,
      passId: e.passId,
      codeRef: e.codeHash,
      tempC: e.tempC,
      scanner: e.scanner,
    },
  }
}

/** relay_failed: the entry was admitted and committed, and this relay did not move (docs/asyncapi.yaml AlertData). */
export function relayFailedMessage(e: EntryRecord, f: RelayFailure, now: number): OutboxMessage {
  return {
    id: randomUUID(),
    topic: 'alert',
    type: 'estategate.alert.v1',
    time: rfc3339(now),
    data: {
      kind: 'relay_failed',
      severity: 'critical',
      message: `relay ${f.relay} did not open the gate for an admitted entry: ${f.error}`,
      entryId: e.eventId,
      direction: e.direction,
      subject: e.subject,
      passId: e.passId,
      scanner: e.scanner,
      device: f.relay,
      error: f.error,
    },
  }
}
