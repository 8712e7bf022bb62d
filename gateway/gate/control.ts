// The gate's own control (issue 16): modes (normal | remain-open | remain-closed), the fire linkage, door supervision,
// the exit button and the tamper switch, driven by the inputs and carried out on the relays.
//
// - Fire: a fire-alarm input going active holds open every relay with fireRelease at once (before anything is
//   written: safety first, the alert is committed right after), sounds the alarm pattern once and raises fire_alarm.
//   Scans are still decided and logged meanwhile; a pulse during a hold changes nothing, so nothing closes the gate.
//   When the input clears the gate returns to its mode, or with gate.fireLatch stays open until a staff reset.
// - Modes are kept in the store's meta (with a gate_events row and the gate_mode_changed alert, in one transaction)
//   and come back after a restart; so does a fire alarm under way or latched, so a restart never closes the gate on one.
// - Remain-closed: admits are decided and recorded (reason gate_closed) but the relay does not move (blocksAdmit),
//   except during a fire alarm. Remain-open holds every relay open. Both count as the door being open on purpose:
//   no held-open or forced-open alert then.
// - Alarms for the staff: a door forced or held open and the enclosure opened stay in the state (alarms, kept in meta)
//   after the door or lid is closed again, until acknowledged at the kiosk with what was done.
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Buzzer, Clock, Input, Relay } from '../../devices/types.ts'
import { systemAlertMessage, type SystemAlert } from '../alerts.ts'
import type { Store } from '../store/store.ts'
import { DoorWatch, systemTimers, type Timers } from './door.ts'
import { GATE_ALARM_KINDS, GATE_MODES, type GateAlarm, type GateAlarmKind, type GateAlarmOutcome, type GateMode, type GateOrigin, type GateState, type ModeBy } from './types.ts'

export interface GateRelay {
  relay: Relay
  pulseMs: number
  fireRelease: boolean
}

export type GateStore = Pick<Store, 'getMeta' | 'setMetaAndEnqueue' | 'recordGateEvent'>

export interface GateControlDeps {
  settings(): { heldOpenSec: number; fireLatch: boolean }
  relays: readonly GateRelay[]
  inputs: readonly Input[]
  buzzers: readonly Buzzer[]
  store: GateStore
  clock: Clock
  timers?: Timers
  log: Logger
  /** The exit button was pressed: record its entry and pulse the outbound relays (the pipeline's exitButton). */
  exit(input: string): void
  /** The GateState changed (the kiosk's live event, P/gate). */
  onChange?(state: GateState): void
  /** Something was queued in the outbox: wake the uplink. */
  onQueued?(): void
  /** How often the inputs' levels are looked at besides their change events (the first read after start has none). */
  sweepMs?: number
}

export type ModeResult = { mode: GateMode; previous: GateMode; changed: boolean }
export type ResetResult = 'ok' | 'fire_active' | 'not_latched'
export type AckResult = { ok: true; alarm: GateAlarm } | { ok: false; error: 'no_alarm' }

const META_MODE = 'gate_mode'
const META_FIRE = 'gate_fire'
const META_ALARMS = 'gate_alarms'
/** The alerts that raise a gate alarm, and those that end one (the door's end comes from DoorWatch). */
const RAISES: Readonly<Record<string, GateAlarmKind>> = { door_forced_open: 'door_forced_open', door_held_open: 'door_held_open', tamper: 'tamper' }
const ENDS: Readonly<Record<string, GateAlarmKind>> = { tamper_cleared: 'tamper' }
/** A door may open this long after the pulse ended (pulseMs + 2 s) before it counts as forced. */
const FORCED_GRACE_MS = 2000
const HOLD_RETRY_MS = 1000
const NOBODY: ModeBy = { staff: null, via: null, reason: null, at: null }

