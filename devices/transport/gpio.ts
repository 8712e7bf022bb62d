// Output pins behind a narrow interface, so relay and buzzer code never sees onoff (deprecated sysfs GPIO,
// STYLE.md §6) and a libgpiod backend can replace it. Levels are logical: 1 = active (relay energised);
// an active-low board's inversion lives in the pin.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Gpio } from 'onoff'
import type { Clock } from '../types.ts'

export type PinLevel = 0 | 1

export interface GpioPin {
  write(value: PinLevel): void
  close(): void
}

export interface PinWrite {
  value: PinLevel
  /** The level on the wire after active-low inversion. */
  raw: PinLevel
  mono: number
  at: number
}

/**
 * Records what it was told, for tests, the demo and the tech page. Starts inactive. Tests can make it fail on
 * demand (`fail`) and look at the world at the instant of a write (`onWrite`), as a real relay board would act.
 */
export class SimulatedPin implements GpioPin {
  readonly writes: PinWrite[] = []
  /** Runs inside write(), before the level changes; a throw fails the write like EIO from sysfs. */
  onWrite: ((value: PinLevel) => void) | null = null
  private value: PinLevel = 0
  private closed = false
  private failure: string | null = null

  constructor(
    private readonly clock: Clock,
    readonly activeLow = false,
    /** Oldest writes are dropped beyond this many, so a long demo does not grow memory. */
    private readonly maxLog = 1000,
  ) {}

  get level(): PinLevel {
    return this.value
  }

  get rawLevel(): PinLevel {
    return this.activeLow ? ((1 - this.value) as PinLevel) : this.value
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Every write throws `reason` until fail(null): a pin taken by another process, a board that lost power. */
  fail(reason: string | null): void {
    this.failure = reason
  }

  write(value: PinLevel): void {
    if (this.closed) throw new Error('simulated pin is closed')
    if (this.failure !== null) throw new Error(this.failure)
    this.onWrite?.(value)
    this.value = value
    this.writes.push({ value, raw: this.rawLevel, mono: this.clock.mono(), at: this.clock.now() })
    if (this.writes.length > this.maxLog) this.writes.splice(0, this.writes.length - this.maxLog)
  }

  close(): void {
    this.closed = true
  }
}

/** The SoC's GPIO controller labels, newest first (DEPENDENCIES.md §4). */
export const SOC_GPIO_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const

/**
 * sysfs GPIO number of a BCM pin: the SoC chip's `base` + pin. Since kernel 6.6 on Raspberry Pi OS Bookworm the base
 * is dynamic (512 on a Pi 4, 571 on a Pi 5), so it is read from /sys/class/gpio/gpiochip*\/{label,base}.
 */
export function sysfsGpioNumber(bcmPin: number, sysfsRoot = '/sys'): number {
  const dir = join(sysfsRoot, 'class', 'gpio')
  const chips: { label: string; base: number; ngpio: number | null }[] = []
  let entries: string[] = []
  try {
    entries = readdirSync(dir).filter((e) => e.startsWith('gpiochip'))
  } catch {
    /* reported below as "none found" */
  }
  for (const e of entries) {
    try {
      const read = (f: string): string => readFileSync(join(dir, e, f), 'utf8').trim()
      let ngpio: number | null = null
      try {
        ngpio = Number(read('ngpio'))
      } catch {
        /* optional */
      }
      chips.push({ label: read('label'), base: Number(read('base')), ngpio })
    } catch {
      /* a chip without label/base is not one we can use */
    }
  }
  for (const label of SOC_GPIO_LABELS) {
    const chip = chips.find((c) => c.label === label && Number.isInteger(c.base))
    if (!chip) continue
    if (chip.ngpio !== null && Number.isInteger(chip.ngpio) && bcmPin >= chip.ngpio) {
      throw new Error(`GPIO pin ${bcmPin}: chip ${label} has only ${chip.ngpio} lines (0..${chip.ngpio - 1})`)
    }
    return chip.base + bcmPin
  }
  const found = chips.length ? chips.map((c) => `${c.label} (base ${c.base})`).join(', ') : 'none'
  throw new Error(`GPIO pin ${bcmPin}: no chip labelled ${SOC_GPIO_LABELS.join(', ')} under ${dir}; found: ${found}`)
}

/** What OnoffPin needs of onoff's Gpio; injectable so the wiring is testable without a Pi. */
export interface GpioLike {
  writeSync(value: PinLevel): void
  unexport(): void
}
export interface GpioClassLike {
  readonly accessible: boolean
  new (gpio: number, direction: 'high' | 'low', edge?: 'none', options?: { activeLow?: boolean }): GpioLike
}

export interface OnoffPinOptions {
  activeLow?: boolean
  sysfsRoot?: string
  gpioClass?: GpioClassLike
}

/** onoff's Gpio.accessible is false without /sys/class/gpio or without the gpio group: say so, for any pin. */
function requireAccessible(G: { readonly accessible: boolean }, bcmPin: number): void {
  if (!G.accessible) {
    throw new Error(`GPIO pin ${bcmPin}: sysfs GPIO is not accessible here (no /sys/class/gpio, or no permission: add the user to the "gpio" group)`)
  }
}

export class OnoffPin implements GpioPin {
  readonly sysfsNumber: number
  private readonly gpio: GpioLike

