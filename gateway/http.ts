// The HTTP server on kiosk.port: /healthz now; the staff screen and the tech pages build on it.
import Fastify from 'fastify'
import type { Logger } from 'pino'
import type { GatewayConfig } from './config/schema.ts'
import type { HealthReport } from './health.ts'

export interface HttpServer {
  url: string
  close(): Promise<void>
}

interface HttpGateway {
  health(): HealthReport
  store: { recentEntries(limit: number): Record<string, unknown>[] }
  config: GatewayConfig
}

export async function startHttp(gw: HttpGateway, kiosk: GatewayConfig['kiosk'], log: Logger): Promise<HttpServer> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })
  app.setErrorHandler((err, req, reply) => {
    log.warn({ err, url: req.url }, 'http request failed')
    const status = (err as { statusCode?: number }).statusCode
    void reply.status(status && status >= 400 && status < 500 ? status : 500).send({ error: err instanceof Error ? err.message : String(err) })
  })

  app.get('/healthz', async () => gw.health())

  // Until the staff screen lands: the latest decisions, for a technician checking the gate works.
  app.get('/api/entries/recent', async (req) => {
    const q = req.query as { limit?: string }
    const limit = Math.min(Math.max(Number(q.limit) || 20, 1), 200)
    return gw.store.recentEntries(limit).map((r) => ({ ...r, reasons: JSON.parse(String(r.reasons)) as unknown }))
  })

  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><meta charset="utf-8"><title>estate-gate ${gw.config.gate.name}</title>` +
          `<h1>estate-gate · ${escapeHtml(gw.config.site.name)} · ${escapeHtml(gw.config.gate.name)}</h1>` +
          `<p><a href="/healthz">/healthz</a> · <a href="/api/entries/recent">/api/entries/recent</a></p>`,
      ),
  )

  try {
    await app.listen({ host: kiosk.host, port: kiosk.port })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new Error(
      code === 'EADDRINUSE'
        ? `kiosk.port ${kiosk.port} on ${kiosk.host} is already in use (another estate-gate running?)`
        : `cannot listen on ${kiosk.host}:${kiosk.port}: ${(err as Error).message}`,
      { cause: err },
    )
  }
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : kiosk.port
  const host = kiosk.host === '0.0.0.0' || kiosk.host === '::' ? 'localhost' : kiosk.host
  return { url: `http://${host}:${port}`, close: () => app.close() }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
