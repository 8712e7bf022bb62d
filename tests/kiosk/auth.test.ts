// Who may do what at the kiosk: staff and tech PINs (plain or hashed, bare or with a name), HttpOnly SameSite
// session cookies, the lockout after five wrong PINs, the tech page's 15-minute idle expiry.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../gateway/config/load.ts'
import { hashPin, PinBook } from '../../gateway/kiosk/pins.ts'
import { LOCKOUT } from '../../gateway/kiosk/guard.ts'
import { ROOT } from '../helpers/gatewayProcess.ts'
import { startKiosk, STAFF } from './helpers.ts'

describe('kiosk PINs in the config', () => {
  it('takes bare PINs, CLI hashes and { id, name, pin }; refuses shared PINs and ids without echoing them', async () => {
    const hash = await hashPin('8642')
    const ok = validateConfig({ kiosk: { staffPins: ['1234', hash, { id: 'li', name: '李娜', pin: '5555' }], techPins: [{ id: 't1', name: 'Tech', pin: hash }] } })
    expect(ok.ok).toBe(true)
    const bad = validateConfig({ kiosk: { staffPins: ['1234', { id: 'staff-1', name: 'X', pin: '1234' }, '12a4'] } })
    expect(bad.ok).toBe(false)
    const errors = bad.ok ? [] : bad.errors
    expect(errors.join('\n')).toMatch(/staffPins\[1\]\.id: id "staff-1" is used twice/)
    expect(errors.join('\n')).toMatch(/staffPins\[1\]: this PIN is already given to someone else/)
    expect(errors.join('\n')).toMatch(/staffPins\[2\]/)
    expect(errors.join('\n')).not.toContain('1234')
    expect(errors.join('\n')).not.toContain('12a4')
  })

  it('keeps only hashes in memory and finds the person behind a PIN', async () => {
    const book = await PinBook.create(['1234', { id: 'li', name: '李娜', pin: await hashPin('5555') }], ['9999'])
    expect(JSON.stringify(book)).not.toMatch(/"1234"|"9999"/)
    expect(JSON.stringify(book)).toContain('scrypt$')
    expect(await book.check('staff', '1234')).toEqual({ id: 'staff-1', name: 'staff-1', role: 'staff' })
    expect(await book.check('staff', '5555')).toEqual({ id: 'li', name: '李娜', role: 'staff' })
    expect(await book.check('staff', '9999')).toBeNull()
    expect(await book.check('tech', '9999')).toMatchObject({ id: 'tech-1', role: 'tech' })
    expect(await book.check('staff', '12345678901234')).toBeNull()
  })
})

