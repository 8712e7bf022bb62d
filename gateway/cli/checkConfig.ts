// `estate-gate check-config FILE`: the gateway's own validation (gateway/config/load.ts) without starting
// anything, and a summary a technician can read against the wiring: which device on which port, the broker,
// the uplink, the tasks. Secrets (passwords, PINs, keys, credentials in URLs) are never printed.
import { join, resolve } from 'node:path'
import { isPasswordHash } from '../broker/passwords.ts'
import type { CliContext } from '../cli.ts'
import { loadConfigFile } from '../config/load.ts'
import { changedKeys, overridesPath, readOverrides } from '../config/overrides.ts'
import { checkForStart } from '../config/preflight.ts'
import type { GatewayConfig } from '../config/schema.ts'
import { parseWithPositionals, runCommand, UsageError } from './args.ts'

export const CHECK_CONFIG_USAGE = `Usage: estate-gate check-config FILE

Validates a gateway config file (YAML) exactly as "estate-gate start" does, without starting anything: every
key and value, issuer keys (Ed25519), PIN and password hashes, ports and GPIO pins that must differ, cron
expressions, TLS files (readable, a key matching its certificate), a writable dataDir.
Valid: prints OK and what start would run with (devices and their ports, broker, uplink, kiosk, tasks): the
file with every default filled in and the remote changes below applied, the dataDir as an absolute path; then
warnings worth a look (a /dev/ttyUSBn path that can change, no pass issuers, PINs in plain text).
Not valid: prints every error with its key path, e.g. "devices.scanners[0].driver: ...".

Remote changes (config/set) kept in DATADIR/config-overrides.json are applied over the file at start; when
there are some, they are checked too and listed. A relative dataDir is taken from the current directory.

Options:
  -h, --help  this text

Exit codes: 0 valid, 2 not valid (or no such file).
`

export function checkConfig(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('check-config', ctx, () => {
    const { values, positionals } = parseWithPositionals(args, { help: { type: 'boolean', short: 'h' } })
    if (values.help) {
      ctx.stdout(CHECK_CONFIG_USAGE)
      return 0
    }
    const [file, ...extra] = positionals
    if (file === undefined) throw new UsageError('missing FILE (the gateway config, e.g. /etc/estate-gate/gateway.yaml)')
    if (extra.length > 0) throw new UsageError(`expected one FILE, got also ${extra.map((e) => JSON.stringify(e)).join(', ')}`)

    const loaded = loadConfigFile(resolve(ctx.cwd, file))
    if (!loaded.ok) return invalid(ctx, loaded.source ?? file, loaded.errors)
    // Exactly what start runs before it opens anything (gateway/config/preflight.ts): the same verdict, the same keys.
    const started = checkForStart(loaded, ctx.cwd)
    if (!started.ok) return invalid(ctx, started.source ?? file, started.errors)
    // What start would run with: the defaults, the remote changes over the file, dataDir from the current directory.
    // The file's own values may no longer be in force (a relay moved at /tech, PINs hashed there).
    const config = started.config
    const dataDir = resolve(ctx.cwd, config.dataDir)
    ctx.stdout(`OK: ${loaded.source} is a valid configuration.\n${summary(config, dataDir)}`)

    if (readOverrides(dataDir)) {
      const keys = changedKeys(loaded.config, config)
      ctx.stdout(
        `\nRemote changes in ${overridesPath(dataDir)} are applied over this file at start` +
          `${keys.length ? `: ${keys.join(', ')}` : ' (none differ from the file)'}. Delete that file to go back to the file alone.\n`,
      )
    }
    const warn = warnings(config)
    if (warn.length) ctx.stdout(`\nWarnings:\n${warn.map((w) => `  - ${w}\n`).join('')}`)
    return 0
  })
}

