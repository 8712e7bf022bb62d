// What a busy gate puts in its outbox, made the way the gateway makes it: an entry decision per person (the
// pipeline's own `entryMessage`), a fever alert now and then, and an hourly summary counted from the log by the
// gateway's own `summarize`. Seeded, so a run can be repeated.
import { createHash, randomUUID } from 'node:crypto'
import { alertMessage, entryMessage } from '../gateway/pipeline/pipeline.ts'
import type { EntryRecord, OutboxMessage, Store } from '../gateway/store/store.ts'
import { periodLabel, summarize } from '../gateway/summaries.ts'
import { localDay, rfc3339 } from '../gateway/time.ts'

export const TIME_ZONE = 'Asia/Shanghai'
const POLICY_VERSION = 'p-5f3a9c1e'

/** mulberry32: a small seeded generator (Math.random cannot be seeded). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Seconds until the next person at a gate with `rate` people per second (Poisson arrivals). */
export function nextGapMs(rate: number, rnd: () => number): number {
  return (-Math.log(1 - rnd()) / rate) * 1000
}

const KINDS: readonly [string, number][] = [
  ['resident', 0.8],
  ['visitor', 0.1],
  ['staff', 0.07],
  ['vehicle', 0.03],
]
const DENIALS = ['expired', 'health_yellow', 'anti_passback', 'unknown_code', 'revoked'] as const

function pick(rnd: () => number): string {
  let x = rnd()
  for (const [k, p] of KINDS) {
    if (x < p) return k
    x -= p
  }
  return 'resident'
}

/** One person at the gate: the entry row and its outbox messages, as the pipeline records them. */
export function personAtGate(rnd: () => number, now: number, bootId: string): { entry: EntryRecord; messages: OutboxMessage[] } {
  const direction = rnd() < 0.5 ? 'in' : 'out'
  const kind = pick(rnd)
  const household = `B${1 + Math.floor(rnd() * 24)}-${1 + Math.floor(rnd() * 30)}0${1 + Math.floor(rnd() * 4)}`
  const passId = `p-${Math.floor(rnd() * 1e9).toString(36)}`
  const roll = rnd()
  const fever = direction === 'in' && roll < 0.003
  const denied = !fever && roll > 0.98
  const tempC = direction === 'in' ? Math.round((fever ? 37.4 + rnd() : 36.1 + rnd() * 0.9) * 10) / 10 : null
  const entry: EntryRecord = {
    eventId: randomUUID(),
    ts: now,
    day: localDay(now, TIME_ZONE),
    clockTrusted: true,
    bootId,
    source: 'scan',
    direction,
    kind,
    subject: kind === 'resident' ? household : null,
    passId,
    codeHash: createHash('sha256').update(passId).update(String(now)).digest('hex'),
    tempC,
    rechecked: fever,
    decision: fever || denied ? 'deny' : 'admit',
    reasons: fever ? ['fever'] : denied ? [DENIALS[Math.floor(rnd() * DENIALS.length)]!] : [],
    scanner: `scanner-${direction}`,
    staff: null,
    policyVersion: POLICY_VERSION,
    detail: null,
  }
  const messages = [entryMessage(entry)]
  if (fever) messages.push(alertMessage('fever', entry))
  return { entry, messages }
}

/**
 * An hourly summary with time compressed: the counts are those of the real interval [from, to) in the log, labelled
 * with the simulated hour `simStart` (gateway/summaries.ts builds the same payload for a real hour).
 */
export function hourSummary(store: Store, from: number, to: number, simStart: number, now: number): OutboxMessage {
  return {
    id: randomUUID(),
    topic: 'summary/hour',
    type: 'estategate.summary.v1',
    time: rfc3339(now),
    data: {
      kind: 'hour',
      period: periodLabel('hour', simStart, TIME_ZONE),
      from: rfc3339(simStart),
      to: rfc3339(simStart + 3_600_000),
      timeZone: TIME_ZONE,
      resent: false,
      counts: summarize(store, from, to, localDay(from, TIME_ZONE)),
    },
  }
}
