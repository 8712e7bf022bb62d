// Passes as software we did not write makes them (issue 12): jose 6 issues with both names of the Ed25519
// algorithm (`EdDSA`, RFC 8037; `Ed25519`, RFC 9864) and with `aud` (RFC 7519 §4.1.3), and RFC 8037's own test
// vector goes through our signature step. jose's jwtVerify is the referee for the audience rule.
import { createPrivateKey, createPublicKey, sign } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createPassVerifier, verifyEd25519Jws } from '../../gateway/passes/verify.ts'
import { ed25519PublicKey } from '../../gateway/passes/keys.ts'
import { b64, estateKey, fixedClock, NOW_S } from './fixtures.ts'

const SITE = 'estate-001'
const GATE = 'north-1'
const clock = fixedClock()
const issuers = [{ kid: estateKey.kid, publicKeyPem: estateKey.publicKeyPem }]
const verifier = createPassVerifier({ issuers, clock, audience: { siteId: SITE, gateId: GATE } })

/** A pass as an outside issuer would make it with jose, not with our issuePass. */
function joseIssue(alg: 'EdDSA' | 'Ed25519', aud?: string | string[]): Promise<string> {
  const jwt = new SignJWT({ jti: 'J-1', kind: 'resident', hc: 'green' })
    .setProtectedHeader({ alg, typ: 'JWT', kid: estateKey.kid })
    .setSubject('H-3-1-502')
    .setIssuedAt(NOW_S)
    .setNotBefore(NOW_S)
    .setExpirationTime(NOW_S + 3600)
  if (aud !== undefined) jwt.setAudience(aud)
  return jwt.sign(createPrivateKey(estateKey.privateKeyPem))
}

describe('jose issues passes with both alg names', () => {
  it.each(['EdDSA', 'Ed25519'] as const)('alg %s is a valid pass, not unknown_code', async (alg) => {
    const token = await joseIssue(alg)
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg })
    expect(await verifier.verify(token)).toMatchObject({ ok: true, pass: { id: 'J-1', subject: 'H-3-1-502', kind: 'resident', kid: estateKey.kid } })
  })

  it('alg Ed25519 signed with a key other than the issuer\'s is bad_signature (a forgery), not unknown_code', async () => {
    const other = createPassVerifier({ issuers: [{ kid: estateKey.kid, publicKeyPem: createPublicKey(createPrivateKey(ed25519Pem())).export({ type: 'spki', format: 'pem' }).toString() }], clock })
    expect(await other.verify(await joseIssue('Ed25519'))).toEqual({ ok: false, reason: 'bad_signature' })
  })

  it('jose accepts what it issued under both names with our public key (the two agree on the algorithm)', async () => {
    for (const alg of ['EdDSA', 'Ed25519'] as const) {
      const { protectedHeader } = await jwtVerify(await joseIssue(alg), createPublicKey(estateKey.publicKeyPem), { currentDate: new Date(clock.now()) })
      expect(protectedHeader.alg).toBe(alg)
    }
  })
})

describe('aud (RFC 7519 §4.1.3): when present it must name this site or this gate', () => {
  const cases: [string, string | string[], boolean][] = [
    ['the site id', SITE, true],
    ['site/gate', `${SITE}/${GATE}`, true],
    ['a list holding the site id', ['central-platform', SITE], true],
    ['a list holding site/gate', [`${SITE}/${GATE}`], true],
    ['another estate', 'some-other-estate', false],
    ['another gate of this site', `${SITE}/south-2`, false],
    ['a list of others', ['some-other-estate', `${SITE}/south-2`, `${GATE}`], false],
    ['an empty list', [], false],
    ['the site id in another case', SITE.toUpperCase(), false],
  ]

  it.each(cases)('%s (alg EdDSA and Ed25519)', async (_, aud, admitted) => {
    for (const alg of ['EdDSA', 'Ed25519'] as const) {
      const token = await joseIssue(alg, aud)
      const ours = await verifier.verify(token)
      if (admitted) expect(ours).toMatchObject({ ok: true, pass: { id: 'J-1' } })
      // Genuine, only not for here: the reason, and the claims for the log (whose pass it was).
      else expect(ours).toEqual({ ok: false, reason: 'wrong_gate', pass: expect.objectContaining({ id: 'J-1', subject: 'H-3-1-502' }) })
      // jose, told who we are, draws the same line.
      const joseSays = await jwtVerify(token, createPublicKey(estateKey.publicKeyPem), {
        audience: [SITE, `${SITE}/${GATE}`],
        currentDate: new Date(clock.now()),
      }).then(
        () => true,
        () => false,
      )
      expect(joseSays).toBe(admitted)
    }
  })

  it('a pass without aud is valid anywhere its other claims allow', async () => {
    expect((await verifier.verify(await joseIssue('Ed25519'))).ok).toBe(true)
  })

  it('a verifier that was not told its site refuses every pass with aud, and still takes passes without', async () => {
    const blind = createPassVerifier({ issuers, clock })
    expect(await blind.verify(await joseIssue('EdDSA', SITE))).toMatchObject({ ok: false, reason: 'wrong_gate' })
    expect((await blind.verify(await joseIssue('EdDSA'))).ok).toBe(true)
  })

  it('an aud that is neither a string nor a list of strings is not a well-formed pass', async () => {
    const token = await new SignJWT({ jti: 'J-2', sub: 'H-1', kind: 'resident', exp: NOW_S + 60, aud: 42 as unknown as string })
      .setProtectedHeader({ alg: 'EdDSA', kid: estateKey.kid })
      .sign(createPrivateKey(estateKey.privateKeyPem))
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: 'unknown_code' })
  })

  it('a forged pass for another estate is bad_signature: the signature is checked before the audience', async () => {
    const token = await joseIssue('EdDSA', 'some-other-estate')
    const [h, p] = token.split('.')
    expect(await verifier.verify(`${h}.${p}.${Buffer.alloc(64, 7).toString('base64url')}`)).toEqual({ ok: false, reason: 'bad_signature' })
  })
})

