// Who may publish, subscribe to and receive what on the embedded broker. Pure functions over topic levels,
// so the rules can be table-tested without a broker.
//
// P = {baseTopic}/{site}/{gate} (DESIGN section 7).
// - display: subscribes inside P/# except P/request/# (requests may carry commands such as gate/open);
//            publishes nothing.
// - device:  publishes and subscribes only inside P/devices/{username}/#.
// - bridge:  the gateway's own uplink client (internal user): publishes and subscribes anywhere inside P/#.
// A subscription is allowed only when *every* topic it could match is allowed, so `#`, `+/#` or
// `{base}/+/+/entry` (which would match other gates) are refused, not narrowed.

export type BrokerRole = 'display' | 'device' | 'bridge'

export interface AclUser {
  username: string
  role: BrokerRole
}

export type AclDecision = { ok: true } | { ok: false; reason: string }

export interface Acl {
  readonly prefix: string
  canPublish(user: AclUser, topic: string): AclDecision
  canSubscribe(user: AclUser, filter: string): AclDecision
  /** Last line of defence when the broker forwards a message (also retained and queued ones). */
  canReceive(user: AclUser, topic: string): boolean
}

const OK: AclDecision = { ok: true }
const no = (reason: string): AclDecision => ({ ok: false, reason })

/** Builds the rules for one gate; throws when the prefix is not a plain topic (no wildcards, no `$`, no empty level). */
export function createAcl(prefix: string): Acl {
  const p = splitLevels(prefix)
  if (p.length === 0 || prefix.startsWith('$') || !p.every(isPlainLevel))
    throw new Error(`broker topic prefix: expected {baseTopic}/{site}/{gate} without wildcards, "$" or empty levels (is "${prefix}")`)
  const request = [...p, 'request']
  const ownScope = (user: AclUser): string[] => (user.role === 'device' ? [...p, 'devices', user.username] : p)

  return {
    prefix,
    canPublish(user, topic) {
      const bad = checkTopic(topic)
      if (bad) return no(bad)
      if (user.role === 'display') return no('a display may not publish')
      const scope = ownScope(user)
      return within(splitLevels(topic), scope) ? OK : no(`expected a topic under ${scope.join('/')}/`)
    },
    canSubscribe(user, filter) {
      const bad = checkFilter(filter)
      if (bad) return no(bad)
      const levels = splitLevels(filter)
      const scope = ownScope(user)
      if (!within(levels, scope)) return no(`expected a filter inside ${scope.join('/')}/# without wildcards before that`)
      if (user.role === 'display' && within(levels, request)) return no(`a display may not subscribe to ${request.join('/')}/#`)
      return OK
    },
    canReceive(user, topic) {
      const levels = splitLevels(topic)
      if (topic.startsWith('$') || !within(levels, ownScope(user))) return false
      return !(user.role === 'display' && within(levels, request))
    },
  }
}

/** A device's username becomes a topic level (P/devices/{username}): it must be one plain level. */
export function checkDeviceUsername(username: string): string | null {
  return isPlainLevel(username) && !username.startsWith('$') ? null : `expected one topic level without "/", "+", "#", "$" at the start or NUL (is "${username}")`
}

/**
 * True when every topic matched by `levels` (a topic or a filter) lies inside `scope/#`.
 * The scope has only literal levels, so a wildcard at any scope position can never equal it and is refused;
 * wildcards after the scope are fine. `scope` itself matches too (MQTT: "sport/#" matches "sport").
 */
function within(levels: readonly string[], scope: readonly string[]): boolean {
  if (levels.length < scope.length) return false
  for (let i = 0; i < scope.length; i++) if (levels[i] !== scope[i]) return false
  return true
}

function splitLevels(topic: string): string[] {
  return topic.split('/')
}

function isPlainLevel(level: string): boolean {
  return level.length > 0 && !/[/+#\u0000]/.test(level)
}

function checkTopic(topic: string): string | null {
  if (topic.length === 0) return 'empty topic'
  if (/[+#\u0000]/.test(topic)) return 'a topic may not contain "+", "#" or NUL'
  if (topic.startsWith('$')) return 'topics starting with "$" (such as $SYS/) are reserved'
  return null
}

/** MQTT 3.1.1 section 4.7: "#" only alone as the last level, "+" only alone in a level. */
function checkFilter(filter: string): string | null {
  if (filter.length === 0) return 'empty filter'
  if (filter.includes('\u0000')) return 'a filter may not contain NUL'
  if (filter.startsWith('$')) return 'filters starting with "$" ($SYS/, $share/) are not available'
  const levels = splitLevels(filter)
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be a whole level and the last one'
    if (level.includes('+') && level !== '+') return '"+" must be a whole level'
  }
  return null
}
