// The one configuration schema (DESIGN section 4): every key, type, range and default lives here.
// The demo (no config file) is these defaults plus the simulated crowd.
import { isIP } from 'node:net'
import cron from 'node-cron'
import { z } from 'zod'
import { buzzerSchema, inputSchema, relaySchema, scannerSchema, thermometerSchema } from '../../devices/config.ts'
import { checkDeviceUsername } from '../broker/acl.ts'
import { isPasswordHash, parsePasswordHash } from '../broker/passwords.ts'
import { ed25519PublicKey } from '../passes/keys.ts'
import { DEFAULT_SCHEDULES } from '../schedules/defaults.ts'
import { findZone } from '../zone.ts'

/** Config keys whose values are never echoed in an error message nor shown to the platform (config/get). */
export const SECRET_CONFIG_KEYS: ReadonlySet<string> = new Set(['password', 'key', 'cert', 'ca', 'staffPins', 'techPins', 'privateKeyPem'])

/** Ids appear in MQTT topics: no '/', '+', '#' or spaces. */
const topicId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, ".", "-" or "_" (it is part of MQTT topics)')

// Known to the system's tz database (or to Intl where it has none): gateway/zone.ts.
const timezone = z.string().refine((tz) => findZone(tz) !== null, { message: 'an IANA time zone such as Asia/Shanghai' })

const celsius = z.number().min(30).max(45)

const rulesSchema = z
  .strictObject({
    feverC: celsius.default(37.3),
    validRangeC: z.tuple([celsius, celsius]).default([34.0, 42.5]),
    recheck: z.boolean().default(true),
    recheckDelayMs: z.number().int().min(0).max(600_000).default(2000),
    pairWindowMs: z.number().int().min(100).max(120_000).default(10_000),
    antiPassback: z.enum(['off', 'warn', 'deny']).default('warn'),
    /** A code held in front of a scanner is re-read many times: one decision per code and scanner in this window. */
    duplicateScanMs: z.number().int().min(0).max(60_000).default(3000),
    householdQuota: z
      .strictObject({ outings: z.number().int().min(1).max(100), perDays: z.number().int().min(1).max(31) })
      .nullable()
      .default(null),
  })
  .superRefine((r, ctx) => {
    const [lo, hi] = r.validRangeC
    if (lo >= hi) ctx.addIssue({ code: 'custom', path: ['validRangeC'], message: `must be [low, high] with low < high (is [${lo}, ${hi}])` })
    if (r.feverC <= lo || r.feverC > hi)
      ctx.addIssue({ code: 'custom', path: ['feverC'], message: `must lie inside validRangeC (${lo}, ${hi}] (is ${r.feverC})` })
  })

/**
 * A pass issuer's key (passes.issuers) or a key the platform signs requests with (central.requestKeys): parsed here
 * as Ed25519, so that a placeholder or a key of another type stops check-config and start alike (exit 2, by key),
 * not the pass verifier's first use of it.
 */
const issuerSchema = z
  .strictObject({
    kid: z.string().min(1).max(128),
    publicKeyPem: z.string().includes('BEGIN PUBLIC KEY', { message: 'a PEM public key ("-----BEGIN PUBLIC KEY-----...")' }),
  })
  .superRefine((k, ctx) => {
    if (!k.publicKeyPem.includes('BEGIN PUBLIC KEY')) return // reported above
    try {
      ed25519PublicKey(k.publicKeyPem, `key ${k.kid}`)
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['publicKeyPem'], message: (err as Error).message })
    }
  })

/** A stored scrypt hash must parse (cost, salt, hash within bounds); a plain secret is hashed at start. */
function checkHash(value: string, ctx: z.RefinementCtx, path: PropertyKey[], kind: 'password' | 'PIN'): void {
  if (!isPasswordHash(value)) return
  try {
    parsePasswordHash(value)
  } catch (err) {
    const message = (err as Error).message
    ctx.addIssue({ code: 'custom', path, message: kind === 'PIN' ? message.replace('password hash', 'PIN hash').replace('broker hash-password', 'kiosk hash-pin') : message })
  }
}

