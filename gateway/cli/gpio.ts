// `estate-gate gpio pulse PIN`: the gate relay's own driver (devices/outputs/relay.ts over onoff, with the
// Bookworm chip base offset found from sysfs) switched on for a moment, so a technician hears the relay click
// before anyone walks through. It refuses a pin that is already exported: that is the running gateway's, and
// releasing it afterwards would take the gate relay away from the gateway.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import type { CliContext } from '../cli.ts'
import { relaySchema } from '../../devices/config.ts'
import { PinRelay } from '../../devices/outputs/relay.ts'
import { OnoffPin, sysfsGpioNumber } from '../../devices/transport/gpio.ts'
import { Failure, numberOption, parseWithPositionals, runCommand, UsageError } from './args.ts'

export const GPIO_PULSE_USAGE = `Usage: estate-gate gpio pulse PIN [--ms N] [--active-low] [--sysfs-root DIR]

Switches a GPIO output on for N ms, then off, with the gateway's relay driver: the gate relay should click
(or the buzzer sound). PIN is the BCM number printed on the board (GPIO17 is pin 11 of the header), as in
devices.relays[].pin; the sysfs number (the GPIO chip's base, 512 on a Pi 4 or 571 on a Pi 5, plus PIN) is
found from /sys/class/gpio.

Options:
  --ms N            how long it stays on, 100-30000 ms (default 1000), as relays[].pulseMs
  --active-low      the board switches on at a low level (many opto-isolated relay boards), as relays[].activeLow
  --sysfs-root DIR  where sysfs is mounted (default /sys)
  -h, --help        this text

Stop the gateway first (sudo systemctl stop estate-gate): a pin it holds is refused. The user needs to be in
the "gpio" group. Exit codes: 0 pulsed, 1 GPIO not available or the pin busy, 2 bad argument.
`

export function gpioPulse(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('gpio pulse', ctx, async () => {
    const { values, positionals } = parseWithPositionals(args, {
      ms: { type: 'string' },
      'active-low': { type: 'boolean' },
      'sysfs-root': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    })
    if (values.help) {
      ctx.stdout(GPIO_PULSE_USAGE)
      return 0
    }
    const [pinText, ...extra] = positionals
    if (pinText === undefined) throw new UsageError('missing PIN (the BCM number on the board, e.g. 17)')
    if (extra.length) throw new UsageError(`expected one PIN, got also ${extra.map((e) => JSON.stringify(e)).join(', ')}`)
    const pin = numberOption('PIN', pinText, 0, 63, true)
    const ms = numberOption('--ms', values.ms ?? '1000', 0, 1e9, true)
    const cfg = relaySchema.safeParse({ name: 'gpio-test', driver: 'gpio', pin, activeLow: values['active-low'] ?? false, pulseMs: ms })
    if (!cfg.success) throw new UsageError(`--ms: ${cfg.error.issues[0]?.message ?? 'out of range'} (got ${ms})`)
    const sysfsRoot = values['sysfs-root'] ?? '/sys'
    const activeLow = cfg.data.activeLow

    let sysfs: number
    try {
      sysfs = sysfsGpioNumber(pin, sysfsRoot)
    } catch (err) {
      throw new Failure(`${(err as Error).message}; is this a Raspberry Pi, and sysfs GPIO enabled?`)
    }
    const exported = join(sysfsRoot, 'class', 'gpio', `gpio${sysfs}`)
    if (existsSync(exported)) {
      throw new Failure(
        `GPIO${pin} (sysfs ${sysfs}) is in use: ${exported} exists, most likely the running gateway's relay or buzzer. ` +
          `Stop the gateway first (sudo systemctl stop estate-gate), or use "Test" on the kiosk's /tech page. ` +
          `If no gateway runs, a program left it behind: echo ${sysfs} | sudo tee ${join(sysfsRoot, 'class', 'gpio', 'unexport')}`,
      )
    }

    const gpioClass = ctx.hardware?.gpioClass
    const relay = new PinRelay(cfg.data, { clock: ctx.clock, log: pino({ level: 'silent' }) }, () =>
      new OnoffPin(pin, { activeLow, sysfsRoot, ...(gpioClass && { gpioClass }) }),
    )
    await relay.start()
    try {
      const h = relay.health()
      if (!h.online) throw new Failure(h.lastError ?? `GPIO${pin}: could not be opened`)
      relay.pulse(ms)
      const after = relay.health()
      if (after.counters.pulses !== 1) throw new Failure(after.lastError ?? `GPIO${pin}: the pulse was not carried out`)
      // The relay releases itself after ms (its own timer, set first, fires first).
      await sleep(ms)
      if (relay.isOn) throw new Failure(`GPIO${pin}: still on after ${ms} ms; it is switched off now`)
    } finally {
      await relay.stop()
    }
    ctx.stdout(`GPIO${pin} (sysfs ${sysfs}, active-${activeLow ? 'low' : 'high'}): on for ${ms} ms, then off. The relay should have clicked.\n`)
    return 0
  })
}
