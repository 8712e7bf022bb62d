import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, LogRing } from '../../gateway/logger.ts'

describe('logger', () => {
  it('censors passwords, PINs, keys and scanned text wherever they sit in a log object', () => {
    const lines: string[] = []
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) })
    const log = createLogger('info', sink)
    log.info({ password: 'hunter2', central: { password: 'pw2', url: 'mqtt://x' }, kiosk: { staffPins: ['1234'] } }, 'config')
    log.info({ scan: { text: 'eyJhbGciOiJFZERTQSJ9.secret.sig' }, code: 'QR-RAW' }, 'scan')
    log.info({ issuer: { privateKeyPem: '-----BEGIN PRIVATE KEY-----abc' } }, 'key')
    const out = lines.join('')
    for (const secret of ['hunter2', 'pw2', '1234', 'secret.sig', 'QR-RAW', 'BEGIN PRIVATE KEY']) expect(out).not.toContain(secret)
    expect(out).toContain('mqtt://x')
    expect(out.match(/\[REDACTED\]/g)?.length).toBe(6)
  })
})

describe('logger output for people and machines', () => {
  function capture(isTTY?: boolean) {
    const out: string[] = []
    const sink = new Writable({ write: (chunk, _enc, cb) => (out.push(String(chunk)), cb()) })
    const ring = new LogRing(10)
    const log = createLogger('info', sink, ring, isTTY === undefined ? {} : { isTTY, color: false })
    return { log, ring, text: () => out.join('') }
  }

  it('writes JSON lines when the output is not a terminal (systemd, a pipe)', () => {
    const c = capture(false)
    c.log.child({ module: 'gateway/http' }).info({ url: 'http://127.0.0.1:8080', status: 'ok' }, 'gateway ready')
    expect(JSON.parse(c.text())).toMatchObject({ level: 30, module: 'gateway/http', url: 'http://127.0.0.1:8080', msg: 'gateway ready' })
    const given = capture() // a given destination is not a terminal unless the caller says so
    given.log.info('x')
    expect(JSON.parse(given.text())).toMatchObject({ msg: 'x' })
  })

  it('writes one short readable line per event on a terminal: time, level, module, message, the fields', () => {
    const c = capture(true)
    c.log.child({ module: 'gateway/http' }).info({ url: 'http://127.0.0.1:8080', status: 'ok' }, 'gateway ready')
    c.log.warn({ device: 'thermo-in', lastError: 'no reply' }, 'device offline')
    const lines = c.text().trimEnd().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO  \[gateway\/http\] gateway ready url=http:\/\/127\.0\.0\.1:8080 status=ok$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} WARN  device offline device=thermo-in lastError="no reply"$/),
    ])
    expect(c.text()).not.toContain('{"level"')
  })

  it('on a terminal too: secrets censored; an error with its message, and its stack only at error and above', () => {
    const c = capture(true)
    c.log.info({ kiosk: { staffPins: ['246810'] } }, 'config')
    c.log.warn({ err: new Error('port busy') }, 'retrying')
    c.log.error({ err: new Error('disk full') }, 'could not record the decision')
    const text = c.text()
    expect(text).not.toContain('246810')
    expect(text).toContain('[REDACTED]')
    expect(text).toMatch(/WARN {2}retrying err="port busy"\n\d\d:/)
    expect(text).toMatch(/ERROR could not record the decision err="disk full"\n {4}at /)
  })

  it('keeps JSON for the tech page\'s log ring whatever the terminal gets', () => {
    const c = capture(true)
    c.log.info({ device: 'gate' }, 'device online')
    expect(c.ring.recent()).toEqual([expect.objectContaining({ msg: 'device online', device: 'gate', level: 30 })])
  })
})

describe('readable lines', () => {
  it('do not repeat a field the message already says', () => {
    const c = { out: '' }
    const log = createLogger('info', new Writable({ write: (chunk, _enc, cb) => ((c.out += String(chunk)), cb()) }), undefined, { isTTY: true, color: false })
    log.info({ url: 'http://127.0.0.1:8080', status: 'ok' }, 'staff screen: http://127.0.0.1:8080/')
    expect(c.out).toMatch(/INFO {2}staff screen: http:\/\/127\.0\.0\.1:8080\/ status=ok\n$/)
  })
})
