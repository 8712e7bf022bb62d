// Run as a process of its own by storeMemory.test.ts: fills a store as a gate does (an entry row and its outbox
// message per person, the message acknowledged), and prints how much glibc's [heap] (malloc below the mmap
// threshold, where SQLite's page cache lives; V8's heap is mmapped elsewhere) grew over the fill, and the file size.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { entryMessage } from '../../gateway/pipeline/pipeline.ts'
import { Store } from '../../gateway/store/store.ts'
import { entryRecord } from '../helpers/entries.ts'

const heapKB = (): number => Number(/\[heap\]\n(?:.*\n)*?Rss:\s+(\d+)/.exec(readFileSync('/proc/self/smaps', 'utf8'))?.[1] ?? NaN)

const count = Number(process.argv[2] ?? 40_000)
const dir = mkdtempSync(join(tmpdir(), 'estate-gate-pagecache-'))
const path = join(dir, 'gate.db')
const store = new Store(path, { synchronous: 'normal' })
const person = (i: number): void => {
  const e = entryRecord({ passId: randomUUID(), subject: `H-${i % 400}`, ts: Date.UTC(2026, 10, 23) + i * 200 })
  for (const seq of store.recordDecision(e, [entryMessage(e)])) store.acknowledge(seq)
}
// Warm up first (statements, code, the first pages), so that what grows after is what the file's growth brings.
for (let i = 0; i < 2000; i++) person(i)
const before = heapKB()
for (let i = 2000; i < count; i++) person(i)
const after = heapKB()
const cacheSize = store.db.pragma('cache_size', { simple: true })
store.close()
const fileMB = statSync(path).size / 2 ** 20
rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify({ heapGrowthMB: (after - before) / 1024, fileMB, cacheSize }))
