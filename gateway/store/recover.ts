// A database that SQLite calls corrupt at start: the gate must still open (people are waiting), nothing may be lost
// and no seq may be handed out twice. So the bad file is moved aside (kept, never deleted: `sqlite3 FILE .recover`
// may get more out of it later), a fresh database is made, and every row that can still be read is copied over,
// table by table, skipping only the pages that fail. Outbox rows keep their seq, so what waited is still sent.
import Database from 'better-sqlite3'
import { existsSync, renameSync } from 'node:fs'
import type { Db } from './db.ts'

export interface RecoveryReport {
  /** Where the bad file now is (its -wal and -shm beside it). */
  keptAs: string
  /** Why SQLite refused it. */
  error: string
  /** Rows copied and rows lost to unreadable pages, per table. */
  copied: Record<string, number>
  unreadable: Record<string, number>
  /** The new database's outbox continues after this seq. */
  seqFloor: number
}

const CORRUPT = /^SQLITE_(CORRUPT|NOTADB)/
const BUSY = /^SQLITE_(BUSY|LOCKED)/

export function isCorruption(err: unknown): boolean {
  return CORRUPT.test(String((err as { code?: unknown })?.code ?? ''))
}

export function isLocked(err: unknown): boolean {
  return BUSY.test(String((err as { code?: unknown })?.code ?? ''))
}

/** Renames the database and its WAL/SHM to `FILE.corrupt-<time>`; returns the new name of the main file. */
export function setAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*/, '')
  let keptAs = `${path}.corrupt-${stamp}`
  for (let n = 2; existsSync(keptAs); n++) keptAs = `${path}.corrupt-${stamp}-${n}`
  renameSync(path, keptAs)
  // The WAL holds committed transactions not yet in the main file: it goes with it, under the matching name, so
  // that SQLite (and .recover) read both together.
  for (const ext of ['-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, keptAs + ext)
  return keptAs
}

const CHUNK = 500
/** Stop looking for more rows after this many chunks in a row that were empty or unreadable. */
const GIVE_UP_AFTER = 100

/**
 * Copies what can be read from `oldPath` into `db` (already migrated, empty). Returns the counts, the last seq handed
 * out if sqlite_sequence could still be read, and the highest seq among the copied outbox rows.
 */
export function salvage(oldPath: string, db: Db): Pick<RecoveryReport, 'copied' | 'unreadable'> & { knownSeq: number | null; maxRowSeq: number } {
  const copied: Record<string, number> = {}
  const unreadable: Record<string, number> = {}
  let knownSeq: number | null = null
  let maxRowSeq = 0
  let old: Database.Database
  try {
    old = new Database(oldPath, { readonly: true, fileMustExist: true })
    old.prepare('SELECT count(*) FROM sqlite_master').get()
  } catch {
    return { copied, unreadable, knownSeq, maxRowSeq } // not even the schema is readable: nothing to copy
  }
  try {
    try {
      const row = old.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`).get() as { seq: number } | undefined
      knownSeq = row?.seq ?? 0
    } catch {
      // sqlite_sequence unreadable: the outbox rows and the reservation file still give a floor
    }
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((t) => t.name)
    for (const table of tables) {
      let oldCols: Set<string>
      try {
        oldCols = new Set((old.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name))
      } catch {
        continue
      }
      const cols = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name).filter((c) => oldCols.has(c))
      if (cols.length === 0) continue
      const list = cols.map((c) => `"${c}"`).join(', ')
      // The new database's meta holds only what its migrations made (a new seqstream among them): the old values
      // win, so that the rebuilt database keeps its seq stream, site secret and summary start. Other tables start
      // empty, and a duplicate there is the same row twice.
      const verb = table === 'meta' ? 'INSERT OR REPLACE' : 'INSERT OR IGNORE'
      const insert = db.prepare(`${verb} INTO "${table}" (${list}) VALUES (${cols.map(() => '?').join(', ')})`)
      const chunk = old.prepare(`SELECT rowid AS _rowid, ${list} FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ${CHUNK}`)
      const one = old.prepare(`SELECT rowid AS _rowid, ${list} FROM "${table}" WHERE rowid = ?`)
      const put = db.transaction((rows: Record<string, unknown>[]) => {
        for (const r of rows) insert.run(cols.map((c) => r[c]))
      })
      let after = 0
      let n = 0
      let bad = 0
      for (let misses = 0; misses < GIVE_UP_AFTER; ) {
        let rows: Record<string, unknown>[]
        try {
          rows = chunk.all(after) as Record<string, unknown>[]
          if (rows.length === 0) break
          misses = 0
        } catch {
          // A bad page under this range: read its rowids one by one and step over what fails.
          rows = []
          for (let id = after + 1; id <= after + CHUNK; id++) {
            try {
              const r = one.get(id) as Record<string, unknown> | undefined
              if (r) rows.push(r)
            } catch {
              bad++
            }
          }
          if (rows.length === 0) misses++
          else misses = 0
          after += CHUNK
        }
        put(rows)
        n += rows.length
        const last = rows.at(-1)
        if (last) after = Math.max(after, Number(last._rowid))
        if (table === 'outbox' && last) maxRowSeq = Math.max(maxRowSeq, Number(last.seq))
      }
      copied[table] = n
      if (bad > 0) unreadable[table] = bad
    }
  } finally {
    old.close()
  }
  return { copied, unreadable, knownSeq, maxRowSeq }
}