const brokerUserSchema = z
  .strictObject({
    username: z.string().min(1).max(64),
    /** Plain text or a hash made by the CLI; never logged. */
    password: z.string().min(1),
    role: z.enum(['display', 'device']).default('display'),
  })
  .superRefine((u, ctx) => {
    checkHash(u.password, ctx, ['password'], 'password')
    const bad = u.role === 'device' ? checkDeviceUsername(u.username) : null
    if (bad) ctx.addIssue({ code: 'custom', path: ['username'], message: `a device's username is part of its topic; ${bad}` })
  })

/**
 * Unquoted in YAML (`pin: 246810`) a PIN is a number, whose leading zeros are already gone (012345 is read as
 * 12345): refused with the fix, never converted. The PIN itself is not echoed.
 */
const unquotedPin = (example: string): string =>
  `a number, not text: YAML reads a PIN without quotes as a number and drops its leading zeros; put it in quotes, e.g. ${example}`

/** A kiosk PIN under `key` (pin, duressPin): 4 to 12 digits, or a hash made by `estate-gate kiosk hash-pin`. */
const pinSchema = (key: 'pin' | 'duressPin') =>
  z
    .string({ error: (iss) => (typeof iss.input === 'number' ? unquotedPin(`${key}: "012345"`) : undefined) })
    .regex(/^(\d{4,12}|scrypt\$.+)$/, '4 to 12 digits, or a hash made by the CLI')
    .superRefine((p, ctx) => checkHash(p, ctx, [], 'PIN'))
/**
 * A kiosk PIN as a bare string (the person gets an id such as staff-1) or with who it is: overrides, shift
 * handovers and alarm acknowledgements are attributed to the id, and the screen shows the name. When neither fits,
 * formatIssues reports the object's own errors for an object (so `pin: 246810` is named as such), this otherwise.
 */
const pinEntry = z.union(
  [
    pinSchema('pin'),
    z.strictObject({
      id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'letters, digits, ".", "-" or "_"'),
      name: z.string().min(1).max(32),
      pin: pinSchema('pin'),
      /** Logs in as usual on the screen and raises a silent `duress` alert at the platform only (staffPins). */
      duressPin: pinSchema('duressPin').optional(),
    }),
  ],
  {
    error: (iss) =>
      typeof iss.input === 'number' ? unquotedPin('- "012345"') : 'a PIN in quotes ("012345"), a hash made by the CLI, or { id, name, pin }',
  },
)

const scheduleSchema = z
  .strictObject({
    id: topicId,
    kind: z.enum(['disinfection', 'duty-check']),
    area: z.string().min(1).max(64),
    cron: z.string().min(1).optional(),
    everyDays: z.number().int().min(1).max(60).optional(),
    at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour')
      .optional(),
    graceMinutes: z.number().int().min(1).max(24 * 60).default(60),
  })
  .superRefine((s, ctx) => {
    if (!s.cron === (s.everyDays === undefined))
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give either cron, or everyDays with at' })
    if (s.everyDays !== undefined && !s.at) ctx.addIssue({ code: 'custom', path: ['at'], message: 'required with everyDays' })
    if (s.cron !== undefined && s.at !== undefined) ctx.addIssue({ code: 'custom', path: ['at'], message: 'only with everyDays (a cron expression carries its own time)' })
    if (s.cron !== undefined) {
      const check = cron.validateDetailed(s.cron)
      if (!check.valid) {
        ctx.addIssue({ code: 'custom', path: ['cron'], input: s.cron, message: `not a node-cron expression: ${check.errors.map((e) => e.message).join('; ')}` })
      } else if (s.cron.trim().split(/\s+/).length === 6) {
        // Occurrences are minutes: each one is a row, an event and a line on the day sheet.
        ctx.addIssue({ code: 'custom', path: ['cron'], input: s.cron, message: 'five fields (minute hour day-of-month month day-of-week): tasks have no seconds field' })
      }
    }
  })

