// Offline pass verification (DESIGN section 6). The order matters:
//   1. cheap shape checks, no crypto: anything that is not exactly an Ed25519 JWT (`alg` `EdDSA` or `Ed25519`)
//      carrying our claims is `unknown_code`
//      (most QR codes shown at a gate are payment or WeChat codes, and junk must not cost a signature check);
//   2. the issuer key by `kid`, then the signature: a well-formed pass that fails here is `bad_signature`, a forgery
//      (the pipeline raises an alert for it, so it must not fire for a random code);
//   3. the audience (RFC 7519 §4.1.3): a pass whose `aud` does not name this site (or this site's gate) is
//      `wrong_gate`, with the claims: it is genuine, only not for here;
//   4. the time claims against the injected clock: `not_yet_valid`, `expired`, with the claims, so the log can say
//      whose pass it was. Revocation, gates and health colour are the rules' business (gateway/pipeline/rules.ts).
import { verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { z } from 'zod'
import type { Clock } from '../../devices/types.ts'
import { passClaimsSchema, toPass, type Pass, type PassClaims } from './claims.ts'
import { issuePass } from './issue.ts'
import { ed25519PublicKey, newKeyPair } from './keys.ts'

export type PassFailure = 'unknown_code' | 'bad_signature' | 'wrong_gate' | 'expired' | 'not_yet_valid'

export type PassResult =
  | { ok: true; pass: Pass }
  /** `pass` only for `wrong_gate`, `expired` and `not_yet_valid`, whose signature was good; never for a forged or unknown code. */
  | { ok: false; reason: PassFailure; pass?: Partial<Pass> }

export interface PassIssuer {
  kid: string
  publicKeyPem: string
}

export interface PassVerifierOptions {
  issuers: readonly PassIssuer[]
  clock: Clock
  /** Accepted skew between the issuer's clock and ours, for `exp` and `nbf`. */
  clockToleranceSec?: number
  /**
   * Who this gate is, for `aud`: a pass with an `aud` claim must name `siteId` or `siteId/gateId`. Without it the
   * verifier cannot know, and refuses every pass that carries `aud` (fail closed); passes without `aud` verify.
   */
  audience?: { siteId: string; gateId: string }
}

export interface PassVerifier {
  /** Never throws and never rejects, whatever the text. */
  verify(text: string): Promise<PassResult>
  /**
   * Resolves once every issuer key is imported and one pass (signed with a throw-away key) has gone through the
   * whole path, so the first person at the gate does not pay the cold start (6-25 ms measured, against 0.3 ms warm).
   * Rejects if this runtime cannot verify Ed25519. Optional: `verify` works without it, only slower the first time.
   */
  ready(): Promise<void>
}

/** Longer than any pass we issue (about 400 characters) with room to spare, and well within a QR code's 2953 bytes. */
export const MAX_PASS_LENGTH = 4096

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

// `alg` must name Ed25519 before any key is touched: `none` and HS256 (with our public key as the HMAC secret) are
// the classic JWT forgeries. Such tokens are `unknown_code`, not `bad_signature`: none of our issuers can produce one,
// so they are not "one of our passes with a wrong signature". Both names of the one algorithm are accepted: `EdDSA`
// (RFC 8037, what we issue) and `Ed25519` (RFC 9864, which deprecates the polymorphic `EdDSA`; issuers will move).
// Either way the key is an Ed25519 key (keys.ts refuses any other), so the name cannot pick another algorithm.
export const PASS_ALGS = ['EdDSA', 'Ed25519'] as const
const headerSchema = z.object({
  alg: z.enum(PASS_ALGS),
  kid: z.string().min(1).max(128),
  typ: z
    .string()
    .refine((t) => ['jwt', 'application/jwt'].includes(t.toLowerCase()), 'JWT')
    .optional(),
  // Extensions we do not implement must be refused, not ignored (RFC 7515 §4.1.11).
  crit: z.never().optional(),
  b64: z.never().optional(),
})

// Fresh objects each time: callers may annotate a result, and a shared frozen one would throw on that.
const unknown = (): PassResult => ({ ok: false, reason: 'unknown_code' })
const badSignature = (): PassResult => ({ ok: false, reason: 'bad_signature' })

type KeyTable = ReadonlyMap<string, KeyObject>

interface Check {
  keys: KeyTable
  clock: Clock
  clockToleranceSec: number
  /** The `aud` values that mean this gate; empty: none (every pass with `aud` is refused). */
  audiences: ReadonlySet<string>
}

export function createPassVerifier(opts: PassVerifierOptions): PassVerifier {
  const { clock, clockToleranceSec = 60 } = opts
  if (!Number.isFinite(clockToleranceSec) || clockToleranceSec < 0) {
    throw new Error(`clockToleranceSec: expected a number of seconds >= 0, got ${String(clockToleranceSec)}`)
  }
  // Checked synchronously here, so a bad key stops start-up with its kid named instead of failing every scan.
  const keys = new Map<string, KeyObject>()
  for (const { kid, publicKeyPem } of opts.issuers) {
    if (keys.has(kid)) throw new Error(`passes.issuers: kid "${kid}" appears twice; expected each kid once`)
    keys.set(kid, ed25519PublicKey(publicKeyPem, `passes.issuers kid "${kid}"`))
  }
  const aud = opts.audience
  const audiences = new Set(aud ? [aud.siteId, `${aud.siteId}/${aud.gateId}`] : [])
  const check: Check = { keys, clock, clockToleranceSec, audiences }
  let warm: Promise<void> | undefined

  return {
    // The belt to parseShape's braces: whatever crypto or a clock might throw, the gate gets a reason, not a crash.
    verify: async (text) => {
      try {
        return verifyPass(check, text)
      } catch {
        return unknown()
      }
    },
    ready: () => (warm ??= warmUp(check)),
  }
}

async function warmUp(check: Check): Promise<void> {
  const probe = newKeyPair('self-test')
  const now = check.clock.now()
  const token = await issuePass(probe, { sub: 'self-test', kind: 'resident' }, { now, ttlSeconds: 60 })
  const keys = new Map([[probe.kid, ed25519PublicKey(probe.publicKeyPem, 'self-test')]])
  const result = verifyPass({ ...check, keys }, token)
  if (!result.ok) throw new Error(`pass verifier self-test: expected a freshly signed pass to verify, got ${result.reason}`)
}

/**
 * Steps 2 and 3, synchronously. Why not jose's jwtVerify: on Node it goes through async WebCrypto and the libuv
 * thread pool, which the serial reads share; at the gate that measured 1.5 ms p50 between scan and verdict, against
 * about 0.15 ms for node:crypto's one-shot Ed25519 verify (bench/run.ts). parseShape already did jose's structural
 * checks (alg, crit, typ, canonical base64url); the time rules below are jose's (exp <= now - tolerance is expired,
 * nbf > now + tolerance is not yet valid).
 */
function verifyPass(check: Check, text: string): PassResult {
  const parsed = parseShape(text)
  if (!parsed) return unknown()
  const key = check.keys.get(parsed.kid)
  if (!key || !verifyEd25519Jws(text, key)) return badSignature()
  const { exp, nbf, aud } = parsed.claims
  // RFC 7519 §4.1.3: when present, aud must identify us; a string is a one-element list.
  if (aud !== undefined && !(typeof aud === 'string' ? [aud] : aud).some((a) => check.audiences.has(a))) {
    return { ok: false, reason: 'wrong_gate', pass: toPass(parsed.claims, parsed.kid) }
  }
  const now = Math.floor(check.clock.now() / 1000)
  if (exp <= now - check.clockToleranceSec) return { ok: false, reason: 'expired', pass: toPass(parsed.claims, parsed.kid) }
  if (nbf !== undefined && nbf > now + check.clockToleranceSec) {
    return { ok: false, reason: 'not_yet_valid', pass: toPass(parsed.claims, parsed.kid) }
  }
  return { ok: true, pass: toPass(parsed.claims, parsed.kid) }
}

/**
 * The signature step alone: the Ed25519 signature of a compact JWS over `header.payload` (RFC 7515 §5.2, RFC 8037
 * §3.1), whatever the payload. Exported so that RFC 8037's own test vector (appendix A.4) can be checked against it.
 */
export function verifyEd25519Jws(text: string, key: KeyObject): boolean {
  const dot = text.lastIndexOf('.')
  if (dot < 0) return false
  const signature = Buffer.from(text.slice(dot + 1), 'base64url')
  return signature.length === 64 && cryptoVerify(null, Buffer.from(text.slice(0, dot)), key, signature)
}

/** Step 1: header and claims decoded and checked without crypto; null means `unknown_code`. */
function parseShape(text: unknown): { kid: string; claims: PassClaims } | null {
  if (typeof text !== 'string' || text.length > MAX_PASS_LENGTH || !COMPACT_JWS.test(text)) return null
  const [h, p, s] = text.split('.') as [string, string, string]
  // Canonical base64url only: otherwise one signed pass has several spellings (the unused bits of a last character),
  // and "the same code" would be ambiguous in the log and in code hashes.
  if (!canonical(h) || !canonical(p) || !canonical(s)) return null
  const header = headerSchema.safeParse(decodeJson(h))
  if (!header.success) return null
  const claims = passClaimsSchema.safeParse(decodeJson(p))
  if (!claims.success) return null
  return { kid: header.data.kid, claims: claims.data }
}

function canonical(part: string): boolean {
  return Buffer.from(part, 'base64url').toString('base64url') === part
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(utf8.decode(Buffer.from(part, 'base64url')))
  } catch {
    return undefined
  }
}