function invalid(ctx: CliContext, source: string, errors: readonly string[]): number {
  ctx.stderr(`estate-gate check-config: ${source} is not valid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  - ${e}\n`).join('')}`)
  return 2
}

/** One line per part, aligned, in the order of the file; `dataDir` is the directory start would use (absolute). */
export function summary(c: GatewayConfig, dataDir = c.dataDir): string {
  const d = c.devices
  const lines: [string, string][] = [
    ['site', `${c.site.id} (${c.site.name}), gate ${c.gate.id} (${c.gate.name}), time zone ${c.site.timezone}`],
    [
      'data',
      `${dataDir}${dataDir === c.dataDir ? '' : ` (dataDir ${c.dataDir}, from the current directory)`}: SQLite log, personal rows kept ${c.retention.days} days, synchronous ${c.store.synchronous}`,
    ],
    ...d.scanners.map((s): [string, string] => ['scanner', `${s.name}: ${s.driver}${port(s)}, direction ${s.direction}`]),
    ...d.thermometers.map((t): [string, string] => [
      'thermometer',
      `${t.name}: ${t.driver}${port(t)}` +
        (t.driver === 'modbus-rtu' ? `, unit ${t.unitId}, function ${t.function}, register ${t.register}, scale ${t.scale}` : '') +
        (t.driver === 'gy-mcu' ? `, ${t.mode}` : '') +
        (t.offsetC ? `, offset ${t.offsetC > 0 ? '+' : ''}${t.offsetC} °C` : ''),
    ]),
    ...d.relays.map((r): [string, string] => [
      'relay',
      `${r.name}: ${pin(r)}, pulse ${r.pulseMs} ms, direction ${r.direction}, ${r.failSafe ? 'fail-safe (open without power)' : 'fail-secure (locked without power)'}${r.fireRelease ? ', opens on a fire alarm' : ''}`,
    ]),
    ...d.buzzers.map((b): [string, string] => ['buzzer', `${b.name}: ${pin(b)}`]),
    ...d.inputs.map((i): [string, string] => [
      'input',
      `${i.name}: ${i.kind}, ${i.driver === 'gpio' ? `GPIO${i.pin}${i.activeLow ? ' active-low' : ''}` : `simulated (${i.levelFile ?? join(dataDir, 'inputs', `${i.name}.level`)})`}, debounce ${i.debounceMs} ms`,
    ]),
  ]
  const has = (kind: string): boolean => d.inputs.some((i) => i.kind === kind)
  lines.push([
    'gate',
    (has('door-contact') ? `door held open after ${c.gate.heldOpenSec} s, forced open watched` : 'no door contact: held-open and forced-open are not watched') +
      '; ' +
      (has('fire-alarm') ? `fire linkage ${c.gate.fireLatch ? 'latched (a staff reset ends it)' : 'ends when the alarm clears'}` : 'no fire-alarm input'),
  ])
  if (d.thermometers.length === 0) lines.push(['thermometer', 'none (staff type temperatures at the kiosk)'])
  if (d.relays.length === 0) lines.push(['relay', 'none (the gate is opened by hand)'])
  const r = c.rules
  lines.push([
    'rules',
    `fever at ${r.feverC} °C, valid ${r.validRangeC[0]}-${r.validRangeC[1]} °C, re-check ${r.recheck ? `after ${r.recheckDelayMs} ms` : 'off'}, ` +
      `anti-passback ${r.antiPassback}${r.householdQuota ? `, quota ${r.householdQuota.outings} outing(s) per ${r.householdQuota.perDays} day(s)` : ''}`,
  ])
  const kids = c.passes.issuers.map((i) => i.kid)
  lines.push(['passes', kids.length ? `${kids.length} issuer key(s): ${kids.join(', ')}` : 'no issuer keys'])
  const b = c.localBroker
  lines.push([
    'broker',
    b.enabled ? `embedded, on ${b.host}:${b.port}, ${b.users.length} user(s)${b.users.length ? `: ${b.users.map((u) => `${u.username} (${u.role})`).join(', ')}` : ''}` : 'off',
  ])
  const u = c.central
  lines.push([
    'uplink',
    u.url
      ? `${safeUrl(u.url)}${u.username ? ` as ${u.username}` : ''}${u.ca || u.cert ? ', TLS files given' : ''}, base topic ${u.baseTopic}`
      : `none: events go to the embedded broker, base topic ${u.baseTopic}`,
  ])
  const duress = c.kiosk.staffPins.filter((e) => typeof e !== 'string' && e.duressPin !== undefined).length
  lines.push([
    'kiosk',
    `${c.kiosk.tls ? 'https' : 'http'} on ${c.kiosk.host}:${c.kiosk.port}, ${c.kiosk.staffPins.length} staff PIN(s)${duress ? ` (${duress} with a duress PIN)` : ''}, ${c.kiosk.techPins.length} tech PIN(s)`,
  ])
  const kinds = new Map<string, number>()
  for (const s of c.schedules) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1)
  lines.push(['schedules', `${c.schedules.length} task(s)${kinds.size ? ` (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`])
  if (c.simulation.crowd) lines.push(['simulation', 'a simulated crowd comes and goes (demo only)'])
  const width = Math.max(...lines.map(([k]) => k.length))
  return lines.map(([k, v]) => `  ${k.padEnd(width)}  ${v}\n`).join('')
}