/** `estate-gate kiosk hash-pin` as a tech runs it, the PIN on stdin. */
function hashPinCli(stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', 'kiosk', 'hash-pin'], { cwd: ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

describe('estate-gate kiosk hash-pin', () => {
  it('prints a hash of the PIN on stdin that the kiosk accepts; refuses what is not 4-12 digits', async () => {
    const ok = await hashPinCli('2468\n')
    expect(ok.code).toBe(0)
    const hash = ok.stdout.trim()
    expect(hash).toMatch(/^scrypt\$/)
    expect(validateConfig({ kiosk: { staffPins: [{ id: 'wu', name: '吴', pin: hash }] } }).ok).toBe(true)
    const book = await PinBook.create([{ id: 'wu', name: '吴', pin: hash }], [])
    expect(await book.check('staff', '2468')).toMatchObject({ id: 'wu' })
    const bad = await hashPinCli('12ab')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('4 to 12 digits')
    expect(bad.stderr).not.toContain('12ab')
  })
})

describe('kiosk sessions', () => {
  it('logs staff in with an HttpOnly, SameSite=Strict cookie; actions without one get 401', async () => {
    const k = await startKiosk()
    const denied = await k.req('POST', '/api/kiosk/open', { reason: 'ambulance' })
    expect(denied.status).toBe(401)
    expect(denied.json.error).toBe('login_required')
    expect(k.gw.relays[0]!.health().counters.pulses).toBe(0)

    const r = await k.req('POST', '/api/kiosk/login', { pin: '246810' })
    expect(r.status).toBe(200)
    expect(r.json.staff).toEqual({ id: 'zhang', name: '张伟' })
    const cookie = String(r.headers['set-cookie'])
    expect(cookie).toMatch(/^eg_staff=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Strict$/)
    const session = await k.req('GET', '/api/kiosk/session', undefined, cookie.split(';')[0])
    expect(session.json.staff).toEqual({ id: 'zhang', name: '张伟' })
    // A bare PIN's holder gets an id from its place in the list.
    const other = await k.req('POST', '/api/kiosk/login', { pin: '135790' })
    expect(other.json.staff).toEqual({ id: 'staff-2', name: 'staff-2' })
    // A staff cookie is not a tech cookie.
    expect((await k.req('GET', '/api/tech/devices', undefined, cookie.split(';')[0])).status).toBe(401)
  })

  it('locks the role’s logins from that address for a minute after five wrong PINs, longer each time, and says so', async () => {
    const k = await startKiosk()
    for (let i = 1; i < LOCKOUT.failures; i++) expect((await k.req('POST', '/api/kiosk/login', { pin: '000000' })).status).toBe(401)
    const fifth = await k.req('POST', '/api/kiosk/login', { pin: '000000' })
    expect(fifth.status).toBe(429)
    expect(fifth.json).toMatchObject({ error: 'locked', retryAfterSec: 60 })
    expect(fifth.headers['retry-after']).toBe('60')
    // Even the right PIN waits; the screen sees its own lock; the tech login has its own counter.
    expect((await k.req('POST', '/api/kiosk/login', { pin: '246810' })).status).toBe(429)
    expect((await k.req('GET', '/api/kiosk/session')).json.lockedForMs).toBeGreaterThan(59_000)
    expect((await k.req('POST', '/api/tech/login', { pin: '97531' })).status).toBe(200)
    k.clock.advance(LOCKOUT.ms - 1000)
    expect((await k.req('POST', '/api/kiosk/login', { pin: '246810' })).json.retryAfterSec).toBe(1)
    k.clock.advance(1000)
    // Five more wrong ones: the next lock is twice as long.
    for (let i = 1; i < LOCKOUT.failures; i++) expect((await k.req('POST', '/api/kiosk/login', { pin: '000000' })).status).toBe(401)
    expect((await k.req('POST', '/api/kiosk/login', { pin: '000000' })).json).toMatchObject({ error: 'locked', retryAfterSec: 120 })
    k.clock.advance(2 * LOCKOUT.ms)
    expect((await k.req('POST', '/api/kiosk/login', { pin: '246810' })).status).toBe(200)
    // A success resets the count: four more wrong ones do not lock.
    for (let i = 1; i < LOCKOUT.failures; i++) expect((await k.req('POST', '/api/kiosk/login', { pin: '000000' })).status).toBe(401)
    expect((await k.req('POST', '/api/kiosk/login', { pin: '246810' })).status).toBe(200)
    expect(k.logs.filter((l) => l.includes('wrong staff PIN')).length).toBeGreaterThanOrEqual(13)
  })

  it('refuses a wrong tech PIN, accepts the right one, and ends an idle tech session after 15 minutes', async () => {
    const k = await startKiosk()
    expect((await k.req('POST', '/api/tech/login', { pin: '246810' })).status).toBe(401)
    expect((await k.req('POST', '/api/tech/login', { pin: '12' })).status).toBe(400)
    const tech = await k.login('97531', 'tech')
    expect((await k.req('GET', '/api/tech/devices', undefined, tech)).status).toBe(200)
    k.clock.advance(14 * 60_000)
    expect((await k.req('GET', '/api/tech/config', undefined, tech)).status).toBe(200)
    k.clock.advance(15 * 60_000 + 1)
    expect((await k.req('GET', '/api/tech/config', undefined, tech)).status).toBe(401)
    // The staff screen's actions are not open to a tech session either.
    const again = await k.login('97531', 'tech')
    expect((await k.req('POST', '/api/kiosk/open', { reason: 'fire' }, again)).status).toBe(401)
  })

  it('says when no PINs are configured instead of pretending the PIN was wrong', async () => {
    const k = await startKiosk({ kiosk: { host: '127.0.0.1', port: 0 } })
    expect((await k.req('POST', '/api/kiosk/login', { pin: '1234' })).json).toMatchObject({ error: 'no_pins' })
    expect((await k.req('POST', '/api/tech/login', { pin: '1234' })).status).toBe(403)
  })

  it('never writes a PIN, a name or a session token to the log', async () => {
    const k = await startKiosk()
    await k.req('POST', '/api/kiosk/login', { pin: '999999' })
    const cookie = await k.login()
    await k.req('POST', '/api/kiosk/handover', { note: '' }, cookie)
    const text = k.logs.join('')
    for (const secret of ['246810', '999999', '135790', '97531', cookie.split('=')[1]!, (STAFF[0] as { name: string }).name]) expect(text).not.toContain(secret)
  })
})
