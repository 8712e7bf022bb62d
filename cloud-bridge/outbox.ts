// What the bridge needs from the outbox, and its implementation over the gateway's Store. The Store's own
// acknowledge(seq) is one autocommit (one fsync under synchronous=FULL) per message; at drain rates that is the
// bottleneck, so acknowledgements are deleted here in one transaction per batch, on the Store's connection, and
// a run of consecutive seqs (the usual case: PUBACKs come back in order) is one range DELETE rather than one
// statement per row (0.6-1 µs a row against 1.5-2.5 µs; the commit, 3-6 µs a row, is the same either way).
import type { Statement } from 'better-sqlite3'
import type { OutboxRow, Store } from '../gateway/store/store.ts'

export interface BridgeOutbox {
  /** Rows with seq > `seq`, in seq order. */
  outboxAfter(seq: number, limit: number): OutboxRow[]
  outboxBacklog(): { count: number; firstSeq: number | null }
  /** The highest seq ever handed out. */
  lastSeq(): number
  /** Deletes rows the broker acknowledged (PUBACK), in one transaction. */
  acknowledgeMany(seqs: readonly number[]): void
  /** Moves a row the broker refuses out of the outbox into `outbox_refused`, for a human. Never deletes it. */
  refuse(seq: number, reason: string, now: number): void
  refusedCount(): number
  /** The CloudEvents extension `seqstream` of every event from this outbox (gateway/store Store.seqstream). */
  seqstream(): string
}

export interface RefusedRow extends OutboxRow {
  reason: string
  refusedAt: number
}

// outbox_refused is in the same database as the outbox, so that moving a row is one transaction; it is created by
// the store's migrations (gateway/store/migrations.ts), so a database rebuilt after corruption keeps its rows.

type RawRow = [number, string, string, string, string, string, number, number]

export function storeOutbox(store: Store): BridgeOutbox {
  const db = store.db
  const del: Statement = db.prepare('DELETE FROM outbox WHERE seq = ?')
  const delRange: Statement = db.prepare('DELETE FROM outbox WHERE seq BETWEEN ? AND ?')
  const copy: Statement = db.prepare(`INSERT OR REPLACE INTO outbox_refused (seq, id, topic, type, time, data, created_at, reason, refused_at)
    SELECT seq, id, topic, type, time, data, created_at, ?, ? FROM outbox WHERE seq = ?`)
  const count: Statement = db.prepare('SELECT count(*) AS n FROM outbox_refused')
  // Raw arrays mapped to objects in JS: about 40 % cheaper than better-sqlite3 building the row objects.
  const after: Statement = db
    .prepare('SELECT seq, id, topic, type, time, data, created_at, resend FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?')
    .raw(true)
  const ackMany = db.transaction((seqs: readonly number[]) => {
    // Only runs of seqs that were all acknowledged become ranges: a row between two acknowledged ones that was not
    // (skipped after a failed refusal, or resent later) is never inside a range.
    const sorted = isAscending(seqs) ? seqs : [...seqs].sort((a, b) => a - b)
    let lo = sorted[0]!
    let hi = lo
    for (let i = 1; i < sorted.length; i++) {
      const s = sorted[i]!
      if (s === hi + 1 || s === hi) {
        hi = s
        continue
      }
      delRange.run(lo, hi)
      lo = hi = s
    }
    delRange.run(lo, hi)
  })
  const refuse = db.transaction((seq: number, reason: string, now: number) => {
    if (copy.run(reason, now, seq).changes === 1) del.run(seq)
  })
  return {
    outboxAfter: (seq, limit) =>
      (after.all(seq, limit) as RawRow[]).map((r) =>
        r[7] === 1
          ? { seq: r[0], id: r[1], topic: r[2], type: r[3], time: r[4], data: r[5], createdAt: r[6], resend: true }
          : { seq: r[0], id: r[1], topic: r[2], type: r[3], time: r[4], data: r[5], createdAt: r[6] },
      ),
    outboxBacklog: () => store.outboxBacklog(),
    lastSeq: () => store.lastSeq(),
    acknowledgeMany: (seqs) => {
      if (seqs.length > 0) withoutFsync(db, () => ackMany(seqs))
    },
    refuse: (seq, reason, now) => refuse(seq, reason, now),
    refusedCount: () => (count.get() as { n: number }).n,
    seqstream: () => store.seqstream(),
  }
}

/**
 * Deleting delivered rows needs no fsync of its own, so it does not hold the event loop for one (2-20 ms on a Pi's
 * SD card, while a person may be waiting for the relay): a crash of the process keeps the commit (WAL pages written
 * are the kernel's), only a power cut can lose it, and then the platform gets those messages again (it dedupes by
 * id), never fewer. The next entry's commit, at synchronous FULL, syncs it anyway.
 */
function withoutFsync(db: Store['db'], fn: () => void): void {
  const was = db.pragma('synchronous', { simple: true }) as number
  if (was <= 1) return fn()
  db.pragma('synchronous = NORMAL')
  try {
    fn()
  } finally {
    db.pragma(`synchronous = ${was}`)
  }
}

function isAscending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[i - 1]!) return false
  return true
}

/** The refused rows, oldest first (the technicians' page and tests). */
export function refusedRows(store: Store): RefusedRow[] {
  return store.db
    .prepare(`SELECT seq, id, topic, type, time, data, created_at AS createdAt, reason, refused_at AS refusedAt
      FROM outbox_refused ORDER BY seq`)
    .all() as RefusedRow[]
}
