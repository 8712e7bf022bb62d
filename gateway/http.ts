// The HTTP server on kiosk.port: /healthz, the task routes, and the kiosk (staff screen, tech pages).
import Fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { GatewayConfig } from './config/schema.ts'
import type { HealthReport } from './health.ts'
import { registerTaskRoutes, type TaskRoutesDeps } from './schedules/routes.ts'
import { registerKiosk, type KioskGateway } from './kiosk/plugin.ts'

export interface HttpServer {
  url: string
  close(): Promise<void>
  /** fastify's inject(): requests without a socket (tests). */
  inject: FastifyInstance['inject']
}

type HttpGateway = TaskRoutesDeps & KioskGateway & { health(): HealthReport; config: GatewayConfig }

export async function startHttp(gw: HttpGateway, kiosk: GatewayConfig['kiosk'], log: Logger): Promise<HttpServer> {
  // forceCloseConnections: a stop must not wait for the kiosk browser's keep-alive and live-feed sockets.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true })
  app.setErrorHandler((err, req, reply) => {
    log.warn({ err, url: req.url }, 'http request failed')
    const status = (err as { statusCode?: number }).statusCode
    void reply.status(status && status >= 400 && status < 500 ? status : 500).send({ error: err instanceof Error ? err.message : String(err) })
  })

  app.get('/healthz', async () => gw.health())
  registerTaskRoutes(app, gw)
  // The staff screen (/), the technicians' pages (/tech) and their APIs: gateway/kiosk.
  registerKiosk(app, gw, log.child({ module: 'gateway/kiosk' }))

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
  return { url: `http://${host}:${port}`, close: () => app.close(), inject: app.inject.bind(app) as FastifyInstance['inject'] }
}
