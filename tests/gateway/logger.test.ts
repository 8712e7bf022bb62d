import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../gateway/logger.ts'

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
