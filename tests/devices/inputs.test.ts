// Door and safety inputs (issue 16): debouncing, active-low, the first read, bounce counting; the gpio driver over
// onoff on a fake sysfs tree (chip base 571 on a Pi 5, 512 on a Pi 4); the simulated driver on real level files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { inputSchema, type InputConfig } from '../../devices/config.ts'
import { Debouncer } from '../../devices/inputs/debounce.ts'
import { SimulatedInput } from '../../devices/inputs/simulated.ts'
import { createInput } from '../../devices/registry.ts'
import type { Clock, Input } from '../../devices/types.ts'
import { fakeSysfs, type FakeSysfs } from './fakeSysfs.ts'
import { testCtx } from './helpers.ts'

const input = (over: Record<string, unknown>): InputConfig => inputSchema.parse({ name: 'door', kind: 'door-contact', driver: 'gpio', pin: 22, ...over })

/** Time as vitest's fake timers keep it, for both clocks. */
const fakeClock: Clock = { now: () => Date.now(), mono: () => Date.now() }

function changes(dev: Input): [boolean, number][] {
  const seen: [boolean, number][] = []
  dev.onChange((active, mono) => seen.push([active, mono]))
  return seen
}

describe('Debouncer', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }))
  afterEach(() => void vi.useRealTimers())

  function make(ms: number, confirm?: () => boolean | null) {
    const events: string[] = []
    const d = new Debouncer(ms, fakeClock, { change: (l, mono) => events.push(`change ${l} @${mono - 1_000_000}`), bounce: () => events.push('bounce') }, confirm)
    return { d, events }
  }

  it('takes the first sample as the level, without a change', () => {
    const { d, events } = make(50)
    expect(d.level).toBeNull()
    d.sample(true)
    expect(d.level).toBe(true)
    expect(events).toEqual([])
  })

  it('a new level counts once it has held for ms, reported at the time of its edge', () => {
    const { d, events } = make(50)
    d.sample(false)
    vi.advanceTimersByTime(10)
    d.sample(true)
    vi.advanceTimersByTime(49)
    expect(d.level).toBe(false)
    expect(events).toEqual([])
    vi.advanceTimersByTime(1)
    expect(d.level).toBe(true)
    expect(events).toEqual(['change true @10'])
  })

  it('a contact that bounces: each return within ms is one bounce, and the change comes ms after the last edge', () => {
    const { d, events } = make(50)
    d.sample(false)
    for (let i = 0; i < 3; i++) {
      d.sample(true)
      vi.advanceTimersByTime(5)
      d.sample(false)
      vi.advanceTimersByTime(5)
    }
    d.sample(true) // at 30 ms: this one holds
    vi.advanceTimersByTime(49)
    expect(events).toEqual(['bounce', 'bounce', 'bounce'])
    vi.advanceTimersByTime(1)
    expect(events).toEqual(['bounce', 'bounce', 'bounce', 'change true @30'])
  })

  it('repeated samples of the same new level do not restart the wait (a poll every 50 ms)', () => {
    const { d, events } = make(100)
    d.sample(false)
    d.sample(true)
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(25)
      d.sample(true)
    }
    expect(events).toEqual(['change true @0'])
  })

  it('0 ms: every change at once', () => {
    const { d, events } = make(0)
    d.sample(false)
    d.sample(true)
    d.sample(false)
    expect(events).toEqual(['change true @0', 'change false @0'])
  })

  it('re-reads the level at the end of the wait: a missed edge back is a bounce, not a change', () => {
    let wire = true
    const { d, events } = make(50, () => wire)
    d.sample(false)
    d.sample(true)
    wire = false // the edge back was lost
    vi.advanceTimersByTime(50)
    expect(d.level).toBe(false)
    expect(events).toEqual(['bounce'])
  })

  it('reset forgets the level and cancels a wait', () => {
    const { d, events } = make(50)
    d.sample(false)
    d.sample(true)
    d.reset()
    vi.advanceTimersByTime(100)
    expect(d.level).toBeNull()
    expect(events).toEqual([])
  })
})

