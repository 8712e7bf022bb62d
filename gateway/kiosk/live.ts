// The staff screen's live feed (GET /api/kiosk/events, Server-Sent Events): a snapshot on every (re)connect, then
// each decision, prompt and change as it happens. The browser's EventSource reconnects by itself and gets a fresh
// snapshot, so nothing here has to remember what a screen has seen. State that must outlive a page reload (open
// alarms, scans waiting for a typed temperature) lives here, on the server.
import type { ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Clock } from '../../devices/types.ts'
import type { GateState } from '../gate/types.ts'
import type { HealthReport } from '../health.ts'
import type { DecisionEvent, PromptEvent } from '../pipeline/pipeline.ts'
import type { ManualTemperatureDesk } from './manualTemperature.ts'
import { shownHolder } from './mask.ts'
import type { AlarmRow, Figures, KioskRecords } from './records.ts'

/** One decision as the screen shows it: no raw holder id, no pass id, no code. */
export interface Card {
  eventId: string
  ts: number
  direction: 'in' | 'out'
  decision: 'admit' | 'deny'
  reasons: string[]
  tempC: number | null
  passKind: string | null
  holder: string | null
  /** A visitor registered by hand: masked name, host unit. */
  name: string | null
  unit: string | null
  /** A vehicle registered by hand: the plate and how many were in it. */
  plate: string | null
  occupants: number | null
  rechecked: boolean
  source: 'scan' | 'override' | 'exit'
  scanner: string | null
  staff: string | null
  overrideReason: string | null
  /** A kiosk open made through remain-closed (it opened once; the mode stayed). */
  throughClosed: boolean
  /** Denied while the gate stood open (remain-open, the fire linkage): the staff must stop the person themselves. */
  deniedOpen: boolean
  action: string | null
  degraded: boolean
  alarm: boolean
  /** An admit whose relay did not move: the person is in front of a closed gate. */
  gateFailed: boolean
  /** A normal armpit check let in on confirmation: the armpit reading that had confirmed the fever. */
  confirmedC: number | null
}

/** A relay that did not open for an admitted entry; shown until that relay moves again. */
export interface RelayFault {
  relay: string
  entryId: string
  ts: number
  direction: 'in' | 'out'
  error: string
}

/**
 * An open alarm. The same person alarming again while it is open (scanned again a minute later, registered again)
 * joins it rather than opening another: one alarm, `count` entries (each its own row in the log), the latest reading.
 */
export interface Alarm {
  /** The first entry: the one the alarm is known by. */
  entryId: string
  kind: 'fever' | 'isolation_breach'
  /** When the first entry was decided. */
  ts: number
  direction: 'in' | 'out'
  passKind: string | null
  holder: string | null
  /** The latest entry's reading. */
  tempC: number | null
  manual: boolean
  /** A secondary (armpit) check that was still a fever: the alarm stays open for its next step. */
  secondaryC: number | null
  name: string | null
  unit: string | null
  plate: string | null
  occupants: number | null
  /** How many entries joined in this alarm, every one of them (first first), and when the latest was decided. */
  count: number
  entryIds: string[]
  lastTs: number
}

export interface DeviceChip {
  name: string
  kind: string
  status: string
  detail?: string | number | null
}

export interface Duty {
  id: string
  name: string
  since: number
}

export interface LiveDeps {
  clock: Clock
  log: Logger
  records: KioskRecords
  desk: ManualTemperatureDesk
  health: () => HealthReport
  /** The outbox backlog as the gate shows it (Store.localBacklog: no platform-only rows). */
  backlog: () => number | null
  /** Staff id → display name. */
  staffName: (id: string | null) => string | null
  duty: () => Duty | null
  tasks: () => unknown[] | null
  static: () => Record<string, unknown>
  /** The gate's mode, fire linkage, door and tamper (gateway/gate); null without a gate control. */
  gate?: () => GateState | null
}

/** Open alarms are looked up this far back at start; older ones belong to the shift log, not the screen. */
const ALARM_LOOKBACK_MS = 12 * 3_600_000
const HEARTBEAT_MS = 15_000
const RECENT = 6
const FIGURES_COALESCE_MS = 200
const DEVICES_REFRESH_MS = 5_000

