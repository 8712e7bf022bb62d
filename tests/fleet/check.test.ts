// The platform-side checker of the fleet run: what it calls a duplicate, a conflict, a gap, a loss, and what it
// measures (order, latency), fed with arrivals directly.
import { describe, expect, it } from 'vitest'
import { DeliveryChecker, type Arrival } from '../../fleet/check.ts'

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0)

function arrival(gate: string, seq: number, over: Partial<Arrival> = {}): Arrival {
  return { gate, seq, id: `${gate}#${seq}`, member: 0, eventMs: T0 + seq, arrivalMs: T0 + seq + 2, historical: false, ...over }
}

function feed(c: DeliveryChecker, arrivals: Arrival[]): string[] {
  return arrivals.map((a) => c.record(a))
}

describe('fleet delivery checker', () => {
  it('a clean stream from two gates: complete, nothing missing, latency from event time to arrival', () => {
    const c = new DeliveryChecker()
    feed(c, [1, 2, 3].flatMap((s) => [arrival('e1/main', s), arrival('e2/main', s, { arrivalMs: T0 + s + 4 })]))
    const expected = { 'e1/main': { first: 1, last: 3 }, 'e2/main': { first: 1, last: 3 } }
    expect(c.complete(expected)).toBe(true)
    const r = c.report(expected)
    expect(r).toMatchObject({ gatesSeen: 2, distinct: 6, duplicates: 0, idConflicts: 0, unexpected: 0, outOfOrder: 0, memberOutOfOrder: 0 })
    expect(r.gaps).toEqual({ count: 0, ranges: [] })
    expect(r.lost).toEqual({ count: 0, ranges: [] })
    expect(r.latencyMs.live).toEqual({ count: 6, p50: 2, p90: 4, p99: 4, max: 4 })
    expect(r.perGate).toEqual({ min: 3, median: 3, max: 3 })
  })

  it('the same id again is a duplicate; the same seq with another id, or an id reused for another seq, is a conflict', () => {
    const c = new DeliveryChecker()
    expect(feed(c, [arrival('e1/main', 1), arrival('e1/main', 1), arrival('e1/main', 1, { id: 'other' }), arrival('e1/main', 2, { id: 'e1/main#1' })])).toEqual([
      'new',
      'duplicate',
      'conflict',
      'conflict',
    ])
    const r = c.report({ 'e1/main': { first: 1, last: 1 } })
    expect(r).toMatchObject({ distinct: 1, duplicates: 1, idConflicts: 2 })
  })

  it('a seq missing between two that arrived is a gap and a loss; missing at the tail it is a loss only', () => {
    const c = new DeliveryChecker()
    feed(c, [1, 2, 4, 5].map((s) => arrival('e1/main', s)))
    feed(c, [1, 2].map((s) => arrival('e2/main', s)))
    const expected = { 'e1/main': { first: 1, last: 5 }, 'e2/main': { first: 1, last: 4 }, 'e3/main': { first: 1, last: 2 } }
    expect(c.complete(expected)).toBe(false)
    const r = c.report(expected)
    expect(r.gaps).toEqual({ count: 1, ranges: [{ gate: 'e1/main', from: 3, to: 3 }] })
    expect(r.lost.count).toBe(5)
    // A gate that sent nothing at all loses everything it enqueued.
    expect(r.lost.ranges).toEqual([
      { gate: 'e1/main', from: 3, to: 3 },
      { gate: 'e2/main', from: 3, to: 4 },
      { gate: 'e3/main', from: 1, to: 2 },
    ])
    expect(r.perGate).toEqual({ min: 0, median: 2, max: 4 })
  })

  it('more than the gate says it enqueued, or a gate nobody expected, is unexpected', () => {
    const c = new DeliveryChecker()
    feed(c, [arrival('e1/main', 1), arrival('e1/main', 2), arrival('e1/main', 3), arrival('stranger/main', 2)])
    const r = c.report({ 'e1/main': { first: 1, last: 2 } })
    expect(r.unexpected).toBe(2)
    // The stranger's seq 1 never came: a gap counted from its lowest seq received, so none.
    expect(r.gaps.count).toBe(0)
  })

  it('order of first arrivals: across members it may break (shared subscription), within a member it is checked apart', () => {
    const c = new DeliveryChecker()
    // Member 1 delivers seq 2 before member 0 delivers seq 1: out of order overall, in order per member.
    feed(c, [arrival('e1/main', 2, { member: 1 }), arrival('e1/main', 1, { member: 0 }), arrival('e1/main', 3, { member: 0 })])
    expect(c.report({}).outOfOrder).toBe(1)
    expect(c.report({}).memberOutOfOrder).toBe(0)
    // Within one member, a lower seq first seen after a higher one is out of order there too.
    feed(c, [arrival('e1/main', 5, { member: 0 }), arrival('e1/main', 4, { member: 0 })])
    expect(c.report({})).toMatchObject({ outOfOrder: 2, memberOutOfOrder: 1, perMember: [4, 1] })
  })

  it('historical messages are counted apart and kept out of the live latency', () => {
    const c = new DeliveryChecker()
    feed(c, [arrival('e1/main', 1, { historical: true, arrivalMs: T0 + 1 + 5000 }), arrival('e1/main', 2)])
    const r = c.report({ 'e1/main': { first: 1, last: 2 } })
    expect(r.historical).toBe(1)
    expect(r.latencyMs.live).toMatchObject({ count: 1, max: 2 })
    expect(r.latencyMs.all).toMatchObject({ count: 2, max: 5000 })
  })
})
