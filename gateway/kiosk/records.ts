// The kiosk's own SQL, on the gateway's connection: kiosk events (shift, acknowledgements, device tests) with their
// P/alert message in one transaction, and the reads the staff screen and /tech need. Each read is bounded by an
// index (entries_day, entries_ts, event_id), so it stays within milliseconds on a log of a million entries.
import { randomUUID } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import type { Clock } from '../../devices/types.ts'
import { systemAlertMessage, type SystemAlert } from '../alerts.ts'
import type { Db } from '../store/db.ts'
import type { Store } from '../store/store.ts'
import { dayStartOf, nextPeriod } from '../summaries.ts'
import { localDay } from '../time.ts'

export type KioskEventKind = 'shift_login' | 'shift_handover' | 'fever_acknowledged' | 'isolation_breach_acknowledged' | 'tech_test'

/** A denial the staff must acknowledge: a fever, or an isolated household trying to go out. */
export interface AlarmRow {
  entryId: string
  kind: 'fever' | 'isolation_breach'
  ts: number
  direction: 'in' | 'out'
  passKind: string | null
  subject: string | null
  tempC: number | null
  scanner: string | null
  manual: boolean
  /** The latest secondary (armpit) reading taken for this alarm, if any. */
  secondaryC: number | null
  /** A visitor registered by hand: the masked name and the host unit (the screen says whose fever it is). */
  name: string | null
  unit: string | null
  /** A vehicle registered by hand: its plate and how many were in it. */
  plate: string | null
  occupants: number | null
  /** The pass scanned, or null (registered by hand): with `name`, `unit` and `plate`, which person alarmed again. */
  passId: string | null
  /** The last four phone digits of a visitor registered by hand (never shown: only to tell one visitor from another). */
  phoneLast4: string | null
}

/** A fever of the last hours, for the armpit check's list. */
export interface FeverRow {
  entryId: string
  ts: number
  passKind: string | null
  subject: string | null
  tempC: number | null
  secondary: boolean
  /** The latest armpit reading recorded for it, and whether it was still a fever (the list marks it so, not ✔). */
  secondaryC: number | null
  secondaryFever: boolean
  name: string | null
  unit: string | null
}

/** An armpit check that was still a fever: it confirmed the fever it re-checked (`feverEntryId`). */
export interface ConfirmedFever {
  /** The armpit check's own entry, its reading and when it was taken. */
  eventId: string
  tempC: number
  ts: number
  feverEntryId: string
}