export class KioskLive {
  private readonly clients = new Set<ServerResponse>()
  private readonly alarms = new Map<string, Alarm>()
  /** Which person each open alarm is for (see personKey), by its entryId: never sent to a screen. */
  private readonly alarmPerson = new Map<string, string>()
  private readonly relayFaults = new Map<string, RelayFault>()
  private last: Card | null = null
  /** The last few results, newest first: a screen that reloads still shows what just happened. */
  private recent: Card[] = []
  private figuresTimer: NodeJS.Timeout | null = null
  private readonly timers: NodeJS.Timeout[] = []

  constructor(private readonly d: LiveDeps) {
    for (const a of d.records.openAlarms(d.clock.now() - ALARM_LOOKBACK_MS)) {
      this.raise(toAlarm(a), personKey(a.kind, a.passId, { maskedName: a.name, hostUnit: a.unit, phoneLast4: a.phoneLast4, plate: a.plate }))
    }
    this.timers.push(
      setInterval(() => this.broadcast(': ping\n\n'), HEARTBEAT_MS),
      setInterval(() => this.clients.size > 0 && this.send('devices', this.devices()), DEVICES_REFRESH_MS),
    )
    for (const t of this.timers) t.unref()
    d.desk.available = () => this.clients.size > 0
  }

  get clientCount(): number {
    return this.clients.size
  }

  /** Registers a screen: headers, the snapshot, then live events until it goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // A proxy in front (none by default) must not buffer the stream.
      'x-accel-buffering': 'no',
    })
    // Reconnect quickly: a guard should not wait long for the screen to come back.
    res.write('retry: 1000\n\n')
    res.write(frame('snapshot', this.snapshot()))
    this.clients.add(res)
    res.on('close', () => this.clients.delete(res))
  }

  snapshot(): Record<string, unknown> {
    return {
      ...this.d.static(),
      gate: this.gateView(this.d.gate?.() ?? null),
      now: this.d.clock.now(),
      figures: this.figures(),
      devices: this.devices(),
      alarms: this.openAlarms(),
      relayFaults: this.openRelayFaults(),
      pending: this.d.desk.pending(),
      last: this.last,
      recent: this.recent,
      duty: this.d.duty(),
      tasks: this.d.tasks(),
    }
  }

  /**
   * The snapshot's `gate` is the gate's name and id (static) and its GateState in one object, so that a screen reads
   * gate.name and gate.mode alike; the live event `gate` carries the same object.
   */
  private gateView(state: GateState | null): Record<string, unknown> {
    const named = this.d.static().gate
    // Who set the mode by name too (张伟, not zhang): the screen says who, and knows only the names on duty.
    const modeBy = state ? { modeBy: { ...state.modeBy, name: this.d.staffName(state.modeBy.staff) } } : {}
    return { ...(named && typeof named === 'object' ? named : {}), ...state, ...modeBy }
  }

  openAlarms(): Alarm[] {
    return [...this.alarms.values()]
  }

  openRelayFaults(): RelayFault[] {
    return [...this.relayFaults.values()]
  }

  /** The relay moved (a decision, an override, a tech test): its fault is over. */
  relayWorked(relay: string): void {
    if (this.relayFaults.delete(relay)) this.send('relays', this.openRelayFaults())
  }

  /** The open alarm an entry belongs to (the first one of it, or one that joined it). */
  alarmOf(entryId: string): Alarm | undefined {
    return this.alarms.get(entryId) ?? [...this.alarms.values()].find((a) => a.entryIds.includes(entryId))
  }

  hasAlarm(entryId: string): boolean {
    return this.alarmOf(entryId) !== undefined
  }

