// The verifier sits behind a serial port anyone can wave a QR code at: it must answer every string with a reason,
// never throw, and accept no text but the exact one an issuer signed.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PASS_KINDS } from '../../gateway/passes/claims.ts'
import { createPassVerifier } from '../../gateway/passes/verify.ts'
import { b64, EDDSA_HEADER, estateKey, fixedClock, residentClaims, signRaw } from './fixtures.ts'

const verifier = createPassVerifier({ issuers: [estateKey], clock: fixedClock() })
const REASONS = ['unknown_code', 'bad_signature', 'expired', 'not_yet_valid']
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const PASS = signRaw(EDDSA_HEADER, residentClaims(), estateKey.privateKeyPem)

describe('verify never throws', () => {
  it('on arbitrary strings (UTF-16 units, full Unicode, up to 6,000 characters)', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: fc.constantFrom(...`${B64URL}.`), maxLength: 400 }),
      fc.string({ unit: 'grapheme-ascii', minLength: 4000, maxLength: 6000 }),
    )
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        expect(await verifier.verify(t)).toEqual({ ok: false, reason: 'unknown_code' })
      }),
      { numRuns: 500 },
    )
  })

  it('on three base64url parts of arbitrary JSON', async () => {
    const part = fc.oneof(fc.jsonValue().map(b64), fc.string({ unit: fc.constantFrom(...B64URL), minLength: 1, maxLength: 120 }))
    await fc.assert(
      fc.asyncProperty(part, part, part, async (h, p, s) => {
        const result = await verifier.verify(`${h}.${p}.${s}`)
        expect(result.ok).toBe(false)
        if (!result.ok) expect(REASONS).toContain(result.reason)
      }),
      { numRuns: 300 },
    )
  })

  it('on validly signed tokens whose claims are arbitrary, and accepts only well-typed claims', async () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom(...PASS_KINDS), fc.constant(['north-1']), fc.integer())
    const claims = fc.dictionary(fc.constantFrom('jti', 'sub', 'kind', 'exp', 'nbf', 'iat', 'gates', 'hc', 'unit', 'plate'), value)
    await fc.assert(
      fc.asyncProperty(claims, async (c) => {
        const result = await verifier.verify(signRaw(EDDSA_HEADER, { ...residentClaims(), ...c }, estateKey.privateKeyPem))
        if (result.ok) {
          expect(PASS_KINDS).toContain(result.pass.kind)
          expect(typeof result.pass.subject).toBe('string')
          expect(typeof result.pass.exp).toBe('number')
        } else {
          expect(REASONS).toContain(result.reason)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('only the issued text verifies', () => {
  it('any single-character edit, insertion or deletion of a valid pass is rejected', async () => {
    expect((await verifier.verify(PASS)).ok).toBe(true)
    const edit = fc.record({
      at: fc.nat({ max: PASS.length - 1 }),
      op: fc.constantFrom('replace', 'insert', 'delete'),
      ch: fc.constantFrom(...`${B64URL}.=+/ `),
    })
    await fc.assert(
      fc.asyncProperty(edit, async ({ at, op, ch }) => {
        const mutated = PASS.slice(0, at) + (op === 'delete' ? '' : ch) + PASS.slice(op === 'insert' ? at : at + 1)
        fc.pre(mutated !== PASS)
        const result = await verifier.verify(mutated)
        expect(result.ok).toBe(false)
        if (!result.ok) expect(['unknown_code', 'bad_signature']).toContain(result.reason)
      }),
      { numRuns: 400 },
    )
  })
})
