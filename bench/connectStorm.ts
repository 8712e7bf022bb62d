// A storm of bad MQTT CONNECTs against the embedded broker, as a LAN attacker guessing passwords would send them:
// raw MQTT 3.1.1 CONNECT packets (aedes speaks nothing else), all at once, each on its own TCP connection, each
// waiting for its CONNACK or the close. Minimal on purpose: the broker's own storm (bench/storm.ts) replaces it.
import { connect } from 'node:net'

export interface ConnectStormResult {
  count: number
  /** CONNACK with a non-zero return code (4: bad user name or password, 5: not authorised). */
  refused: number
  accepted: number
  /** Closed without a CONNACK, or a socket error. */
  dropped: number
  ms: number
}

function mqttString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8')
  const len = Buffer.alloc(2)
  len.writeUInt16BE(b.length)
  return Buffer.concat([len, b])
}

function remainingLength(n: number): Buffer {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Buffer.from(out)
}

/** CONNECT, MQTT 3.1.1 [MQTT-3.1]: clean session, user name and password flags, keep-alive 30 s. */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const variable = Buffer.concat([mqttString('MQTT'), Buffer.from([4, 0xc2, 0, 30])])
  const payload = Buffer.concat([mqttString(clientId), mqttString(username), mqttString(password)])
  const body = Buffer.concat([variable, payload])
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body])
}

export async function brokerConnectStorm(opts: { host: string; port: number; count: number; username?: string }): Promise<ConnectStormResult> {
  const t0 = performance.now()
  const r: ConnectStormResult = { count: opts.count, refused: 0, accepted: 0, dropped: 0, ms: 0 }
  await Promise.all(
    Array.from({ length: opts.count }, (_, i) =>
      new Promise<void>((done) => {
        const sock = connect({ host: opts.host, port: opts.port })
        let settled = false
        const end = (what: 'refused' | 'accepted' | 'dropped'): void => {
          if (settled) return
          settled = true
          r[what]++
          sock.destroy()
          done()
        }
        sock.setTimeout(60_000, () => end('dropped'))
        sock.on('connect', () => sock.write(connectPacket(`storm-${i}`, opts.username ?? 'display', `wrong-${i}`)))
        let buf = Buffer.alloc(0)
        sock.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d])
          // CONNACK: 0x20 0x02 <session present> <return code>
          if (buf.length >= 4 && buf[0] === 0x20) end(buf[3] === 0 ? 'accepted' : 'refused')
        })
        sock.on('error', () => end('dropped'))
        sock.on('close', () => end('dropped'))
      }),
    ),
  )
  r.ms = Math.round(performance.now() - t0)
  return r
}
