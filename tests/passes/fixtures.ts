// Shared by the pass tests: a settable clock, issuer keys, and a raw JWS builder that can make any header, any
// claims and any signature, including ones our issuer refuses to produce.
import { createHmac, createPrivateKey, sign } from 'node:crypto'
import type { Clock } from '../../devices/types.ts'
import { newKeyPair, type IssuerKeyPair } from '../../gateway/passes/keys.ts'

/** 2026-11-23 08:00:00 UTC, a whole second. */
export const NOW = Date.UTC(2026, 10, 23, 8, 0, 0)
export const NOW_S = NOW / 1000

export interface SettableClock extends Clock {
  set(ms: number): void
}

export function fixedClock(ms = NOW): SettableClock {
  let t = ms
  return { now: () => t, mono: () => t - ms, set: (next) => void (t = next) }
}

export const estateKey: IssuerKeyPair = newKeyPair('estate-key-1')
export const otherKey: IssuerKeyPair = newKeyPair('estate-key-2')
/** Not in any verifier's config. */
export const strangerKey: IssuerKeyPair = newKeyPair('stranger')

export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A compact JWS over exactly these header and claims, signed with an Ed25519 private key. */
export function signRaw(header: object, claims: unknown, privateKeyPem: string): string {
  const input = `${b64(header)}.${b64(claims)}`
  const sig = sign(null, Buffer.from(input), createPrivateKey(privateKeyPem))
  return `${input}.${sig.toString('base64url')}`
}

/** HS256 with the issuer's public key PEM as the HMAC secret: the classic algorithm-confusion forgery. */
export function signHs256(header: object, claims: unknown, secret: string): string {
  const input = `${b64(header)}.${b64(claims)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

export const EDDSA_HEADER = { alg: 'EdDSA', typ: 'JWT', kid: 'estate-key-1' }

/** A complete, valid claims set at NOW (valid one day). */
export function residentClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jti: 'P-0001',
    sub: 'H-3-1-502',
    kind: 'resident',
    gates: ['north-1', 'south-2'],
    hc: 'green',
    unit: '3-1-502',
    plate: '沪A12345',
    iat: NOW_S,
    nbf: NOW_S,
    exp: NOW_S + 86_400,
    ...overrides,
  }
}

/** The same claims without one key. */
export function without(claims: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...claims }
  delete copy[key]
  return copy
}
