// Issue 11, point 7, against the real gateway process: where the kiosk listens, HTTPS, Host and Origin on
// state-changing requests, what the network may read without a session, live-feed caps, slow bodies, and bodies
// that are not JSON. Requests come from 127.0.0.2 (the LAN) unless the screen (127.0.0.1) is the point.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { request } from 'node:http'
import { stringify } from 'yaml'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, gatewayCommand, GatewayProcess, ROOT, tempDir } from '../helpers/gatewayProcess.ts'
import { LAN, login, SCREEN, send } from './kioskClient.ts'

const STAFF_PIN = '246810'
const TECH_PIN = '97531'
const base = { kiosk: { staffPins: [STAFF_PIN], techPins: [TECH_PIN] }, localBroker: { enabled: false } }

const running: GatewayProcess[] = []
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const g of running.splice(0)) await g.stop()
  for (const c of cleanups.splice(0)) await c()
})
async function start(config: Record<string, unknown> = base): Promise<GatewayProcess> {
  const g = await GatewayProcess.start(config)
  running.push(g)
  return g
}

/** The local address of the socket listening on `port` (from /proc/net/tcp and tcp6: what the kernel binds). */
function listeningOn(port: number): string[] {
  const out: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      if (!local || state !== '0A') continue
      const [addr, p] = local.split(':')
      if (parseInt(p!, 16) !== port) continue
      out.push(addr!.length === 8 ? addr!.match(/../g)!.reverse().map((h) => parseInt(h, 16)).join('.') : addr!)
    }
  }
  return out
}