export class GateControl {
  readonly counters = { doorForced: 0, doorHeldOpen: 0, fireAlarms: 0, tamper: 0, exits: 0, modeChanges: 0, fireResets: 0, holdFailures: 0, alarmAcks: 0 }
  /** Door and enclosure alarms not yet acknowledged (kept in meta: a restart does not lose one). */
  private alarms: GateAlarm[] = []
  private modeNow: GateMode = 'normal'
  private modeBy: ModeBy = NOBODY
  /** The last level seen of each input (null: none yet). */
  private readonly levels = new Map<string, boolean | null>()
  private readonly fireOn = new Set<string>()
  private fireSince: number | null = null
  private latched = false
  private lastPermitMono = -Infinity
  private readonly doors = new Map<string, DoorWatch>()
  /** What this control asked of each relay (hold open or not); a pulse is the pipeline's. */
  private readonly held = new Map<string, boolean>()
  private readonly timers: Timers
  private retryTimer: unknown = null
  private sweepTimer: unknown = null
  private unsubscribe: (() => void)[] = []
  private lastState = ''
  private stopped = false

  constructor(private readonly d: GateControlDeps) {
    this.timers = d.timers ?? systemTimers
    const maxPulse = Math.max(0, ...d.relays.map((r) => r.pulseMs))
    for (const r of d.relays) this.held.set(r.relay.name, false)
    for (const i of d.inputs) {
      if (i.inputKind !== 'door-contact') continue
      this.doors.set(
        i.name,
        new DoorWatch(i.name, {
          clock: d.clock,
          timers: this.timers,
          heldOpenMs: () => d.settings().heldOpenSec * 1000,
          permitted: (mono) => mono - this.lastPermitMono <= maxPulse + FORCED_GRACE_MS || d.relays.some((r) => r.relay.isOpen),
          permittedOpen: () => this.permittedOpen(),
          alert: (a) => this.alert(a),
          ended: (at) => this.endAlarms(i.name, ['door_forced_open', 'door_held_open'], at),
          changed: () => this.changed(),
        }),
      )
    }
  }

  get mode(): GateMode {
    return this.modeNow
  }

  /** Call after the relays started and before the inputs start: a mode or fire hold kept from before is applied now. */
  start(): void {
    this.restore()
    for (const i of this.d.inputs) {
      this.unsubscribe.push(
        i.onChange((active, mono) => this.seen(i, active, mono)),
        i.onHealth(() => this.sweep()),
      )
    }
    for (const r of this.d.relays) this.unsubscribe.push(r.relay.onActuate((mono) => (this.lastPermitMono = Math.max(this.lastPermitMono, mono))))
    this.apply()
    const every = this.d.sweepMs ?? 250
    const tick = (): void => {
      this.sweepTimer = this.timers.set(tick, every)
      this.sweep()
    }
    this.sweepTimer = this.timers.set(tick, every)
    this.changed()
  }

  stop(): void {
    this.stopped = true
    for (const u of this.unsubscribe.splice(0)) u()
    for (const t of [this.retryTimer, this.sweepTimer]) if (t !== null) this.timers.clear(t)
    for (const door of this.doors.values()) door.stop()
  }

  /** The fire linkage holds the gate open (an alarm on, or latched awaiting a reset). */
  fireOpen(): boolean {
    return this.fireOn.size > 0 || this.latched
  }

  /** The gate is open on purpose: no door alerts. */
  permittedOpen(): boolean {
    return this.modeNow === 'remain-open' || this.fireOpen()
  }

  /** Remain-closed: an admit is recorded but the relay does not move (a fire alarm still opens). */
  blocksAdmit(): boolean {
    return this.modeNow === 'remain-closed' && !this.fireOpen()
  }