const schedulesSchema = z.array(scheduleSchema).superRefine((list, ctx) => {
  // The id names the task in events, in the database and on the day sheet.
  const seen = new Map<string, number>()
  list.forEach((s, i) => {
    const prev = seen.get(s.id)
    if (prev !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${s.id}" is already used by schedules[${prev}]` })
    else seen.set(s.id, i)
  })
})

const defaultDevices = {
  scanners: [
    { name: 'scanner-in', driver: 'simulated', direction: 'in' },
    { name: 'scanner-out', driver: 'simulated', direction: 'out' },
  ],
  thermometers: [{ name: 'thermo-in', driver: 'simulated' }],
  relays: [{ name: 'gate', driver: 'simulated' }],
  buzzers: [{ name: 'buzzer', driver: 'simulated' }],
} as const

const devicesSchema = z
  .strictObject({
    scanners: z.array(scannerSchema).min(1, 'at least one scanner').default(() => parseDefaults(scannerSchema, defaultDevices.scanners)),
    thermometers: z.array(thermometerSchema).default(() => parseDefaults(thermometerSchema, defaultDevices.thermometers)),
    relays: z.array(relaySchema).default(() => parseDefaults(relaySchema, defaultDevices.relays)),
    buzzers: z.array(buzzerSchema).default(() => parseDefaults(buzzerSchema, defaultDevices.buzzers)),
    /** None by default: a gate without a door contact must not show one (the demo adds simulated ones). */
    inputs: z.array(inputSchema).default([]),
  })
  .superRefine((d, ctx) => {
    // Names are MQTT topic levels (device/{name}) and /healthz keys: one namespace for all devices.
    const seen = new Map<string, string>()
    for (const kind of ['scanners', 'thermometers', 'relays', 'buzzers', 'inputs'] as const) {
      d[kind].forEach((dev, i) => {
        const prev = seen.get(dev.name)
        if (prev) ctx.addIssue({ code: 'custom', path: [kind, i, 'name'], message: `"${dev.name}" is already used by ${prev}` })
        else seen.set(dev.name, `${kind}[${i}]`)
      })
    }
    const paths = new Map<string, string>()
    for (const kind of ['scanners', 'thermometers'] as const) {
      d[kind].forEach((dev, i) => {
        if (!dev.path) return
        const prev = paths.get(dev.path)
        if (prev) ctx.addIssue({ code: 'custom', path: [kind, i, 'path'], message: `${dev.path} is already used by ${prev}` })
        else paths.set(dev.path, `${kind}[${i}]`)
      })
    }
  })

function parseDefaults<T extends z.ZodType>(schema: T, items: readonly unknown[]): z.output<T>[] {
  return items.map((i) => schema.parse(i))
}

const configBase = z.strictObject({
  site: z
    .strictObject({
      id: topicId.default('estate-001'),
      name: z.string().min(1).max(64).default('演示社区'),
      timezone: timezone.default('Asia/Shanghai'),
    })
    .prefault({}),
  gate: z
    .strictObject({
      id: topicId.default('north-1'),
      name: z.string().min(1).max(64).default('北门'),
      /** After a pulse the door contact must close within this, or door_held_open goes out. */
      heldOpenSec: z.number().int().min(5).max(3600).default(30),
      /** After a fire alarm clears, the gate stays open until a staff reset (true) or returns to normal (false). */
      fireLatch: z.boolean().default(false),
    })
    .prefault({}),
  dataDir: z.string().min(1).default('./data'),
  devices: devicesSchema.prefault({}),
  rules: rulesSchema.prefault({}),
  passes: z
    .strictObject({
      issuers: z.array(issuerSchema).default([]),
      /** Tolerated clock skew between the issuer and this box, for exp and nbf. */
      clockToleranceSec: z.number().int().min(0).max(3600).default(60),
    })
    .prefault({}),
  store: z
    .strictObject({
      /** FULL: every decision is fsynced before the relay moves (DESIGN section 3.6). */
      synchronous: z.enum(['full', 'normal']).default('full'),
    })
    .prefault({}),
  localBroker: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(1883),
      users: z.array(brokerUserSchema).default([]),
    })
    .prefault({}),
  central: z
    .strictObject({
      url: z
        .string()
        .regex(/^mqtts?:\/\/[^\s]+$/, 'mqtt://host:port or mqtts://host:port')
        .optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      baseTopic: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'topic levels without wildcards, e.g. estate-gate')
        .default('estate-gate'),
      /** Reconnect backoff while the broker is away: doubling from min to max, with jitter. */
      reconnectMinMs: z.number().int().min(100).max(60_000).default(1000),
      reconnectMaxMs: z.number().int().min(100).max(3_600_000).default(60_000),
      /** With keys, every request must be a compact JWS signed by one of them (docs/central.md, Signed requests). */
      requestKeys: z.array(issuerSchema).default([]),
      /** A request's `expires` may lie at most this far ahead: a captured request cannot be kept for later. */
      requestMaxAgeSec: z.number().int().min(10).max(3600).default(300),
    })
    .prefault({}),
  kiosk: z
    .strictObject({
      /** The Pi's own screen by default; the LAN (0.0.0.0 or an address of it) is an explicit choice. */
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Requests from these addresses are the kiosk's own screen; every other address is the network. */
      screenAddresses: z.array(z.string().refine((a) => isIP(a) !== 0, 'an IP address, e.g. 127.0.0.1')).default(['127.0.0.1', '::1']),
      /** Names the kiosk is reached by besides its addresses (checked against the Host header), e.g. gate-1.local. */
      hostnames: z.array(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, 'a host name, e.g. gate-1.local')).default([]),
      /** HTTPS: PEM files of the certificate (chain) and its private key. */
      tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
      staffPins: z.array(pinEntry).default([]),
      techPins: z.array(pinEntry).default([]),
    })
    .superRefine((k, ctx) => {
      // An id is who an override is attributed to; a PIN shared by two people would make that a guess.
      for (const list of ['staffPins', 'techPins'] as const) {
        const ids = new Set<string>()
        const plain = new Set<string>()
        k[list].forEach((e, i) => {
          const id = typeof e === 'string' ? `${list === 'staffPins' ? 'staff' : 'tech'}-${i + 1}` : e.id
          if (ids.has(id)) ctx.addIssue({ code: 'custom', path: [list, i, 'id'], message: `id "${id}" is used twice` })
          ids.add(id)
          const p = typeof e === 'string' ? e : e.pin
          if (!p.startsWith('scrypt$') && plain.has(p)) ctx.addIssue({ code: 'custom', path: [list, i], message: 'this PIN is already given to someone else in the list' })
          plain.add(p)
          const duress = typeof e === 'string' ? undefined : e.duressPin
          if (duress !== undefined && list === 'techPins') ctx.addIssue({ code: 'custom', path: [list, i, 'duressPin'], message: 'only staff have a duress PIN (kiosk.staffPins)' })
          if (duress !== undefined && !duress.startsWith('scrypt$')) {
            // A duress PIN that is someone's PIN would raise a silent alarm at every login of that person.
            if (plain.has(duress)) ctx.addIssue({ code: 'custom', path: [list, i, 'duressPin'], message: 'this PIN is already given to someone in the list' })
            plain.add(duress)
          }
        })
      }
      // Nor a tech's PIN: a technician typing theirs at the staff screen would set off a hold-up alarm.
      const techPlain = new Set(k.techPins.map((e) => (typeof e === 'string' ? e : e.pin)).filter((p) => !p.startsWith('scrypt$')))
      k.staffPins.forEach((e, i) => {
        if (typeof e !== 'string' && e.duressPin !== undefined && techPlain.has(e.duressPin))
          ctx.addIssue({ code: 'custom', path: ['staffPins', i, 'duressPin'], message: 'this PIN is already a tech PIN (kiosk.techPins)' })
      })
    })
    .prefault({}),
  /** Absent: the defaults of gateway/schedules/defaults.ts; `[]`: no tasks. */
  schedules: schedulesSchema.default(() => parseDefaults(scheduleSchema, DEFAULT_SCHEDULES)),
  retention: z.strictObject({ days: z.number().int().min(1).max(3650).default(30) }).prefault({}),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
    .prefault({}),
  simulation: z
    .strictObject({
      /** Residents and visitors coming and going through the simulated devices (the demo). */
      crowd: z.boolean().default(false),
      /** Mean time between two people at the gate. */
      intervalMs: z.number().int().min(200).max(600_000).default(4000),
    })
    .prefault({}),
})

