// seqstream (DESIGN section 7): one id per database, made when it is made, kept through a rebuild after corruption,
// so that the platform tells a replaced SD card (a new stream, seq from 1) from a gate that lost messages (a gap).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { entryMessage } from '../../gateway/pipeline/pipeline.ts'
import { Store } from '../../gateway/store/store.ts'
import { entryRecord } from '../helpers/entries.ts'

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'estate-gate-seqstream-')), 'estate-gate.db')
const opened: Store[] = []
const open = (path: string): Store => {
  const s = new Store(path, { synchronous: 'normal' })
  opened.push(s)
  return s
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close()
})

function decide(s: Store, n: number): number[] {
  const seqs: number[] = []
  for (let i = 0; i < n; i++) {
    const e = entryRecord({ ts: Date.UTC(2026, 10, 23, 2, 0) + i * 1000 })
    seqs.push(...s.recordDecision(e, [entryMessage(e)]))
  }
  return seqs
}

function closeAll(): void {
  for (const s of opened.splice(0)) s.close()
}

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, bytes, 0, bytes.length, offset)
  closeSync(fd)
}

describe('seqstream', () => {
  it('a new database makes a new stream (lowercase letters and digits), kept across restarts', () => {
    const a = tmp()
    const first = open(a).seqstream()
    expect(first).toMatch(/^[0-9a-z]{32}$/)
    expect(open(tmp()).seqstream()).not.toBe(first)
    expect(new Store(':memory:', { synchronous: 'normal' }).seqstream()).toMatch(/^[0-9a-z]{32}$/)
    closeAll()
    expect(open(a).seqstream()).toBe(first)
  })

  it('a replaced SD card: a new database beside a stale reservation starts a new stream at seq 1', () => {
    const path = tmp()
    const old = open(path)
    const oldStream = old.seqstream()
    decide(old, 3)
    closeAll()
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true })
    const fresh = open(path)
    expect(fresh.seqstream()).not.toBe(oldStream)
    expect(decide(fresh, 1)).toEqual([1])
    // The reservation now belongs to the new stream.
    expect(readFileSync(`${path}.seq`, 'utf8').trim().split(' ')[1]).toBe(fresh.seqstream())
  })

  it('a database rebuilt after corruption keeps its stream: meta readable (a bad last page elsewhere)', () => {
    const path = tmp()
    const s = open(path)
    const stream = s.seqstream()
    decide(s, 3000)
    s.db.pragma('wal_checkpoint(TRUNCATE)')
    closeAll()
    const db = new Database(path, { readonly: true })
    const { pageno } = db.prepare(`SELECT max(pageno) AS pageno FROM dbstat WHERE name = 'entries' AND pagetype = 'leaf'`).get() as { pageno: number }
    const pageSize = db.pragma('page_size', { simple: true }) as number
    db.close()
    overwrite(path, (pageno - 1) * pageSize, Buffer.alloc(pageSize, 0xa5))
    const rebuilt = open(path)
    expect(rebuilt.recovery).not.toBeNull()
    expect(rebuilt.seqstream()).toBe(stream)
    expect(decide(rebuilt, 1)).toEqual([3001])
  })

  it('a database rebuilt after corruption keeps its stream: nothing readable (garbage over the header), from the reservation', () => {
    const path = tmp()
    const s = open(path)
    const stream = s.seqstream()
    decide(s, 30)
    s.db.pragma('wal_checkpoint(TRUNCATE)')
    closeAll()
    overwrite(path, 0, Buffer.alloc(100, 0x5a))
    const rebuilt = open(path)
    expect(rebuilt.recovery).not.toBeNull()
    expect(rebuilt.recovery!.copied).toEqual({})
    expect(rebuilt.seqstream()).toBe(stream)
    // Same stream, seq above every seq that may have been handed out: the platform sees a gap, which is true.
    expect(decide(rebuilt, 1)[0]).toBeGreaterThan(30)
    closeAll()
    expect(open(path).seqstream()).toBe(stream)
  })
})
