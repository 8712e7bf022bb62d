// Who may try a PIN, how often, and how many checks run at once (issue 11, points 1-3).
// - An attempt is counted the moment it arrives, before any await: 300 guesses sent together cannot all slip past
//   a check that only counts failures once scrypt has answered.
// - Counters per role and per source address, with a lock that doubles each time it comes back: a passer-by at
//   the screen locks only the screen's counter, an attacker on the LAN only their own address's.
// - The network as a whole (every address but the screen's) has one more counter per role, so that many addresses
//   buy no more guesses than a few; it never locks the screen, which the guard on duty must always be able to use.
// - The scrypt checks run behind a Limiter (gateway/auth/limiter.ts), one for the screen and one for the network:
//   a burst waits in a short queue or is refused at once, and cannot fill libuv's thread pool, which the serial
//   reads of the gate's devices share (@serialport/bindings-cpp reads through it).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../../devices/types.ts'
import { addressIn, normalizeAddress } from '../auth/address.ts'
import { BusyError, Limiter } from '../auth/limiter.ts'
import type { PinBook, PinMatch, Person, Role } from './pins.ts'

export const LOCKOUT = {
  /** Wrong PINs in a row from one address (per role) before a lock. */
  failures: 5,
  /** Wrong PINs from the whole network (per role) before the network is locked (the screen never is). */
  networkFailures: 20,
  /** The first lock; each further one doubles, up to maxMs. */
  ms: 60_000,
  maxMs: 15 * 60_000,
  /** A counter with no failure for this long starts again from the first lock. */
  quietMs: 60 * 60_000,
}

/** Beyond this many addresses with a counter, the oldest are forgotten (the network counter still holds). */
const MAX_SOURCES = 4096

/** The address a request came from (the socket's: no proxy is trusted). */
export function sourceOf(req: FastifyRequest): string {
  return normalizeAddress(req.socket.remoteAddress ?? req.ip)
}

class Counter {
  failures = 0
  locks = 0
  lockedUntil = -Infinity
  lastFailure = -Infinity

  constructor(private readonly threshold: number) {}

  lockedFor(mono: number): number {
    return Math.max(0, Math.ceil(this.lockedUntil - mono))
  }

  /** One more attempt, presumed wrong until it is shown right. */
  count(mono: number): void {
    if (mono - this.lastFailure > LOCKOUT.quietMs) this.locks = 0
    this.lastFailure = mono
    if (++this.failures < this.threshold) return
    this.failures = 0
    this.lockedUntil = mono + Math.min(LOCKOUT.maxMs, LOCKOUT.ms * 2 ** this.locks)
    this.locks++
  }

  /** An attempt that was not a wrong PIN after all (refused as busy, or nothing to check against). */
  undo(): void {
    if (this.failures > 0) this.failures--
  }

  reset(): void {
    this.failures = 0
    this.locks = 0
    this.lockedUntil = -Infinity
  }
}

/** `duress`: the person's duress PIN (staff only); the route raises the silent alert, everything else is as usual. */
export type CheckResult = { ok: true; person: Person; duress: boolean } | { ok: false; status: 401 | 403 | 429 | 503; body: Record<string, unknown>; retryAfterSec?: number }

export class LoginGuard {
  private readonly screen: (source: string) => boolean
  private readonly sources = new Map<string, Counter>()
  private readonly network: Record<Role, Counter> = { staff: new Counter(LOCKOUT.networkFailures), tech: new Counter(LOCKOUT.networkFailures) }
  private readonly limiters: { screen: Limiter; network: Limiter }

  constructor(
    private readonly clock: Clock,
    screenAddresses: readonly string[],
    private readonly log: Logger,
  ) {
    this.screen = addressIn(screenAddresses)
    // One check at a time each (a wrong PIN costs one scrypt per PIN of its role), four waiting; the rest are
    // refused at once. The screen's own lane keeps the guard's login going through a storm from the network.
    this.limiters = { screen: new Limiter('kiosk PIN checks (screen)', 1, 4), network: new Limiter('kiosk PIN checks (network)', 1, 4) }
  }

