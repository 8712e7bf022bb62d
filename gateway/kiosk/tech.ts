// The technicians' API behind /tech (tech PIN, its own session that idles out after 15 minutes): devices with
// health and counters, device tests, serial ports, the config through the same schema as config/set, recent logs,
// the outbox backlog, and CSV exports (dates only in the URL).
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { BuzzerPattern } from '../../devices/types.ts'
import { listSerialPorts } from '../../devices/transport/ports.ts'
import { redact } from '../config/redact.ts'
import { prepareKioskPatch } from '../config/secrets.ts'
import { taskDayFigures } from '../schedules/figures.ts'
import { gateDaySheetCsv } from '../sheets/day.ts'
import { entriesCsv } from '../sheets/entries.ts'
import { langParam, staffNamer } from '../sheets/words.ts'
import { dayStartOf, nextPeriod, summarize } from '../summaries.ts'
import { localDay } from '../time.ts'
import { parseBody, requireSession, type KioskContext } from './context.ts'
import { sendRefusal, sourceOf } from './guard.ts'
import { publicPerson } from './staff.ts'
import { clearCookie, COOKIE, readCookie, sessionCookie } from './sessions.ts'

export interface TechOptions {
  /** Where the stable serial names live (tests point it at a temp dir of symlinks). */
  serialByIdDir?: string
}

/** A month and a bit: a typo in a year must not start a CSV of the whole log. */
export const MAX_EXPORT_DAYS = 92
const PATTERNS = ['admit', 'deny', 'fever', 'remeasure', 'alarm'] as const satisfies readonly BuzzerPattern[]

const name = z.string().min(1).max(64)
const day = z.iso.date()
const schemas = {
  login: z.strictObject({ pin: z.string().regex(/^\d{4,12}$/, '4 to 12 digits') }),
  relay: z.strictObject({ name, ms: z.number().int().min(100).max(10_000).optional() }),
  buzzer: z.strictObject({ name, pattern: z.enum(PATTERNS).default('admit') }),
  device: z.strictObject({ name }),
  config: z.strictObject({ patch: z.record(z.string(), z.unknown()) }),
  range: z.object({ from: day, to: day, lang: langParam }),
  day: z.object({ day: day.optional(), lang: langParam }),
}

