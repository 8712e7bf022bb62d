// The local log: better-sqlite3 in WAL mode with versioned migrations. The only importer of better-sqlite3.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations.ts'

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

export function openDb(path: string, opts: OpenOptions): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: Db
  try {
    db = new Database(path, { timeout: 5000 })
    db.pragma('journal_mode = WAL')
    // Set on every open: re-opening a WAL database otherwise silently falls back to NORMAL (DEPENDENCIES §6.1).
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    // Bound the WAL file on a small SD card; it never shrinks otherwise.
    db.pragma('journal_size_limit = 67108864')
    db.pragma('foreign_keys = ON')
    migrate(db)
  } catch (err) {
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
