// estate-gate gpio pulse PIN and gpio safe: the relay driver over onoff on a fake /sys (gpiochip label and base as on a Pi 5),
// with onoff's Gpio class replaced by one that records what it is told; and the real onoff as a process.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { GpioClassLike, PinLevel } from '../../devices/transport/gpio.ts'
import { stringify } from 'yaml'
import { fakeSysfs, type FakeSysfs } from '../devices/fakeSysfs.ts'
import { cliProcess, runCli, tempDir } from './helpers.ts'

const dir = tempDir()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let roots = 0
/** A /sys with the Pi 5's GPIO chip (pinctrl-rp1, base 571, 54 lines). */
function fakeSys(exported: number[] = []): string {
  const root = join(dir, `sys-${roots++}`)
  const chip = join(root, 'class', 'gpio', 'gpiochip571')
  mkdirSync(chip, { recursive: true })
  writeFileSync(join(chip, 'label'), 'pinctrl-rp1\n')
  writeFileSync(join(chip, 'base'), '571\n')
  writeFileSync(join(chip, 'ngpio'), '54\n')
  for (const n of exported) mkdirSync(join(root, 'class', 'gpio', `gpio${n}`))
  return root
}

interface Made {
  n: number
  direction: string
  options: unknown
  writes: { value: PinLevel; at: number }[]
  unexported: boolean
}

function recordingGpio(): { gpioClass: GpioClassLike; made: Made[] } {
  const made: Made[] = []
  const G = class {
    static accessible = true
    rec: Made
    constructor(n: number, direction: string, _edge?: string, options?: unknown) {
      this.rec = { n, direction, options, writes: [], unexported: false }
      made.push(this.rec)
    }
    writeSync(value: PinLevel): void {
      this.rec.writes.push({ value, at: performance.now() })
    }
    unexport(): void {
      this.rec.unexported = true
    }
  }
  return { gpioClass: G as unknown as GpioClassLike, made }
}

describe('gpio pulse', () => {
  it('exports chip base + BCM pin, off from the start, on for --ms, then off and released', async () => {
    const { gpioClass, made } = recordingGpio()
    const ran = await runCli(['gpio', 'pulse', '17', '--ms', '150', '--sysfs-root', fakeSys()], { hardware: { gpioClass } })
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toBe('GPIO17 (sysfs 588, active-high): on for 150 ms, then off. The relay should have clicked.\n')
    expect(made).toHaveLength(1)
    const pin = made[0]!
    // 'low': the raw level is off from the first instant; 571 + 17 = 588.
    expect(pin).toMatchObject({ n: 588, direction: 'low', options: { activeLow: false }, unexported: true })
    const values = pin.writes.map((w) => w.value)
    expect(values.filter((v) => v === 1)).toHaveLength(1)
    expect(values.at(-1)).toBe(0)
    const on = pin.writes.find((w) => w.value === 1)!
    const off = pin.writes.find((w) => w.value === 0 && w.at > on.at)!
    // The relay's own timer releases it: never before --ms (1 ms for timer rounding).
    expect(off.at - on.at).toBeGreaterThanOrEqual(149)
  })

  it('--active-low starts the pin raw high (off on such boards)', async () => {
    const { gpioClass, made } = recordingGpio()
    const ran = await runCli(['gpio', 'pulse', '27', '--ms', '100', '--active-low', '--sysfs-root', fakeSys()], { hardware: { gpioClass } })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain('GPIO27 (sysfs 598, active-low)')
    expect(made[0]).toMatchObject({ n: 598, direction: 'high', options: { activeLow: true } })
  })

  it("refuses a pin that is already exported (the running gateway's relay) and touches nothing", async () => {
    const { gpioClass, made } = recordingGpio()
    const root = fakeSys([588])
    const ran = await runCli(['gpio', 'pulse', '17', '--sysfs-root', root], { hardware: { gpioClass } })
    expect(ran).toMatchObject({ code: 1, stdout: '' })
    expect(ran.stderr).toMatch(/^estate-gate gpio pulse: GPIO17 \(sysfs 588\) is in use: \S+gpio588 exists, most likely the running gateway's relay or buzzer\. Stop the gateway first/)
    expect(ran.stderr).toContain(`echo 588 | sudo tee ${join(root, 'class', 'gpio', 'unexport')}`)
    expect(made).toHaveLength(0)
  })

  it('no Raspberry Pi GPIO chip under the sysfs root: exit 1, naming what was found', async () => {
    const root = join(dir, 'no-chip')
    mkdirSync(join(root, 'class', 'gpio'), { recursive: true })
    const ran = await runCli(['gpio', 'pulse', '17', '--sysfs-root', root], { hardware: recordingGpio() })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/GPIO pin 17: no chip labelled pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835 under \S+; found: none; is this a Raspberry Pi/)
  })

  it('a pin beyond the chip: exit 1', async () => {
    const ran = await runCli(['gpio', 'pulse', '60', '--sysfs-root', fakeSys()], { hardware: recordingGpio() })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/GPIO pin 60: chip pinctrl-rp1 has only 54 lines \(0\.\.53\)/)
  })

  it.each([
    [['gpio', 'pulse'], /missing PIN \(the BCM number on the board, e.g\. 17\)/],
    [['gpio', 'pulse', 'GPIO17'], /PIN: expected an integer from 0 to 63, got "GPIO17"/],
    [['gpio', 'pulse', '64'], /PIN: expected an integer from 0 to 63, got "64"/],
    [['gpio', 'pulse', '17', '27'], /expected one PIN, got also "27"/],
    [['gpio', 'pulse', '17', '--ms', '50'], /--ms: Too small: expected number to be >=100 \(got 50\)/],
    [['gpio', 'pulse', '17', '--ms', '60000'], /--ms: Too big: expected number to be <=30000 \(got 60000\)/],
    [['gpio', 'pulse', '17', '--ms', '1.5'], /--ms: expected an integer/],
  ])('%j exits 2', async (args, message) => {
    const ran = await runCli(args, { hardware: recordingGpio() })
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    expect(ran.stderr).toMatch(message)
  })

  it('as a process with the real onoff on a machine without GPIO: exit 1, saying so', async () => {
    const ran = await cliProcess(['gpio', 'pulse', '17', '--ms', '100', '--sysfs-root', fakeSys()])
    expect(ran).toMatchObject({ code: 1, stdout: '' })
    expect(ran.stderr).toMatch(/^estate-gate gpio pulse: GPIO pin 17: sysfs GPIO is not accessible here \(no \/sys\/class\/gpio, or no permission: add the user to the "gpio" group\)\n$/)
  })
})

