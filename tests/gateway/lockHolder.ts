// Holds a write transaction on the database given as argv[2] until killed (tests/gateway/recover.test.ts).
import Database from 'better-sqlite3'

const db = new Database(process.argv[2]!)
db.exec('BEGIN IMMEDIATE')
db.prepare(`INSERT INTO meta (key, value) VALUES ('held', '1') ON CONFLICT(key) DO UPDATE SET value = '1'`).run()
process.send?.('locked')
// The interval keeps a reference: a collected connection would close and release the lock.
setInterval(() => db.open, 60_000)
