import { afterEach, describe, expect, it } from 'vitest'
import { buzzerSchema, relaySchema } from '../../devices/config.ts'
import { BUZZER_PATTERNS, PinBuzzer } from '../../devices/outputs/buzzer.ts'
import { PinRelay } from '../../devices/outputs/relay.ts'
import { SimulatedPin, type GpioPin } from '../../devices/transport/gpio.ts'
import { systemClock } from '../../devices/types.ts'
import { sleep, testCtx, waitFor } from './helpers.ts'

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
})

function relay(extra: Record<string, unknown> = {}) {
  const cfg = relaySchema.parse({ name: 'gate', driver: 'simulated', pulseMs: 100, ...extra })
  const pin = new SimulatedPin(systemClock, cfg.activeLow)
  const r = new PinRelay(cfg, testCtx(), pin)
  stops.push(() => r.stop())
  return { r, pin }
}

describe('PinRelay', () => {
  it('starts off, pulses on now and off after ms, telling onActuate at the write', async () => {
    const { r, pin } = relay()
    await r.start()
    expect(pin.writes.map((w) => w.value)).toEqual([0])
    const actuations: number[] = []
    r.onActuate((mono) => {
      actuations.push(mono)
      expect(pin.level).toBe(1) // already written when listeners run
    })
    const t0 = performance.now()
    expect(r.pulse(60)).toBe(true)
    expect(r.isOn).toBe(true)
    expect(actuations).toHaveLength(1)
    expect(actuations[0]).toBeGreaterThanOrEqual(t0)
    await waitFor(() => pin.level === 0, 'release')
    expect(pin.writes.at(-1)!.mono - pin.writes[1]!.mono).toBeGreaterThanOrEqual(55)
    expect(r.health().counters.pulses).toBe(1)
  })

  it('hold(true) keeps it open past any pulse, and hold(false) lets a running pulse run out', async () => {
    const { r, pin } = relay()
    await r.start()
    expect(r.hold(true)).toBe(true)
    expect([r.isOpen, pin.level]).toEqual([true, 1])
    r.pulse(30)
    await sleep(60)
    expect([r.isOpen, pin.level]).toEqual([true, 1]) // the pulse ran out, the hold did not
    r.pulse(80)
    expect(r.hold(false)).toBe(true)
    expect([r.isOpen, pin.level]).toEqual([true, 1]) // the pulse still runs
    await waitFor(() => pin.level === 0, 'the pulse runs out')
    expect(r.isOpen).toBe(false)
    expect(r.health().counters.holds).toBe(1)
  })

  it('failSafe: energised (locked) from start, de-energised to open, and de-energised again on stop', async () => {
    const { r, pin } = relay({ failSafe: true })
    await r.start()
    expect([pin.level, r.isOpen, r.isOn]).toEqual([1, false, true])
    expect(r.pulse(40)).toBe(true)
    expect([pin.level, r.isOpen]).toEqual([0, true])
    await waitFor(() => pin.level === 1, 'locked again after the pulse')
    expect(r.hold(true)).toBe(true)
    expect(pin.level).toBe(0)
    await r.stop()
    expect(pin.level).toBe(0) // without power a magnetic lock opens: the safe state for egress
    expect(pin.writes.map((w) => w.value)).toEqual([1, 0, 1, 0, 0])
  })

  it('a pulse during a pulse extends it (never shortens it)', async () => {
    const { r, pin } = relay()
    await r.start()
    r.pulse(80)
    await sleep(50)
    r.pulse(80) // now ends ~130 ms after the first
    await sleep(50)
    expect(pin.level).toBe(1)
    r.pulse(5) // ends earlier than the running pulse: no effect on the end
    await sleep(10)
    expect(pin.level).toBe(1)
    await waitFor(() => pin.level === 0, 'release')
    expect(pin.writes.filter((w) => w.value === 0)).toHaveLength(2) // start + one release
  })

  it('uses pulseMs by default and leaves the pin off, closed, on stop', async () => {
    const { r, pin } = relay({ pulseMs: 5000 })
    await r.start()
    r.pulse()
    expect(pin.level).toBe(1)
    await r.stop()
    expect(pin.level).toBe(0)
    expect(pin.isClosed).toBe(true)
    expect(r.health().online).toBe(false)
  })

  it('active-low: logical on is raw low; the initial raw level is high', async () => {
    const { r, pin } = relay({ activeLow: true })
    expect(pin.rawLevel).toBe(1)
    await r.start()
    r.pulse(1000)
    expect(pin.rawLevel).toBe(0)
    expect(r.health().info).toMatchObject({ activeLow: true, pin: 17 })
  })

  it('a pin that cannot be opened leaves it offline with the reason; pulses are ignored', async () => {
    const cfg = relaySchema.parse({ name: 'gate', driver: 'gpio', pin: 17 })
    const r = new PinRelay(cfg, testCtx(), (): GpioPin => {
      throw new Error('GPIO pin 17: sysfs GPIO is not accessible here')
    })
    await r.start()
    expect(r.health()).toMatchObject({ online: false, lastError: expect.stringMatching(/not accessible/) })
    expect(r.pulse()).toBe(false)
    expect(r.health()).toMatchObject({ online: false, counters: { pulses: 0, failedPulses: 1 }, lastError: expect.stringMatching(/not accessible/) })
  })

  it('a pulse that is not a duration is refused and counted', async () => {
    const { r, pin } = relay()
    await r.start()
    expect(r.pulse(0)).toBe(false)
    expect(r.pulse(Number.NaN)).toBe(false)
    expect(pin.level).toBe(0)
    expect(r.health().counters).toMatchObject({ pulses: 0, failedPulses: 2 })
  })

  it('a failing write goes offline and is counted, never thrown', async () => {
    let fail = false
    const pin: GpioPin = {
      write: () => {
        if (fail) throw new Error('EIO')
      },
      close: () => {},
    }
    const r = new PinRelay(relaySchema.parse({ name: 'gate', driver: 'gpio' }), testCtx(), pin)
    await r.start()
    fail = true
    expect(r.pulse()).toBe(false)
    expect(r.health()).toMatchObject({ online: false, counters: { writeErrors: 1, failedPulses: 1, pulses: 0 }, lastError: 'writing 1 to the pin failed: EIO' })
  })

  it('a simulated pin failing on demand, then working again: the relay comes back online at the next good write', async () => {
    const { r, pin } = relay()
    await r.start()
    pin.fail('EIO: injected')
    expect(r.pulse()).toBe(false)
    expect(r.health()).toMatchObject({ online: false, counters: { writeErrors: 1, failedPulses: 1 } })
    pin.fail(null)
    expect(r.pulse()).toBe(true)
    expect(pin.level).toBe(1)
    expect(r.health()).toMatchObject({ online: true, counters: { pulses: 1, failedPulses: 1 } })
    // The writes at stop do not bring it back online.
    pin.fail('EIO: injected')
    await r.stop()
    expect(r.health().online).toBe(false)
  })
})

