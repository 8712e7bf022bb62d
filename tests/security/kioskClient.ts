// HTTP to the kiosk of a real gateway process from a chosen source address: 127.0.0.1 is the kiosk's own screen
// (kiosk.screenAddresses by default), 127.0.0.2 and the rest of 127/8 stand for the LAN. Each request on its own
// connection (agent: false), as separate browsers or attackers would send them.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

export const SCREEN = '127.0.0.1'
export const LAN = '127.0.0.2'

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json: Record<string, any>
}

export interface RequestOptions {
  from?: string
  method?: string
  headers?: Record<string, string>
  /** An object is sent as JSON; a string as it is (with the content-type given in headers). */
  body?: unknown
  cookie?: string
  /** HTTPS: the certificate to trust (PEM). */
  ca?: string | Buffer
}

export function send(base: string, path: string, o: RequestOptions = {}): Promise<Answer> {
  const url = new URL(path, base)
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
  const headers: Record<string, string> = {
    ...(body !== undefined && typeof o.body !== 'string' ? { 'content-type': 'application/json' } : {}),
    ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...(o.cookie ? { cookie: o.cookie } : {}),
    ...o.headers,
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((res, rej) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: o.method ?? (body === undefined ? 'GET' : 'POST'), localAddress: o.from ?? LAN, agent: false, headers, ...(o.ca ? { ca: o.ca } : {}) },
      (r) => {
        let text = ''
        r.setEncoding('utf8')
        r.on('data', (d: string) => (text += d))
        r.on('end', () => {
          let json: Record<string, any> = {}
          try {
            json = JSON.parse(text) as Record<string, any>
          } catch {
            /* CSV, HTML */
          }
          res({ status: r.statusCode ?? 0, headers: r.headers, body: text, json })
        })
      },
    )
    req.setTimeout(120_000, () => req.destroy(new Error(`${path}: no answer within 120 s`)))
    req.on('error', rej)
    req.end(body)
  })
}

/** Logs in and returns the session cookie (name=value). */
export async function login(base: string, role: 'staff' | 'tech', pin: string, from = SCREEN): Promise<string> {
  const r = await send(base, role === 'staff' ? '/api/kiosk/login' : '/api/tech/login', { from, body: { pin } })
  if (r.status !== 200) throw new Error(`${role} login from ${from}: ${r.status} ${r.body}`)
  return String(r.headers['set-cookie']).split(';')[0]!
}
