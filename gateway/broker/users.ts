// The broker's user table: configured users (display | device) plus internal ones (the gateway's own bridge),
// every password held only as a scrypt hash from start-up on.
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { checkDeviceUsername, type BrokerRole } from './acl.ts'
import { hashPassword, isPasswordHash, parsePasswordHash } from './passwords.ts'

export interface BrokerUserConfig {
  username: string
  /** Plain text or a hash made by `hashPassword` / the CLI. */
  password: string
  role?: BrokerRole
}

export interface BrokerUser {
  readonly username: string
  readonly role: BrokerRole
  /** Always a hash (`scrypt$...`). */
  readonly hash: string
}

export const BRIDGE_USERNAME = 'estate-gate-bridge'

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
  internalUsers: readonly BrokerUserConfig[],
  log: Logger,
): Promise<Map<string, BrokerUser>> {
  const entries = [
    ...users.map((u, i) => ({ u, where: `localBroker.users[${i}]` })),
    ...internalUsers.map((u, i) => ({ u, where: `internalUsers[${i}]` })),
  ]
  const errors: string[] = []
  const seen = new Set<string>()
  for (const { u, where } of entries) {
    if (u.username.length === 0) errors.push(`${where}.username: expected a non-empty name`)
    if (seen.has(u.username)) errors.push(`${where}.username: "${u.username}" is already used by another broker user`)
    seen.add(u.username)
    if (u.role === 'device') {
      const bad = checkDeviceUsername(u.username)
      if (bad) errors.push(`${where}.username: a device's username is part of its topic; ${bad}`)
    }
    if (u.password.length === 0) errors.push(`${where}.password: expected a password or a hash`)
    else if (isPasswordHash(u.password)) {
      try {
        parsePasswordHash(u.password)
      } catch (err) {
        errors.push(`${where}.password: ${(err as Error).message}`)
      }
    }
  }
  if (errors.length > 0) throw new Error(`local broker users are invalid:\n  ${errors.join('\n  ')}`)

  const prepared = await Promise.all(
    entries.map(async ({ u, where }): Promise<BrokerUser> => {
      const plain = !isPasswordHash(u.password)
      if (plain && !where.startsWith('internal'))
        log.warn({ user: u.username }, `${where}.password is plain text: store a hash made by \`estate-gate broker hash-password\``)
      return { username: u.username, role: u.role ?? 'display', hash: plain ? await hashPassword(u.password) : u.password }
    }),
  )
  return new Map(prepared.map((u) => [u.username, u]))
}
