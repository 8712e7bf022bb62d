// The store's memory stays bounded while the log grows (issue 13, point 8): better-sqlite3's build gives every
// connection a 16 MB page cache (SQLITE_DEFAULT_CACHE_SIZE=-16000), which a gate fills page by page over hours of
// entries: the soak's RSS grew about 0.2 MB a minute. The store opens its connection with a 2 MB cache instead.
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { PAGE_CACHE_SIZE } from '../../gateway/store/db.ts'
import { Store } from '../../gateway/store/store.ts'

describe('store memory', () => {
  it('opens its connection with the bounded page cache, every time it is opened', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'estate-gate-store-')), 'gate.db')
    for (let i = 0; i < 2; i++) {
      const s = new Store(path, { synchronous: 'full' })
      expect(s.db.pragma('cache_size', { simple: true })).toBe(-2000)
      s.close()
    }
    expect(PAGE_CACHE_SIZE).toBe(-2000)
  })

  it('keeps the malloc heap within a few MB while the log grows past 10 MB', async () => {
    // In a process of its own, so that only the store's allocations are measured (glibc's [heap] in smaps).
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'pageCacheProbe.ts'), '32000'], {
      cwd: join(import.meta.dirname, '../..'),
    })
    const got = JSON.parse(stdout) as { heapGrowthMB: number; fileMB: number; cacheSize: number }
    expect(got.fileMB).toBeGreaterThan(10)
    // 2 MB of cache and allocator slack; with the 16 MB default it grew about as much as the file (12 MB here).
    expect(got.heapGrowthMB).toBeLessThan(5)
  }, 60_000)
})