// RFC 8037 appendix A: the Ed25519 key of A.1 and the JWS of A.4 ({"alg":"EdDSA"} over "Example of Ed25519 signing").
const A1 = {
  kty: 'OKP',
  crv: 'Ed25519',
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
}
const A4 =
  'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg'
const a1Public = createPublicKey({ key: { kty: A1.kty, crv: A1.crv, x: A1.x }, format: 'jwk' })
const a1Private = createPrivateKey({ key: A1, format: 'jwk' })
function ed25519Pem(): string {
  return a1Private.export({ type: 'pkcs8', format: 'pem' }).toString()
}

describe('RFC 8037 appendix A test vector', () => {
  it('A.4 verifies with our signature step, with the A.1 public key as a gate would load it (SPKI PEM)', () => {
    const pem = a1Public.export({ type: 'spki', format: 'pem' }).toString()
    const key = ed25519PublicKey(pem, 'RFC 8037 A.1')
    expect(Buffer.from(A4.split('.')[1]!, 'base64url').toString()).toBe('Example of Ed25519 signing')
    expect(verifyEd25519Jws(A4, key)).toBe(true)
  })

  it('A.4 tampered anywhere fails', () => {
    const [h, p, s] = A4.split('.') as [string, string, string]
    const flip = (part: string, i: number): string => {
      const bytes = Buffer.from(part, 'base64url')
      bytes[i] = bytes[i]! ^ 1
      return bytes.toString('base64url')
    }
    expect(verifyEd25519Jws(`${flip(h, 0)}.${p}.${s}`, a1Public)).toBe(false)
    expect(verifyEd25519Jws(`${h}.${flip(p, 5)}.${s}`, a1Public)).toBe(false)
    expect(verifyEd25519Jws(`${h}.${p}.${flip(s, 0)}`, a1Public)).toBe(false)
    expect(verifyEd25519Jws(`${h}.${p}.${flip(s, 63)}`, a1Public)).toBe(false)
    expect(verifyEd25519Jws(`${h}.${p}.${s.slice(0, -2)}`, a1Public)).toBe(false)
    // Another payload under the same header and signature.
    expect(verifyEd25519Jws(`${h}.${b64('Example of Ed25519 signing!')}.${s}`, a1Public)).toBe(false)
  })

  it('A.1\'s private key reproduces A.4\'s signature byte for byte (Ed25519 is deterministic)', () => {
    const [h, p, s] = A4.split('.') as [string, string, string]
    expect(sign(null, Buffer.from(`${h}.${p}`), a1Private).toString('base64url')).toBe(s)
  })

  it('a pass signed with the A.1 key under alg Ed25519 verifies end to end with A.1 as the issuer', async () => {
    const v = createPassVerifier({ issuers: [{ kid: 'rfc8037-a1', publicKeyPem: a1Public.export({ type: 'spki', format: 'pem' }).toString() }], clock })
    const input = `${b64({ alg: 'Ed25519', kid: 'rfc8037-a1' })}.${b64({ jti: 'A-1', sub: 'H-1', kind: 'visitor', exp: NOW_S + 60 })}`
    const token = `${input}.${sign(null, Buffer.from(input), a1Private).toString('base64url')}`
    expect(await v.verify(token)).toMatchObject({ ok: true, pass: { id: 'A-1', kid: 'rfc8037-a1' } })
  })
})
