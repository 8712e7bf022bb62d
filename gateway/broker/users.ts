// The broker's user table: configured users (display | device) plus internal ones (the gateway's own bridge),
// every password held only as a hash from start-up on.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import { checkDeviceUsername, type BrokerRole } from './acl.ts'
import { hashCost, hashPassword, isPasswordHash, parsePasswordHash, unmatchableHash, verifyPassword, type HashCost } from './passwords.ts'

export interface BrokerUserConfig {
  username: string
  /** Plain text or a hash made by `hashPassword` / the CLI. */
  password: string
  role?: BrokerRole
}

/** A user the gateway makes for itself: a random password of at least 32 characters, and its reserved client ids. */
export interface InternalUserConfig extends BrokerUserConfig {
  /** Client ids only this user may connect with; reserved before the broker listens. */
  clientIds?: readonly string[]
}

export interface BrokerUser {
  readonly username: string
  readonly role: BrokerRole
  /** Internal users hold a random 256-bit secret, checked by SHA-256 (see `checkPassword`). */
  readonly internal: boolean
  /** `scrypt$...`, or for an internal user the SHA-256 of its password. */
  readonly hash: string | Buffer
}

export interface UserTable {
  get(username: string): BrokerUser | undefined
  all(): readonly BrokerUser[]
  /** Reserved client id → the only username that may use it. */
  readonly reservedClientIds: ReadonlyMap<string, string>
  /**
   * A hash no password matches, with the cost most configured users have: a CONNECT for an unknown user is checked
   * against it, so it costs the same time as one for a known user with a wrong password.
   */
  readonly dummyHash: string
}

export const BRIDGE_USERNAME = 'estate-gate-bridge'

/** A random token is not a password a person chose: 32 characters of base64url carry 192 bits. */
const MIN_INTERNAL_PASSWORD = 32

/**
 * A `bridge` user with a random password made now, for the gateway's own uplink client when there is no
 * central broker. The password exists only in this process; connect with it, then drop it.
 */
export function newBridgeUser(username = BRIDGE_USERNAME): Required<BrokerUserConfig> {
  return { username, password: randomBytes(32).toString('base64url'), role: 'bridge' }
}

/** Validates and hashes the users; errors name the entry (`localBroker.users[1]`) and what was expected. */
export async function prepareUsers(
  users: readonly BrokerUserConfig[],
  internalUsers: readonly InternalUserConfig[],
  log: Logger,
  maxClientIdLength = 64,
): Promise<UserTable> {
  const entries = [
    ...users.map((u, i) => ({ u: u as InternalUserConfig, where: `localBroker.users[${i}]`, internal: false })),
    ...internalUsers.map((u, i) => ({ u, where: `internalUsers[${i}]`, internal: true })),
  ]
  const errors: string[] = []
  const seen = new Set<string>()
  const reserved = new Map<string, string>()
  for (const { u, where, internal } of entries) {
    if (u.username.length === 0) errors.push(`${where}.username: expected a non-empty name`)
    if (seen.has(u.username)) errors.push(`${where}.username: "${u.username}" is already used by another broker user`)
    seen.add(u.username)
    if (u.role === 'device') {
      const bad = checkDeviceUsername(u.username)
      if (bad) errors.push(`${where}.username: a device's username is part of its topic; ${bad}`)
    }
    if (u.password.length === 0) errors.push(`${where}.password: expected a password or a hash`)
    else if (internal && u.password.length < MIN_INTERNAL_PASSWORD) errors.push(`${where}.password: expected a random secret of at least ${MIN_INTERNAL_PASSWORD} characters`)
    else if (!internal && isPasswordHash(u.password)) {
      try {
        parsePasswordHash(u.password)
      } catch (err) {
        errors.push(`${where}.password: ${(err as Error).message}`)
      }
    }
    for (const [j, id] of (internal ? (u.clientIds ?? []) : []).entries()) {
      if (id.length === 0 || id.length > maxClientIdLength) errors.push(`${where}.clientIds[${j}]: expected 1 to ${maxClientIdLength} characters`)
      else if (reserved.has(id)) errors.push(`${where}.clientIds[${j}]: "${id}" is already reserved for ${reserved.get(id)}`)
      else reserved.set(id, u.username)
    }
  }
  if (errors.length > 0) throw new Error(`local broker users are invalid:\n  ${errors.join('\n  ')}`)

  const prepared = await Promise.all(
    entries.map(async ({ u, where, internal }): Promise<BrokerUser> => {
      if (internal) return { username: u.username, role: u.role ?? 'display', internal, hash: sha256(u.password) }
      const plain = !isPasswordHash(u.password)
      if (plain) log.warn({ user: u.username }, `${where}.password is plain text: store a hash made by \`estate-gate broker hash-password\``)
      return { username: u.username, role: u.role ?? 'display', internal, hash: plain ? await hashPassword(u.password) : u.password }
    }),
  )
  const byName = new Map(prepared.map((u) => [u.username, u]))
  const dummyHash = unmatchableHash(commonCost(prepared))
  return { get: (name) => byName.get(name), all: () => prepared, reservedClientIds: reserved, dummyHash }
}

/**
 * Checks a CONNECT's password. `user` undefined (an unknown username) is checked against the dummy hash and fails:
 * the same scrypt work as a known user's wrong password. An empty or missing password is checked too, and fails.
 */
export async function checkPassword(table: UserTable, user: BrokerUser | undefined, password: Buffer | undefined): Promise<boolean> {
  const given = password ?? Buffer.alloc(0)
  if (user?.internal) return timingSafeEqual(sha256(given), user.hash as Buffer)
  const ok = await verifyPassword(user ? (user.hash as string) : table.dummyHash, given)
  return ok && user !== undefined && given.length > 0
}

function sha256(s: string | Buffer): Buffer {
  return createHash('sha256').update(s).digest()
}

/** The cost most configured (scrypt) users have; the default cost when there are none. */
function commonCost(users: readonly BrokerUser[]): HashCost | undefined {
  const counts = new Map<string, { cost: HashCost; n: number }>()
  for (const u of users) {
    if (u.internal) continue
    const cost = hashCost(u.hash as string)
    const key = `${cost.N}$${cost.r}$${cost.p}$${cost.keylen}`
    const c = counts.get(key) ?? { cost, n: 0 }
    c.n++
    counts.set(key, c)
  }
  let best: { cost: HashCost; n: number } | undefined
  for (const c of counts.values()) if (!best || c.n > best.n) best = c
  return best?.cost
}
