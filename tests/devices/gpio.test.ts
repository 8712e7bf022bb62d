import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OnoffPin, SimulatedPin, sysfsGpioNumber, type GpioClassLike, type PinLevel } from '../../devices/transport/gpio.ts'
import { systemClock } from '../../devices/types.ts'

const roots: string[] = []

/** A fake /sys with the given gpiochips. */
function fakeSys(chips: { name: string; label: string; base: number; ngpio?: number }[]): string {
  const root = mkdtempSync(join(tmpdir(), 'estate-gate-sys-'))
  roots.push(root)
  for (const c of chips) {
    const dir = join(root, 'class', 'gpio', c.name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'label'), `${c.label}\n`)
    writeFileSync(join(dir, 'base'), `${c.base}\n`)
    if (c.ngpio !== undefined) writeFileSync(join(dir, 'ngpio'), `${c.ngpio}\n`)
  }
  mkdirSync(join(root, 'class', 'gpio'), { recursive: true })
  return root
}

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})

describe('sysfs GPIO numbering', () => {
  it('adds the Pi 5 rp1 base (571) and ignores other chips', () => {
    const root = fakeSys([
      { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
      { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
    ])
    expect(sysfsGpioNumber(17, root)).toBe(588)
  })

  it('uses the Pi 4 bcm2711 base (512)', () => {
    expect(sysfsGpioNumber(27, fakeSys([{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]))).toBe(539)
  })

  it('uses base 0 on older kernels', () => {
    expect(sysfsGpioNumber(4, fakeSys([{ name: 'gpiochip0', label: 'pinctrl-bcm2835', base: 0 }]))).toBe(4)
  })

  it('names the pin and the chips found when none matches', () => {
    const root = fakeSys([{ name: 'gpiochip0', label: 'some-expander', base: 496 }])
    expect(() => sysfsGpioNumber(17, root)).toThrow(/GPIO pin 17: no chip labelled pinctrl-rp1.*found: some-expander \(base 496\)/)
    expect(() => sysfsGpioNumber(17, fakeSys([]))).toThrow(/found: none/)
  })

  it('rejects a pin beyond the chip', () => {
    expect(() => sysfsGpioNumber(60, fakeSys([{ name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 }]))).toThrow(/only 54 lines/)
  })
})

describe('OnoffPin', () => {
  function fakeGpio(accessible = true) {
    const made: { n: number; direction: string; options: unknown; writes: PinLevel[]; unexported: boolean }[] = []
    const G = class {
      static accessible = accessible
      rec: (typeof made)[number]
      constructor(n: number, direction: string, _edge?: string, options?: unknown) {
        this.rec = { n, direction, options, writes: [], unexported: false }
        made.push(this.rec)
      }
      writeSync(v: PinLevel): void {
        this.rec.writes.push(v)
      }
      unexport(): void {
        this.rec.unexported = true
      }
    }
    return { G: G as unknown as GpioClassLike, made }
  }

  it('exports base + pin, initially inactive: raw high on an active-low board', () => {
    const root = fakeSys([{ name: 'gpiochip571', label: 'pinctrl-rp1', base: 571 }])
    const { G, made } = fakeGpio()
    const pin = new OnoffPin(17, { activeLow: true, sysfsRoot: root, gpioClass: G })
    expect(pin.sysfsNumber).toBe(588)
    expect(made[0]).toMatchObject({ n: 588, direction: 'high', options: { activeLow: true } })
    pin.write(1)
    pin.close()
    expect(made[0]).toMatchObject({ writes: [1, 0], unexported: true })
  })

  it('uses raw low on an active-high board', () => {
    const { G, made } = fakeGpio()
    new OnoffPin(17, { sysfsRoot: fakeSys([{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512 }]), gpioClass: G })
    expect(made[0]).toMatchObject({ n: 529, direction: 'low' })
  })

  it('says clearly when GPIO is not accessible (this CI machine with the real onoff)', () => {
    expect(() => new OnoffPin(17)).toThrow(/GPIO pin 17: sysfs GPIO is not accessible/)
    const { G } = fakeGpio(false)
    expect(() => new OnoffPin(17, { gpioClass: G })).toThrow(/not accessible/)
  })
})

describe('SimulatedPin', () => {
  it('records every write with both clocks and the raw level', () => {
    const pin = new SimulatedPin(systemClock, true)
    expect(pin.level).toBe(0)
    expect(pin.rawLevel).toBe(1)
    pin.write(1)
    expect(pin.rawLevel).toBe(0)
    expect(pin.writes).toHaveLength(1)
    expect(pin.writes[0]).toMatchObject({ value: 1, raw: 0 })
    expect(pin.writes[0]!.at).toBeGreaterThan(1.6e12)
    pin.close()
    expect(() => pin.write(0)).toThrow(/closed/)
  })

  it('fails on demand and lets a test look at the world at the instant of a write', () => {
    const pin = new SimulatedPin(systemClock)
    pin.fail('EIO: injected')
    expect(() => pin.write(1)).toThrow('EIO: injected')
    expect(pin.level).toBe(0)
    expect(pin.writes).toHaveLength(0)
    pin.fail(null)
    const seen: [PinLevel, PinLevel][] = []
    pin.onWrite = (v) => seen.push([v, pin.level])
    pin.write(1)
    expect(seen).toEqual([[1, 0]]) // before the level changed
    expect(pin.level).toBe(1)
    pin.onWrite = () => {
      throw new Error('refused')
    }
    expect(() => pin.write(0)).toThrow('refused')
    expect(pin.level).toBe(1)
  })

  it('keeps a bounded log', () => {
    const pin = new SimulatedPin(systemClock, false, 10)
    for (let i = 0; i < 25; i++) pin.write((i % 2) as PinLevel)
    expect(pin.writes).toHaveLength(10)
  })
})