  onDecision(e: DecisionEvent): void {
    const alarming = (e.alerts.includes('fever') || e.alerts.includes('isolation_breach')) && e.overrideReason !== 'secondary_check'
    const card: Card = {
      eventId: e.eventId,
      ts: e.ts,
      direction: e.direction,
      decision: e.decision,
      reasons: e.reasons,
      tempC: e.tempC,
      passKind: e.kind,
      holder: shownHolder(e.subject, e.kind),
      ...manualWho(e.manual),
      ...manualVehicle(e.manual),
      rechecked: e.rechecked,
      source: e.source,
      scanner: e.scanner,
      staff: this.d.staffName(e.staff),
      overrideReason: e.overrideReason,
      throughClosed: e.throughClosed,
      deniedOpen: e.decision === 'deny' && this.d.gate?.()?.open === true,
      action: (e.manual?.action as string | undefined) ?? null,
      degraded: e.degraded,
      alarm: alarming,
      gateFailed: e.relayFailures.length > 0,
      confirmedC: typeof e.manual?.confirmedC === 'number' ? e.manual.confirmedC : null,
    }
    this.last = card
    this.recent = [card, ...this.recent].slice(0, RECENT)
    this.send('decision', card)
    if (e.relayFailures.length > 0) {
      for (const f of e.relayFailures) this.relayFaults.set(f.relay, { relay: f.relay, entryId: e.eventId, ts: e.ts, direction: e.direction, error: f.error })
      this.send('relays', this.openRelayFaults())
    }
    if (alarming) {
      const kind = e.alerts.includes('fever') ? 'fever' : 'isolation_breach'
      const alarm: Alarm = {
        entryId: e.eventId,
        kind,
        ts: e.ts,
        direction: e.direction,
        passKind: e.kind,
        holder: card.holder,
        tempC: e.tempC,
        manual: e.source === 'override',
        secondaryC: null,
        name: card.name,
        unit: card.unit,
        plate: card.plate,
        occupants: card.occupants,
        count: 1,
        entryIds: [e.eventId],
        lastTs: e.ts,
      }
      const joined = this.raise(alarm, personKey(kind, e.passId, e.manual))
      if (joined) this.d.log.info({ entryId: e.eventId, alarm: joined.entryId, count: joined.count }, 'the same person alarmed again: joined the open alarm')
      this.send('alarms', this.openAlarms())
    }
    this.scheduleFigures()
  }

  onPrompt(p: PromptEvent): void {
    this.send('prompt', p)
  }

  /** Closes the alarm an entry belongs to (acknowledged); false when there was none open for that entry. */
  closeAlarm(entryId: string): boolean {
    const a = this.alarmOf(entryId)
    if (!a) return false
    this.alarms.delete(a.entryId)
    this.alarmPerson.delete(a.entryId)
    this.send('alarms', this.openAlarms())
    return true
  }

  /** The armpit check confirmed the fever: the alarm stays, showing the reading and the next step. */
  secondaryFever(entryId: string, tempC: number): void {
    const a = this.alarmOf(entryId)
    if (!a) return
    a.secondaryC = tempC
    this.send('alarms', this.openAlarms())
  }

  /**
   * Opens an alarm, or joins it to the open one of the same kind for the same person (returned then): the count, the
   * latest reading and time; an armpit reading already taken stays.
   */
  private raise(a: Alarm, person: string | null): Alarm | null {
    const open = person === null ? undefined : [...this.alarmPerson].find(([, p]) => p === person)
    const into = open ? this.alarms.get(open[0]) : undefined
    if (!into) {
      this.alarms.set(a.entryId, a)
      if (person !== null) this.alarmPerson.set(a.entryId, person)
      return null
    }
    into.count += a.count
    into.entryIds.push(...a.entryIds)
    into.lastTs = a.lastTs
    into.tempC = a.tempC
    into.secondaryC = a.secondaryC ?? into.secondaryC
    return into
  }

  pendingChanged(): void {
    this.send('pending', this.d.desk.pending())
  }

  dutyChanged(): void {
    this.send('duty', this.d.duty())
  }

  tasksChanged(): void {
    this.send('tasks', this.d.tasks())
  }

  /** A new GateState (mode, fire linkage, door, tamper): live event `gate`. */
  gateChanged(state: GateState): void {
    this.send('gate', this.gateView(state))
  }

  devicesChanged(): void {
    this.send('devices', this.devices())
  }

