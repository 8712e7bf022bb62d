// The embedded MQTT broker for local displays and devices (DESIGN sections 4 and 7): aedes 1.x on plain TCP,
// MQTT 3.1.1 only, no anonymous clients, a per-user ACL (acl.ts).
// CONNECTs from the LAN are untrusted (issue 11): every credential failure gets the same answer (4, bad username
// or password) after the same scrypt work, unknown users included; password checks run one at a time behind a short
// queue (scrypt shares libuv's thread pool with the serial reads), the rest refused at once; a source that keeps
// failing is refused at once for longer each time (backoff.ts); the internal users' client ids are reserved.
// Persistence is aedes' default in-memory store: sessions, retained messages and offline queues vanish on
// restart. That is acceptable here because nothing durable goes through this broker: the gateway's outbox
// (SQLite) is the record, and the retained status/summaries are re-published by the bridge on connect.
import { createServer, type Socket } from 'node:net'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import mqttPacket from 'mqtt-packet'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { BusyError, Limiter } from '../auth/limiter.ts'
import { createAcl, type AclUser } from './acl.ts'
import { ConnectBackoff, sourceKey, type BackoffOptions } from './backoff.ts'
import { guardedConnection } from './packetLimit.ts'
import { checkPassword, prepareUsers, type BrokerUser, type BrokerUserConfig, type InternalUserConfig } from './users.ts'

// One import for the composition root: the bridge user it makes, and the hashing the CLI needs.
export { BRIDGE_USERNAME, newBridgeUser, type BrokerUserConfig, type InternalUserConfig } from './users.ts'
export { hashPassword, verifyPassword } from './passwords.ts'
export type { BrokerRole } from './acl.ts'

export interface LocalBrokerOptions {
  host: string
  /** 0 picks a free port; `LocalBroker.port` reports the real one. */
  port: number
  /** From `localBroker.users`. */
  users: readonly (Omit<BrokerUserConfig, 'role'> & { role?: 'display' | 'device' })[]
  /** P = {baseTopic}/{site}/{gate}. */
  prefix: string
  log: Logger
  /**
   * Users the gateway makes for itself, e.g. `newBridgeUser()` for its own uplink client, with the client ids only
   * they may use (reserved before the broker listens, so nobody can squat them during a restart).
   */
  internalUsers?: readonly InternalUserConfig[]
  /** Password checks at once, and waiting; beyond that a CONNECT is refused at once (default 1 and 4). */
  checks?: { concurrency?: number; queue?: number }
  /** CONNECT failures per source address (defaults in backoff.ts). */
  backoff?: Partial<BackoffOptions>
  /** Monotonic milliseconds, for the backoff (injected by tests). */
  mono?: () => number
}

export interface LocalBrokerStats {
  clients: number
  refusedConnections: number
  refusedPublishes: number
  refusedSubscribes: number
  /** Connections cut for announcing a packet over 256 KiB. */
  refusedPackets: number
  /** scrypt checks run for CONNECTs (unknown users included: they are checked against a dummy hash). */
  passwordChecks: number
  /** CONNECTs refused without a password check: the checks were saturated (busy) or the source was backing off. */
  refusedBusy: number
  refusedBackoff: number
  /** Source addresses currently refused for repeated failures. */
  sourcesBackingOff: number
}

export interface LocalBroker {
  port: number
  /** For a client on this box, e.g. `mqtt://127.0.0.1:1883` (a wildcard host is replaced by loopback). */
  url: string
  close(): Promise<void>
  stats(): LocalBrokerStats
}

/** aedes checks `maxClientsIdLength` only for MQTT 3.1; we apply it to 3.1.1 as well, in authenticate. */
const MAX_CLIENT_ID = 64
/** The base topic may have several levels; P/devices/{name}/... needs a few more. Deeper is refused (GHSA-xxqp-5qx8-gj5q). */
const MAX_TOPIC_LEVELS = 32
/** Events, summaries and device messages are a few KiB; anything near this is a mistake or an attack. */
const MAX_PACKET_BYTES = 256 * 1024

