import { describe, expect, it } from 'vitest'
import { BusyError, Limiter } from '../../gateway/auth/limiter.ts'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('Limiter', () => {
  it('runs at most `concurrency` at a time, queues up to maxQueue and refuses the rest at once', async () => {
    const lim = new Limiter('pin check', 2, 3)
    const gates = Array.from({ length: 8 }, () => deferred())
    let active = 0
    let peak = 0
    const results = gates.map((g, i) =>
      lim.run(async () => {
        active++
        peak = Math.max(peak, active)
        await g.promise
        active--
        return i
      }).then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e })),
    )
    expect(lim.stats()).toEqual({ running: 2, queued: 3, refused: 3 })
    for (const g of gates) g.resolve()
    const done = await Promise.all(results)
    expect(done.filter((d) => d.ok).map((d) => (d as { v: number }).v)).toEqual([0, 1, 2, 3, 4])
    const refused = done.filter((d) => !d.ok)
    expect(refused).toHaveLength(3)
    for (const r of refused) expect((r as { e: unknown }).e).toBeInstanceOf(BusyError)
    expect(peak).toBe(2)
    expect(lim.stats()).toEqual({ running: 0, queued: 0, refused: 3 })
  })

  it('frees its slot when a check throws', async () => {
    const lim = new Limiter('x', 1, 0)
    await expect(lim.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await expect(lim.run(async () => 7)).resolves.toBe(7)
  })
})