describe('PinBuzzer', () => {
  function buzzer() {
    const pin = new SimulatedPin(systemClock)
    const b = new PinBuzzer(buzzerSchema.parse({ name: 'buzzer', driver: 'simulated' }), testCtx(), pin)
    stops.push(() => b.stop())
    return { b, pin }
  }

  it('plays a pattern as its on/off sequence and ends off', async () => {
    const { b, pin } = buzzer()
    await b.start()
    b.play('deny')
    expect(b.current).toBe('deny')
    await waitFor(() => b.current === null, 'pattern end', 3000)
    expect(pin.writes.map((w) => w.value)).toEqual([0, 1, 0, 1, 0])
    const on = pin.writes[2]!.mono - pin.writes[1]!.mono
    expect(on).toBeGreaterThanOrEqual(BUZZER_PATTERNS.deny[0]! - 5)
  })

  it('a new pattern replaces the running one', async () => {
    const { b, pin } = buzzer()
    await b.start()
    b.play('alarm')
    await sleep(20)
    b.play('admit')
    expect(b.current).toBe('admit')
    await waitFor(() => b.current === null, 'admit end')
    expect(pin.level).toBe(0)
    expect(b.health().counters.plays).toBe(2)
    // alarm on, replaced (off), admit on, admit off
    expect(pin.writes.map((w) => w.value)).toEqual([0, 1, 0, 1, 0])
  })

  it('every pattern starts on, alternates, and has a sane length', () => {
    for (const steps of Object.values(BUZZER_PATTERNS)) {
      expect(steps.length % 2).toBe(1)
      expect(steps.reduce((a, b) => a + b, 0)).toBeLessThan(10_000)
    }
  })
})