export const configSchema = configBase.superRefine(crossChecks)

/** Wildcard addresses: a server listening there also takes every specific address's port. */
const ANY_HOST = new Set(['0.0.0.0', '::', ''])

/**
 * Keys that are each valid but cannot go together: found here, so that check-config names them, rather than start
 * failing on the second listen or the second pin.
 */
function crossChecks(c: z.output<typeof configBase>, ctx: z.RefinementCtx): void {
  const b = c.localBroker
  const sameHost = ANY_HOST.has(b.host) || ANY_HOST.has(c.kiosk.host) || b.host === c.kiosk.host
  if (b.enabled && b.port !== 0 && b.port === c.kiosk.port && sameHost) {
    ctx.addIssue({ code: 'custom', path: ['localBroker', 'port'], message: `${b.port} is also kiosk.port: give the kiosk and the embedded broker different ports` })
  }
  const names = new Map<string, number>()
  b.users.forEach((u, i) => {
    const prev = names.get(u.username)
    if (prev !== undefined) ctx.addIssue({ code: 'custom', path: ['localBroker', 'users', i, 'username'], message: `"${u.username}" is already used by localBroker.users[${prev}]` })
    else names.set(u.username, i)
  })
  // Two devices on one pin: the buzzer's pattern would open the gate, a door contact would read the relay.
  const pins = new Map<number, string>()
  for (const kind of ['relays', 'buzzers', 'inputs'] as const) {
    c.devices[kind].forEach((d, i) => {
      if (d.driver !== 'gpio' || d.pin === undefined) return
      const prev = pins.get(d.pin)
      if (prev) ctx.addIssue({ code: 'custom', path: ['devices', kind, i, 'pin'], message: `GPIO${d.pin} is already used by ${prev}` })
      else pins.set(d.pin, `devices.${kind}[${i}]`)
    })
  }
  const u = c.central
  // The duress alert goes to the platform only, never to the embedded broker (a local display may be in sight of
  // whoever forces the guard): without central.url there is no platform to tell, and a guard trusting the PIN would
  // raise an alarm nobody hears.
  c.kiosk.staffPins.forEach((e, i) => {
    if (!u.url && typeof e !== 'string' && e.duressPin !== undefined)
      ctx.addIssue({ code: 'custom', path: ['kiosk', 'staffPins', i, 'duressPin'], message: 'needs central.url: the duress alert goes to the central platform only, never to the embedded broker' })
  })
  if (Boolean(u.cert) !== Boolean(u.key)) {
    ctx.addIssue({ code: 'custom', path: ['central', u.cert ? 'key' : 'cert'], message: `required with central.${u.cert ? 'cert' : 'key'} (a client certificate and its key go together)` })
  }
}

export type GatewayConfig = z.output<typeof configSchema>
export type RulesConfig = GatewayConfig['rules']
export type ScheduleConfig = GatewayConfig['schedules'][number]