  figures(): Figures | null {
    try {
      return this.d.records.figures()
    } catch (err) {
      this.d.log.error({ err }, 'kiosk figures failed')
      return null
    }
  }

  devices(): DeviceChip[] {
    const { components } = this.d.health()
    const chips: DeviceChip[] = []
    for (const [name, c] of Object.entries(components)) {
      // The inputs reach the screen as the gate's state (snapshot and event gate: door, fire, tamper), not as chips.
      if (typeof c.kind === 'string' && c.kind !== 'input') chips.push({ name, kind: c.kind, status: c.status })
    }
    const up = components.uplink
    if (up) chips.push({ name: 'uplink', kind: 'uplink', status: up.status })
    const store = components.store
    const backlog = this.d.backlog()
    chips.push({ name: 'backlog', kind: 'backlog', status: store?.status ?? 'down', detail: backlog })
    return chips
  }

  close(): void {
    for (const t of this.timers) clearInterval(t)
    if (this.figuresTimer) clearTimeout(this.figuresTimer)
    // Closed, not ended: an ended stream leaves a keep-alive socket that the server would wait for on shutdown.
    for (const c of this.clients) c.destroy()
    this.clients.clear()
    this.d.desk.available = () => false
  }

  /** Figures (and the device strip) are recounted at most every 200 ms: a burst of scans costs one query, not one per scan. */
  private scheduleFigures(): void {
    if (this.figuresTimer || this.clients.size === 0) return
    this.figuresTimer = setTimeout(() => {
      this.figuresTimer = null
      this.send('figures', this.figures())
      // The backlog chip moves with decisions too.
      this.send('devices', this.devices())
    }, FIGURES_COALESCE_MS)
    this.figuresTimer.unref()
  }

  private send(event: string, data: unknown): void {
    if (this.clients.size > 0) this.broadcast(frame(event, data))
  }

  private broadcast(text: string): void {
    for (const c of this.clients) {
      // A screen that stopped reading (a frozen browser) must not grow our memory: drop it; it will reconnect.
      if (c.writableLength > 1_000_000) {
        c.destroy()
        this.clients.delete(c)
        continue
      }
      c.write(text)
    }
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

function toAlarm(a: AlarmRow): Alarm {
  return {
    entryId: a.entryId,
    kind: a.kind,
    ts: a.ts,
    direction: a.direction,
    passKind: a.passKind,
    holder: shownHolder(a.subject, a.passKind),
    tempC: a.tempC,
    manual: a.manual,
    secondaryC: a.secondaryC,
    name: a.name,
    unit: a.unit,
    plate: a.plate,
    occupants: a.occupants,
    count: 1,
    entryIds: [a.entryId],
    lastTs: a.ts,
  }
}

/**
 * Who alarmed, to tell the same person alarming again: the pass (its id), or for someone registered by hand the
 * visitor (masked name, phone digits, unit visited) or the vehicle (plate). Null when it cannot be told: never joined.
 */
function personKey(kind: Alarm['kind'], passId: string | null, manual: Record<string, unknown> | null): string | null {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '')
  if (passId) return `${kind} pass ${passId}`
  if (text(manual?.plate)) return `${kind} plate ${text(manual?.plate)}`
  const visitor = [manual?.maskedName, manual?.phoneLast4, manual?.hostUnit].map(text)
  if (visitor.every((v) => v !== '')) return `${kind} visitor ${JSON.stringify(visitor)}`
  return null
}

/** A vehicle registered by hand: the plate and the number of people in it. */
function manualVehicle(manual: Record<string, unknown> | null): { plate: string | null; occupants: number | null } {
  return {
    plate: typeof manual?.plate === 'string' && manual.plate !== '' ? manual.plate : null,
    occupants: typeof manual?.occupants === 'number' ? manual.occupants : null,
  }
}

/** What a hand registration says of the person: the masked name (the server masked it) and the host unit. */
function manualWho(manual: Record<string, unknown> | null): { name: string | null; unit: string | null } {
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
  return { name: text(manual?.maskedName), unit: text(manual?.hostUnit) }
}
