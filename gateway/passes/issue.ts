// Issuing passes: the technicians' CLI and the tests use it; the central platform issues with the same contract.
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { describeIssues, passClaimsSchema, type HealthColour, type PassKind } from './claims.ts'
import { assertKid, ed25519PrivateKey } from './keys.ts'

export interface IssuerKey {
  privateKeyPem: string
  kid: string
}

/** What the issuer chooses; the time claims come from `IssueOptions`. */
export interface PassClaimsInput {
  sub: string
  kind: PassKind
  /** Random (16 base64url characters) when not given. */
  jti?: string
  gates?: string[]
  hc?: HealthColour
  unit?: string
  plate?: string
  /** RFC 7519 `aud`: the site ids (or `site/gate`) the pass is for; a gate refuses a pass naming only others. */
  aud?: string | string[]
}

export interface IssueOptions {
  /** Epoch ms (a `Clock.now()`); becomes `iat`. */
  now: number
  /** How long the pass is valid, from `nbf`. */
  ttlSeconds: number
  /** Delay before the pass becomes valid (`nbf` = now + this); 0 by default. */
  notBeforeInSeconds?: number
}

/** Signs a compact JWT (EdDSA, `typ: JWT`, `kid`). Throws if the claims would not pass the gate's own check. */
export async function issuePass(key: IssuerKey, claims: PassClaimsInput, opts: IssueOptions): Promise<string> {
  assertKid(key.kid)
  const { now, ttlSeconds, notBeforeInSeconds = 0 } = opts
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new Error(`ttlSeconds: expected a positive whole number of seconds, got ${String(ttlSeconds)}`)
  }
  if (!Number.isSafeInteger(notBeforeInSeconds) || notBeforeInSeconds < 0) {
    throw new Error(`notBeforeInSeconds: expected a whole number of seconds >= 0, got ${String(notBeforeInSeconds)}`)
  }
  if (!Number.isFinite(now)) throw new Error(`now: expected epoch milliseconds, got ${String(now)}`)

  const iat = Math.floor(now / 1000)
  const nbf = iat + notBeforeInSeconds
  // 12 random bytes: unguessable, and 16 characters keep the QR code small.
  const payload = { ...claims, jti: claims.jti ?? randomBytes(12).toString('base64url'), iat, nbf, exp: nbf + ttlSeconds }
  const checked = passClaimsSchema.safeParse(payload)
  if (!checked.success) throw new Error(`pass claims: ${describeIssues(checked.error)}`)

  const privateKey = ed25519PrivateKey(key.privateKeyPem, `private key for kid ${key.kid}`)
  return new SignJWT(checked.data).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.kid }).sign(privateKey)
}
