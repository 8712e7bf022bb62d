// What a request from the network may do (issue 11, point 7). The kiosk's own screen (kiosk.screenAddresses) gets
// what the staff screen shows to anyone standing at the gate; every other address gets that too, and the rest only
// behind a staff or tech session. State-changing requests must come from a page of this server (Origin) and name
// this server (Host), so that neither another site in the browser nor a DNS name rebound to the gate can act.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { hostname, networkInterfaces } from 'node:os'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { normalizeAddress } from '../auth/address.ts'
import { sourceOf, type LoginGuard } from './guard.ts'
import { COOKIE, readCookie, type Sessions } from './sessions.ts'

/** What the staff screen shows to passers-by (and what logging in needs): open to the network without a session. */
export const OPEN_TO_NETWORK: ReadonlySet<string> = new Set([
  '/api/kiosk/events',
  '/api/kiosk/session',
  '/api/kiosk/login',
  '/api/tech/login',
  '/api/tech/session',
  '/api/tech/logout',
])

/** Live-feed streams: per address, and all the network's together (the screen's own never count against those). */
export const LIVE_LIMITS = { perSource: 4, screenPerSource: 8, network: 32 }

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Host names and addresses this kiosk answers to (the Host header of a state-changing request must be one). */
export function ownHostnames(kiosk: { host: string; hostnames: readonly string[] }): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', kiosk.host.toLowerCase(), ...kiosk.hostnames.map((h) => h.toLowerCase())])
  if (kiosk.host === '0.0.0.0' || kiosk.host === '::') {
    // On every interface: its addresses and the box's own name (what a LAN browser may type).
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase())
    names.add(hostname().toLowerCase())
    names.add(`${hostname().toLowerCase()}.local`)
  }
  return names
}

/** `gate-1.local:8080` → `gate-1.local`; `[::1]:8080` → `::1`; null when it is not a host. */
export function hostOfHeader(header: string | undefined): string | null {
  if (!header) return null
  try {
    return new URL(`http://${header}`).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return null
  }
}

export interface NetworkPolicyOptions {
  sessions: Sessions
  guard: LoginGuard
  hostnames: ReadonlySet<string>
  tls: boolean
  log: Logger
}

export function registerNetworkPolicy(app: FastifyInstance, o: NetworkPolicyOptions): void {
  const refuse = (reply: FastifyReply, status: 401 | 403, error: string, message: string): FastifyReply => reply.code(status).send({ error, message })

  app.addHook('onRequest', async (req, reply) => {
    const source = sourceOf(req)
    const changes = !SAFE_METHODS.has(req.method)
    // The route the router matched, not the raw URL: `/%61pi/tasks` is routed to /api/tasks, and must be judged so.
    const path = req.routeOptions.url ?? decodedPath(req.url)
    const api = path.startsWith('/api/')
    if (!changes && !api) return
    // A state-changing request, and any /api read, must name this kiosk (Host) and, when it changes something, come
    // from its own page (Origin): neither another site in the browser nor a DNS name rebound to the box can act or read.
    const why = notForThisKiosk(req, o.hostnames) ?? (changes ? crossSite(req, o.tls) : null)
    if (why) {
      o.log.warn({ source, method: req.method, url: path, why }, 'request refused: not from or for this kiosk')
      return refuse(reply, 403, 'forbidden', why)
    }
    if (!api || o.guard.isScreen(source) || OPEN_TO_NETWORK.has(path)) return
    const signedIn = ['staff', 'tech'].some((role) => o.sessions.get(readCookie(req.headers.cookie, COOKIE[role as 'staff' | 'tech']), role as 'staff' | 'tech'))
    if (!signedIn) return refuse(reply, 401, 'login_required', 'from the network, this needs a staff or tech login')
  })
}

