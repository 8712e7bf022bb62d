// One gateway per data directory, for the process's whole life. A second gateway on the same dataDir would bring
// its relays up and write to the same outbox before its kiosk port clashed; so start takes this lock before any
// device or the store is opened, and refuses at once when another process holds it.
//
// Node has no flock() without a native addon, but SQLite's unix VFS takes POSIX fcntl() locks, which the kernel drops
// when the process dies, kill -9 included: no stale lock can block the next start, and no PID can be mistaken for a
// live holder after it was reused. The lock is an otherwise empty SQLite file held in exclusive locking mode
// (locking_mode=EXCLUSIVE keeps the write lock from the first write until the connection closes). The database
// itself is not locked this way: the export CLI reads it while the gateway runs (WAL).
// A locked file cannot be read, so the holder's PID is written beside it, only by the holder, for the refusal's message.
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isLocked } from './recover.ts'

export const LOCK_FILE = 'estate-gate.lock'
export const PID_FILE = 'estate-gate.pid'

/** Another process holds the data directory (exit 2 at start: a restart cannot make it free). */
export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    /** The holder's PID as it wrote it, or null when it could not be read (a holder that has not written it yet). */
    readonly pid: number | null,
  ) {
    const holder = pid === null ? 'PID unknown' : `PID ${pid}`
    super(`the data directory ${dataDir} is in use by another estate-gate (${holder}); only one gateway may run on a dataDir (systemctl status estate-gate, or give this one another dataDir); nothing was started`)
    this.name = 'DataDirBusyError'
  }
}

export interface DataDirLock {
  readonly dataDir: string
  /** Releases the lock (the process's exit does it too). */
  release(): void
}

/**
 * Takes the data directory's lock (creating the directory if need be) or throws DataDirBusyError naming the holder.
 * Other failures (a directory that cannot be created or written) throw as they are.
 */
export function lockDataDir(dir: string): DataDirLock {
  const dataDir = resolve(dir)
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, LOCK_FILE)
  const pidFile = join(dataDir, PID_FILE)
  // timeout 0: a held lock is an answer, not something to wait for.
  const db = new Database(file, { timeout: 0 })
  try {
    // No journal file beside the lock; nothing is ever written into it but the lock itself.
    db.pragma('journal_mode = OFF')
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE; COMMIT')
  } catch (err) {
    db.close()
    if (isLocked(err)) throw new DataDirBusyError(dataDir, readPid(pidFile))
    throw err
  }
  // The previous holder's file (after a kill -9) is simply overwritten: the lock, not this file, is the authority.
  writeFileSync(pidFile, `${process.pid}\n`)
  // A connection that is collected closes and drops the lock: the returned object keeps it referenced.
  let held = true
  return {
    dataDir,
    release: () => {
      if (!held) return
      held = false
      if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true })
      db.close()
    },
  }
}

function readPid(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim())
    return Number.isSafeInteger(n) && n > 0 ? n : null
  } catch {
    return null
  }
}
