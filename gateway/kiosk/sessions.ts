// Kiosk sessions: a random token in an HttpOnly, SameSite=Strict cookie, looked up in a map that lives only in
// this process (a restart logs everyone out, which is what a restarted gate box should do; the shift itself is kept
// in the store and goes on, gateway/kiosk/shift.ts).
import { randomBytes } from 'node:crypto'
import type { Clock } from '../../devices/types.ts'
import type { Person, Role } from './pins.ts'

export interface Session {
  token: string
  person: Person
  /** Wall clock of the login (the shift's own start is kept with the shift, gateway/kiosk/shift.ts). */
  since: number
  lastMono: number
  /** A helper's login replaced this screen's session of someone else: its token, to give back on "cancel". */
  previous?: string
}

/** A staff session idles out after this long (the shift stays, gateway/kiosk/shift.ts); a tech page much sooner (the brief: 15 min). */
export const IDLE_MS: Record<Role, number> = { staff: 16 * 3_600_000, tech: 15 * 60_000 }

export const COOKIE: Record<Role, string> = { staff: 'eg_staff', tech: 'eg_tech' }

export class Sessions {
  private readonly sessions = new Map<string, Session>()
  /**
   * Which process's sessions these are (random, nothing else in it): in the screen's snapshot, so that a screen that
   * sees it change knows the session it had ended with a restart, and says so (k-staff.js), instead of a bare 请先登录.
   */
  readonly id = randomBytes(9).toString('base64url')

  constructor(private readonly clock: Clock) {}

  // Wrong PINs and locks are counted per role and source address in guard.ts, not here.
  create(person: Person): Session {
    const s: Session = { token: randomBytes(24).toString('base64url'), person, since: this.clock.now(), lastMono: this.clock.mono() }
    this.sessions.set(s.token, s)
    return s
  }

  /** The live session of `role` behind a token (its idle timer restarts), or null. */
  get(token: string | undefined, role: Role): Session | null {
    if (!token) return null
    const s = this.sessions.get(token)
    if (!s || s.person.role !== role) return null
    const mono = this.clock.mono()
    if (mono - s.lastMono > IDLE_MS[role]) {
      this.sessions.delete(token)
      return null
    }
    s.lastMono = mono
    return s
  }

  end(token: string): void {
    this.sessions.delete(token)
  }

  /** Sessions of `role` open now, newest first. */
  active(role: Role): Session[] {
    const mono = this.clock.mono()
    return [...this.sessions.values()].filter((s) => s.person.role === role && mono - s.lastMono <= IDLE_MS[role]).sort((a, b) => b.since - a.since)
  }
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** `secure`: the kiosk speaks HTTPS (kiosk.tls), so the browser must never send the cookie over plain HTTP. */
export function sessionCookie(role: Role, token: string, secure = false): string {
  return `${COOKIE[role]}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

export function clearCookie(role: Role): string {
  return `${COOKIE[role]}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
}
