import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { entryMessage } from '../../gateway/pipeline/pipeline.ts'
import { Store } from '../../gateway/store/store.ts'
import { garbleLastLeafPage } from '../helpers/corrupt.ts'
import { entryRecord } from '../helpers/entries.ts'

const entry = entryRecord

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'estate-gate-store-')), 'gate.db')

describe('store', () => {
  it('commits the entry row and its outbox message together, with seq growing by one', () => {
    const s = new Store(tmp(), { synchronous: 'full' })
    const e1 = entry()
    const e2 = entry({ passId: 'p2' })
    expect(s.recordDecision(e1, [entryMessage(e1)])).toEqual([1])
    expect(s.recordDecision(e2, [entryMessage(e2), { ...entryMessage(e2), id: randomUUID(), topic: 'alert' }])).toEqual([2, 3])
    const rows = s.outboxAfter(0, 10)
    expect(rows.map((r) => [r.seq, r.topic])).toEqual([[1, 'entry'], [2, 'entry'], [3, 'alert']])
    expect(JSON.parse(rows[0]!.data)).toMatchObject({ decision: 'admit', tempC: 36.6, passId: 'p1', reasons: [] })
    s.close()
  })

  it('rolls back both when one insert fails, and consumes no seq', () => {
    const s = new Store(tmp(), { synchronous: 'full' })
    const e = entry()
    s.recordDecision(e, [entryMessage(e)])
    const dup = entry({ eventId: e.eventId })
    expect(() => s.recordDecision(dup, [{ ...entryMessage(dup), id: randomUUID() }])).toThrow(/UNIQUE/)
    expect(s.outboxBacklog().count).toBe(1)
    const e3 = entry()
    expect(s.recordDecision(e3, [entryMessage(e3)])).toEqual([2])
    s.close()
  })

  it('keeps seq over the whole life: acknowledged rows deleted, database reopened', () => {
    const path = tmp()
    let s = new Store(path, { synchronous: 'full' })
    for (let i = 0; i < 3; i++) {
      const e = entry()
      s.recordDecision(e, [entryMessage(e)])
    }
    for (const r of s.outboxAfter(0, 10)) s.acknowledge(r.seq)
    expect(s.outboxBacklog()).toEqual({ count: 0, firstSeq: null })
    s.close()
    s = new Store(path, { synchronous: 'full' })
    const e = entry()
    expect(s.recordDecision(e, [entryMessage(e)])).toEqual([4])
    expect(s.lastSeq()).toBe(4)
    s.close()
  })

  it('reopens in WAL with synchronous FULL (the pragma is not sticky)', () => {
    const path = tmp()
    new Store(path, { synchronous: 'full' }).close()
    const s = new Store(path, { synchronous: 'full' })
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2)
    s.close()
  })

  it('answers the rule look-ups: anti-passback, quota, isolation by date, revocation', () => {
    const s = new Store(tmp(), { synchronous: 'normal' })
    const t0 = Date.UTC(2026, 10, 20)
    s.recordDecision(entry({ passId: 'p9', direction: 'in' }), [])
    s.recordDecision(entry({ passId: 'p9', direction: 'out', ts: t0 }), [])
    s.recordDecision(entry({ passId: 'p9', direction: 'in', decision: 'deny', reasons: ['fever'] }), [])
    expect(s.lastAdmittedDirection('p9')).toBe('out')
    expect(s.lastAdmittedDirection('nobody')).toBeNull()
    expect(s.outingsSince('H-3-1-502', t0)).toBe(1)
    expect(s.outingsSince('H-3-1-502', t0 + 1)).toBe(0)
    s.replaceIsolation([{ subject: 'H-1-1-101', startDay: '2026-11-20', endDay: '2026-12-03' }])
    expect(s.isIsolated('H-1-1-101', '2026-11-23')).toBe(true)
    expect(s.isIsolated('H-1-1-101', '2026-12-04')).toBe(false)
    expect(s.isIsolated('H-1-1-101', '2026-11-19')).toBe(false)
    s.replaceRevoked(['p1'], t0)
    expect(s.isRevoked('p1')).toBe(true)
    expect(s.isRevoked('p2')).toBe(false)
    s.close()
  })

  it('refuses a database from a newer version of the software', () => {
    const path = tmp()
    new Store(path, { synchronous: 'full' }).close()
    const raw = new Database(path)
    raw.pragma('user_version = 99')
    raw.close()
    expect(() => new Store(path, { synchronous: 'full' })).toThrow(/schema version 99 is newer/)
  })
})

describe('migrations', () => {
  it('keeps the lifetime seq when the outbox table is rebuilt (migration 3), even with every row acknowledged', async () => {
    const { MIGRATIONS } = await import('../../gateway/store/migrations.ts')
    const path = tmp()
    const raw = new Database(path)
    raw.exec(MIGRATIONS[0]!)
    raw.exec(MIGRATIONS[1]!)
    raw.pragma('user_version = 2')
    const ins = raw.prepare(`INSERT INTO outbox (id, topic, type, time, data, created_at) VALUES (?, 'entry', 't', 't', '{}', 0)`)
    for (let i = 0; i < 7; i++) ins.run(randomUUID())
    raw.exec('DELETE FROM outbox WHERE seq <= 5')
    raw.close()
    const s = new Store(path, { synchronous: 'full' })
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(s.outboxAfter(0, 10).map((r) => r.seq)).toEqual([6, 7])
    for (const r of s.outboxAfter(0, 10)) s.acknowledge(r.seq)
    const e = entry()
    expect(s.recordDecision(e, [entryMessage(e)])).toEqual([8])
    s.close()
  })
})

describe('outbox_refused survives a rebuild after corruption', () => {
  it('refused rows are salvaged with the rest when the database is rebuilt (they were lost before: the table was the bridge\'s own)', async () => {
    const { storeOutbox, refusedRows } = await import('../../cloud-bridge/outbox.ts')
    const { writeFileSync } = await import('node:fs')
    const path = tmp()
    let s = new Store(path, { synchronous: 'full' })
    for (let i = 0; i < 400; i++) s.recordDecision(entry(), [entryMessage(entry())])
    const [first] = s.outboxAfter(0, 1)
    storeOutbox(s).refuse(first!.seq, 'PUBACK 135: not authorized', 1_700_000_000_000)
    s.close()
    // Garble a leaf page of the entries, and ask for the check a corruption seen while running asks for.
    garbleLastLeafPage(path, 'entries')
    writeFileSync(`${path}.check`, 'test\n')
    s = new Store(path, { synchronous: 'full' })
    expect(s.recovery).not.toBeNull()
    expect(s.recovery!.copied.outbox_refused).toBe(1)
    expect(refusedRows(s)).toMatchObject([{ seq: first!.seq, id: first!.id, reason: 'PUBACK 135: not authorized', refusedAt: 1_700_000_000_000 }])
    s.close()
  })
})
