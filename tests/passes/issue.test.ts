import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { issuePass } from '../../gateway/passes/issue.ts'
import { defaultKid, KID_PATTERN, loadPrivateKeyPem, newKeyPair, publicKeyPemOf } from '../../gateway/passes/keys.ts'
import { estateKey, NOW, NOW_S } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'estate-gate-keys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('keys', () => {
  it('makes an Ed25519 pair as SPKI and PKCS#8 PEM, whose halves match', () => {
    const pair = newKeyPair('estate-key-9')
    expect(pair.kid).toBe('estate-key-9')
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/)
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/)
    expect(publicKeyPemOf(pair.privateKeyPem)).toBe(pair.publicKeyPem)
  })

  it('refuses kids that cannot be file names', () => {
    for (const kid of ['', '../x', 'a/b', '.hidden', '-x', 'a'.repeat(65), 'ключ']) {
      expect(() => newKeyPair(kid), kid).toThrow(/key id \(kid\)/)
    }
  })

  it('proposes dated kids', () => {
    const kid = defaultKid(NOW)
    expect(kid).toMatch(/^estate-key-20261123-[0-9a-f]{4}$/)
    expect(KID_PATTERN.test(kid)).toBe(true)
  })

  it('loads a private key file, and says what is wrong with a bad one', () => {
    const good = join(dir, 'good.key.pem')
    writeFileSync(good, estateKey.privateKeyPem)
    expect(loadPrivateKeyPem(good)).toBe(estateKey.privateKeyPem)

    expect(() => loadPrivateKeyPem(join(dir, 'missing.pem'))).toThrow(/missing\.pem: cannot read .*ENOENT/)
    const pub = join(dir, 'pub.pem')
    writeFileSync(pub, estateKey.publicKeyPem)
    expect(() => loadPrivateKeyPem(pub)).toThrow(/pub\.pem: expected an Ed25519 private key.*got a public key/)
    const rsa = join(dir, 'rsa.pem')
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }))
    expect(() => loadPrivateKeyPem(rsa)).toThrow(/rsa\.pem: expected an Ed25519 private key, got a key of type rsa/)
    const junk = join(dir, 'junk.pem')
    writeFileSync(junk, 'not a key')
    expect(() => loadPrivateKeyPem(junk)).toThrow(/junk\.pem: expected an Ed25519 private key in PEM/)
  })
})

describe('issuePass', () => {
  it('signs EdDSA with typ and kid, and sets iat = nbf = now and exp = now + ttl', async () => {
    const token = await issuePass(estateKey, { sub: 'H-3-1-502', kind: 'resident', unit: '3-1-502' }, { now: NOW + 999, ttlSeconds: 3600 })
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'estate-key-1' })
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ sub: 'H-3-1-502', kind: 'resident', unit: '3-1-502', iat: NOW_S, nbf: NOW_S, exp: NOW_S + 3600 })
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{16}$/)
  })

  it('draws a fresh jti each time unless one is given', async () => {
    const opts = { now: NOW, ttlSeconds: 60 }
    const a = decodeJwt(await issuePass(estateKey, { sub: 'H-1', kind: 'visitor' }, opts)).jti
    const b = decodeJwt(await issuePass(estateKey, { sub: 'H-1', kind: 'visitor' }, opts)).jti
    expect(a).not.toBe(b)
    expect(decodeJwt(await issuePass(estateKey, { sub: 'H-1', kind: 'visitor', jti: 'P-42' }, opts)).jti).toBe('P-42')
  })

  it('delays nbf and counts the ttl from it', async () => {
    const token = await issuePass(estateKey, { sub: 'H-1', kind: 'staff' }, { now: NOW, ttlSeconds: 1800, notBeforeInSeconds: 600 })
    expect(decodeJwt(token)).toMatchObject({ iat: NOW_S, nbf: NOW_S + 600, exp: NOW_S + 2400 })
  })

  it('carries aud as given, and jose, told the audience, accepts it', async () => {
    const token = await issuePass(estateKey, { sub: 'H-1', kind: 'resident', aud: ['estate-001/north-1'] }, { now: NOW, ttlSeconds: 60 })
    expect(decodeJwt(token).aud).toEqual(['estate-001/north-1'])
    const { payload } = await jwtVerify(token, createPublicKey(estateKey.publicKeyPem), { audience: 'estate-001/north-1', currentDate: new Date(NOW) })
    expect(payload.sub).toBe('H-1')
  })

  it('refuses claims the gate would reject, naming the claim', async () => {
    const opts = { now: NOW, ttlSeconds: 60 }
    await expect(issuePass(estateKey, { sub: '张三', kind: 'resident' }, opts)).rejects.toThrow(/sub: an opaque holder id/)
    await expect(issuePass(estateKey, { sub: 'H-1', kind: 'vip' as 'resident' }, opts)).rejects.toThrow(/kind:/)
    await expect(issuePass(estateKey, { sub: 'H-1', kind: 'vehicle', gates: [] }, opts)).rejects.toThrow(/gates:/)
    await expect(issuePass(estateKey, { sub: 'H-1', kind: 'vehicle', plate: '沪A12345-TOO-LONG-PLATE' }, opts)).rejects.toThrow(/plate:/)
  })

  it('refuses bad times, kids and keys', async () => {
    const claims = { sub: 'H-1', kind: 'resident' } as const
    await expect(issuePass(estateKey, claims, { now: NOW, ttlSeconds: 0 })).rejects.toThrow(/ttlSeconds: expected a positive/)
    await expect(issuePass(estateKey, claims, { now: NOW, ttlSeconds: 1.5 })).rejects.toThrow(/ttlSeconds/)
    await expect(issuePass(estateKey, claims, { now: Number.NaN, ttlSeconds: 60 })).rejects.toThrow(/now: expected epoch/)
    await expect(issuePass({ ...estateKey, kid: 'a/b' }, claims, { now: NOW, ttlSeconds: 60 })).rejects.toThrow(/kid/)
    await expect(issuePass({ kid: 'k', privateKeyPem: estateKey.publicKeyPem }, claims, { now: NOW, ttlSeconds: 60 })).rejects.toThrow(
      /private key for kid k: expected an Ed25519 private key/,
    )
  })
})
