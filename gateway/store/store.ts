// Entries, the outbox and the lists, over one SQLite connection. Every write the gate depends on is a
// prepared statement inside a short transaction: the event loop is blocked for a fsync, never for a scan.
import type { Statement } from 'better-sqlite3'
import { fsyncSync, closeSync, openSync, renameSync, writeSync } from 'node:fs'
import { flagForCheck, lastSeq, openStoreDb, readSeqReservation, seqstreamOf, type Db, type OpenOptions } from './db.ts'
import { isCorruption, type RecoveryReport } from './recover.ts'

export type Direction = 'in' | 'out'
export type Decision = 'admit' | 'deny'

export interface EntryRecord {
  eventId: string
  ts: number
  day: string
  clockTrusted: boolean
  bootId: string
  /** exit: the exit button was pressed (gateway/gate): someone went out without a pass. */
  source: 'scan' | 'override' | 'exit'
  direction: Direction
  kind: string | null
  subject: string | null
  passId: string | null
  codeHash: string | null
  tempC: number | null
  rechecked: boolean
  decision: Decision
  reasons: readonly string[]
  scanner: string | null
  staff: string | null
  policyVersion: string
  detail: Record<string, unknown> | null
}

/** Something a person did to the gate itself (gateway/gate): a mode change, a fire reset. */
export interface GateEventRecord {
  ts: number
  kind: 'gate_mode_changed' | 'fire_reset' | 'door_forced_open_acknowledged' | 'door_held_open_acknowledged' | 'tamper_acknowledged'
  via: 'kiosk' | 'platform'
  staff: string | null
  requestId: string | null
  detail: Record<string, unknown>
}

/** One applied configuration change (values masked). */
export interface ConfigChangeRecord {
  ts: number
  via: 'platform' | 'kiosk'
  staff: string | null
  requestId: string | null
  keys: readonly string[]
  old: Record<string, unknown>
  new: Record<string, unknown>
}

/** A message for the uplink. The CloudEvents envelope (specversion, source, seq, seqstream, historical) is added on send. */
export interface OutboxMessage {
  id: string
  topic: string
  type: string
  time: string
  data: unknown
  /** A copy of something sent before (summary/resend): published unretained and marked `resend: true`. */
  resend?: boolean
}

export interface OutboxRow {
  seq: number
  id: string
  topic: string
  type: string
  time: string
  data: string
  createdAt: number
  /** See OutboxMessage.resend. */
  resend?: boolean
}

/**
 * Seqs are reserved in blocks in a small file beside the database, so that a database lost to corruption (set aside,
 * gateway/store/recover.ts) never makes a seq be handed out twice: the new outbox starts above the reservation.
 * One fsynced write per block keeps it off the hot path.
 */
const SEQ_BLOCK = 10_000

export class Store {
  readonly db: Db
  /** Set when the database was found corrupt at open and rebuilt from what could be read. */
  readonly recovery: RecoveryReport | null
  private readonly seqFile: string | null
  private seqReserved: number
  private readonly stream: string
  /**
   * Seqs of queued messages for the platform alone (a duress alert, gateway/kiosk/duress.ts) that the gate's own
   * screens and displays must not count: a queue chip one higher than after an ordinary login would give it away.
   * In memory: after a restart such a row still waiting is counted (it is sent first once the uplink is back).
   */
  private readonly unlisted = new Set<number>()
  private readonly st: {
    insertEntry: Statement
    insertOutbox: Statement
    lastAdmit: Statement
    outings: Statement
    isolated: Statement
    revoked: Statement
    metaGet: Statement
    metaSet: Statement
    outboxAfter: Statement
    outboxCount: Statement
    outboxDelete: Statement
  }
  private readonly commitDecision: (entry: EntryRecord, messages: readonly OutboxMessage[]) => number[]

