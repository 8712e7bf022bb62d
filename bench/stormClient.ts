// The storm's attackers, in a process of their own (as they are on a LAN): 300 sockets opened and answered here
// must not delay the bench's own clock readings (the subscriber timestamping entry events). Driven over IPC.
import { request } from 'node:http'
import { brokerConnectStorm } from './storm.ts'

interface Storm {
  cmd: 'storm'
  kioskPort: number
  brokerPort: number
  logins: number
  sources: number
  connects: number
}

/** One login guess, from `localAddress`, on its own connection (as many attackers' browsers would). */
function guess(port: number, localAddress: string, path: string, pin: string): Promise<number> {
  return new Promise((res) => {
    const body = JSON.stringify({ pin })
    const req = request(
      { host: '127.0.0.1', port, localAddress, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (r) => {
        r.resume()
        r.on('end', () => res(r.statusCode ?? 0))
      },
    )
    req.setTimeout(120_000, () => req.destroy())
    req.on('error', () => res(0))
    req.end(body)
  })
}

process.on('message', (m: Storm) => {
  const t0 = performance.now()
  const loginStatuses: Record<string, number> = {}
  const logins = Promise.all(
    Array.from({ length: m.logins }, (_, k) => {
      const source = `127.0.1.${(k % m.sources) + 1}`
      const path = k % 2 ? '/api/tech/login' : '/api/kiosk/login'
      return guess(m.kioskPort, source, path, String(k).padStart(4, '0')).then((s) => void (loginStatuses[s] = (loginStatuses[s] ?? 0) + 1))
    }),
  ).then(() => Math.round(performance.now() - t0))
  const connects = brokerConnectStorm({ host: '127.0.0.1', port: m.brokerPort, count: m.connects, username: 'display' })
  void Promise.all([logins, connects]).then(([loginStormMs, connectStorm]) => {
    process.send!({ loginStatuses, loginStormMs, connectStorm }, () => process.exit(0))
  })
})
