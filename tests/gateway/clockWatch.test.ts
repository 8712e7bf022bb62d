import { describe, expect, it } from 'vitest'
import { ClockWatch, type ClockStep } from '../../gateway/clockWatch.ts'

function clocks(): { now: () => number; mono: () => number; advance: (ms: number) => void; step: (ms: number) => void } {
  let wall = Date.UTC(2026, 10, 23, 1, 0)
  let mono = 5000
  return {
    now: () => wall,
    mono: () => mono,
    advance: (ms) => ((wall += ms), (mono += ms)),
    step: (ms) => (wall += ms),
  }
}

describe('ClockWatch', () => {
  it('reports a step forward and a step back once each, not the passing of time or small drift', () => {
    const c = clocks()
    const steps: ClockStep[] = []
    const w = new ClockWatch(c, (s) => steps.push(s))
    for (let i = 0; i < 10; i++) {
      c.advance(1000)
      expect(w.check()).toBeNull()
    }
    c.step(300) // NTP slewing, a late tick
    c.advance(1000)
    expect(w.check()).toBeNull()
    c.step(3 * 3_600_000)
    c.advance(1000)
    expect(w.check()).toMatchObject({ deltaMs: 3 * 3_600_000 + 300 })
    c.advance(1000)
    expect(w.check()).toBeNull()
    c.step(-3_600_000)
    expect(w.check()?.deltaMs).toBe(-3_600_000)
    expect(steps.map((s) => Math.round(s.deltaMs / 3_600_000))).toEqual([3, -1])
    expect(steps[1]!.to - steps[1]!.from).toBe(-3_600_000)
  })
})