describe('gpio input on a fake sysfs tree', () => {
  let sys: FakeSysfs
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 })
    sys = fakeSysfs()
  })
  afterEach(() => {
    vi.useRealTimers()
    sys.remove()
  })

  function gpioInput(over: Record<string, unknown> = {}, s: FakeSysfs = sys) {
    const ctx = { ...testCtx(), clock: fakeClock, sysfsRoot: s.root }
    return createInput(input(over), ctx, { gpioClass: s.Gpio })
  }

  it('exports chip base + BCM pin (571 + 22 = 593) as an input with interrupts on both edges', async () => {
    const dev = gpioInput()
    expect(dev.active).toBeNull()
    expect(sys.opened).toEqual([])
    await dev.start()
    expect(sys.opened).toEqual([{ n: 593, direction: 'in', edge: 'both', activeLow: false }])
    expect(sys.exported(593)).toBe(true)
    const h = dev.health()
    expect(h).toMatchObject({ name: 'door', kind: 'input', driver: 'gpio', online: true, lastError: null })
    expect(h.info).toMatchObject({ pin: 22, sysfsNumber: 593, activeLow: false, debounceMs: 50, inputKind: 'door-contact' })
    expect(h.counters).toEqual({ changes: 0, edges: 0, bounces: 0, readErrors: 0 })
    await dev.stop()
    expect(sys.exported(593)).toBe(false)
    expect(dev.active).toBeNull()
  })

  it('uses the Pi 4 base (512)', async () => {
    const pi4 = fakeSysfs({ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 })
    try {
      const dev = gpioInput({ pin: 5 }, pi4)
      await dev.start()
      expect(pi4.opened[0]).toMatchObject({ n: 517, direction: 'in', edge: 'both' })
      expect(dev.health().info.sysfsNumber).toBe(517)
      await dev.stop()
    } finally {
      pi4.remove()
    }
  })

  it('the first read sets active without a change; a level held for debounceMs is one change', async () => {
    sys.leave(593, 1, false) // the door is open at start
    const dev = gpioInput()
    const seen = changes(dev)
    await dev.start()
    expect(dev.active).toBe(true)
    expect(seen).toEqual([])
    vi.advanceTimersByTime(20)
    sys.setRaw(593, 0) // closes
    vi.advanceTimersByTime(49)
    expect(dev.active).toBe(true)
    vi.advanceTimersByTime(1)
    expect(dev.active).toBe(false)
    expect(seen).toEqual([[false, 1_000_020]])
    expect(dev.health().counters).toMatchObject({ changes: 1, edges: 1, bounces: 0 })
    await dev.stop()
  })

  it('activeLow: a contact to ground with a pull-up (raw 0) is active; the kernel is told active_low', async () => {
    sys.leave(593, 1, false) // pulled up: the contact is open
    const dev = gpioInput({ activeLow: true, kind: 'exit-button', name: 'exit' })
    const seen = changes(dev)
    await dev.start()
    expect(sys.opened[0]).toMatchObject({ n: 593, activeLow: true })
    expect(dev.active).toBe(false)
    sys.setRaw(593, 0) // pressed: shorted to ground
    vi.advanceTimersByTime(50)
    expect(dev.active).toBe(true)
    sys.setRaw(593, 1)
    vi.advanceTimersByTime(50)
    expect(seen.map(([a]) => a)).toEqual([true, false])
    expect(dev.health().info.activeLow).toBe(true)
    await dev.stop()
  })

  it('a bouncing contact: one change, the bounces counted', async () => {
    const dev = gpioInput({ debounceMs: 30 })
    const seen = changes(dev)
    await dev.start()
    expect(dev.active).toBe(false)
    for (let i = 0; i < 4; i++) {
      sys.setRaw(593, 1)
      vi.advanceTimersByTime(3)
      sys.setRaw(593, 0)
      vi.advanceTimersByTime(3)
    }
    sys.setRaw(593, 1)
    vi.advanceTimersByTime(30)
    expect(seen).toHaveLength(1)
    expect(seen[0]![0]).toBe(true)
    expect(dev.health().counters).toMatchObject({ changes: 1, bounces: 4, edges: 9 })
    await dev.stop()
  })

  it('a read error on an edge is counted and keeps the level', async () => {
    const dev = gpioInput()
    await dev.start()
    sys.failReads(593, true)
    sys.setRaw(593, 1)
    vi.advanceTimersByTime(100)
    expect(dev.active).toBe(false)
    const h = dev.health()
    expect(h.counters.readErrors).toBe(1)
    expect(h.lastError).toMatch(/reading GPIO22 on an edge failed: EIO/)
    expect(h.online).toBe(true)
    await dev.stop()
  })

  it('a pin that cannot be opened leaves the input offline with the reason, never a crash', async () => {
    const ctx = { ...testCtx(), clock: fakeClock, sysfsRoot: sys.root }
    const beyond = createInput(input({ pin: 60 }), ctx, { gpioClass: sys.Gpio })
    await beyond.start()
    expect(beyond.active).toBeNull()
    expect(beyond.health()).toMatchObject({ online: false, lastError: expect.stringMatching(/GPIO pin 60: chip pinctrl-rp1 has only 54 lines/) })
    await beyond.stop()
    // The real onoff on this machine, which has no GPIO.
    const real = createInput(input({}), testCtx())
    await real.start()
    expect(real.health()).toMatchObject({ online: false, lastError: expect.stringMatching(/GPIO pin 22: sysfs GPIO is not accessible here/) })
    await real.stop()
  })

  it('an edge after stop changes nothing', async () => {
    const dev = gpioInput()
    const seen = changes(dev)
    await dev.start()
    await dev.stop()
    sys.setRaw(593, 1)
    vi.advanceTimersByTime(100)
    expect(seen).toEqual([])
    expect(dev.active).toBeNull()
  })
})