  /** Exports the pin as an output, inactive from the first instant. Throws a clear error if that is impossible. */
  constructor(readonly bcmPin: number, opts: OnoffPinOptions = {}) {
    const G = opts.gpioClass ?? (Gpio as unknown as GpioClassLike)
    requireAccessible(G, bcmPin)
    const activeLow = opts.activeLow ?? false
    this.sysfsNumber = sysfsGpioNumber(bcmPin, opts.sysfsRoot)
    // 'high'/'low' sets the initial *raw* level (the kernel ignores active_low for it): raw high is "off" on an
    // active-low board. Plain 'out' would be raw low and switch an active-low relay on at start.
    this.gpio = new G(this.sysfsNumber, activeLow ? 'high' : 'low', 'none', { activeLow })
  }

  write(value: PinLevel): void {
    this.gpio.writeSync(value)
  }

  close(): void {
    this.gpio.writeSync(0)
    this.gpio.unexport()
  }
}

/** An input line as GpioInput needs it: the logical level (after active-low) now, and a call on every edge. */
export interface InputPin {
  read(): PinLevel
  /** Called on every interrupt with the level read then (sysfs `edge` = both); `err` when that read failed. */
  watch(listener: (err: Error | null | undefined, value: PinLevel) => void): void
  close(): void
}

/** What OnoffInputPin needs of onoff's Gpio as an input (the real class satisfies both this and GpioClassLike). */
export interface GpioInputLike {
  readSync(): PinLevel
  watch(callback: (err: Error | null | undefined, value: PinLevel) => void): void
  unwatchAll(): void
  unexport(): void
}
export interface GpioInputClassLike {
  readonly accessible: boolean
  new (gpio: number, direction: 'in', edge: 'both', options?: { activeLow?: boolean }): GpioInputLike
}

export interface OnoffInputPinOptions {
  activeLow?: boolean
  sysfsRoot?: string
  gpioClass?: GpioInputClassLike
}

/**
 * A BCM pin exported as an input with interrupts on both edges. active_low is left to the kernel (sysfs
 * `active_low`), as for outputs, so read() and the edges are already logical. Debouncing is the caller's: onoff's
 * own debounceTimeout (lodash timers) would hide the bounces it swallows, and those are worth counting.
 */
export class OnoffInputPin implements InputPin {
  readonly sysfsNumber: number
  private readonly gpio: GpioInputLike

  constructor(readonly bcmPin: number, opts: OnoffInputPinOptions = {}) {
    const G = opts.gpioClass ?? (Gpio as unknown as GpioInputClassLike)
    requireAccessible(G, bcmPin)
    this.sysfsNumber = sysfsGpioNumber(bcmPin, opts.sysfsRoot)
    this.gpio = new G(this.sysfsNumber, 'in', 'both', { activeLow: opts.activeLow ?? false })
  }

  read(): PinLevel {
    return this.gpio.readSync()
  }

  watch(listener: (err: Error | null | undefined, value: PinLevel) => void): void {
    this.gpio.watch(listener)
  }

  close(): void {
    this.gpio.unexport() // unwatches too
  }
}