  state(): GateState {
    const doors = [...this.doors.values()]
    const known = doors.filter((x) => x.open !== null)
    const tamper = this.d.inputs.filter((i) => i.inputKind === 'tamper').map((i) => this.levels.get(i.name) ?? null)
    const times = (f: (x: DoorWatch) => number | null): number[] => doors.map(f).filter((t): t is number => t !== null)
    return {
      mode: this.modeNow,
      open: [...this.held.values()].some(Boolean),
      fire: { active: this.fireOn.size > 0, latched: this.latched, since: this.fireSince },
      door: {
        open: known.length === 0 ? null : known.some((x) => x.open === true),
        heldOpenSince: times((x) => x.heldOpenSince).sort((a, b) => a - b)[0] ?? null,
        forcedAt: times((x) => x.forcedAt).sort((a, b) => b - a)[0] ?? null,
      },
      tamper: tamper.includes(true) ? true : tamper.every((t) => t === null) ? null : false,
      modeBy: { ...this.modeBy },
      alarms: this.alarms.map((a) => ({ ...a })),
    }
  }

  /** /healthz: what a relay is doing and why (state open | closed, the mode, the fire hold). */
  relayInfo(name: string): { state: 'open' | 'closed'; mode: GateMode; held: boolean } | null {
    const r = this.d.relays.find((g) => g.relay.name === name)
    return r ? { state: r.relay.isOpen ? 'open' : 'closed', mode: this.modeNow, held: this.held.get(name) === true } : null
  }

  /**
   * Sets the mode: its gate_events row, the meta the gate restarts in and the gate_mode_changed alert are committed
   * before the relays move (a store error throws, and nothing changed). The same mode again writes nothing.
   */
  setMode(mode: GateMode, origin: GateOrigin): ModeResult {
    const previous = this.modeNow
    if (mode === previous) return { mode, previous, changed: false }
    const now = this.d.clock.now()
    const by: ModeBy = { staff: origin.staff, via: origin.via, reason: origin.reason, at: now }
    const requestId = origin.via === 'platform' ? origin.requestId : null
    const who = origin.via === 'kiosk' ? `${origin.staff} at the kiosk` : `the platform (${origin.staff}, request ${requestId})`
    const alert: SystemAlert = {
      kind: 'gate_mode_changed',
      severity: 'info',
      message: `gate mode ${previous} → ${mode}, set by ${who}${origin.reason ? `: ${origin.reason}` : ''}`,
      mode,
      previous,
      via: origin.via,
      staff: origin.staff,
      reason: origin.reason,
      ...(requestId ? { requestId } : {}),
    }
    this.d.store.recordGateEvent(
      { ts: now, kind: 'gate_mode_changed', via: origin.via, staff: origin.staff, requestId, detail: { mode, previous, reason: origin.reason } },
      { [META_MODE]: JSON.stringify({ mode, by }) },
      systemAlertMessage(alert, now),
    )
    this.counters.modeChanges++
    this.modeNow = mode
    this.modeBy = by
    this.d.log.info({ mode, previous, via: origin.via, staff: origin.staff, requestId }, 'gate mode changed')
    this.d.onQueued?.()
    this.apply()
    for (const door of this.doors.values()) door.permittedChanged()
    this.changed()
    return { mode, previous, changed: true }
  }

  /** A staff reset after a latched fire alarm (gate.fireLatch): the gate returns to its mode. */
  fireReset(staff: string): ResetResult {
    if (this.fireOn.size > 0) return 'fire_active'
    if (!this.latched) return 'not_latched'
    const now = this.d.clock.now()
    const alert: SystemAlert = { kind: 'fire_reset', severity: 'info', message: `${staff} reset the fire linkage; the gate is back in ${this.modeNow}`, staff, mode: this.modeNow }
    this.d.store.recordGateEvent(
      { ts: now, kind: 'fire_reset', via: 'kiosk', staff, requestId: null, detail: { mode: this.modeNow, since: this.fireSince } },
      { [META_FIRE]: JSON.stringify({ active: false, latched: false, since: null }) },
      systemAlertMessage(alert, now),
    )
    this.counters.fireResets++
    this.latched = false
    this.fireSince = null
    this.d.log.info({ staff }, 'fire linkage reset')
    this.d.onQueued?.()
    this.afterFireChange()
    return 'ok'
  }

