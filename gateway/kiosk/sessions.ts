// Kiosk sessions: a random token in an HttpOnly, SameSite=Strict cookie, looked up in a map that lives only in
// this process (a restart logs everyone out, which is what a restarted gate box should do).
import { randomBytes } from 'node:crypto'
import type { Clock } from '../../devices/types.ts'
import type { Person, Role } from './pins.ts'

export interface Session {
  token: string
  person: Person
  /** Wall clock of the login: the start of the shift (staff). */
  since: number
  lastMono: number
}

/** A shift lasts at most this long without a handover; a tech page idles out much sooner (the brief: 15 min). */
export const IDLE_MS: Record<Role, number> = { staff: 16 * 3_600_000, tech: 15 * 60_000 }

export const COOKIE: Record<Role, string> = { staff: 'eg_staff', tech: 'eg_tech' }

export class Sessions {
  private readonly sessions = new Map<string, Session>()

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

  /** Staff sessions open now, newest first (the newest is the staff member on duty). */
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
