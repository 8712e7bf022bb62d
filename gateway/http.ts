// The HTTP server on kiosk.port: /healthz, the task routes, and the kiosk (staff screen, tech pages).
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { ConfigError } from './config/preflight.ts'
import type { GatewayConfig } from './config/schema.ts'
import type { HealthReport } from './health.ts'
import { registerTaskRoutes, type TaskRoutesDeps } from './schedules/routes.ts'
import { addressIn } from './auth/address.ts'
import { capConnections, isLoopback } from './kiosk/network.ts'
import { registerKiosk, type KioskGateway } from './kiosk/plugin.ts'

export interface HttpServer {
  url: string
  close(): Promise<void>
  /** fastify's inject(): requests without a socket (tests). */
  inject: FastifyInstance['inject']
}

type HttpGateway = TaskRoutesDeps & KioskGateway & { health(): HealthReport; config: GatewayConfig }

/**
 * A request (headers and body) must arrive within this, checked every second: a body trickled a byte at a time
 * would otherwise hold a socket and its parser for as long as the sender likes. Bodies are at most 64 KiB.
 */
export const REQUEST_TIMEOUT_MS = 5000
/** An idle keep-alive socket between two requests. */
const KEEP_ALIVE_MS = 5000

function tlsFiles(tls: NonNullable<GatewayConfig['kiosk']['tls']>): { cert: Buffer; key: Buffer } {
  const read = (key: 'cert' | 'key'): Buffer => {
    try {
      return readFileSync(tls[key])
    } catch (err) {
      throw new Error(`kiosk.tls.${key}: cannot read ${tls[key]}: ${(err as Error).message}`, { cause: err })
    }
  }
  return { cert: read('cert'), key: read('key') }
}

export async function startHttp(gw: HttpGateway, kiosk: GatewayConfig['kiosk'], log: Logger): Promise<HttpServer> {
  const server = { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_MS, connectionsCheckingInterval: 1000 }
  // forceCloseConnections: a stop must not wait for the kiosk browser's keep-alive and live-feed sockets.
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_MS,
    ...(kiosk.tls ? { https: { ...server, ...tlsFiles(kiosk.tls) } } : { http: server }),
  })
  // JSON only: fastify also parses text/plain, which a page of any site may POST without a CORS preflight (and a
  // string body then read as {}). Anything but application/json is answered 415.
  app.removeContentTypeParser('text/plain')
  if (!isLoopback(kiosk.host)) {
    if (kiosk.tls) log.info({ host: kiosk.host }, 'the kiosk listens on the network, over HTTPS')
    else log.warn({ host: kiosk.host }, 'the kiosk listens on the network over plain HTTP: PINs and session cookies cross the LAN in clear; set kiosk.tls (see README, the kiosk on the LAN)')
  }
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode
    if ((err as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ error: 'unsupported_media_type', message: 'bodies must be application/json' })
    }
    log.warn({ err, url: req.url }, 'http request failed')
    void reply.status(status && status >= 400 && status < 500 ? status : 500).send({ error: err instanceof Error ? err.message : String(err) })
  })

  capConnections(app.server, addressIn(kiosk.screenAddresses), log)

  app.get('/healthz', async () => gw.health())
  // The staff screen (/), the technicians' pages (/tech) and their APIs: gateway/kiosk; it registers the task routes
  // too, with who is logged in.
  registerKiosk(app, gw, log.child({ module: 'gateway/kiosk' }), {
    // Read through gw at each request: config/set may replace the config.
    taskRoutes: (staffOf) => registerTaskRoutes(app, { get tasks() { return gw.tasks }, get config() { return gw.config }, staffOf }),
  })

  try {
    await app.listen({ host: kiosk.host, port: kiosk.port })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A port below 1024 needs a capability the unit does not give: no restart helps. EADDRINUSE (another gateway,
    // or this one's previous run still closing) and EADDRNOTAVAIL (the LAN address not up yet at boot) may pass.
    if (code === 'EACCES') throw new ConfigError('kiosk.port', `${kiosk.port} on ${kiosk.host}: permission denied (a port below 1024 needs privileges the gateway does not have; use 8080 or another port from 1024 up)`, { cause: err })
    throw new Error(
      code === 'EADDRINUSE'
        ? `kiosk.port ${kiosk.port} on ${kiosk.host} is already in use (another estate-gate running?)`
        : `cannot listen on ${kiosk.host}:${kiosk.port}: ${(err as Error).message}`,
      { cause: err },
    )
  }
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : kiosk.port
  const host = kiosk.host === '0.0.0.0' || kiosk.host === '::' ? 'localhost' : kiosk.host.includes(':') ? `[${kiosk.host}]` : kiosk.host
  return { url: `${kiosk.tls ? 'https' : 'http'}://${host}:${port}`, close: () => app.close(), inject: app.inject.bind(app) as FastifyInstance['inject'] }
}