export async function startLocalBroker(opts: LocalBrokerOptions): Promise<LocalBroker> {
  const log = opts.log.child({ module: 'gateway/broker' })
  const acl = createAcl(opts.prefix)
  const users = await prepareUsers(opts.users, opts.internalUsers ?? [], log, MAX_CLIENT_ID)
  const counts = { refusedConnections: 0, refusedPublishes: 0, refusedSubscribes: 0, refusedPackets: 0, passwordChecks: 0, refusedBusy: 0, refusedBackoff: 0 }
  const refusal = throttledWarn(log)
  // One check at a time for the whole broker (the kiosk has its own limiter): at most one of libuv's threads ever
  // does broker scrypt, so serial reads always find one free.
  const checks = new Limiter('broker password check', opts.checks?.concurrency ?? 1, opts.checks?.queue ?? 4)
  const backoff = new ConnectBackoff(opts.backoff, opts.mono)
  const remotes = new WeakMap<Duplex, string>() // aedes' client.conn → the socket's remote address

  const sessions = new WeakMap<Client, BrokerUser>() // authenticated user of each client
  const willTopics = new WeakMap<Client, string>()
  const refusedAtConnect = new WeakSet<Client>()
  // A client id belongs to the user who holds it: otherwise a display could take over (and kick out) the bridge's
  // connection, or inherit its persistent session. Kept while connected, and for as long as a clean:false session lives.
  const owners = new Map<string, string>()
  // The internal users' ids, from before the broker listens and for its whole life (`owners` forgets on disconnect).
  const reserved = users.reservedClientIds

  const refuseConnect = (client: Client, returnCode: 2 | 4 | 5, reason: string, user?: string): AuthenticateError => {
    counts.refusedConnections++
    refusedAtConnect.add(client)
    refusal({ clientId: client.id, user, remote: remotes.get(client.conn as Duplex), returnCode, reason }, 'broker refused a connection')
    return Object.assign(new Error(reason), { returnCode })
  }

  // mqtt-packet (aedes' and mqtt.js's encoder) otherwise builds, at its first write, a cache of 65,536 two-byte
  // Buffers for packet ids: 6 MB of a gate's heap and 65,536 more objects for every full GC to mark, to save one
  // 2-byte allocation a packet. The setting is the module's, so it also covers the uplink's client.
  mqttPacket.writeToStream.cacheNumbers = false
  const broker = await Aedes.createBroker({
    id: 'estate-gate-broker',
    maxClientsIdLength: MAX_CLIENT_ID,
    maxTopicLevels: MAX_TOPIC_LEVELS,
    connectTimeout: 10_000,
    preConnect(client, packet, done) {
      if (packet.will) willTopics.set(client, packet.will.topic)
      done(null, true)
    },
    authenticate(client, username, password, done) {
      if (client.id.length > MAX_CLIENT_ID)
        return done(refuseConnect(client, 2, `expected a client id of at most ${MAX_CLIENT_ID} characters`, username), false)
      if (!username) return done(refuseConnect(client, 5, 'anonymous clients are not allowed'), false)
      const user = users.get(username)
      // Every credential failure below answers 4, so a client learns nothing about which usernames exist.
      const admit = (u: BrokerUser): void => {
        // Only a client that knows the password learns why else it is refused.
        const holder = reserved.get(client.id) ?? owners.get(client.id)
        if (holder !== undefined && holder !== username)
          return done(refuseConnect(client, 2, reserved.has(client.id) ? 'client id is reserved for the gateway' : 'client id is held by another user', username), false)
        const will = willTopics.get(client)
        const willOk = will === undefined ? null : acl.canPublish(u, will)
        if (willOk && !willOk.ok) return done(refuseConnect(client, 5, `will topic refused: ${willOk.reason}`, username), false)
        sessions.set(client, u)
        done(null, true)
      }
      if (user?.internal) {
        // A random 256-bit secret needs no scrypt: checked at once, never queued behind a storm, and a wrong guess
        // costs nothing, so the gateway's own client is not held up by a source that is backing off.
        void checkPassword(users, user, password).then((ok) => (ok ? admit(user) : done(refuseConnect(client, 4, 'wrong password', username), false)))
        return
      }
      const source = sourceKey(remotes.get(client.conn as Duplex))
      const attempt = backoff.attempt(source)
      if (!attempt.ok) {
        counts.refusedBackoff++
        return done(refuseConnect(client, 4, `too many failures from ${source}: refused for ${Math.ceil(attempt.retryInMs / 1000)} s more`, username), false)
      }
      checks.run(() => (counts.passwordChecks++, checkPassword(users, user, password))).then(
        (ok) => {
          attempt.end(ok ? 'succeeded' : 'failed')
          if (ok && user) return admit(user)
          const reason = !user ? 'unknown user' : !password?.length ? 'expected a password' : 'wrong password'
          done(refuseConnect(client, 4, reason, username), false)
        },
        (err: unknown) => {
          if (err instanceof BusyError) {
            attempt.end('unchecked')
            counts.refusedBusy++
            return done(refuseConnect(client, 4, 'too many password checks at once', username), false)
          }
          attempt.end('failed')
          done(refuseConnect(client, 5, `password check failed: ${(err as Error).message}`, username), false)
        },
      )
    },
    authorizePublish(client, packet, done) {
      // client is null only for wills replayed from persistence after a restart: nobody to check them against.
      const user = client ? sessions.get(client) : undefined
      const decision = user ? acl.canPublish(user, packet.topic) : { ok: false as const, reason: 'no authenticated user' }
      if (decision.ok) return done(null)
      counts.refusedPublishes++
      refusal({ clientId: client?.id, user: user?.username, topic: packet.topic, reason: decision.reason }, 'broker refused a publish')
      done(new Error(`publish to ${packet.topic} refused: ${decision.reason}`)) // aedes closes the connection (MQTT 3.1.1 has no negative PUBACK)
    },
    authorizeSubscribe(client, sub, done) {
      const user = sessions.get(client)
      const decision = user ? acl.canSubscribe(user, sub.topic) : { ok: false as const, reason: 'no authenticated user' }
      if (decision.ok) return done(null, sub)
      counts.refusedSubscribes++
      refusal({ clientId: client.id, user: user?.username, topic: sub.topic, reason: decision.reason }, 'broker refused a subscription')
      done(null, null) // SUBACK 128 for this filter; the connection stays up
    },
    authorizeForward(client, packet) {
      const user: AclUser | undefined = sessions.get(client)
      return user && acl.canReceive(user, packet.topic) ? packet : null
    },
  })

  broker.on('client', (client) => {
    const user = sessions.get(client)
    if (user) owners.set(client.id, user.username)
  })
  broker.on('clientDisconnect', (client) => {
    if (client.clean) owners.delete(client.id) // a clean session ends with the connection
  })
  broker.on('clientError', (client, err) => {
    if (!refusedAtConnect.has(client)) log.debug({ clientId: client.id, err: err.message }, 'broker client error')
  })
  broker.on('connectionError', (client, err: Error & { errorCode?: unknown }) => {
    if (refusedAtConnect.has(client)) return
    // A CONNACK refusal before authenticate runs, e.g. an MQTT 5 client (1: aedes speaks 3.1.1 only); other errors
    // (a socket closed before CONNECT, an oversized packet) are not refused connections.
    if (typeof err.errorCode !== 'number') return log.debug({ err: err.message }, 'broker connection error before CONNECT')
    counts.refusedConnections++
    refusal({ clientId: client.id, returnCode: err.errorCode, reason: err.message }, 'broker refused a connection')
  })

  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    const conn = guardedConnection(socket, MAX_PACKET_BYTES, (err) => {
      counts.refusedPackets++
      refusal({ remote: socket.remoteAddress, reason: err.message }, 'broker cut a connection sending an oversized packet')
    })
    if (socket.remoteAddress) remotes.set(conn, socket.remoteAddress)
    broker.handle(conn)
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: opts.host, port: opts.port }, () => (server.off('error', reject), resolve()))
    })
  } catch (err) {
    await new Promise<void>((r) => broker.close(() => r()))
    throw new Error(`local broker: cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`, { cause: err })
  }
  server.on('error', (err) => log.error({ err }, 'local broker server error'))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port
  const url = `mqtt://${clientHost(opts.host)}:${port}`
  const roles = users.all().map((u) => u.role)
  log.info({ url, displays: roles.filter((r) => r === 'display').length, devices: roles.filter((r) => r === 'device').length }, 'local broker listening')

  let closing: Promise<void> | null = null
  return {
    port,
    url,
    stats: () => ({ clients: broker.connectedClients, ...counts, sourcesBackingOff: backoff.blocked() }),
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((r) => server.close(() => r()))
        await new Promise<void>((r) => broker.close(() => r()))
        for (const s of sockets) s.destroy() // connections that never sent CONNECT are not aedes clients yet
        await serverClosed
        log.info({ url }, 'local broker closed')
      })()
      return closing
    },
  }
}

function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

/** Refusals come from the network: log the first 30 a minute, then one line with how many were left out. */
function throttledWarn(log: Logger, perMinute = 30): (fields: Record<string, unknown>, msg: string) => void {
  let windowStart = 0
  let logged = 0
  let suppressed = 0
  return (fields, msg) => {
    const now = Date.now()
    if (now - windowStart >= 60_000) {
      if (suppressed > 0) log.warn({ suppressed }, 'broker refusals not logged in the last minute')
      windowStart = now
      logged = 0
      suppressed = 0
    }
    if (logged++ < perMinute) log.warn(fields, msg)
    else suppressed++
  }
}