  /** True for the kiosk's own screen (kiosk.screenAddresses); everything else is the network. */
  isScreen(source: string): boolean {
    return this.screen(source)
  }

  private counter(role: Role, source: string): Counter {
    const key = `${role} ${source}`
    let c = this.sources.get(key)
    if (!c) {
      if (this.sources.size >= MAX_SOURCES) this.sources.delete(this.sources.keys().next().value!)
      c = new Counter(LOCKOUT.failures)
      this.sources.set(key, c)
    }
    return c
  }

  /** How long logins of `role` from `source` are locked (0: not). Only ever shown to that source. */
  lockedFor(role: Role, source: string): number {
    const mono = this.clock.mono()
    const own = this.sources.get(`${role} ${source}`)?.lockedFor(mono) ?? 0
    return this.isScreen(source) ? own : Math.max(own, this.network[role].lockedFor(mono))
  }

  /**
   * Checks a PIN for `role` from `source`. The attempt is counted before anything is awaited; a right PIN clears
   * the source's counter, anything else stays counted.
   */
  async check(book: Promise<PinBook>, role: Role, source: string, pin: string): Promise<CheckResult> {
    const locked = this.lockedFor(role, source)
    if (locked > 0) return lockedResult(locked)
    const screen = this.isScreen(source)
    const counters = screen ? [this.counter(role, source)] : [this.counter(role, source), this.network[role]]
    const mono = this.clock.mono()
    for (const c of counters) c.count(mono)
    const undo = (): void => counters.forEach((c) => c.undo())
    let found: PinMatch | null
    try {
      found = await this.limiters[screen ? 'screen' : 'network'].run(async () => {
        const b = await book
        if (b.count(role) === 0) throw new NoPins(role)
        return b.match(role, pin)
      })
    } catch (err) {
      // Refused as busy, a guess from the network still counts: otherwise a burst would keep the counters low
      // while the few checks that do run are the attacker's. At the screen it does not (the guard just retries).
      if (screen || !(err instanceof BusyError)) undo()
      if (err instanceof BusyError) {
        this.log.warn({ role, source, ...this.limiters[screen ? 'screen' : 'network'].stats() }, 'PIN check refused: too many at once')
        return { ok: false, status: 503, retryAfterSec: 1, body: { error: 'busy', message: 'too many logins at once; try again in a moment', retryAfterSec: 1 } }
      }
      if (err instanceof NoPins) {
        return { ok: false, status: 403, body: { error: 'no_pins', message: `no ${role} PINs are configured (kiosk.${role}Pins)` } }
      }
      throw err
    }
    // A duress PIN is a right PIN: its counters go as for any login, so nothing about the lock tells it apart.
    if (found) {
      counters[0]!.reset()
      if (!screen) this.network[role].undo()
      return { ok: true, person: found.person, duress: found.duress }
    }
    const lock = this.lockedFor(role, source)
    this.log.warn({ role, source, screen, lockedForMs: lock }, `wrong ${role} PIN`)
    return lock > 0 ? lockedResult(lock) : { ok: false, status: 401, body: { error: 'wrong_pin', message: 'wrong PIN' } }
  }
}

class NoPins extends Error {
  constructor(role: Role) {
    super(`no ${role} PINs`)
  }
}

function lockedResult(ms: number): CheckResult {
  const sec = Math.ceil(ms / 1000)
  return { ok: false, status: 429, retryAfterSec: sec, body: { error: 'locked', message: `too many wrong PINs; try again in ${sec} s`, retryAfterSec: sec } }
}

/** Sends a refused check (with Retry-After where there is one). */
export function sendRefusal(reply: FastifyReply, r: Extract<CheckResult, { ok: false }>): FastifyReply {
  if (r.retryAfterSec !== undefined) void reply.header('retry-after', String(r.retryAfterSec))
  return reply.code(r.status).send(r.body)
}
