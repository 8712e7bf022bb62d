// CONNECT failures per source address, with a growing backoff (issue 11, point 4). A source that keeps failing is
// refused at once, without a password check, for longer each time: guessing from one address slows to a crawl, and a
// storm from one address stops costing scrypt time, while other addresses (the real displays) are untouched.
//
// An attempt is counted *before* its password check is awaited, so a burst of concurrent CONNECTs cannot all slip
// through before the first failure is recorded; a success (or a check that never ran) takes its count back.
import { normalizeAddress } from '../auth/address.ts'

export interface BackoffOptions {
  /** Failures a source may have before it is made to wait. */
  freeFailures: number
  /** The first wait; each further failure doubles it. */
  baseMs: number
  maxMs: number
  /** A source with no failure for this long starts again from zero. */
  forgetMs: number
  /** Sources remembered at once (the longest quiet are forgotten first), so a flood of addresses cannot exhaust memory. */
  maxSources: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { freeFailures: 5, baseMs: 1000, maxMs: 300_000, forgetMs: 900_000, maxSources: 4096 }

export type Attempt =
  | { ok: true; /** `failed`: counts; `succeeded` or `unchecked` (refused before any check): takes the count back. */ end(outcome: 'failed' | 'succeeded' | 'unchecked'): void }
  | { ok: false; retryInMs: number }

interface SourceRecord {
  failures: number
  blockedUntil: number
  lastFailure: number
}

export class ConnectBackoff {
  private readonly sources = new Map<string, SourceRecord>()
  private readonly o: BackoffOptions

  constructor(
    opts: Partial<BackoffOptions> = {},
    /** Monotonic milliseconds (injected for tests). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.o = { ...DEFAULT_BACKOFF, ...opts }
  }

  /** Asks to check a CONNECT from `source`; synchronous, so concurrent attempts are counted one by one. */
  attempt(source: string): Attempt {
    const now = this.now()
    let r = this.sources.get(source)
    if (r && now - r.lastFailure >= this.o.forgetMs && now >= r.blockedUntil) {
      this.sources.delete(source)
      r = undefined
    }
    // The map is kept in order of last attempt (refused ones too): a source still hammering is never the one forgotten.
    if (r) this.sources.delete(source)
    else r = { failures: 0, blockedUntil: 0, lastFailure: now }
    this.sources.set(source, r)
    this.evict()
    if (now < r.blockedUntil) return { ok: false, retryInMs: r.blockedUntil - now }
    const rec = r
    rec.failures++
    rec.lastFailure = now
    if (rec.failures > this.o.freeFailures) rec.blockedUntil = now + Math.min(this.o.maxMs, this.o.baseMs * 2 ** Math.min(30, rec.failures - this.o.freeFailures - 1))
    let ended = false
    return {
      ok: true,
      end: (outcome) => {
        if (ended || outcome === 'failed') return void (ended = true)
        ended = true
        rec.failures = Math.max(0, rec.failures - 1)
      },
    }
  }

  /** Sources currently made to wait. */
  blocked(): number {
    const now = this.now()
    let n = 0
    for (const r of this.sources.values()) if (now < r.blockedUntil) n++
    return n
  }

  private evict(): void {
    while (this.sources.size > this.o.maxSources) {
      const oldest = this.sources.keys().next().value
      if (oldest === undefined) return
      this.sources.delete(oldest)
    }
  }
}

/** One key per address (gateway/auth/address.ts); 'unknown' when the socket has none. */
export function sourceKey(address: string | undefined): string {
  return normalizeAddress(address) || 'unknown'
}
