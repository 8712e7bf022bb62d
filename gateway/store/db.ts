// The local log: better-sqlite3 in WAL mode with versioned migrations. The only importer of better-sqlite3.
import Database from 'better-sqlite3'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations.ts'
import { isCorruption, isLocked, salvage, setAside, type RecoveryReport } from './recover.ts'

export type Db = Database.Database

export interface OpenOptions {
  /** 'full' fsyncs every commit: a decision is on disk before the relay moves (DESIGN section 3.6). */
  synchronous: 'full' | 'normal'
}

export class StoreOpenError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot open the database ${path}: ${(cause as Error).message ?? String(cause)}`, { cause })
    this.name = 'StoreOpenError'
  }
}

export class StoreLockedError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(
      `the database ${path} is locked by another process (another estate-gate running? \`systemctl status estate-gate\`, ` +
        `or a sqlite3 shell or backup holding it open); nothing was changed`,
      { cause },
    )
    this.name = 'StoreLockedError'
  }
}

/**
 * Opens the database, and if SQLite finds it corrupt, sets it aside and starts a new one with every readable row
 * (gateway/store/recover.ts). `reservation` is the highest seq that may have been handed out and the seq stream it
 * was handed out in (kept outside the database), so that a new outbox never reuses a seq and stays in its stream.
 */
export function openStoreDb(path: string, opts: OpenOptions, reservation: () => SeqReservation): { db: Db; recovery: RecoveryReport | null } {
  const checkFlag = `${path}.check`
  try {
    const db = openDb(path, opts)
    // A corruption seen while running leaves this flag; the full check costs seconds on a big log, so only then.
    if (existsSync(checkFlag)) {
      const res = db.pragma('quick_check', { simple: true })
      if (res !== 'ok') {
        db.close()
        throw Object.assign(new Error(`quick_check: ${String(res)}`), { code: 'SQLITE_CORRUPT' })
      }
      rmSync(checkFlag, { force: true })
    }
    return { db, recovery: null }
  } catch (err) {
    const cause = err instanceof StoreOpenError ? err.cause : err
    if (path === ':memory:' || !isCorruption(cause)) throw err
    const keptAs = setAside(path, Date.now())
    const db = openDb(path, opts)
    const fresh = seqstreamOf(db)
    const got = salvage(keptAs, db)
    // The old sqlite_sequence, when readable, is exact: the platform sees no gap. Otherwise the reservation is an
    // upper bound: the platform sees a gap, which is the truth (some messages may be in the file set aside).
    const floor = Math.max(got.maxRowSeq, got.knownSeq ?? reservation().upTo, lastSeq(db))
    setSeq(db, floor)
    // The stream goes on: from the old meta (salvage copied it over the fresh one), else from the reservation.
    const kept = reservation().stream
    if (seqstreamOf(db) === fresh && kept !== null) db.prepare(`UPDATE meta SET value = ? WHERE key = 'seqstream'`).run(kept)
    rmSync(checkFlag, { force: true })
    return { db, recovery: { keptAs, error: (cause as Error).message, copied: got.copied, unreadable: got.unreadable, seqFloor: floor } }
  }
}

/** Asks for a full check at the next start (a query failed with SQLITE_CORRUPT while running). */
export function flagForCheck(path: string): void {
  if (path !== ':memory:') writeFileSync(`${path}.check`, `${new Date().toISOString()}\n`)
}

/** The highest seq ever handed out (sqlite_sequence survives the deletion of acknowledged rows). */
export function lastSeq(db: Db): number {
  const row = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`).get() as { seq: number } | undefined
  return row?.seq ?? 0
}

function setSeq(db: Db, seq: number): void {
  db.transaction(() => {
    db.prepare(`DELETE FROM sqlite_sequence WHERE name = 'outbox'`).run()
    db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)`).run(seq)
  })()
}

export interface SeqReservation {
  /** Every seq handed out is at most this. */
  upTo: number
  /** The seq stream they were handed out in (null: a file written before seqstream existed, or none). */
  stream: string | null
}

/** The seq reservation file, `{upTo} {seqstream}` (see Store); a missing or unreadable file reserves nothing. */
export function readSeqReservation(file: string): SeqReservation {
  try {
    const [upTo, stream] = readFileSync(file, 'utf8').trim().split(/\s+/)
    const n = Number(upTo)
    return { upTo: Number.isSafeInteger(n) && n > 0 ? n : 0, stream: stream && /^[0-9a-z]+$/.test(stream) ? stream : null }
  } catch {
    return { upTo: 0, stream: null }
  }
}

/** The database's seq stream (meta `seqstream`, made by a migration). */
export function seqstreamOf(db: Db): string | null {
  return (db.prepare(`SELECT value FROM meta WHERE key = 'seqstream'`).get() as { value: string } | undefined)?.value ?? null
}

/**
 * The connection's page cache, in SQLite's units (negative: KiB): 2 MB, SQLite's own default. better-sqlite3 is
 * built with SQLITE_DEFAULT_CACHE_SIZE=-16000 (its deps/defines.gypi): 16 MB, which keep every page the growing log
 * allocates until they are full: the soak's steady growth of malloc, about 0.15 MB a minute at 5 people a second
 * (heaptrack: pcache1Alloc under allocateBtreePage, balance, sqlite3BtreeInsert). The gate's own look-ups
 * and inserts touch far less than 2 MB; what falls out comes back from the kernel's file cache, which the kernel
 * can reclaim and RSS does not count. The cost is on big scans: at 1,000,000 entries a whole past day's summary took
 * about 24-36 ms at p50 instead of 17-18 (bench/store.ts), once a day.
 */
export const PAGE_CACHE_SIZE = -2000

export function openDb(path: string, opts: OpenOptions): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: Db | undefined
  try {
    db = new Database(path, { timeout: 5000 })
    db.pragma('journal_mode = WAL')
    // Set on every open: re-opening a WAL database otherwise silently falls back to NORMAL (DEPENDENCIES §6.1).
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    // Bound the WAL file on a small SD card; it never shrinks otherwise.
    db.pragma('journal_size_limit = 67108864')
    db.pragma('foreign_keys = ON')
    db.pragma(`cache_size = ${PAGE_CACHE_SIZE}`)
    migrate(db)
    // Another process holding a write lock shows only at the first write: find out now, not at the first person.
    db.exec('BEGIN IMMEDIATE; COMMIT')
    // Read the last page of every table: a garbled root or header fails here rather than at the gate.
    for (const { name } of db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]) {
      db.prepare(`SELECT max(rowid) FROM "${name}"`).get()
    }
  } catch (err) {
    db?.close()
    if (isLocked(err)) throw new StoreLockedError(path, err)
    throw new StoreOpenError(path, err)
  }
  return db
}

/**
 * Opens an existing database read-only (the CLI's export): no migration, no pragma that writes, so it is safe
 * while the gateway runs; in WAL mode its writes do not block this reader, nor this reader its writes.
 */
export function openDbReadOnly(path: string): Db {
  let db: Db | undefined
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 })
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > MIGRATIONS.length) {
      throw new Error(`database schema version ${version} is newer than this software (${MIGRATIONS.length}); use the estate-gate that wrote it`)
    }
  } catch (err) {
    db?.close()
    throw new StoreOpenError(path, err)
  }
  return db
}

/** Applies every migration newer than the database's user_version, each in its own transaction. */
function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this software (${MIGRATIONS.length}); refusing to downgrade it`)
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
