// The kiosk on the gateway's HTTP server: the staff screen (/), the technicians' pages (/tech), their APIs, and
// the live feed. Registered from gateway/http.ts; everything it touches of the gateway is in KioskGateway.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { KioskContext, KioskGateway } from './context.ts'
import { LoginGuard, sourceOf } from './guard.ts'
import { KioskLive, type Duty } from './live.ts'
import { LiveAdmission, ownHostnames, registerNetworkPolicy } from './network.ts'
import { personOf, PinBook } from './pins.ts'
import { OPEN_REASONS, registerStaffRoutes } from './staff.ts'
import { KioskRecords } from './records.ts'
import { COOKIE, readCookie, Sessions } from './sessions.ts'
import { registerStatic } from './static.ts'
import { registerTechRoutes, type TechOptions } from './tech.ts'
import { demoInfo } from '../demo.ts'
import { currentShift } from './shift.ts'
import { registerGateRoutes } from './gate.ts'
import { GATE_ALARM_OUTCOMES } from '../gate/types.ts'

export type { KioskGateway } from './context.ts'

export interface KioskOptions extends TechOptions {
  /** Registers the task routes (gateway/schedules) with who is logged in at the kiosk. */
  taskRoutes?: (staffOf: (req: FastifyRequest) => string | null) => void
}

export function registerKiosk(app: FastifyInstance, gw: KioskGateway, log: Logger, opts: KioskOptions = {}): void {
  const { config } = gw
  const sessions = new Sessions(gw.clock)
  const pins = PinBook.create(config.kiosk.staffPins, config.kiosk.techPins)
  // A malformed hash in the config was refused by the schema; anything else failing here is a bug worth a line.
  pins.catch((err: unknown) => log.error({ err }, 'kiosk PINs could not be prepared; nobody can log in'))
  // Names from the config at once (hashing the PINs takes a while; the screen asks who is on duty at start).
  const names = new Map<string, string>()
  for (const [i, e] of config.kiosk.staffPins.entries()) names.set(personOf(e, i, 'staff').id, personOf(e, i, 'staff').name)
  for (const [i, e] of config.kiosk.techPins.entries()) names.set(personOf(e, i, 'tech').id, personOf(e, i, 'tech').name)
  const staffName = (id: string): string => names.get(id) ?? id
  const records = new KioskRecords(gw.store, config.site.timezone, gw.clock)

  // The shift is kept in the store: after a restart the screen still shows who is on duty, before anyone logs in.
  const duty = (): Duty | null => {
    const shift = currentShift(gw.store)
    return shift ? { id: shift.staff, name: staffName(shift.staff), since: shift.since } : null
  }
  const live = new KioskLive({
    clock: gw.clock,
    log,
    records,
    desk: gw.manualTemperatures,
    health: () => gw.health(),
    // A store that cannot answer is the store chip's 'down' already; the queue chip then says –.
    backlog: () => {
      try {
        return gw.store.localBacklog().count
      } catch {
        return null
      }
    },
    staffName: (id) => (id === null ? null : staffName(id)),
    duty,
    tasks: () => (gw.tasks ? gw.tasks.list() : null),
    gate: () => gw.gate.state(),
    static: () => ({
      site: { id: gw.config.site.id, name: gw.config.site.name },
      gate: { id: gw.config.gate.id, name: gw.config.gate.name },
      timeZone: gw.config.site.timezone,
      feverC: gw.config.rules.feverC,
      validRangeC: gw.config.rules.validRangeC,
      scanners: gw.scanners.map((s) => ({ name: s.name, direction: s.direction })),
      openReasons: OPEN_REASONS,
      gateAlarmOutcomes: GATE_ALARM_OUTCOMES,
      staffLogin: config.kiosk.staffPins.length > 0,
      sessions: sessions.id,
      demo: gw.demo ? demoInfo(config) : null,
    }),
  })
  const unsubscribe = [
    gw.bus.on('decision', (d) => live.onDecision(d)),
    gw.bus.on('prompt', (p) => live.onPrompt(p)),
    gw.bus.on('device', () => live.devicesChanged()),
    gw.bus.on('task', () => live.tasksChanged()),
    gw.bus.on('gate', (s) => live.gateChanged(s)),
    gw.manualTemperatures.onChange(() => live.pendingChanged()),
    ...gw.relays.map((r) => r.onActuate(() => live.relayWorked(r.name))),
  ]
  const guard = new LoginGuard(gw.clock, config.kiosk.screenAddresses, log)
  const ctx: KioskContext = { gw, log, sessions, guard, pins, records, live, staffName }

  registerNetworkPolicy(app, { sessions, guard, hostnames: ownHostnames(config.kiosk), tls: config.kiosk.tls !== undefined, log })
  registerStatic(app)

  const admission = new LiveAdmission(guard)
  app.get('/api/kiosk/events', (req, reply) => {
    const source = sourceOf(req)
    const refused = admission.admit(source, reply.raw)
    if (refused) {
      log.warn({ source, screens: live.clientCount }, 'live feed refused: too many')
      return reply.code(429).header('retry-after', '30').send({ error: 'too_many_streams', message: refused })
    }
    reply.hijack()
    live.attach(reply.raw)
    log.debug({ screens: live.clientCount }, 'kiosk screen connected')
  })

  // The task routes (gateway/schedules) ask who is logged in: the staff member on duty, from the session.
  opts.taskRoutes?.((req) => sessions.get(readCookie(req.headers.cookie, COOKIE.staff), 'staff')?.person.id ?? null)

  registerStaffRoutes(app, ctx)
  registerTechRoutes(app, ctx, opts)
  registerGateRoutes(app, ctx)

  // Before the server waits for open requests to finish: a screen's stream never finishes by itself.
  app.addHook('preClose', async () => {
    for (const u of unsubscribe) u()
    live.close()
  })
}
