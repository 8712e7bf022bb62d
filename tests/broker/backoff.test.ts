import { describe, expect, it } from 'vitest'
import { ConnectBackoff, sourceKey } from '../../gateway/broker/backoff.ts'

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, advance: (ms) => void (t += ms) }
}

const fail = (b: ConnectBackoff, source: string): boolean => {
  const a = b.attempt(source)
  if (a.ok) a.end('failed')
  return a.ok
}

describe('CONNECT failures per source', () => {
  it('lets a few failures through, then refuses for a doubling time up to the cap', () => {
    const c = clock()
    const b = new ConnectBackoff({ freeFailures: 3, baseMs: 1000, maxMs: 5000 }, c.now)
    for (let i = 0; i < 4; i++) expect(fail(b, '192.0.2.1')).toBe(true) // 3 free, the 4th starts a 1 s wait
    const waits: number[] = []
    for (let i = 0; i < 5; i++) {
      const refused = b.attempt('192.0.2.1')
      expect(refused.ok).toBe(false)
      waits.push((refused as { retryInMs: number }).retryInMs)
      c.advance(waits.at(-1)!)
      expect(fail(b, '192.0.2.1')).toBe(true)
    }
    expect(waits).toEqual([1000, 2000, 4000, 5000, 5000])
    expect(b.blocked()).toBe(1)
  })

  it('keeps each source apart: a storm from one address does not refuse another', () => {
    const c = clock()
    const b = new ConnectBackoff({ freeFailures: 2 }, c.now)
    for (let i = 0; i < 10; i++) fail(b, '192.0.2.1')
    expect(b.attempt('192.0.2.1').ok).toBe(false)
    expect(b.attempt('192.0.2.2').ok).toBe(true)
  })

  it('counts an attempt before its check ends, so concurrent attempts cannot all slip through', () => {
    const b = new ConnectBackoff({ freeFailures: 5 }, clock().now)
    const started = Array.from({ length: 300 }, () => b.attempt('192.0.2.1'))
    expect(started.filter((a) => a.ok)).toHaveLength(6) // the 6th is counted, and starts the wait for the rest
  })

  it('takes back the count of a success or of a check that never ran, and keeps a failure', () => {
    const b = new ConnectBackoff({ freeFailures: 1 }, clock().now)
    for (let i = 0; i < 5; i++) {
      const a = b.attempt('192.0.2.1')
      expect(a.ok).toBe(true)
      if (a.ok) a.end(i % 2 ? 'succeeded' : 'unchecked')
    }
    expect(fail(b, '192.0.2.1')).toBe(true) // 1 failure: still free
    expect(fail(b, '192.0.2.1')).toBe(true) // 2: over, a wait starts
    expect(b.attempt('192.0.2.1').ok).toBe(false)
  })

  it('forgets a source after a quiet spell', () => {
    const c = clock()
    const b = new ConnectBackoff({ freeFailures: 1, baseMs: 1000, forgetMs: 60_000 }, c.now)
    for (let i = 0; i < 2; i++) fail(b, '192.0.2.1')
    c.advance(1000)
    expect(fail(b, '192.0.2.1')).toBe(true) // third failure: a 2 s wait
    c.advance(59_999)
    expect(fail(b, '192.0.2.1')).toBe(true) // not forgotten yet: a 4 s wait
    expect(b.attempt('192.0.2.1').ok).toBe(false)
    c.advance(60_000)
    expect(fail(b, '192.0.2.1')).toBe(true) // forgotten: the first failure again, free
    expect(b.attempt('192.0.2.1').ok).toBe(true)
  })

  it('remembers at most maxSources, forgetting the longest quiet first', () => {
    const b = new ConnectBackoff({ freeFailures: 0, maxSources: 3 }, clock().now)
    for (const s of ['a', 'b', 'c']) fail(b, s)
    expect(b.attempt('a').ok).toBe(false) // touches a
    fail(b, 'd') // evicts b, the longest quiet
    expect(b.attempt('b').ok).toBe(true)
    expect(b.attempt('a').ok).toBe(false)
  })

  it('counts an IPv4 client on a dual-stack socket as its IPv4 address', () => {
    expect(sourceKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(sourceKey('2001:DB8::1')).toBe('2001:db8::1')
    expect(sourceKey(undefined)).toBe('unknown')
  })
})
