// A corrupt or locked database at start: a clear error or a rebuilt store, the bad file kept aside, no seq reused.
import { fork } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { entryMessage } from '../../gateway/pipeline/pipeline.ts'
import { StoreLockedError } from '../../gateway/store/db.ts'
import { Store, type EntryRecord } from '../../gateway/store/store.ts'
import { entryRecord } from '../helpers/entries.ts'

function entry(i: number): EntryRecord {
  return entryRecord({ ts: Date.UTC(2026, 10, 23, 2, 0) + i * 1000, direction: i % 2 ? 'out' : 'in', subject: `H-${i}`, passId: `p${i}`, tempC: 36.5 })
}

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'estate-gate-recover-')), 'estate-gate.db')

/** A store with n decisions, the first `acked` of them acknowledged (sent); closed. */
function filled(path: string, n: number, acked: number): void {
  const s = new Store(path, { synchronous: 'normal' })
  for (let i = 1; i <= n; i++) {
    const e = entry(i)
    s.recordDecision(e, [entryMessage(e)])
  }
  for (let seq = 1; seq <= acked; seq++) s.acknowledge(seq)
  s.db.pragma('wal_checkpoint(TRUNCATE)')
  s.close()
}

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, bytes, 0, bytes.length, offset)
  closeSync(fd)
}

/** A leaf page of `table` somewhere in the middle, by the dbstat table. */
function middleLeafPage(path: string, table: string): { pageno: number; pageSize: number } {
  const db = new Database(path, { readonly: true })
  const leaves = db.prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno`).all(table) as { pageno: number }[]
  const pageSize = db.pragma('page_size', { simple: true }) as number
  db.close()
  return { pageno: leaves[Math.floor(leaves.length / 2)]!.pageno, pageSize }
}

const opened: Store[] = []
const open = (path: string): Store => {
  const s = new Store(path, { synchronous: 'normal' })
  opened.push(s)
  return s
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close()
})

describe('a corrupt database at start', () => {
  it('garbage over the header: the file is kept aside, a new store opens, and seq goes on above every seq handed out', () => {
    const path = tmp()
    filled(path, 30, 10)
    overwrite(path, 0, Buffer.alloc(100, 0x5a))
    const s = open(path)
    expect(s.recovery).not.toBeNull()
    const rec = s.recovery!
    expect(rec.keptAs).toMatch(/estate-gate\.db\.corrupt-\d{8}T\d{6}$/)
    expect(existsSync(rec.keptAs)).toBe(true)
    expect(rec.error).toMatch(/not a database|malformed/)
    expect(rec.copied).toEqual({})
    // Nothing readable: the reservation beside the database keeps seqs from being reused (30 were handed out).
    expect(rec.seqFloor).toBeGreaterThanOrEqual(30)
    const e = entry(99)
    const [seq] = s.recordDecision(e, [entryMessage(e)])
    expect(seq).toBe(rec.seqFloor + 1)
  })

  it('a bad page deep in the log: open stays quick; after a failed write the next start checks, copies the rest, and the unsent outbox keeps its seqs', () => {
    const path = tmp()
    filled(path, 3000, 1000)
    const { pageno, pageSize } = middleLeafPage(path, 'entries')
    overwrite(path, (pageno - 1) * pageSize, Buffer.alloc(pageSize, 0xa5))
    // The damage is deep in the table: the open probe does not see it, so a big log still starts in a second.
    const first = open(path)
    expect(first.recovery).toBeNull()
    expect(() => first.db.prepare('SELECT sum(rechecked + temp_c) FROM entries').get()).toThrow(/malformed/)
    opened.splice(opened.indexOf(first), 1)
    first.close()
    // What a failed write leaves behind (Store.checked, next test): the next start runs quick_check and rebuilds.
    writeFileSync(`${path}.check`, 'x')

    const s = open(path)
    const rec = s.recovery!
    expect(rec).not.toBeNull()
    expect(existsSync(rec.keptAs)).toBe(true)
    const lost = rec.unreadable.entries ?? 0
    expect(lost).toBeGreaterThan(0)
    expect(lost).toBeLessThan(100)
    expect(rec.copied.entries).toBe(3000 - lost)
    // The outbox pages were intact: all 2,000 unsent rows, with their own seqs, in order.
    expect(rec.copied.outbox).toBe(2000)
    const rows = s.outboxAfter(0, 5000)
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => 1001 + i))
    const e = entry(6000)
    expect(s.recordDecision(e, [entryMessage(e)])[0]).toBeGreaterThan(3000)
    expect(existsSync(`${path}.check`)).toBe(false)
  })

  it('a decision whose write finds the file corrupt fails (the gate stays closed) and flags the file for the next start', () => {
    const path = tmp()
    filled(path, 3000, 0)
    const s = open(path)
    // Garble the page the next entry goes to, behind the open connection, and drop its cached copy.
    const db = new Database(path, { readonly: true })
    const { pageno } = db.prepare(`SELECT max(pageno) AS pageno FROM dbstat WHERE name = 'entries' AND pagetype = 'leaf'`).get() as { pageno: number }
    const pageSize = db.pragma('page_size', { simple: true }) as number
    db.close()
    overwrite(path, (pageno - 1) * pageSize, Buffer.alloc(pageSize, 0xa5))
    s.db.pragma('shrink_memory')
    const e = entry(4000)
    expect(() => s.recordDecision(e, [entryMessage(e)])).toThrow(/malformed|corrupt/)
    expect(existsSync(`${path}.check`)).toBe(true)
  })

  it('a garbled last page is seen at open and rebuilt at once', () => {
    const path = tmp()
    filled(path, 3000, 2990)
    const db = new Database(path, { readonly: true })
    const { pageno } = db.prepare(`SELECT max(pageno) AS pageno FROM dbstat WHERE name = 'entries' AND pagetype = 'leaf'`).get() as { pageno: number }
    const pageSize = db.pragma('page_size', { simple: true }) as number
    db.close()
    overwrite(path, (pageno - 1) * pageSize, Buffer.alloc(pageSize, 0xa5))
    const s = open(path)
    expect(s.recovery).not.toBeNull()
    expect(s.recovery!.copied.outbox).toBe(10)
    expect(s.outboxAfter(0, 100).map((r) => r.seq)).toEqual([2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999, 3000])
    // sqlite_sequence was readable: the seq goes on exactly, the platform sees no gap.
    const e = entry(5000)
    expect(s.recordDecision(e, [entryMessage(e)])).toEqual([3001])
  })
})

describe('a locked database at start', () => {
  it('names the lock and changes nothing', async () => {
    const path = tmp()
    filled(path, 5, 0)
    // Another process holds a write transaction open (a hung old gateway, a sqlite3 shell).
    const holder = fork(join(import.meta.dirname, 'lockHolder.ts'), [path], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
    await new Promise<void>((resolve) => holder.once('message', () => resolve()))
    try {
      let err: unknown
      try {
        open(path)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(StoreLockedError)
      expect((err as Error).message).toMatch(/estate-gate\.db is locked by another process.*nothing was changed/)
      expect(readdirSync(join(path, '..')).filter((f) => f.includes('corrupt'))).toEqual([])
    } finally {
      holder.kill()
      await new Promise((r) => holder.once('exit', r))
    }
    const s = open(path)
    expect(s.recovery).toBeNull()
    expect(s.outboxBacklog().count).toBe(5)
  }, 30_000)
})