describe('the kiosk over HTTP (real gateway process)', () => {
  it('listens on 127.0.0.1 unless told otherwise; the LAN without TLS is logged as a warning', async () => {
    // No kiosk.host in the file: the default.
    const g = await start({ ...base, kiosk: { ...base.kiosk, host: undefined } })
    const port = Number(new URL(g.url).port)
    expect(listeningOn(port)).toEqual(['127.0.0.1'])
    expect(g.logs.some((l) => /plain HTTP/.test(String(l.msg)))).toBe(false)
    const lan = await start({ ...base, kiosk: { ...base.kiosk, host: '0.0.0.0' } })
    expect(listeningOn(Number(new URL(lan.url).port))).toEqual(['0.0.0.0'])
    const warn = await lan.waitForLog((l) => /over plain HTTP/.test(String(l.msg)), 5000)
    expect(warn.level).toBe(40)
  }, 60_000)

  it('serves HTTPS with kiosk.tls (a self-signed certificate made here), and no plain HTTP on that port', async () => {
    const dir = tempDir()
    const cert = join(dir, 'kiosk.crt')
    const key = join(dir, 'kiosk.key')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' })
    const port = await freePort()
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, stringify({ dataDir: join(dir, 'data'), ...base, kiosk: { ...base.kiosk, port, tls: { cert, key } }, log: { level: 'info' } }))
    const [cmd, argv] = gatewayCommand(['--config', file])
    const child = spawn(cmd, argv, { cwd: ROOT })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise((r) => child.once('exit', r))
    cleanups.push(() => (child.kill('SIGTERM'), exited))
    for (const t = Date.now(); !out.includes('gateway ready'); await new Promise((r) => setTimeout(r, 50))) {
      if (child.exitCode !== null || Date.now() - t > 20_000) throw new Error(`the gateway did not start with kiosk.tls: ${out}`)
    }
    const url = `https://127.0.0.1:${port}`
    const ca = readFileSync(cert)
    const health = await send(url, '/healthz', { from: LAN, ca })
    expect(health.status).toBe(200)
    expect(health.json.status).toBeDefined()
    const login = await send(url, '/api/kiosk/login', { from: LAN, ca, body: { pin: STAFF_PIN } })
    expect(login.status).toBe(200)
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure$/)
    // Plain HTTP to the same port is not answered as the kiosk.
    expect(await send(`http://127.0.0.1:${port}`, '/healthz', { from: LAN }).then((r) => r.status, () => 0)).not.toBe(200)
  }, 60_000)

  it('refuses a state-changing request from another site (Origin) or for another host name (Host): 403', async () => {
    const g = await start()
    const port = new URL(g.url).port
    const evilOrigin = await send(g.url, '/api/kiosk/login', { from: SCREEN, body: { pin: STAFF_PIN }, headers: { origin: 'http://evil.example' } })
    expect(evilOrigin.status).toBe(403)
    expect(evilOrigin.json.error).toBe('forbidden')
    // A page of the same host on another port is another origin (same site): refused too.
    expect((await send(g.url, '/api/kiosk/login', { from: SCREEN, body: { pin: STAFF_PIN }, headers: { origin: 'http://127.0.0.1:9' } })).status).toBe(403)
    // A name rebound to the gate's address (DNS rebinding) carries its own Host.
    expect((await send(g.url, '/api/kiosk/login', { from: SCREEN, body: { pin: STAFF_PIN }, headers: { host: `rebind.evil.example:${port}` } })).status).toBe(403)
    // Nothing was done: no shift started.
    expect((await send(g.url, '/api/kiosk/session', { from: SCREEN })).json.staff).toBeNull()
    // The kiosk's own page (same origin) and a client without Origin (curl) are served.
    expect((await send(g.url, '/api/kiosk/login', { from: SCREEN, body: { pin: STAFF_PIN }, headers: { origin: `http://127.0.0.1:${port}` } })).status).toBe(200)
    expect((await send(g.url, '/api/kiosk/login', { from: SCREEN, body: { pin: STAFF_PIN }, headers: { host: `localhost:${port}` } })).status).toBe(200)
  }, 60_000)

  it('answers a text/plain body 415 instead of reading it as {}', async () => {
    const g = await start()
    const staff = await login(g.url, 'staff', STAFF_PIN, SCREEN)
    // A same-site page can POST text/plain without a preflight, with the staff cookie: the shift must stay.
    const r = await send(g.url, '/api/kiosk/handover', { from: SCREEN, cookie: staff, body: '{"note":""}', headers: { 'content-type': 'text/plain' } })
    expect(r.status).toBe(415)
    expect(r.json.error).toBe('unsupported_media_type')
    expect((await send(g.url, '/api/kiosk/session', { from: SCREEN, cookie: staff })).json.staff).not.toBeNull()
    const form = await send(g.url, '/api/kiosk/handover', { from: SCREEN, cookie: staff, body: 'note=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(415)
  }, 60_000)

  it('needs a session for the task list and day sheet from the network; the screen and a logged-in LAN browser get them', async () => {
    const g = await start()
    // Percent-encoded, the router still routes them to /api/…: they must need a session all the same.
    for (const path of ['/api/tasks', '/api/tasks/sheet.csv', '/api/kiosk/fevers', '/%61pi/tasks', '/a%70i/tasks/sheet.csv']) {
      const r = await send(g.url, path, { from: LAN })
      expect(r.status, path).toBe(401)
      expect(r.json.error).toBe('login_required')
    }
    expect((await send(g.url, '/api/tasks', { from: SCREEN })).status).toBe(200)
    const staff = await login(g.url, 'staff', STAFF_PIN, LAN)
    expect((await send(g.url, '/api/tasks/sheet.csv', { from: LAN, cookie: staff })).status).toBe(200)
    const tech = await login(g.url, 'tech', TECH_PIN, LAN)
    expect((await send(g.url, '/api/tasks', { from: LAN, cookie: tech })).status).toBe(200)
    // DNS rebinding: a page of evil.example resolved to the box reads nothing, even at the screen.
    for (const from of [SCREEN, LAN]) {
      const r = await send(g.url, '/api/tasks', { from, headers: { host: `evil.example:${new URL(g.url).port}` } })
      expect(r.status, from).toBe(403)
    }
    // What the staff screen shows passers-by stays open: the page, the health, the live feed's first bytes.
    expect((await send(g.url, '/', { from: LAN })).status).toBe(200)
    expect((await send(g.url, '/healthz', { from: LAN })).status).toBe(200)
  }, 60_000)

  it('caps live-feed streams per address and for the whole network; the screen still gets one', async () => {
    const g = await start()
    const { port } = new URL(g.url)
    const open: { destroy(): void }[] = []
    cleanups.push(() => open.forEach((s) => s.destroy()))
    const stream = (from: string): Promise<number> =>
      new Promise((res, rej) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/kiosk/events', localAddress: from, agent: false }, (r) => {
          if (r.statusCode === 200) open.push(r.socket)
          else r.resume()
          res(r.statusCode ?? 0)
        })
        req.on('error', rej)
        req.end()
      })
    const mine: number[] = []
    for (let i = 0; i < 5; i++) mine.push(await stream(LAN))
    expect(mine).toEqual([200, 200, 200, 200, 429])
    // 28 more from other LAN addresses fill the network's 32; the next is refused, the screen is not.
    const others: number[] = []
    for (let i = 0; i < 29; i++) others.push(await stream(`127.0.4.${(i % 10) + 1}`))
    expect(others.filter((s) => s === 200).length).toBe(28)
    expect(others.at(-1)).toBe(429)
    expect(await stream(SCREEN)).toBe(200)
    // A stream that closes frees its place.
    open.shift()!.destroy()
    await g.until(async () => ((await stream(LAN)) === 200 ? true : undefined), 5000, 'a freed place')
  }, 60_000)

  it('cuts a body that trickles in within seconds', async () => {
    const g = await start()
    const { port } = new URL(g.url)
    const sock = connect({ host: '127.0.0.1', port: Number(port), localAddress: LAN })
    await new Promise<void>((r) => sock.once('connect', () => r()))
    sock.write(`POST /api/kiosk/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"pin":"`)
    const t0 = Date.now()
    const trickle = setInterval(() => sock.writable && sock.write('1'), 500)
    let answer = ''
    sock.on('data', (d: Buffer) => (answer += d.toString()))
    sock.on('error', () => {})
    await Promise.race([new Promise<void>((r) => sock.once('close', () => r())), new Promise((r) => setTimeout(r, 20_000))])
    clearInterval(trickle)
    sock.destroy()
    const ms = Date.now() - t0
    expect(ms).toBeLessThan(10_000)
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true)
  }, 60_000)
  it('closes connections from the network past 16 an address and 64 in all, as they are accepted; the screen is never capped', async () => {
    const g = await start()
    const port = Number(new URL(g.url).port)
    const held: ReturnType<typeof connect>[] = []
    cleanups.push(() => held.forEach((s) => s.destroy()))
    /** Opens a connection from `from` and says whether the server closed it within 1.5 s without a request. */
    const openFrom = (from: string): Promise<boolean> =>
      new Promise((res) => {
        const sock = connect({ host: '127.0.0.1', port, localAddress: from })
        held.push(sock)
        sock.on('error', () => {})
        const timer = setTimeout(() => res(false), 1500)
        sock.once('close', () => {
          clearTimeout(timer)
          res(true)
        })
      })
    // 20 from one address: 16 kept, 4 closed.
    const one = await Promise.all(Array.from({ length: 20 }, () => openFrom('127.0.0.40')))
    expect(one.filter(Boolean)).toHaveLength(4)
    // 60 more from 10 other addresses: the network's 64 are full after 48 of them.
    const many = await Promise.all(Array.from({ length: 60 }, (_, i) => openFrom(`127.0.0.${50 + (i % 10)}`)))
    expect(many.filter(Boolean)).toHaveLength(12)
    // While they are held, a new LAN request is refused, and the screen is still served.
    await expect(send(g.url, '/healthz', { from: LAN })).rejects.toThrow()
    expect((await send(g.url, '/healthz', { from: SCREEN })).status).toBe(200)
    expect(g.logs.some((l) => /too many from the network/.test(String(l.msg)))).toBe(true)
    // Freed, the LAN is served again.
    held.splice(0).forEach((s) => s.destroy())
    await g.until(async () => ((await send(g.url, '/healthz', { from: LAN }).catch(() => null))?.status === 200 ? true : undefined), 5000, 'the LAN served again')
  }, 60_000)
})
