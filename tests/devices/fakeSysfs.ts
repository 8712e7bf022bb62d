// A fake /sys/class/gpio for the onoff-based pins: the Raspberry Pi's GPIO chip (label, base, ngpio) as files, and a
// stand-in for onoff's Gpio class that behaves as the kernel does behind sysfs: export makes gpioN/ with direction,
// edge, active_low and value files; value holds the raw level, and reads and writes go through active_low; an
// input's watchers hear every edge of the raw level; unexport removes gpioN/ but the line keeps its level (as on a
// Pi), so a test can see what a relay was left at.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GpioClassLike, GpioInputClassLike, PinLevel } from '../../devices/transport/gpio.ts'

export interface FakeSysfs {
  root: string
  /** onoff's Gpio class as both the output and the input pins take it. */
  Gpio: GpioClassLike & GpioInputClassLike
  /** Drives an input line's raw level (a contact closing): the value file changes, then each watcher is told. */
  setRaw(sysfs: number, raw: PinLevel): void
  /** The raw level on the wire now (also after unexport); undefined if the line was never touched. */
  raw(sysfs: number): PinLevel | undefined
  exported(sysfs: number): boolean
  /** What a process that died left behind: gpioN/ exported as an output at this raw level. */
  leave(sysfs: number, raw: PinLevel, activeLow: boolean): void
  /** Makes reads of a line fail (EIO), as a pin whose chip went away. */
  failReads(sysfs: number, fail: boolean): void
  /** Every sysfs number constructed, in order, with its direction and options. */
  opened: { n: number; direction: string; edge: string | undefined; activeLow: boolean }[]
  remove(): void
}

/** A Pi 5 (pinctrl-rp1 at base 571, 54 lines) unless told otherwise. */
export function fakeSysfs(chip: { label: string; base: number; ngpio: number } = { label: 'pinctrl-rp1', base: 571, ngpio: 54 }): FakeSysfs {
  const root = mkdtempSync(join(tmpdir(), 'estate-gate-sysfs-'))
  const gpioDir = join(root, 'class', 'gpio')
  const chipDir = join(gpioDir, `gpiochip${chip.base}`)
  mkdirSync(chipDir, { recursive: true })
  writeFileSync(join(chipDir, 'label'), `${chip.label}\n`)
  writeFileSync(join(chipDir, 'base'), `${chip.base}\n`)
  writeFileSync(join(chipDir, 'ngpio'), `${chip.ngpio}\n`)

  const levels = new Map<number, PinLevel>()
  const failing = new Set<number>()
  const watchers = new Map<number, Set<(err: Error | null | undefined, value: PinLevel) => void>>()
  const opened: FakeSysfs['opened'] = []
  const dirOf = (n: number): string => join(gpioDir, `gpio${n}`)
  const file = (n: number, f: string): string => join(dirOf(n), f)

  function exportLine(n: number, direction: string, edge: string | undefined, activeLow: boolean): void {
    mkdirSync(dirOf(n), { recursive: true })
    writeFileSync(file(n, 'active_low'), activeLow ? '1\n' : '0\n')
    // 'high' / 'low' set the raw level (the kernel ignores active_low for them); 'in' reads what the wire has.
    const raw: PinLevel = direction === 'high' ? 1 : direction === 'low' ? 0 : (levels.get(n) ?? 0)
    writeFileSync(file(n, 'direction'), direction === 'in' ? 'in\n' : 'out\n')
    writeFileSync(file(n, 'edge'), `${edge ?? 'none'}\n`)
    levels.set(n, raw)
    writeFileSync(file(n, 'value'), `${raw}\n`)
  }

  const logical = (n: number, raw: PinLevel): PinLevel => (readFileSync(file(n, 'active_low'), 'utf8').trim() === '1' ? ((1 - raw) as PinLevel) : raw)

  const G = class {
    static get accessible(): boolean {
      return true
    }
    constructor(
      private readonly n: number,
      direction: string,
      edge?: string,
      options?: { activeLow?: boolean },
    ) {
      opened.push({ n, direction, edge, activeLow: options?.activeLow ?? false })
      exportLine(n, direction, edge, options?.activeLow ?? false)
    }
    readSync(): PinLevel {
      if (failing.has(this.n)) throw new Error(`EIO: i/o error, read (gpio${this.n})`)
      const raw = Number(readFileSync(file(this.n, 'value'), 'utf8').trim()) as PinLevel
      return logical(this.n, raw)
    }
    writeSync(value: PinLevel): void {
      const raw = logical(this.n, value) // the same inversion both ways
      levels.set(this.n, raw)
      writeFileSync(file(this.n, 'value'), `${raw}\n`)
    }
    watch(cb: (err: Error | null | undefined, value: PinLevel) => void): void {
      let set = watchers.get(this.n)
      if (!set) watchers.set(this.n, (set = new Set()))
      set.add(cb)
    }
    unwatchAll(): void {
      watchers.delete(this.n)
    }
    unexport(): void {
      watchers.delete(this.n)
      rmSync(dirOf(this.n), { recursive: true, force: true })
    }
  }

  return {
    root,
    Gpio: G as unknown as GpioClassLike & GpioInputClassLike,
    opened,
    setRaw(n, raw) {
      levels.set(n, raw)
      if (!existsSync(dirOf(n))) return
      writeFileSync(file(n, 'value'), `${raw}\n`)
      for (const cb of [...(watchers.get(n) ?? [])]) {
        // onoff reads the value in its interrupt handler and passes a read error on as `err`.
        if (failing.has(n)) cb(new Error(`EIO: i/o error, read (gpio${n})`), 0)
        else cb(null, logical(n, raw))
      }
    },
    raw: (n) => levels.get(n),
    exported: (n) => existsSync(dirOf(n)),
    leave(n, raw, activeLow) {
      mkdirSync(dirOf(n), { recursive: true })
      writeFileSync(file(n, 'active_low'), activeLow ? '1\n' : '0\n')
      writeFileSync(file(n, 'direction'), 'out\n')
      writeFileSync(file(n, 'edge'), 'none\n')
      writeFileSync(file(n, 'value'), `${raw}\n`)
      levels.set(n, raw)
    },
    failReads(n, fail) {
      if (fail) failing.add(n)
      else failing.delete(n)
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  }
}