/** What an entry registered by hand says of its person (entries.detail.manual), or null. */
function manualOf(detail: string | null): Record<string, unknown> | undefined {
  try {
    return detail ? ((JSON.parse(detail) as { manual?: Record<string, unknown> }).manual ?? undefined) : undefined
  } catch {
    return undefined
  }
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

/** The masked name and host unit of an entry registered by hand (entries.detail.manual), or nulls. */
function whoOf(detail: string | null): { name: string | null; unit: string | null } {
  const manual = manualOf(detail)
  return { name: text(manual?.maskedName), unit: text(manual?.hostUnit) }
}

/** A vehicle's plate and occupants (entries.detail.manual), and a visitor's phone digits, or nulls. */
function vehicleOf(detail: string | null): { plate: string | null; occupants: number | null; phoneLast4: string | null } {
  const manual = manualOf(detail)
  return { plate: text(manual?.plate), occupants: typeof manual?.occupants === 'number' ? manual.occupants : null, phoneLast4: text(manual?.phoneLast4) }
}

/**
 * What staff did by hand, one count per action: opening the gate (the kiosk's 开闸 and the platform's gate/open),
 * registering a visitor or a vehicle, typing a temperature for a scan (the thermometer offline), an armpit check,
 * acknowledging an alarm (one per alarm; the settling of an alarm by a normal armpit check is that check's), marking
 * a task done.
 */
export interface ManualCounts {
  opens: number
  registrations: number
  temperatures: number
  armpitChecks: number
  acks: number
  tasksDone: number
  /** The gate itself at the kiosk (gate_events by staff): a mode set, a fire reset, a door or enclosure alarm dealt with. */
  gate: number
}

/**
 * The gate's figures between two times: today's on the staff screen and a shift's summary are both this, so they
 * always agree on the same rows. Each decision row counts once (admitted or denied), except an armpit check: it is
 * the next step of a fever already counted (the person was refused, and the fever is theirs), so it is never a
 * second denial nor a second fever; it counts as what staff did.
 */
export interface GateFigures {
  /** Decisions: people scanned, or registered or let through by hand (admitted + denials). */
  entries: number
  admitted: number
  denials: number
  /** Admitted and through the gate, by direction. */
  in: number
  out: number
  /** Admitted while the gate was held closed (remain-closed, reason gate_closed): decided, and not let through. */
  notOpened: number
  /** People refused with a fever (a fever confirmed by the armpit check is still one). */
  fevers: number
  /** Rows made by a person rather than a scan (entries with source override: opens, registrations, armpit checks). */
  overrides: number
  /** Everything staff did by hand (ManualCounts added up). */
  manual: number
  manualBy: ManualCounts
}

export interface Figures {
  day: string
  in: number
  out: number
  denied: number
  fevers: number
  isolated: number
}

export interface EntryRow {
  id: number
  eventId: string
  ts: number
  day: string
  source: string
  direction: 'in' | 'out'
  kind: string | null
  subject: string | null
  passId: string | null
  tempC: number | null
  rechecked: number
  decision: 'admit' | 'deny'
  reasons: string
  scanner: string | null
  staff: string | null
  policyVersion: string
  clockTrusted: number
  detail: string | null
}

const ENTRY_COLUMNS = `id, event_id AS eventId, ts, day, source, direction, kind, subject, pass_id AS passId, temp_c AS tempC,
  rechecked, decision, reasons, scanner, staff, policy_version AS policyVersion, clock_trusted AS clockTrusted, detail`

/** A secondary check that confirms a fever is the staff's own reading: it is published, not sounded again. */
const ALARMING = `decision = 'deny' AND (reasons LIKE '%"fever"%' OR reasons LIKE '%"isolation"%')
  AND NOT (source = 'override' AND detail LIKE '%"reason":"secondary_check"%')`

export class KioskRecords {
  private readonly st: Record<'insert' | 'alarms' | 'acked' | 'gate' | 'acks' | 'tasksDone' | 'gateActs' | 'fevers24' | 'isolated' | 'entry' | 'confirmed', Statement>

  constructor(
    private readonly store: Store,
    private readonly timeZone: string,
    private readonly clock: Clock,
  ) {
    const p = (sql: string): Statement => store.db.prepare(sql)
    this.st = {
      insert: p(`INSERT INTO kiosk_events (event_id, ts, day, kind, staff, entry_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      alarms: p(`SELECT event_id AS entryId, ts, direction, kind AS passKind, subject, pass_id AS passId, temp_c AS tempC, scanner, reasons, source, detail,
        (SELECT s.temp_c FROM entries s WHERE s.ts >= e.ts AND s.source = 'override'
          AND s.detail LIKE '%"feverEntryId":"' || e.event_id || '"%' ORDER BY s.ts DESC, s.id DESC LIMIT 1) AS secondaryC
        FROM entries e WHERE ts >= ? AND ${ALARMING}
        AND NOT EXISTS (SELECT 1 FROM kiosk_events k WHERE k.entry_id = e.event_id AND k.kind LIKE '%_acknowledged')
        ORDER BY ts`),
      acked: p(`SELECT 1 FROM kiosk_events WHERE entry_id = ? AND kind LIKE '%_acknowledged'`),
      // One pass over the rows of the stretch (entries_ts): what each row is, then the counts (GateFigures).
      gate: p(`SELECT coalesce(sum(NOT recheck AND decision = 'admit' AND NOT closed AND direction = 'in'), 0) AS admittedIn,
        coalesce(sum(NOT recheck AND decision = 'admit' AND NOT closed AND direction = 'out'), 0) AS admittedOut,
        coalesce(sum(NOT recheck AND decision = 'admit' AND closed), 0) AS notOpened,
        coalesce(sum(NOT recheck AND decision = 'deny'), 0) AS denials,
        coalesce(sum(NOT recheck AND decision = 'deny' AND reasons LIKE '%"fever"%'), 0) AS fevers,
        coalesce(sum(source = 'override'), 0) AS overrides,
        coalesce(sum(recheck), 0) AS armpitChecks,
        coalesce(sum(why IN ('visitor', 'vehicle')), 0) AS registrations,
        coalesce(sum(source = 'override' AND NOT recheck AND why NOT IN ('visitor', 'vehicle')), 0) AS opens,
        coalesce(sum(source = 'scan' AND staff IS NOT NULL), 0) AS temperatures
        FROM (SELECT decision, direction, source, staff, reasons, why, coalesce(why = 'secondary_check', 0) AS recheck,
          reasons LIKE '%"gate_closed"%' AS closed
          FROM (SELECT decision, direction, source, staff, reasons,
            CASE WHEN source = 'override' THEN coalesce(json_extract(detail, '$.reason'), '') END AS why
            FROM entries WHERE ts >= ? AND ts < ?))`),
      acks: p(`SELECT count(*) AS n FROM kiosk_events WHERE kind IN ('fever_acknowledged', 'isolation_breach_acknowledged') AND ts >= ? AND ts < ?
        AND coalesce(json_extract(detail, '$.via'), '') <> 'secondary_check' AND json_extract(detail, '$.joinedTo') IS NULL`),
      tasksDone: p(`SELECT count(*) AS n FROM task_occurrences WHERE status = 'done' AND done_at >= ? AND done_at < ?`),
      gateActs: p(`SELECT count(*) AS n FROM gate_events WHERE via = 'kiosk' AND ts >= ? AND ts < ?`),
      // The latest armpit reading of each fever, as "decision:temp" (one look-up, not two).
      fevers24: p(`SELECT event_id AS entryId, ts, kind AS passKind, subject, temp_c AS tempC, detail,
        (SELECT s.decision || ':' || coalesce(s.temp_c, '') FROM entries s WHERE s.ts >= ? AND s.source = 'override'
          AND s.detail LIKE '%"feverEntryId":"' || e.event_id || '"%' ORDER BY s.ts DESC, s.id DESC LIMIT 1) AS secondaryLast
        FROM entries e WHERE ts >= ? AND decision = 'deny' AND reasons LIKE '%"fever"%'
        AND NOT (source = 'override' AND detail LIKE '%"reason":"secondary_check"%') ORDER BY ts DESC LIMIT 50`),
      isolated: p(`SELECT count(*) AS n FROM isolation WHERE start_day <= ? AND (end_day IS NULL OR end_day >= ?)`),
      entry: p(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE event_id = ?`),
      // The latest armpit check still a fever of this fever, or of another fever of the same person (the pass, the
      // plate, the visitor: as live.ts joins their alarms), since a time (entries_ts bounds it).
      confirmed: p(`SELECT s.event_id AS eventId, s.temp_c AS tempC, s.ts, f.event_id AS feverEntryId
        FROM entries s JOIN entries f ON f.event_id = json_extract(s.detail, '$.manual.feverEntryId')
        WHERE s.ts >= @since AND s.source = 'override' AND s.decision = 'deny' AND s.temp_c IS NOT NULL
          AND json_extract(s.detail, '$.reason') = 'secondary_check'
          AND (f.event_id = @entryId OR (@passId IS NOT NULL AND f.pass_id = @passId)
            OR (@plate IS NOT NULL AND json_extract(f.detail, '$.manual.plate') = @plate)
            OR (@maskedName IS NOT NULL AND json_extract(f.detail, '$.manual.maskedName') = @maskedName
              AND json_extract(f.detail, '$.manual.phoneLast4') = @phoneLast4 AND json_extract(f.detail, '$.manual.hostUnit') = @hostUnit))
        ORDER BY s.ts DESC, s.id DESC LIMIT 1`),
    }
  }

  /**
   * A kiosk event and, when given, its P/alert message (severity info), committed together; with `shift`, the shift
   * it starts (or, null, ends) in the same transaction, so that the shift row and its login or handover never part.
   */
  record(ev: {
    kind: KioskEventKind
    staff: string
    entryId?: string | null
    detail?: Record<string, unknown>
    alert?: SystemAlert
    shift?: { staff: string; since: number } | null
  }): {
    eventId: string
    seq: number | null
  } {
    const now = this.clock.now()
    const eventId = randomUUID()
    let seq: number | null = null
    this.store.db.transaction(() => {
      this.st.insert.run(eventId, now, localDay(now, this.timeZone), ev.kind, ev.staff, ev.entryId ?? null, ev.detail ? JSON.stringify(ev.detail) : null)
      if (ev.alert) seq = this.store.enqueue([{ ...systemAlertMessage(ev.alert, now), id: eventId }], now)[0] ?? null
      if (ev.shift !== undefined) this.store.setShift(ev.shift)
    })()
    return { eventId, seq }
  }

  /** Alarms not yet acknowledged since `sinceTs` (they survive a page reload and a restart). */
  openAlarms(sinceTs: number): AlarmRow[] {
    type Row = Omit<AlarmRow, 'kind' | 'manual' | 'name' | 'unit' | 'plate' | 'occupants' | 'phoneLast4'> & { reasons: string; source: string; detail: string | null }
    const rows = this.st.alarms.all(sinceTs) as Row[]
    return rows.map(({ reasons, source, detail, ...r }) => ({
      ...r,
      ...whoOf(detail),
      ...vehicleOf(detail),
      kind: reasons.includes('"fever"') ? 'fever' : 'isolation_breach',
      manual: source === 'override',
    }))
  }

  /** Fever denials since `sinceTs` (newest first), each with its latest secondary check, if one was recorded. */
  recentFevers(sinceTs: number): FeverRow[] {
    type Row = Omit<FeverRow, 'secondary' | 'secondaryC' | 'secondaryFever' | 'name' | 'unit'> & { secondaryLast: string | null; detail: string | null }
    const rows = this.st.fevers24.all(sinceTs, sinceTs) as Row[]
    return rows.map(({ detail, secondaryLast, ...r }) => {
      const [decision, temp] = secondaryLast === null ? [null, null] : secondaryLast.split(':')
      const secondaryC = temp === null || temp === undefined || temp === '' ? null : Number(temp)
      return { ...r, ...whoOf(detail), secondary: secondaryLast !== null, secondaryC, secondaryFever: decision === 'deny' }
    })
  }

  /**
   * Whether an armpit check already confirmed this fever (still a fever), or another fever of the same person since
   * `sinceTs`: the latest such check, or null. A normal reading after it does not admit without a word (staff.ts).
   */
  confirmedFever(fever: EntryRow, sinceTs: number): ConfirmedFever | null {
    const manual = manualOf(fever.detail)
    const visitor = [text(manual?.maskedName), text(manual?.phoneLast4), text(manual?.hostUnit)]
    const known = visitor.every((v) => v !== null)
    const row = this.st.confirmed.get({
      since: sinceTs,
      entryId: fever.eventId,
      passId: fever.passId,
      plate: text(manual?.plate),
      maskedName: known ? visitor[0] : null,
      phoneLast4: known ? visitor[1] : null,
      hostUnit: known ? visitor[2] : null,
    }) as ConfirmedFever | undefined
    return row ?? null
  }

  isAcknowledged(entryId: string): boolean {
    return this.st.acked.get(entryId) !== undefined
  }

  entry(eventId: string): EntryRow | null {
    return (this.st.entry.get(eventId) as EntryRow | undefined) ?? null
  }

  /** The gate's figures between two wall-clock times (GateFigures): a day, a shift. */
  gateFigures(from: number, to: number): GateFigures {
    const g = this.st.gate.get(from, to) as {
      admittedIn: number
      admittedOut: number
      notOpened: number
      denials: number
      fevers: number
      overrides: number
      armpitChecks: number
      registrations: number
      opens: number
      temperatures: number
    }
    const manualBy: ManualCounts = {
      opens: g.opens,
      registrations: g.registrations,
      temperatures: g.temperatures,
      armpitChecks: g.armpitChecks,
      acks: (this.st.acks.get(from, to) as { n: number }).n,
      tasksDone: (this.st.tasksDone.get(from, to) as { n: number }).n,
      gate: (this.st.gateActs.get(from, to) as { n: number }).n,
    }
    const admitted = g.admittedIn + g.admittedOut
    return {
      entries: admitted + g.notOpened + g.denials,
      admitted,
      denials: g.denials,
      in: g.admittedIn,
      out: g.admittedOut,
      notOpened: g.notOpened,
      fevers: g.fevers,
      overrides: g.overrides,
      manual: Object.values(manualBy).reduce((a, b) => a + b, 0),
      manualBy,
    }
  }

  /** Today's figures for the staff screen: admitted in and out, denials, fevers (gateFigures of today), isolated households. */
  figures(now = this.clock.now()): Figures {
    const day = localDay(now, this.timeZone)
    const start = dayStartOf(day, this.timeZone)
    const g = this.gateFigures(start, nextPeriod('day', start, this.timeZone))
    return { day, in: g.in, out: g.out, denied: g.denials, fevers: g.fevers, isolated: (this.st.isolated.get(day, day) as { n: number }).n }
  }

  /** What happened at the gate between two wall-clock times (a shift): the same counts as today's figures. */
  shift(from: number, to: number): GateFigures {
    return this.gateFigures(from, to)
  }

  /** Entries of local days `fromDay`..`toDay`, oldest first, a page at a time (see entryPages). */
  exportEntries(fromDay: string, toDay: string, pageSize = 1000): AsyncGenerator<EntryRow[]> {
    return entryPages(this.store.db, this.timeZone, fromDay, toDay, pageSize)
  }
}

/**
 * Entries of local days `fromDay`..`toDay`, oldest first, a page at a time: a month of a busy gate is a few
 * hundred thousand rows, too many to hold in memory or to read in one blocking call. Any connection will do:
 * `estate-gate export` reads the file read-only while the gateway writes it.
 */
export async function* entryPages(db: Pick<Db, 'prepare'>, timeZone: string, fromDay: string, toDay: string, pageSize = 1000): AsyncGenerator<EntryRow[]> {
  const page = db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE ts >= ? AND ts < ? AND (ts > ? OR (ts = ? AND id > ?))
    ORDER BY ts, id LIMIT ?`)
  const from = dayStartOf(fromDay, timeZone)
  const to = nextPeriod('day', dayStartOf(toDay, timeZone), timeZone)
  let lastTs = from - 1
  let lastId = -1
  for (;;) {
    const rows = page.all(from, to, lastTs, lastTs, lastId, pageSize) as EntryRow[]
    if (rows.length === 0) return
    yield rows
    const last = rows.at(-1)!
    lastTs = last.ts
    lastId = last.id
    if (rows.length < pageSize) return
    // Let decisions through between two pages.
    await new Promise((r) => setImmediate(r))
  }
}