describe('simulated input on a level file', () => {
  let dir: string
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'estate-gate-level-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<number> {
    const start = performance.now()
    while (!check()) {
      if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 5))
    }
    return performance.now() - start
  }

  function sim(over: Record<string, unknown> = {}): SimulatedInput {
    return createInput(input({ driver: 'simulated', pin: undefined, levelFile: join(dir, 'inputs', 'door.level'), ...over }) as InputConfig & { driver: 'simulated' }, testCtx())
  }

  it('a missing file is inactive; writing "1" is seen within ~100 ms (50 ms poll + 50 ms debounce), "0" again', async () => {
    const dev = sim()
    const seen = changes(dev)
    expect(dev.active).toBeNull()
    await dev.start()
    expect(dev.active).toBe(false)
    expect(dev.health()).toMatchObject({ online: true, driver: 'simulated', info: { levelFile: join(dir, 'inputs', 'door.level'), debounceMs: 50, active: false } })
    mkdirSync(join(dir, 'inputs'))
    const written = performance.now()
    writeFileSync(join(dir, 'inputs', 'door.level'), '1\n')
    await until(() => seen.length === 1, 'the change')
    const took = performance.now() - written
    expect(took).toBeGreaterThanOrEqual(49) // debounced
    expect(took).toBeLessThan(200) // a loaded CI machine: 100 ms nominal
    expect(seen[0]![0]).toBe(true)
    expect(dev.active).toBe(true)
    expect(dev.health().info.active).toBe(true) // /healthz shows the level
    writeFileSync(join(dir, 'inputs', 'door.level'), ' 0 ')
    await until(() => seen.length === 2, 'the second change')
    expect(seen[1]![0]).toBe(false)
    expect(dev.health().counters).toMatchObject({ changes: 2, readErrors: 0 })
    await dev.stop()
    expect(dev.active).toBeNull()
  })

  it('the level at start is the first read, not a change', async () => {
    mkdirSync(join(dir, 'inputs'))
    writeFileSync(join(dir, 'inputs', 'door.level'), '1')
    const dev = sim()
    const seen = changes(dev)
    await dev.start()
    expect(dev.active).toBe(true)
    await new Promise((r) => setTimeout(r, 150))
    expect(seen).toEqual([])
    await dev.stop()
  })

  it('garbage is a counted read error and leaves the level as it was', async () => {
    const file = join(dir, 'door.level')
    writeFileSync(file, '1')
    const dev = sim({ levelFile: file, debounceMs: 0 })
    const seen = changes(dev)
    await dev.start()
    writeFileSync(file, 'open\n')
    await until(() => dev.health().counters.readErrors! >= 2, 'read errors')
    expect(dev.active).toBe(true)
    expect(seen).toEqual([])
    expect(dev.health()).toMatchObject({ online: true, lastError: `${file}: expected 0 or 1, got "open\\n"` })
    writeFileSync(file, '0')
    await until(() => dev.active === false, 'the level')
    expect(seen.map(([a]) => a)).toEqual([false])
    await dev.stop()
  })

  it('set(active) writes the level file and goes through debouncing; a poll of the old file does not undo it', async () => {
    const file = join(dir, 'nested', 'fire.level')
    const dev = sim({ levelFile: file, kind: 'fire-alarm', name: 'fire-alarm', debounceMs: 20 })
    const seen = changes(dev)
    await dev.start()
    dev.set(true)
    expect((await import('node:fs')).readFileSync(file, 'utf8')).toBe('1\n')
    expect(dev.active).toBe(false) // not yet: 20 ms debounce
    await until(() => dev.active === true, 'the alarm')
    await new Promise((r) => setTimeout(r, 120))
    expect(seen.map(([a]) => a)).toEqual([true])
    dev.set(false)
    await until(() => dev.active === false, 'the all-clear')
    expect(dev.health().counters).toMatchObject({ changes: 2, bounces: 0 })
    await dev.stop()
  })

  it('createInput refuses a simulated input without a levelFile (the gateway resolves the default)', () => {
    expect(() => createInput(input({ driver: 'simulated', pin: undefined }), testCtx())).toThrow(/simulated input "door" has no levelFile: the gateway resolves the default \(\{dataDir\}\/inputs\/door\.level\)/)
  })
})
