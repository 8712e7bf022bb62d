// Corrupting a database the way a worn SD card does: one page of a table overwritten with garbage, after a checkpoint
// so that the page is in the main file. For the recovery tests.
import { closeSync, openSync, writeSync } from 'node:fs'
import Database from 'better-sqlite3'

/** Overwrites the last leaf page of `table` in the database file at `path` (which no one has open). */
export function garbleLastLeafPage(path: string, table: string): void {
  const db = new Database(path)
  db.pragma('wal_checkpoint(TRUNCATE)')
  const { pageno } = db.prepare(`SELECT max(pageno) AS pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'`).get(table) as { pageno: number }
  const pageSize = db.pragma('page_size', { simple: true }) as number
  db.close()
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (pageno - 1) * pageSize)
  closeSync(fd)
}