function port(dev: { driver: string; path?: string | undefined; baudRate: number }): string {
  return dev.driver === 'simulated' || !dev.path ? ' (simulated)' : ` on ${dev.path} at ${dev.baudRate} baud`
}

function pin(out: { driver: string; pin: number; activeLow: boolean }): string {
  return out.driver === 'simulated' ? 'simulated' : `GPIO${out.pin} (BCM), active-${out.activeLow ? 'low' : 'high'}`
}

/** Credentials in a broker URL are never shown. */
function safeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//')
}

/** Valid but probably not what was meant: each says what to do. */
export function warnings(c: GatewayConfig): string[] {
  const out: string[] = []
  const d = c.devices
  for (const dev of [...d.scanners, ...d.thermometers]) {
    if (dev.path && /^\/dev\/tty(USB|ACM)\d+$/.test(dev.path)) {
      out.push(`${dev.name}: ${dev.path} can change when adapters are replugged or the box reboots; use its /dev/serial/by-id/... name (estate-gate ports lists them)`)
    }
  }
  const simulated = [...d.scanners, ...d.thermometers, ...d.relays, ...d.buzzers, ...d.inputs].filter((x) => x.driver === 'simulated').map((x) => x.name)
  if (simulated.length) out.push(`simulated devices (no hardware is used for them): ${simulated.join(', ')}`)
  if (c.passes.issuers.length === 0) out.push('no passes.issuers: every QR code will be denied as unknown_code (estate-gate keys new makes a key)')
  // Every PIN, a duress PIN too, whether or not the entry's own PIN is hashed.
  const pins = [...c.kiosk.staffPins, ...c.kiosk.techPins].flatMap((p) => (typeof p === 'string' ? [p] : [p.pin, ...(p.duressPin === undefined ? [] : [p.duressPin])]))
  const plain = pins.filter((p) => !isPasswordHash(p)).length
  if (plain) out.push(`${plain} kiosk PIN(s) in plain text: hash them with "estate-gate kiosk hash-pin"`)
  const plainUsers = c.localBroker.users.filter((u) => !isPasswordHash(u.password)).length
  if (plainUsers) out.push(`${plainUsers} broker password(s) in plain text: hash them with "estate-gate broker hash-password"`)
  if (c.central.url?.startsWith('mqtt://') && !/^mqtt:\/\/(127\.0\.0\.1|localhost)[:/]/.test(c.central.url)) {
    out.push('central.url is mqtt:// (not encrypted) to another host: use mqtts:// with central.ca')
  }
  return out
}