export function registerTechRoutes(app: FastifyInstance, ctx: KioskContext, opts: TechOptions = {}): void {
  const { gw, log, sessions, records } = ctx
  const audit = log.child({ module: 'gateway/kiosk/tech' })

  // Every /api/tech route but login, logout and session needs a tech session (one check, so none is forgotten).
  const guarded = (path: string): boolean => path.startsWith('/api/tech/') && !['/api/tech/login', '/api/tech/logout', '/api/tech/session'].includes(path)
  app.addHook('preHandler', async (req, reply) => {
    const path = req.routeOptions.url ?? ''
    if (guarded(path) && !requireSession(ctx, 'tech', req, reply)) return reply
  })

  app.post('/api/tech/login', async (req, reply) => {
    const body = parseBody(schemas.login, req, reply)
    if (!body) return
    const checked = await ctx.guard.check(ctx.pins, 'tech', sourceOf(req), body.pin)
    if (!checked.ok) return sendRefusal(reply, checked)
    const person = checked.person
    const s = sessions.create(person)
    audit.info({ tech: person.id }, 'technician logged in')
    return reply.header('set-cookie', sessionCookie('tech', s.token, ctx.gw.config.kiosk.tls !== undefined)).send({ tech: publicPerson(person) })
  })

  app.post('/api/tech/logout', async (req, reply) => {
    const token = readCookie(req.headers.cookie, COOKIE.tech)
    if (token) sessions.end(token)
    return reply.header('set-cookie', clearCookie('tech')).send({ ok: true })
  })

  app.get('/api/tech/session', async (req) => {
    const s = sessions.get(readCookie(req.headers.cookie, COOKIE.tech), 'tech')
    return { tech: s ? publicPerson(s.person) : null }
  })

  const techId = (req: { headers: { cookie?: string | undefined } }): string => sessions.get(readCookie(req.headers.cookie, COOKIE.tech), 'tech')?.person.id ?? 'tech'

  app.get('/api/tech/devices', async () => {
    // In full: the outbox's seqs and the uplink's counts, which /healthz leaves out (a duress alert moves them).
    const { components, status } = gw.health('full')
    return { status, components }
  })

  const testRecord = (tech: string, detail: Record<string, unknown>, publish: boolean): void => {
    records.record({
      kind: 'tech_test',
      staff: tech,
      detail,
      ...(publish ? { alert: { kind: 'device_test', severity: 'info' as const, message: `${tech} tested ${String(detail.device)} (${String(detail.test)})`, staff: tech, ...detail } } : {}),
    })
    if (publish) gw.wakeUplink()
    audit.info({ tech, ...detail }, 'device test')
  }

  app.post('/api/tech/test/relay', async (req, reply) => {
    const body = parseBody(schemas.relay, req, reply)
    if (!body) return
    const relay = gw.relays.find((r) => r.name === body.name)
    if (!relay) return reply.code(404).send({ error: 'not_found', message: `no relay "${body.name}"; relays: ${gw.relays.map((r) => r.name).join(', ') || 'none'}` })
    const pulsed = relay.pulse(body.ms)
    // A test pulse opens the gate: it is recorded and published, though it is not an entry (FIELD.md 12, 15). One the
    // pin refused opened nothing: recorded here, not published as an opening.
    testRecord(techId(req), { test: 'pulse', device: relay.name, ms: body.ms ?? null }, pulsed)
    return { device: relay.name, pulsed, health: relay.health() }
  })

  app.post('/api/tech/test/buzzer', async (req, reply) => {
    const body = parseBody(schemas.buzzer, req, reply)
    if (!body) return
    const buzzer = gw.buzzers.find((b) => b.name === body.name)
    if (!buzzer) return reply.code(404).send({ error: 'not_found', message: `no buzzer "${body.name}"; buzzers: ${gw.buzzers.map((b) => b.name).join(', ') || 'none'}` })
    buzzer.play(body.pattern)
    testRecord(techId(req), { test: 'beep', device: buzzer.name, pattern: body.pattern }, false)
    return { device: buzzer.name, pattern: body.pattern, health: buzzer.health() }
  })

  app.post('/api/tech/test/thermometer', async (req, reply) => {
    const body = parseBody(schemas.device, req, reply)
    if (!body) return
    const t = gw.thermometers.find((d) => d.name === body.name)
    if (!t) return reply.code(404).send({ error: 'not_found', message: `no thermometer "${body.name}"; thermometers: ${gw.thermometers.map((d) => d.name).join(', ') || 'none'}` })
    const r = await t.measure({ notBefore: gw.clock.mono(), timeoutMs: 3000 })
    testRecord(techId(req), { test: 'read', device: t.name, ok: r.ok }, false)
    if (!r.ok) return { device: t.name, ok: false, error: r.error, detail: r.detail ?? null }
    const { celsius, rawCelsius, ambientCelsius, ambientOutOfRange } = r.reading
    const [lo, hi] = gw.config.rules.validRangeC
    return { device: t.name, ok: true, celsius, rawCelsius, ambientCelsius, ambientOutOfRange, inValidRange: celsius >= lo && celsius <= hi }
  })

  app.post('/api/tech/test/scanner', async (req, reply) => {
    const body = parseBody(schemas.device, req, reply)
    if (!body) return
    const s = gw.scanners.find((d) => d.name === body.name)
    if (!s) return reply.code(404).send({ error: 'not_found', message: `no scanner "${body.name}"; scanners: ${gw.scanners.map((d) => d.name).join(', ') || 'none'}` })
    const probe = (s as { identify?: () => Promise<Record<string, unknown>> }).identify
    if (!probe) return reply.code(400).send({ error: 'not_supported', message: `${s.name} uses the ${s.health().driver} driver; only gm65 modules answer a probe` })
    try {
      const result = await probe.call(s)
      testRecord(techId(req), { test: 'probe', device: s.name, answered: result.answered }, false)
      return { device: s.name, ...result }
    } catch (err) {
      return reply.code(409).send({ error: 'not_open', message: (err as Error).message })
    }
  })

  app.get('/api/tech/ports', async () => ({ ports: await listSerialPorts(opts.serialByIdDir ? { byIdDir: opts.serialByIdDir } : {}) }))

  app.get('/api/tech/config', async () => ({ config: redact(gw.config) }))

  app.post('/api/tech/config', async (req, reply) => {
    const body = parseBody(schemas.config, req, reply)
    if (!body) return
    const tech = techId(req)
    // The page shows secrets as [REDACTED]; sent back unchanged, they mean "keep what is there". PINs and broker
    // passwords are hashed before they reach config-overrides.json (gateway/config/secrets.ts).
    const prepared = await prepareKioskPatch(body.patch, gw.config)
    const r = prepared.ok ? gw.setConfig(prepared.patch, { via: 'kiosk', staff: tech }) : prepared
    if (!r.ok) {
      audit.warn({ tech, errors: r.errors.length }, 'config change refused')
      return reply.code(400).send({ error: 'invalid', fields: errorsByKey(r.errors) })
    }
    audit.info({ tech, applied: r.applied, restartNeeded: r.restartNeeded }, 'config changed at /tech')
    return { applied: r.applied, restartNeeded: r.restartNeeded, config: redact(gw.config) }
  })

  app.get('/api/tech/logs', async (req) => {
    const limit = Math.min(Math.max(Number((req.query as { limit?: string }).limit) || 200, 1), 500)
    return { lines: gw.logRing?.recent(limit) ?? [], available: gw.logRing !== null }
  })

  // The latest decisions in full (holder and pass ids): behind the tech PIN, unlike the staff screen's masked feed.
  app.get('/api/tech/entries/recent', async (req) => {
    const limit = Math.min(Math.max(Number((req.query as { limit?: string }).limit) || 20, 1), 200)
    return gw.store.recentEntries(limit).map((r) => ({ ...r, reasons: JSON.parse(String(r.reasons)) as unknown }))
  })

  app.get('/api/tech/outbox', async () => {
    const backlog = gw.store.outboxBacklog()
    const db = gw.store.db
    const byTopic = db.prepare(`SELECT topic, count(*) AS n FROM outbox GROUP BY topic ORDER BY topic`).all() as { topic: string; n: number }[]
    const oldest = db.prepare(`SELECT created_at AS t FROM outbox ORDER BY seq LIMIT 1`).get() as { t: number } | undefined
    return {
      count: backlog.count,
      firstSeq: backlog.firstSeq,
      lastSeq: gw.store.lastSeq(),
      oldest: oldest ? new Date(oldest.t).toISOString() : null,
      byTopic: Object.fromEntries(byTopic.map((r) => [r.topic, r.n])),
      uplink: gw.health('full').components.uplink ?? null,
    }
  })

  app.get('/api/tech/entries.csv', async (req, reply) => {
    const q = schemas.range.safeParse(req.query)
    if (!q.success) return reply.code(400).send({ error: 'invalid', message: 'from and to: dates YYYY-MM-DD; lang: zh or en' })
    const { from, to, lang } = q.data
    if (from > to) return reply.code(400).send({ error: 'invalid', message: `from (${from}) is after to (${to})` })
    if (Date.parse(to) - Date.parse(from) > (MAX_EXPORT_DAYS - 1) * 86_400_000) return reply.code(400).send({ error: 'invalid', message: `at most ${MAX_EXPORT_DAYS} days at a time` })
    audit.info({ tech: techId(req), from, to }, 'entries exported')
    const { site, gate, kiosk } = gw.config
    const sheet = entriesCsv(records.exportEntries(from, to), { lang, timeZone: site.timezone, staffName: staffNamer(kiosk, lang) })
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="entries-${site.id}-${gate.id}-${from}-${to}.csv"`)
      .send(sheet)
  })

  app.get('/api/tech/day.csv', async (req, reply) => {
    const q = schemas.day.safeParse(req.query)
    if (!q.success) return reply.code(400).send({ error: 'invalid', message: 'day: a date YYYY-MM-DD; lang: zh or en' })
    const tz = gw.config.site.timezone
    const now = gw.clock.now()
    const d = q.data.day ?? localDay(now, tz)
    const start = dayStartOf(d, tz)
    const counts = summarize(gw.store, start, nextPeriod('day', start, tz), d)
    const { site, gate } = gw.config
    const csv = gateDaySheetCsv({ day: d, timeZone: tz, site, gate, now }, counts, taskDayFigures(gw.store.db, d, now), q.data.lang)
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="day-${site.id}-${gate.id}-${d}.csv"`)
      .send(csv)
  })
}

/** `rules.feverC: must lie inside ...` → { "rules.feverC": "must lie inside ..." } */
function errorsByKey(errors: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errors) {
    const i = e.indexOf(': ')
    const key = i > 0 ? e.slice(0, i) : '(config)'
    out[key] = out[key] ? `${out[key]}; ${e.slice(i + 2)}` : e.slice(i + 2)
  }
  return out
}
