// The task endpoints on the kiosk port: what is open, marking one done, and the CSV day sheet. Who marked a task done
// is asked of `staffOf` (the kiosk: the staff session), in the route itself, so renaming the route cannot lose it.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { GatewayConfig } from '../config/schema.ts'
import { langParam, staffNamer } from '../sheets/words.ts'
import { localDay } from '../time.ts'
import type { TaskScheduler } from './scheduler.ts'
import { daySheetCsv } from './sheet.ts'

export interface TaskRoutesDeps {
  readonly tasks: TaskScheduler
  /**
   * Who is asking to mark a task done (the kiosk's staff session), or null: refused 401. Without it (a standalone
   * server, the routes' own tests) the body names who did it.
   */
  readonly staffOf?: (req: FastifyRequest) => string | null
  /** Read at each request: config/set may replace it. kiosk: the staff names the sheet shows for ids. */
  readonly config: Pick<GatewayConfig, 'site' | 'gate'> & { kiosk: Pick<GatewayConfig['kiosk'], 'staffPins' | 'techPins'> }
}

const doneBody = z.strictObject({
  staff: z.string().trim().min(1).max(64).optional(),
  /** Disinfectant and amount, e.g. "84 消毒液 1:100, 2 L"; may be empty for a duty check. */
  note: z.string().trim().max(500).default(''),
})
const occurrenceId = z.string().regex(/^[1-9]\d{0,14}$/, 'an occurrence id (a positive integer)')
const sheetQuery = z.object({ day: z.iso.date().optional(), lang: langParam })

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')

export function registerTaskRoutes(app: FastifyInstance, deps: TaskRoutesDeps): void {
  app.get('/api/tasks', async () => {
    const { tasks } = deps
    return { day: localDay(tasks.now(), tasks.timeZone), tasks: tasks.list() }
  })

  app.post('/api/tasks/:occurrenceId/done', async (req, reply) => {
    const id = occurrenceId.safeParse((req.params as { occurrenceId: string }).occurrenceId)
    if (!id.success) return reply.status(400).send({ error: issues(id.error) })
    // At the kiosk it is the staff member logged in, whatever the page sent.
    const fromSession = deps.staffOf ? deps.staffOf(req) : undefined
    if (fromSession === null) return reply.code(401).send({ error: 'login_required', message: 'a staff member must log in with a PIN' })
    const body = doneBody.safeParse(req.body ?? {})
    if (!body.success) return reply.status(400).send({ error: issues(body.error) })
    const staff = fromSession ?? body.data.staff
    if (!staff) return reply.status(400).send({ error: 'staff: who did it' })
    const res = deps.tasks.markDone(Number(id.data), staff, body.data.note)
    if (res.ok) return { occurrence: res.occurrence }
    if (res.code === 'not_found') return reply.status(404).send({ error: `no task occurrence ${id.data}` })
    return reply.status(409).send({ error: `task occurrence ${id.data} is already done`, occurrence: res.occurrence })
  })

  app.get('/api/tasks/sheet.csv', async (req, reply) => {
    const q = sheetQuery.safeParse(req.query)
    if (!q.success) return reply.status(400).send({ error: issues(q.error) })
    const { tasks, config } = deps
    const now = tasks.now()
    const { lang } = q.data
    const day = q.data.day ?? localDay(now, tasks.timeZone)
    const csv = daySheetCsv({
      day,
      timeZone: tasks.timeZone,
      site: config.site,
      gate: config.gate,
      figures: tasks.figures(day),
      occurrences: tasks.day(day),
      now,
      lang,
      staffName: staffNamer(config.kiosk, lang),
    })
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="tasks-${config.site.id}-${config.gate.id}-${day}.csv"`)
      .send(csv)
  })
}
