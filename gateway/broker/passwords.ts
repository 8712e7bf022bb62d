// Password hashes for the embedded broker's users (and anything else that needs one, such as kiosk PINs).
// Format, self-describing so the cost can be raised later without breaking stored hashes:
//   scrypt$N$r$p$<salt, base64>$<hash, base64>
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const PREFIX = 'scrypt$'

/** N = 2^14, r = 8: scrypt's "interactive login" cost; 16 MiB and tens of ms a check, bearable on a Pi at CONNECT. */
const DEFAULT = { N: 16_384, r: 8, p: 1 } as const
const SALT_BYTES = 16
const HASH_BYTES = 32

// Bounds for hashes read from a config file: a hostile or mistyped N must not make a CONNECT allocate gigabytes.
const MAX_N = 1 << 20
const MAX_R = 32
const MAX_P = 16
const MAX_MEM = 256 * 1024 * 1024

interface ParsedHash {
  N: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

/** True when a configured password is a hash made by `hashPassword` (or the CLI), not plain text. */
export function isPasswordHash(stored: string): boolean {
  return stored.startsWith(PREFIX)
}

/** Hashes a password with a fresh random salt. The result is safe to put in a config file. */
export async function hashPassword(plain: string | Buffer): Promise<string> {
  if (plain.length === 0) throw new Error('hashPassword: expected a non-empty password')
  const salt = randomBytes(SALT_BYTES)
  const hash = await derive(plain, salt, HASH_BYTES, DEFAULT)
  return `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export interface HashCost {
  N: number
  r: number
  p: number
  /** Bytes of derived key. */
  keylen: number
}

/**
 * A well-formed hash that no password matches (salt and hash both random): checking a password against it costs what
 * checking against a real hash of that cost does, and it takes no hashing to make (nothing added to start-up).
 */
export function unmatchableHash(cost: HashCost = { ...DEFAULT, keylen: HASH_BYTES }): string {
  const made = `scrypt$${cost.N}$${cost.r}$${cost.p}$${randomBytes(SALT_BYTES).toString('base64')}$${randomBytes(cost.keylen).toString('base64')}`
  parsePasswordHash(made)
  return made
}

/** What checking against `stored` costs: a hash made with the same cost takes the same time to check. */
export function hashCost(stored: string): HashCost {
  const h = parsePasswordHash(stored)
  return { N: h.N, r: h.r, p: h.p, keylen: h.hash.length }
}

/**
 * Checks a password against a stored hash in constant time (for a given hash length).
 * Throws when `stored` is not a well-formed hash: that is a configuration error, not a wrong password.
 */
export async function verifyPassword(stored: string, given: string | Buffer): Promise<boolean> {
  const h = parsePasswordHash(stored)
  const candidate = await derive(given, h.salt, h.hash.length, h)
  return timingSafeEqual(candidate, h.hash)
}

/** Parses and bounds-checks a stored hash; the error says what was expected, never the hash itself. */
export function parsePasswordHash(stored: string): ParsedHash {
  const expected = 'expected "scrypt$N$r$p$salt$hash" as made by `estate-gate broker hash-password`'
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new Error(`password hash: ${expected}`)
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string]
  const N = intIn(n, 2, MAX_N)
  const R = intIn(r, 1, MAX_R)
  const P = intIn(p, 1, MAX_P)
  if (N === null || (N & (N - 1)) !== 0) throw new Error(`password hash: N must be a power of two from 2 to ${MAX_N}; ${expected}`)
  if (R === null) throw new Error(`password hash: r must be an integer from 1 to ${MAX_R}; ${expected}`)
  if (P === null) throw new Error(`password hash: p must be an integer from 1 to ${MAX_P}; ${expected}`)
  if (memory(N, R) > MAX_MEM) throw new Error(`password hash: N·r too large (over ${MAX_MEM >> 20} MiB a check); ${expected}`)
  const saltBuf = base64(salt)
  const hashBuf = base64(hash)
  if (!saltBuf || saltBuf.length < 8) throw new Error(`password hash: salt must be base64 of at least 8 bytes; ${expected}`)
  if (!hashBuf || hashBuf.length < 16 || hashBuf.length > 64) throw new Error(`password hash: hash must be base64 of 16 to 64 bytes; ${expected}`)
  return { N, r: R, p: P, salt: saltBuf, hash: hashBuf }
}

/** scrypt's working memory: 128·N·r bytes. */
function memory(N: number, r: number): number {
  return 128 * N * r
}

function intIn(s: string, min: number, max: number): number | null {
  if (!/^\d{1,8}$/.test(s)) return null
  const v = Number(s)
  return v >= min && v <= max ? v : null
}

function base64(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null
  return Buffer.from(s, 'base64')
}

function derive(password: string | Buffer, salt: Buffer, keylen: number, o: { N: number; r: number; p: number }): Promise<Buffer> {
  // Node refuses above 32 MiB by default; parsePasswordHash has already capped the cost at MAX_MEM.
  const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: memory(o.N, o.r) + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)))
  })
}