describe('gpio safe (the unit\'s ExecStopPost)', () => {
  const sysfs: FakeSysfs[] = []
  afterAll(() => {
    for (const s of sysfs) s.remove()
  })

  function config(name: string, devices: unknown): string {
    const file = join(dir, name)
    writeFileSync(file, stringify({ devices }))
    return file
  }

  const wired = {
    relays: [
      { name: 'gate', driver: 'gpio', pin: 17 },
      { name: 'maglock', driver: 'gpio', pin: 22, activeLow: true, failSafe: true },
      { name: 'spare', driver: 'simulated' },
    ],
    buzzers: [{ name: 'buzzer', driver: 'gpio', pin: 27 }],
  }

  it('de-energises every gpio relay and buzzer a killed gateway left energised (active-low: raw 1) and releases them', async () => {
    const sys = fakeSysfs()
    sysfs.push(sys)
    // What kill -9 left: the strike relay energised mid-pulse (raw 1), the active-low magnetic lock relay energised
    // to hold the door shut (raw 0), the buzzer sounding; every pin still exported.
    sys.leave(588, 1, false)
    sys.leave(593, 0, true)
    sys.leave(598, 1, false)
    const ran = await runCli(['gpio', 'safe', '--config', config('wired.yaml', wired), '--sysfs-root', sys.root], { hardware: { gpioClass: sys.Gpio } })
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toBe(
      'relay gate: GPIO17 (sysfs 588, active-high): de-energised (raw 0), the lock shut\n' +
        'relay maglock: GPIO22 (sysfs 593, active-low): de-energised (raw 1), the lock free (failSafe)\n' +
        'buzzer buzzer: GPIO27 (sysfs 598, active-high): de-energised (raw 0)\n',
    )
    expect([sys.raw(588), sys.raw(593), sys.raw(598)]).toEqual([0, 1, 0])
    for (const n of [588, 593, 598]) expect(sys.exported(n), `gpio${n}`).toBe(false)
    // Never energised on the way: onoff exports an output at its inactive raw level ('low' / 'high' for active-low).
    expect(sys.opened.map((o) => [o.n, o.direction])).toEqual([[588, 'low'], [593, 'high'], [598, 'low']])
  })

  it('de-energises the pins the gateway ran with: a relay a tech moved at /tech (config-overrides.json in dataDir)', async () => {
    const sys = fakeSysfs()
    sysfs.push(sys)
    const dataDir = join(dir, 'moved-data')
    mkdirSync(dataDir, { recursive: true })
    const file = join(dir, 'moved.yaml')
    writeFileSync(file, stringify({ dataDir, devices: wired }))
    // At /tech the magnetic lock's relay went from GPIO22 to GPIO23 (restart needed, kept as an override).
    const relays = structuredClone(wired.relays)
    relays[1] = { ...relays[1]!, pin: 23 }
    writeFileSync(join(dataDir, 'config-overrides.json'), JSON.stringify({ devices: { relays } }))
    sys.leave(594, 0, true) // GPIO23, active-low, energised: the lock held shut when the gateway died
    const ran = await runCli(['gpio', 'safe', '--config', file, '--sysfs-root', sys.root], { hardware: { gpioClass: sys.Gpio } })
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(/relay maglock: GPIO23 \(sysfs 594, active-low\): de-energised \(raw 1\), the lock free/)
    expect(sys.raw(594)).toBe(1)
  })

  it('also after a clean stop (the pins already released), and names how systemd saw the exit', async () => {
    const sys = fakeSysfs()
    sysfs.push(sys)
    const saved = { ...process.env }
    Object.assign(process.env, { SERVICE_RESULT: 'signal', EXIT_CODE: 'killed', EXIT_STATUS: 'KILL' })
    try {
      const ran = await runCli(['gpio', 'safe', '--config', config('wired2.yaml', wired), '--sysfs-root', sys.root], { hardware: { gpioClass: sys.Gpio } })
      expect(ran.code).toBe(0)
      expect(ran.stdout).toContain("de-energised (raw 1), the lock free (failSafe) after the gateway's exit (SERVICE_RESULT=signal EXIT_CODE=killed EXIT_STATUS=KILL)\n")
    } finally {
      for (const k of ['SERVICE_RESULT', 'EXIT_CODE', 'EXIT_STATUS']) if (!(k in saved)) delete process.env[k]
    }
    expect([sys.raw(588), sys.raw(593), sys.raw(598)]).toEqual([0, 1, 0])
  })

  it('a config edited into errors since the start: the relays that still read are de-energised, the errors printed', async () => {
    const sys = fakeSysfs()
    sysfs.push(sys)
    sys.leave(588, 1, false)
    const file = join(dir, 'broken.yaml')
    writeFileSync(file, stringify({ rules: { feverC: 'hot' }, devices: { relays: [{ name: 'gate', driver: 'gpio', pin: 17 }, { name: 'x', driver: 'gpio', pin: 'seventeen' }] } }))
    const ran = await runCli(['gpio', 'safe', '--config', file, '--sysfs-root', sys.root], { hardware: { gpioClass: sys.Gpio } })
    expect(sys.raw(588)).toBe(0)
    expect(ran.stdout).toContain('relay gate: GPIO17 (sysfs 588, active-high): de-energised (raw 0)')
    expect(ran.stderr).toMatch(/has errors; de-energising the relays and buzzers that still read:\n[\s\S]*\n {2}rules\.feverC/)
    expect(ran.stderr).toMatch(/1 gpio relay or buzzer entries of the config could not be read: de-energise them by hand/)
    expect(ran.code).toBe(1)
  })

  it('one pin that fails does not keep the others energised: exit 1 naming it', async () => {
    const sys = fakeSysfs()
    sysfs.push(sys)
    sys.leave(598, 1, false)
    const file = config('beyond.yaml', { relays: [{ name: 'gate', driver: 'gpio', pin: 60 }], buzzers: [{ name: 'buzzer', driver: 'gpio', pin: 27 }] })
    const ran = await runCli(['gpio', 'safe', '--config', file, '--sysfs-root', sys.root], { hardware: { gpioClass: sys.Gpio } })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain('relay gate: GPIO60: chip pinctrl-rp1 has only 54 lines')
    expect(sys.raw(598)).toBe(0)
  })

  it('simulated outputs only (the demo): nothing to do, exit 0; no config: exit 2', async () => {
    const ran = await runCli(['gpio', 'safe', '--config', config('demo.yaml', {})])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(/^no gpio relays or buzzers in \S+demo\.yaml: nothing to de-energise\n$/)
    const none = await runCli(['gpio', 'safe', '--config', join(dir, 'missing.yaml')])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/missing\.yaml: file not found/)
  })

  it('as a process with the real onoff on a machine without GPIO: exit 1 naming each pin', async () => {
    const ran = await cliProcess(['gpio', 'safe', '--config', config('real.yaml', wired)])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain('relay gate: GPIO17: sysfs GPIO is not accessible here')
    expect(ran.stderr).toContain('relay maglock: GPIO22: sysfs GPIO is not accessible here')
  })
})
