import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { diskUsage, DiskWatch } from '../../gateway/diskWatch.ts'
import { Store } from '../../gateway/store/store.ts'
import { assertMessage } from '../contracts/asyncapi.ts'

describe('disk watch', () => {
  it('reads the real data disk', () => {
    const u = diskUsage(tmpdir())
    expect(u.totalBytes).toBeGreaterThan(0)
    expect(u.usedRatio).toBeGreaterThanOrEqual(0)
    expect(u.usedRatio).toBeLessThanOrEqual(1)
  })

  it('alerts once per threshold crossed, and again after space came back and ran out again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-gate-disk-'))
    const store = new Store(join(dir, 'g.db'), { synchronous: 'normal' })
    let used = 0.5
    const w = new DiskWatch({ path: dir, store, clock: { now: () => Date.UTC(2026, 10, 23), mono: () => 0 }, log: pino({ level: 'silent' }), usage: () => ({ usedRatio: used, freeBytes: Math.round((1 - used) * 2 ** 30), totalBytes: 2 ** 30 }) })
    const alerts = (): { kind: string; severity: string; usedPercent: number }[] =>
      store.outboxAfter(0, 100).filter((r) => r.topic === 'alert').map((r) => JSON.parse(r.data))
    for (const u of [0.5, 0.86, 0.87, 0.96, 0.97, 0.9, 0.96, 0.5, 0.88]) {
      used = u
      w.check()
    }
    expect(alerts().map((a) => [a.severity, a.usedPercent])).toEqual([['warning', 86], ['critical', 96], ['critical', 96], ['warning', 88]])
    const row = store.outboxAfter(0, 1)[0]!
    assertMessage('alert', { specversion: '1.0', id: row.id, source: '/estate-gate/s/g', type: row.type, time: row.time, datacontenttype: 'application/json', seq: row.seq, seqstream: store.seqstream(), data: JSON.parse(row.data) })
    store.close()
  })
})