  /**
   * Staff say what was done about a door or enclosure alarm: it leaves the screen, recorded with who and the outcome
   * (a gate_events row and the alert {kind}_acknowledged, with the alarm's list in one transaction).
   */
  acknowledge(id: string, staff: string, outcome: GateAlarmOutcome, note?: string): AckResult {
    const alarm = this.alarms.find((a) => a.id === id)
    if (!alarm) return { ok: false, error: 'no_alarm' }
    const now = this.d.clock.now()
    const rest = this.alarms.filter((a) => a !== alarm)
    const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString())
    const kind = `${alarm.kind}_acknowledged` as const
    const detail = { alarm: alarm.kind, device: alarm.device, outcome, since: iso(alarm.since), endedAt: iso(alarm.endedAt), count: alarm.count, ...(note ? { note } : {}) }
    const alert: SystemAlert = { kind, severity: 'info', message: `${staff} acknowledged ${alarm.kind} (${alarm.device}): ${outcome}`, staff, ...detail }
    this.d.store.recordGateEvent({ ts: now, kind, via: 'kiosk', staff, requestId: null, detail }, { [META_ALARMS]: JSON.stringify(rest) }, systemAlertMessage(alert, now))
    this.alarms = rest
    this.counters.alarmAcks++
    this.d.log.info({ staff, alarm: alarm.kind, device: alarm.device, outcome }, 'gate alarm acknowledged')
    this.d.onQueued?.()
    this.changed()
    return { ok: true, alarm }
  }

  /** A door or enclosure alarm raised: a new one, or joined to the one of its kind and input still waiting. */
  private raiseAlarm(kind: GateAlarmKind, device: string, at: number): Record<string, string> {
    // A door forced and left open is one thing to deal with: its held-open (still alerted) adds no second alarm.
    if (kind === 'door_held_open' && this.alarms.some((a) => a.kind === 'door_forced_open' && a.device === device && a.endedAt === null)) return {}
    const open = this.alarms.find((a) => a.kind === kind && a.device === device)
    if (open) Object.assign(open, { lastAt: at, endedAt: null, count: open.count + 1 })
    else this.alarms.push({ id: randomUUID(), kind, device, since: at, lastAt: at, endedAt: null, count: 1 })
    return { [META_ALARMS]: JSON.stringify(this.alarms) }
  }

  /** What an input raised is over (the door closed, the lid is shut): the alarm stays until acknowledged. */
  private endAlarms(device: string, kinds: readonly GateAlarmKind[], at: number): Record<string, string> {
    let changed = false
    for (const a of this.alarms) {
      if (a.device !== device || !kinds.includes(a.kind) || a.endedAt !== null) continue
      a.endedAt = at
      changed = true
    }
    if (!changed) return {}
    const meta = { [META_ALARMS]: JSON.stringify(this.alarms) }
    // The door's own end has no alert of its own to go with: the list is kept by itself.
    if (kinds.includes('door_forced_open')) this.saveMeta(meta)
    return meta
  }

  private saveMeta(meta: Record<string, string>): void {
    try {
      this.d.store.setMetaAndEnqueue(meta, [], this.d.clock.now())
    } catch (err) {
      this.d.log.error({ err }, 'could not keep the gate alarms')
    }
  }

  /** The mode and any fire alarm under way (or latched) from before a restart. */
  private restore(): void {
    const kept = parse<unknown[]>(this.d.store.getMeta(META_ALARMS))
    if (Array.isArray(kept)) this.alarms = kept.filter(isGateAlarm)
    const mode = parse<{ mode?: unknown; by?: Partial<ModeBy> }>(this.d.store.getMeta(META_MODE))
    if (mode && (GATE_MODES as readonly unknown[]).includes(mode.mode)) {
      this.modeNow = mode.mode as GateMode
      this.modeBy = { ...NOBODY, ...mode.by }
    } else if (mode) this.d.log.warn({ stored: mode }, 'the stored gate mode is not one this gate knows; normal')
    const fire = parse<{ active?: unknown; latched?: unknown; since?: unknown }>(this.d.store.getMeta(META_FIRE))
    if (!fire) return
    const fireInputs = this.d.inputs.filter((i) => i.inputKind === 'fire-alarm')
    // Until the input is read again, an alarm under way is taken to go on: the gate does not close on a restart.
    if (fire.active === true && fireInputs.length > 0) {
      for (const i of fireInputs) {
        this.levels.set(i.name, true)
        this.fireOn.add(i.name)
      }
    }
    if (fire.latched === true && this.d.settings().fireLatch) this.latched = true
    if (this.fireOpen()) {
      this.fireSince = typeof fire.since === 'number' ? fire.since : this.d.clock.now()
      this.d.log.warn({ active: this.fireOn.size > 0, latched: this.latched }, 'a fire alarm was under way before the restart: the gate is held open')
    }
  }

  /** Levels that changed without an event (the first read after start, a missed edge). */
  private sweep(): void {
    if (this.stopped) return
    for (const i of this.d.inputs) this.seen(i, i.active, this.d.clock.mono())
  }

  private seen(input: Input, level: boolean | null, mono: number): void {
    // Offline (null): no news; a fire alarm under way stays on.
    if (this.stopped || level === null) return
    const last = this.levels.get(input.name) ?? null
    if (last === level) return
    this.levels.set(input.name, level)
    const first = last === null
    switch (input.inputKind) {
      case 'door-contact':
        this.doors.get(input.name)?.level(level, mono, first)
        return
      case 'fire-alarm':
        return level ? this.fireStarted(input.name) : this.fireCleared(input.name)
      case 'exit-button':
        // A button already pressed at start is stuck, not pressed.
        if (level && !first) this.exitPressed(input.name, mono)
        return
      case 'tamper':
        if (level) {
          this.counters.tamper++
          this.alert({ kind: 'tamper', severity: 'critical', message: `the enclosure was opened (tamper switch ${input.name})`, device: input.name })
        } else if (!first) this.alert({ kind: 'tamper_cleared', severity: 'info', message: `the enclosure is closed again (tamper switch ${input.name})`, device: input.name })
        this.changed()
    }
  }

  private fireStarted(name: string): void {
    // An alarm coming back while latched is a new alarm: its own time and its sound.
    const wasActive = this.fireOn.size > 0
    this.fireOn.add(name)
    const now = this.d.clock.now()
    if (!wasActive || this.fireSince === null) this.fireSince = now
    this.latched = false
    // The relays first: the alert's commit (an fsync) must not delay the gate opening.
    this.apply()
    if (!wasActive) for (const b of this.d.buzzers) b.play('alarm')
    this.counters.fireAlarms++
    const relays = this.d.relays.filter((r) => r.fireRelease).map((r) => r.relay.name)
    this.d.log.warn({ input: name, relays }, 'fire alarm: the gate is held open')
    this.alert(
      { kind: 'fire_alarm', severity: 'critical', message: `fire alarm (${name}): the gate is held open`, device: name, relays, latch: this.d.settings().fireLatch },
      this.fireMeta(),
    )
    this.afterFireChange(false)
  }

  private fireCleared(name: string): void {
    if (!this.fireOn.delete(name)) return
    if (this.fireOn.size > 0) return this.d.log.info({ input: name, stillActive: [...this.fireOn] }, 'one fire-alarm input cleared; others are still active')
    const latch = this.d.settings().fireLatch
    this.latched = latch
    if (!latch) this.fireSince = null
    this.d.log.info({ input: name, latched: latch }, latch ? 'fire alarm cleared: the gate stays open until a staff reset' : 'fire alarm cleared: the gate is back to normal')
    this.alert(
      {
        kind: 'fire_alarm_cleared',
        severity: 'info',
        message: latch ? `fire alarm cleared (${name}); the gate stays open until a staff reset (gate.fireLatch)` : `fire alarm cleared (${name}); the gate is back in ${this.modeNow}`,
        device: name,
        latched: latch,
      },
      this.fireMeta(),
    )
    this.afterFireChange()
  }

  private fireMeta(): Record<string, string> {
    return { [META_FIRE]: JSON.stringify({ active: this.fireOn.size > 0, latched: this.latched, since: this.fireSince }) }
  }

  private afterFireChange(apply = true): void {
    if (apply) this.apply()
    for (const door of this.doors.values()) door.permittedChanged()
    this.changed()
  }

  private exitPressed(name: string, mono: number): void {
    this.lastPermitMono = Math.max(this.lastPermitMono, mono)
    this.counters.exits++
    try {
      this.d.exit(name)
    } catch (err) {
      this.d.log.error({ err, input: name }, 'the exit button could not be recorded; the gate stays as it is')
    }
  }

  /** Each relay as the mode and the fire linkage want it; a refused write is retried every second. */
  private apply(): void {
    let failed = false
    for (const g of this.d.relays) {
      // A fire exit's relay (direction none) is not the gate: remain-open leaves it shut, only a fire opens it.
      const want = (this.modeNow === 'remain-open' && g.relay.direction !== 'none') || (this.fireOpen() && g.fireRelease)
      if (this.held.get(g.relay.name) === want) continue
      if (g.relay.hold(want)) {
        this.held.set(g.relay.name, want)
        continue
      }
      failed = true
      this.counters.holdFailures++
      this.d.log.error({ relay: g.relay.name, open: want, lastError: g.relay.health().lastError }, want ? 'the relay could not be held open; retrying' : 'the relay could not be released; retrying')
    }
    if (failed && this.retryTimer === null && !this.stopped) {
      this.retryTimer = this.timers.set(() => {
        this.retryTimer = null
        this.apply()
        this.changed()
      }, HOLD_RETRY_MS)
    }
  }

  private alert(a: SystemAlert, meta: Record<string, string> = {}): void {
    if (a.kind === 'door_forced_open') this.counters.doorForced++
    if (a.kind === 'door_held_open') this.counters.doorHeldOpen++
    const now = this.d.clock.now()
    const device = typeof a.device === 'string' ? a.device : ''
    // The alarm's list goes in the alert's transaction: what the platform was told is on the screen after a restart.
    const raises = RAISES[a.kind]
    const ends = ENDS[a.kind]
    if (raises) meta = { ...meta, ...this.raiseAlarm(raises, device, raises === 'door_held_open' && typeof a.openedAt === 'string' ? Date.parse(a.openedAt) : now) }
    if (ends) meta = { ...meta, ...this.endAlarms(device, [ends], now) }
    // The door and tamper alerts have no log line of their own: the journal gets the alert's words (troubleshooting.md).
    if (a.kind.startsWith('door_') || a.kind.startsWith('tamper')) {
      const fields = { alert: a.kind, device: a.device }
      if (a.severity === 'info') this.d.log.info(fields, a.message)
      else this.d.log.warn(fields, a.message)
    }
    try {
      this.d.store.setMetaAndEnqueue(meta, [systemAlertMessage(a, now)], now)
      this.d.onQueued?.()
    } catch (err) {
      this.d.log.error({ err, alert: a.kind }, 'could not queue a gate alert')
    }
  }

  private changed(): void {
    if (this.stopped) return
    const s = this.state()
    const text = JSON.stringify(s)
    if (text === this.lastState) return
    this.lastState = text
    this.d.onChange?.(s)
  }
}

function isGateAlarm(v: unknown): v is GateAlarm {
  const a = v as Partial<GateAlarm> | null
  return (
    !!a &&
    typeof a.id === 'string' &&
    (GATE_ALARM_KINDS as readonly unknown[]).includes(a.kind) &&
    typeof a.device === 'string' &&
    typeof a.since === 'number' &&
    typeof a.lastAt === 'number' &&
    (a.endedAt === null || typeof a.endedAt === 'number') &&
    typeof a.count === 'number'
  )
}

function parse<T>(text: string | null): T | null {
  if (text === null) return null
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' ? (v as T) : null
  } catch {
    return null
  }
}