  constructor(
    private readonly path: string,
    opts: OpenOptions,
  ) {
    this.seqFile = path === ':memory:' ? null : `${path}.seq`
    const reserved = this.seqFile ? readSeqReservation(this.seqFile) : { upTo: 0, stream: null }
    const opened = openStoreDb(path, opts, () => reserved)
    this.db = opened.db
    this.recovery = opened.recovery
    const stream = seqstreamOf(this.db)
    if (!stream) throw new Error(`the database ${path} has no seqstream in meta`)
    this.stream = stream
    // A reservation left by another database (this one is new) is not this stream's: the first seq rewrites it.
    this.seqReserved = reserved.stream === null || reserved.stream === this.stream ? reserved.upTo : 0
    const p = (sql: string): Statement => this.db.prepare(sql)
    this.st = {
      insertEntry: p(`INSERT INTO entries (event_id, ts, day, clock_trusted, boot_id, source, direction, kind, subject,
        pass_id, code_hash, temp_c, rechecked, decision, reasons, scanner, staff, policy_version, detail)
        VALUES (@eventId, @ts, @day, @clockTrusted, @bootId, @source, @direction, @kind, @subject, @passId, @codeHash,
        @tempC, @rechecked, @decision, @reasons, @scanner, @staff, @policyVersion, @detail)`),
      insertOutbox: p(`INSERT INTO outbox (id, topic, type, time, data, created_at, resend) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      lastAdmit: p(`SELECT direction FROM entries WHERE pass_id = ? AND decision = 'admit' ORDER BY id DESC LIMIT 1`),
      outings: p(`SELECT count(*) AS n FROM entries
        WHERE subject = ? AND direction = 'out' AND decision = 'admit' AND ts >= ?`),
      isolated: p(`SELECT 1 FROM isolation WHERE subject = ? AND start_day <= ? AND (end_day IS NULL OR end_day >= ?)`),
      revoked: p(`SELECT 1 FROM revoked WHERE pass_id = ?`),
      metaGet: p(`SELECT value FROM meta WHERE key = ?`),
      metaSet: p(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      outboxAfter: p(`SELECT seq, id, topic, type, time, data, created_at AS createdAt, resend FROM outbox
        WHERE seq > ? ORDER BY seq LIMIT ?`),
      outboxCount: p(`SELECT count(*) AS n, min(seq) AS first FROM outbox`),
      outboxDelete: p(`DELETE FROM outbox WHERE seq = ?`),
    }
    this.commitDecision = this.db.transaction((entry: EntryRecord, messages: readonly OutboxMessage[]) => {
      this.st.insertEntry.run({
        ...entry,
        clockTrusted: entry.clockTrusted ? 1 : 0,
        rechecked: entry.rechecked ? 1 : 0,
        reasons: JSON.stringify(entry.reasons),
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      })
      return messages.map((m) => this.insertMessage(m, entry.ts))
    })
  }

  /** The entry row and its outbox messages in one transaction; returns the messages' seq numbers. */
  recordDecision(entry: EntryRecord, messages: readonly OutboxMessage[]): number[] {
    return this.checked(() => this.commitDecision(entry, messages))
  }

  /** Messages without an entry row (task events, summaries, device alerts). */
  enqueue(messages: readonly OutboxMessage[], now: number): number[] {
    return this.checked(() => this.db.transaction(() => messages.map((m) => this.insertMessage(m, now)))())
  }

  /** Messages for the platform alone: queued as by enqueue, left out of localBacklog while they wait. */
  enqueueUnlisted(messages: readonly OutboxMessage[], now: number): number[] {
    const seqs = this.enqueue(messages, now)
    for (const seq of seqs) this.unlisted.add(seq)
    return seqs
  }

  /**
   * The backlog as the gate itself shows it (the kiosk's queue chip, a local display's status): outboxBacklog without
   * the unlisted rows still waiting. The outbox drains in seq order, so one below the first waiting seq has gone.
   */
  localBacklog(): { count: number; firstSeq: number | null } {
    const b = this.outboxBacklog()
    if (this.unlisted.size === 0) return b
    let hidden = 0
    for (const seq of this.unlisted) {
      if (b.firstSeq === null || seq < b.firstSeq) this.unlisted.delete(seq)
      else hidden++
    }
    return { count: Math.max(0, b.count - hidden), firstSeq: b.firstSeq }
  }

  /** A write that finds the file corrupt asks for the full check (and, if need be, the rebuild) at the next start. */
  private checked<T>(write: () => T): T {
    try {
      return write()
    } catch (err) {
      if (isCorruption(err)) flagForCheck(this.path)
      throw err
    }
  }

  private insertMessage(m: OutboxMessage, now: number): number {
    const info = this.st.insertOutbox.run(m.id, m.topic, m.type, m.time, JSON.stringify(m.data), now, m.resend ? 1 : 0)
    const seq = Number(info.lastInsertRowid)
    // Inside the transaction, so the reservation is on disk before the message can be committed or sent.
    if (seq > this.seqReserved) this.reserveSeqs(seq + SEQ_BLOCK)
    return seq
  }

  private reserveSeqs(upTo: number): void {
    this.seqReserved = upTo
    if (!this.seqFile) return
    const tmp = `${this.seqFile}.tmp`
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, `${upTo} ${this.stream}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.seqFile)
  }

  /** Direction of this pass's last admitted passage, for anti-passback. */
  lastAdmittedDirection(passId: string): Direction | null {
    const row = this.st.lastAdmit.get(passId) as { direction: Direction } | undefined
    return row?.direction ?? null
  }

  /** Admitted outings of a household since `sinceTs`, for the household quota. */
  outingsSince(subject: string, sinceTs: number): number {
    return (this.st.outings.get(subject, sinceTs) as { n: number }).n
  }

  isIsolated(subject: string, day: string): boolean {
    return this.st.isolated.get(subject, day, day) !== undefined
  }

  isRevoked(passId: string): boolean {
    return this.st.revoked.get(passId) !== undefined
  }

  /** Replaces the isolation list (the central platform sends it whole). */
  replaceIsolation(list: readonly { subject: string; startDay: string; endDay: string | null; note?: string | null }[]): void {
    const ins = this.db.prepare(`INSERT INTO isolation (subject, start_day, end_day, note) VALUES (?, ?, ?, ?)`)
    this.db.transaction(() => {
      this.db.exec('DELETE FROM isolation')
      for (const i of list) ins.run(i.subject, i.startDay, i.endDay, i.note ?? null)
    })()
  }

  replaceRevoked(passIds: readonly string[], now: number): void {
    const ins = this.db.prepare(`INSERT OR IGNORE INTO revoked (pass_id, added_at) VALUES (?, ?)`)
    this.db.transaction(() => {
      this.db.exec('DELETE FROM revoked')
      for (const id of passIds) ins.run(id, now)
    })()
  }

  getMeta(key: string): string | null {
    return (this.st.metaGet.get(key) as { value: string } | undefined)?.value ?? null
  }

  setMeta(key: string, value: string): void {
    this.st.metaSet.run(key, value)
  }

  outboxAfter(seq: number, limit: number): OutboxRow[] {
    return (this.st.outboxAfter.all(seq, limit) as (Omit<OutboxRow, 'resend'> & { resend: number })[]).map(({ resend, ...row }) =>
      resend === 1 ? { ...row, resend: true } : row,
    )
  }

  /**
   * The id of this database's seq stream (CloudEvents extension `seqstream`): made with the database, kept through
   * a rebuild after corruption, new only with a new database, whose seq starts again at 1.
   */
  seqstream(): string {
    return this.stream
  }

  outboxBacklog(): { count: number; firstSeq: number | null } {
    const row = this.st.outboxCount.get() as { n: number; first: number | null }
    return { count: row.n, firstSeq: row.first }
  }

  /** Called once the broker acknowledged the message (PUBACK). */
  acknowledge(seq: number): void {
    this.st.outboxDelete.run(seq)
  }

  /** The highest seq ever handed out (survives deletion of acknowledged rows). */
  lastSeq(): number {
    return lastSeq(this.db)
  }

  /**
   * Claims a platform request id: true the first time, false if it was seen before (a replay). Rows past their
   * request's expiry by more than `keepMs` are dropped first: a replay that old is refused as expired anyway.
   */
  claimRequest(requestId: string, command: string, expiresAt: number, now: number, keepMs: number): boolean {
    return this.db.transaction(() => {
      this.db.prepare(`DELETE FROM seen_requests WHERE expires_at < ?`).run(now - keepMs)
      const info = this.db
        .prepare(`INSERT OR IGNORE INTO seen_requests (request_id, command, expires_at, seen_at) VALUES (?, ?, ?, ?)`)
        .run(requestId, command, expiresAt, now)
      return info.changes === 1
    })()
  }

  /**
   * An applied config change: its row and its alert in one transaction. `persist` (writing the overrides file) runs
   * inside it, so a change that could not be persisted leaves no row, and a row always means it was persisted.
   */
  recordConfigChange(change: ConfigChangeRecord, alert: OutboxMessage, persist: () => void): number {
    return this.checked(() =>
      this.db.transaction(() => {
        this.db
          .prepare(`INSERT INTO config_changes (event_id, ts, via, staff, request_id, keys, old_values, new_values)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(alert.id, change.ts, change.via, change.staff, change.requestId, JSON.stringify(change.keys), JSON.stringify(change.old), JSON.stringify(change.new))
        const seq = this.insertMessage(alert, change.ts)
        persist()
        return seq
      })(),
    )
  }

  /**
   * A gate event: its row, the meta keys it changes (the mode in force) and its alert, in one transaction, so that a
   * mode the gate comes back in after a restart was always announced, and an announced one always kept.
   */
  recordGateEvent(ev: GateEventRecord, meta: Readonly<Record<string, string>>, alert: OutboxMessage): number {
    return this.checked(() =>
      this.db.transaction(() => {
        this.db
          .prepare(`INSERT INTO gate_events (event_id, ts, kind, via, staff, request_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`)
          .run(alert.id, ev.ts, ev.kind, ev.via, ev.staff, ev.requestId, JSON.stringify(ev.detail))
        for (const [k, v] of Object.entries(meta)) this.st.metaSet.run(k, v)
        return this.insertMessage(alert, ev.ts)
      })(),
    )
  }

  /** Meta keys and outbox messages together (gate state that goes with its alert); returns the messages' seqs. */
  setMetaAndEnqueue(meta: Readonly<Record<string, string>>, messages: readonly OutboxMessage[], now: number): number[] {
    return this.checked(() =>
      this.db.transaction(() => {
        for (const [k, v] of Object.entries(meta)) this.st.metaSet.run(k, v)
        return messages.map((m) => this.insertMessage(m, now))
      })(),
    )
  }

  /** The latest gate events, newest first (tests, the tech page). */
  gateEvents(limit: number): (GateEventRecord & { eventId: string })[] {
    const rows = this.db
      .prepare(`SELECT event_id AS eventId, ts, kind, via, staff, request_id AS requestId, detail FROM gate_events ORDER BY id DESC LIMIT ?`)
      .all(limit) as (Omit<GateEventRecord, 'detail'> & { eventId: string; detail: string | null })[]
    return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : {} }))
  }

  /** The kiosk shift in force: who is on duty since when (kiosk_shift), or null. */
  currentShift(): { staff: string; since: number } | null {
    return (this.db.prepare(`SELECT staff, since FROM kiosk_shift WHERE id = 1`).get() as { staff: string; since: number } | undefined) ?? null
  }

  /** Starts (`shift`) or ends (null) the kiosk shift; called inside the transaction of its kiosk record. */
  setShift(shift: { staff: string; since: number } | null): void {
    if (shift === null) this.db.prepare(`DELETE FROM kiosk_shift`).run()
    else this.db.prepare(`INSERT INTO kiosk_shift (id, staff, since) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET staff = excluded.staff, since = excluded.since`).run(shift.staff, shift.since)
  }

  recentEntries(limit: number): Record<string, unknown>[] {
    return this.db
      .prepare(`SELECT id, event_id AS eventId, ts, direction, kind, subject, pass_id AS passId, temp_c AS tempC, rechecked,
        decision, reasons, scanner, staff, source FROM entries ORDER BY id DESC LIMIT ?`)
      .all(limit) as Record<string, unknown>[]
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
