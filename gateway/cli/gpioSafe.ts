// `estate-gate gpio safe --config FILE`: every gpio relay and buzzer of the config de-energised, for the unit's
// ExecStopPost. The gateway de-energises its outputs when it stops, but a crash or kill -9 leaves each sysfs pin at
// its last level: an energised strike relay keeps the gate open, and a failSafe (magnetic lock) relay keeps the
// door locked, which is exactly the case failSafe is meant to open. systemd runs ExecStopPost after every exit,
// crash included, so this puts the outputs in the state the relays' wiring is chosen for. It refuses nothing (the
// gateway is gone by then) and goes on past a pin that fails, so one bad pin does not keep the others energised.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { CliContext } from '../cli.ts'
import { buzzerSchema, relaySchema, type BuzzerConfig, type RelayConfig } from '../../devices/config.ts'
import { OnoffPin } from '../../devices/transport/gpio.ts'
import { loadConfigFile } from '../config/load.ts'
import { withOverrides } from '../config/overrides.ts'
import { Failure, parse, runCommand, UsageError } from './args.ts'

export const GPIO_SAFE_USAGE = `Usage: estate-gate gpio safe --config FILE [--sysfs-root DIR]

De-energises every GPIO output of the config (devices.relays[] and devices.buzzers[] with driver: gpio): each pin
is exported, written inactive (raw high for activeLow: true) and released, as the gateway does when it stops.
deploy/estate-gate.service runs it as ExecStopPost, after every exit of the gateway, a crash or kill -9 included,
when the pins would otherwise keep their last level. A relay with failSafe: true is then open (a magnetic lock
without power), one with failSafe: false locked (an electric strike without power): docs/raspberry-pi.md.

If the config has errors (edited since the gateway started), the relays and buzzers that still read correctly
are de-energised anyway and the errors are printed.

Options:
  --config FILE     the gateway config (default: the GATEWAY_CONFIG environment variable)
  --sysfs-root DIR  where sysfs is mounted (default /sys)
  -h, --help        this text

Run by hand only with the gateway stopped: it takes the pins away from a running gateway. Exit codes: 0 all
de-energised (or none configured), 1 a pin could not be written, 2 bad argument or no readable config.
`

type Output = { role: 'relay'; cfg: RelayConfig } | { role: 'buzzer'; cfg: BuzzerConfig }

export function gpioSafe(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('gpio safe', ctx, async () => {
    const values = parse(args, { config: { type: 'string' }, 'sysfs-root': { type: 'string' }, help: { type: 'boolean', short: 'h' } })
    if (values.help) {
      ctx.stdout(GPIO_SAFE_USAGE)
      return 0
    }
    const configPath = values.config ?? (process.env.GATEWAY_CONFIG || undefined)
    if (!configPath) throw new UsageError('--config FILE: which gateway config? (or set GATEWAY_CONFIG)')
    const file = resolve(ctx.cwd, configPath)
    const { outputs, unreadable } = readOutputs(file, ctx)
    const sysfsRoot = values['sysfs-root'] ?? '/sys'
    // systemd tells ExecStopPost how the gateway ended: worth a line in the journal beside the crash.
    const env = process.env
    const after = env.SERVICE_RESULT ? ` after the gateway's exit (${['SERVICE_RESULT', 'EXIT_CODE', 'EXIT_STATUS'].map((k) => `${k}=${env[k] ?? ''}`).join(' ')})` : ''
    const gpio = outputs.filter((o) => o.cfg.driver === 'gpio')
    if (gpio.length === 0 && unreadable === 0) {
      ctx.stdout(`no gpio relays or buzzers in ${file}: nothing to de-energise${after}\n`)
      return 0
    }
    const gpioClass = ctx.hardware?.gpioClass
    const failed: string[] = []
    for (const { role, cfg } of gpio) {
      const what = `${role} ${cfg.name}: GPIO${cfg.pin}`
      try {
        // The constructor exports the pin inactive from its first instant (also one a crashed gateway left
        // exported: onoff sets its direction again); close() writes inactive once more and releases it.
        const pin = new OnoffPin(cfg.pin, { activeLow: cfg.activeLow, sysfsRoot, ...(gpioClass && { gpioClass }) })
        pin.close()
        const state = role === 'relay' ? ((cfg as RelayConfig).failSafe ? ', the lock free (failSafe)' : ', the lock shut') : ''
        ctx.stdout(`${what} (sysfs ${pin.sysfsNumber}, active-${cfg.activeLow ? 'low' : 'high'}): de-energised (raw ${cfg.activeLow ? 1 : 0})${state}${after}\n`)
      } catch (err) {
        failed.push(`${what}: ${(err as Error).message.replace(/^GPIO pin \d+: /, '')}`)
      }
    }
    if (unreadable) failed.push(`${unreadable} gpio relay or buzzer entries of the config could not be read: de-energise them by hand (echo 0 | sudo tee /sys/class/gpio/gpioN/value, 1 for an active-low board)`)
    if (failed.length) throw new Failure(`could not de-energise every output:\n  ${failed.join('\n  ')}`)
    return 0
  })
}

/**
 * The relays and buzzers of the config; of a config with errors, every entry that still reads, the errors printed,
 * and how many gpio entries did not read.
 */
function readOutputs(file: string, ctx: CliContext): { outputs: Output[]; unreadable: number } {
  // The devices as the gateway ran them: a tech's change at /tech (kept in dataDir/config-overrides.json) may have moved
  // a relay to another pin or flipped its activeLow; de-energising the file's pin would leave the real one as it was.
  const fromFile = loadConfigFile(file)
  const effective = withOverrides(fromFile)
  const loaded = effective.ok ? effective : fromFile
  if (loaded.ok) {
    const d = loaded.config.devices
    const outputs: Output[] = [...d.relays.map((cfg) => ({ role: 'relay' as const, cfg })), ...d.buzzers.map((cfg) => ({ role: 'buzzer' as const, cfg }))]
    return { outputs, unreadable: 0 }
  }
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(file, 'utf8'))
  } catch {
    throw new UsageError(loaded.errors.join('\n'))
  }
  const devices = (raw as { devices?: { relays?: unknown; buzzers?: unknown } } | null)?.devices
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
  const out: Output[] = []
  for (const r of list(devices?.relays)) {
    const p = relaySchema.safeParse(r)
    if (p.success) out.push({ role: 'relay', cfg: p.data })
  }
  for (const b of list(devices?.buzzers)) {
    const p = buzzerSchema.safeParse(b)
    if (p.success) out.push({ role: 'buzzer', cfg: p.data })
  }
  const gpioEntries = [...list(devices?.relays), ...list(devices?.buzzers)].filter((e) => (e as { driver?: unknown } | null)?.driver === 'gpio').length
  ctx.stderr(`estate-gate gpio safe: ${file} has errors; de-energising the relays and buzzers that still read:\n  ${loaded.errors.join('\n  ')}\n`)
  return { outputs: out, unreadable: gpioEntries - out.filter((o) => o.cfg.driver === 'gpio').length }
}
