// A storm of raw MQTT 3.1.1 CONNECTs, as a LAN attacker would send them: each on its own TCP connection, one
// CONNECT packet encoded by mqtt-packet (mqtt.js's own encoder), the CONNACK's return code read back (section 3.2).
// Raw sockets rather than mqtt.js clients so the attacker's side costs next to nothing and the load is the
// broker's. Used by tests/security/ and by the bench's "scan latency under a login and CONNECT storm".
import { connect as tcpConnect } from 'node:net'
import { generate } from 'mqtt-packet'

export interface RawConnectOptions {
  host: string
  port: number
  clientId?: string
  username?: string
  password?: string | Buffer
  /** Source address, e.g. 127.0.0.2 (any 127/8 address is this host on Linux). */
  localAddress?: string
  /** Give up waiting for the CONNACK after this long (the result is then `returnCode: null`). */
  timeoutMs?: number
}

export interface RawConnectResult {
  /** The CONNACK return code (0 accepted, 2 identifier rejected, 4 bad username or password, 5 not authorized),
   *  or null when the connection closed or timed out without one. */
  returnCode: number | null
  /** CONNECT written → CONNACK read (or closed). */
  ms: number
}

/** The bytes of an MQTT 3.1.1 CONNECT packet (clean session, keepalive 30 s), by mqtt.js's own encoder (mqtt-packet). */
export function connectPacket(o: { clientId: string; username?: string; password?: string | Buffer }): Buffer {
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    clientId: o.clientId,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
  })
}

let counter = 0

/** One CONNECT on a fresh TCP connection; the connection is closed once the CONNACK (or nothing) came back. */
export function rawConnect(o: RawConnectOptions): Promise<RawConnectResult> {
  return new Promise((resolve) => {
    const packet = connectPacket({ clientId: o.clientId ?? `storm-${process.pid}-${++counter}`, username: o.username, password: o.password })
    const socket = tcpConnect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) })
    let start = 0
    let got = Buffer.alloc(0)
    let settled = false
    const finish = (returnCode: number | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ returnCode, ms: start ? performance.now() - start : 0 })
      socket.destroy()
    }
    const timer = setTimeout(() => finish(null), o.timeoutMs ?? 10_000)
    socket.once('connect', () => {
      start = performance.now()
      socket.write(packet)
    })
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d])
      // CONNACK: 0x20, remaining length 2, acknowledge flags, return code.
      if (got.length >= 4) finish(got[0] === 0x20 && got[1] === 2 ? got[3]! : null)
    })
    socket.once('error', () => finish(null))
    socket.once('close', () => finish(null))
  })
}

export interface StormResult {
  /** CONNACK with a non-zero return code. */
  refused: number
  /** CONNACK 0. */
  accepted: number
  /** No CONNACK at all (closed, reset or timed out). */
  failed: number
  /** How many of each return code (and `none`). */
  codes: Record<string, number>
  /** Each attempt's CONNECT → CONNACK time, in the order they finished. */
  times: number[]
  /** The whole storm, first connection to last answer. */
  ms: number
}

/**
 * `count` CONNECTs to `url` (mqtt://host:port), at most `concurrency` open at a time (default: all at once), each
 * with a wrong password for `username` (default: a user that does not exist).
 */
export async function connectStorm(opts: {
  url: string
  count: number
  concurrency?: number
  username?: string
  password?: string
  localAddress?: string
  timeoutMs?: number
}): Promise<StormResult> {
  const u = new URL(opts.url)
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = Number(u.port || 1883)
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? opts.count, opts.count))
  const codes: Record<string, number> = {}
  const times: number[] = []
  let next = 0
  const start = performance.now()
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      next++
      const r = await rawConnect({
        host,
        port,
        username: opts.username ?? 'storm-nobody',
        password: opts.password ?? 'storm-wrong-password',
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      })
      const key = r.returnCode === null ? 'none' : String(r.returnCode)
      codes[key] = (codes[key] ?? 0) + 1
      times.push(r.ms)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const accepted = codes['0'] ?? 0
  const failed = codes.none ?? 0
  return { refused: opts.count - accepted - failed, accepted, failed, codes, times, ms: performance.now() - start }
}

export interface ConnectStormResult {
  count: number
  /** CONNACK with a non-zero return code (4: bad user name or password, 5: not authorised). */
  refused: number
  accepted: number
  /** Closed without a CONNACK, or a socket error. */
  dropped: number
  ms: number
}

/** The bench's CONNECT storm: `count` bad CONNECTs at once against the embedded broker. */
export async function brokerConnectStorm(opts: { host: string; port: number; count: number; username?: string }): Promise<ConnectStormResult> {
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  const r = await connectStorm({ url: `mqtt://${host}:${opts.port}`, count: opts.count, ...(opts.username ? { username: opts.username } : {}) })
  return { count: opts.count, refused: r.refused, accepted: r.accepted, dropped: r.failed, ms: Math.round(r.ms) }
}