/** The path of a URL, percent-decoded as the router decodes it (the raw path when it does not decode). */
function decodedPath(url: string): string {
  const raw = url.split('?')[0] ?? ''
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** Why a request does not name this kiosk in its Host (null: it does). */
function notForThisKiosk(req: FastifyRequest, hostnames: ReadonlySet<string>): string | null {
  const host = hostOfHeader(req.headers.host)
  return host && hostnames.has(host) ? null : `Host ${JSON.stringify(req.headers.host ?? '')} is not this kiosk`
}

/** Why a state-changing request is not this kiosk's own page speaking to it (null: it is). */
function crossSite(req: FastifyRequest, tls: boolean): string | null {
  const site = req.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site') return `a request from another site (Sec-Fetch-Site: ${site})`
  const origin = req.headers.origin
  // No Origin: not a browser's cross-origin request (browsers send Origin on every cross-origin POST).
  if (origin === undefined) return null
  let o: URL
  try {
    o = new URL(origin)
  } catch {
    return `Origin ${JSON.stringify(origin)} is not this kiosk`
  }
  const own = new URL(`${tls ? 'https' : 'http'}://${req.headers.host}`)
  return o.protocol === own.protocol && o.host === own.host ? null : `Origin ${JSON.stringify(origin)} is not this kiosk`
}

/** Open things (live feeds, sockets) per source address and for the whole network, each counted until it closes. */
class OpenCounts {
  private readonly perSource = new Map<string, number>()
  network = 0

  of(source: string): number {
    return this.perSource.get(source) ?? 0
  }

  /** Counts one for `source`, and for the network unless it is the screen, until `closer` emits `close`. */
  add(source: string, screen: boolean, closer: { once(event: 'close', fn: () => void): unknown }): void {
    this.perSource.set(source, this.of(source) + 1)
    if (!screen) this.network++
    closer.once('close', () => {
      const n = this.of(source) - 1
      if (n > 0) this.perSource.set(source, n)
      else this.perSource.delete(source)
      if (!screen) this.network--
    })
  }
}

/** Counts live-feed streams per address; refuses past LIVE_LIMITS (each stream holds a socket and its buffers). */
export class LiveAdmission {
  private readonly open = new OpenCounts()

  constructor(private readonly guard: LoginGuard) {}

  /** Admits a stream (and counts it until its response closes), or returns why not. */
  admit(source: string, res: ServerResponse): string | null {
    const screen = this.guard.isScreen(source)
    const perSource = screen ? LIVE_LIMITS.screenPerSource : LIVE_LIMITS.perSource
    if (this.open.of(source) >= perSource) return `at most ${perSource} live feeds from one address`
    if (!screen && this.open.network >= LIVE_LIMITS.network) return `at most ${LIVE_LIMITS.network} live feeds from the network`
    this.open.add(source, screen, res)
    return null
  }
}

/**
 * Open TCP connections from the network, per address and in all (the screen's own are never counted). Every
 * request costs the event loop that also decides at the gate: a storm of 300 login guesses at once held scans back
 * by hundreds of milliseconds even when each was refused without a PIN check. Past the cap a connection is closed
 * as it is accepted, before TLS or HTTP parsing, which costs almost nothing. A browser opens about six at a time.
 */
export const CONNECTION_LIMITS = { perSource: 16, network: 64 }

export function capConnections(
  server: { on(event: 'connection', fn: (socket: Socket) => void): unknown },
  isScreen: (source: string) => boolean,
  log: Logger,
  limits: { perSource: number; network: number } = CONNECTION_LIMITS,
): void {
  const open = new OpenCounts()
  let refused = 0
  let lastWarn = -Infinity
  server.on('connection', (socket) => {
    const source = normalizeAddress(socket.remoteAddress)
    if (isScreen(source)) return
    if (open.of(source) >= limits.perSource || open.network >= limits.network) {
      refused++
      socket.destroy()
      const now = performance.now()
      if (now - lastWarn >= 10_000) {
        lastWarn = now
        log.warn({ remote: source, open: open.network, refusedSoFar: refused }, 'kiosk connection refused: too many from the network at once')
      }
      return
    }
    open.add(source, false, socket)
  })
}
