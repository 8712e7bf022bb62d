// Kiosk PINs (config kiosk.staffPins / kiosk.techPins): a bare PIN ("1234", or a hash made by
// `estate-gate kiosk hash-pin`) or { id, name, pin } (a staff member's may carry a duressPin). Plain PINs are hashed
// at start and only hashes are kept in memory, so a heap dump or a stray log line cannot give one away.
import { hashPassword, isPasswordHash, parsePasswordHash, verifyPassword } from '../broker/passwords.ts'

export type Role = 'staff' | 'tech'

export interface Person {
  id: string
  name: string
  role: Role
}

export type PinEntry = string | { id: string; name: string; pin: string; duressPin?: string | undefined }

interface HashedPin {
  person: Person
  hash: string
  /** The person's duress PIN: logs in as them, and the login route raises the silent alert (kiosk/duress.ts). */
  duress: boolean
}

/** Whose PIN was typed, and whether it was their duress PIN. */
export interface PinMatch {
  person: Person
  duress: boolean
}

/** `staff-1`, `tech-2` for bare PINs (their position in the list, 1-based). */
export function personOf(entry: PinEntry, index: number, role: Role): Person {
  if (typeof entry === 'string') return { id: `${role}-${index + 1}`, name: `${role}-${index + 1}`, role }
  return { id: entry.id, name: entry.name, role }
}

export class PinBook {
  private constructor(private readonly pins: Record<Role, HashedPin[]>) {}

  /** Hashes every plain PIN (tens of ms each: scrypt) and checks the configured hashes are well formed. */
  static async create(staff: readonly PinEntry[], tech: readonly PinEntry[]): Promise<PinBook> {
    const load = async (list: readonly PinEntry[], role: Role): Promise<HashedPin[]> => {
      const out: HashedPin[] = []
      const hashed = async (pin: string): Promise<string> => {
        if (!isPasswordHash(pin)) return hashPassword(pin)
        parsePasswordHash(pin)
        return pin
      }
      for (const [i, e] of list.entries()) {
        const person = personOf(e, i, role)
        out.push({ person, hash: await hashed(typeof e === 'string' ? e : e.pin), duress: false })
        // The schema refuses a techPins duressPin; a tech's never becomes a login here either.
        if (role === 'staff' && typeof e !== 'string' && e.duressPin !== undefined) out.push({ person, hash: await hashed(e.duressPin), duress: true })
      }
      return out
    }
    return new PinBook({ staff: await load(staff, 'staff'), tech: await load(tech, 'tech') })
  }

  /** How many PINs a role has (none configured: nobody can log in, and the screen says so). */
  count(role: Role): number {
    return this.people(role).length
  }

  people(role: Role): Person[] {
    return this.pins[role].filter((p) => !p.duress).map((p) => p.person)
  }

  /** The person whose PIN this is (a duress PIN is its person's too), or null. */
  async check(role: Role, pin: string): Promise<Person | null> {
    return (await this.match(role, pin))?.person ?? null
  }

  /**
   * Whose PIN this is and whether it was their duress PIN, or null. Every hash of the role is checked, whichever
   * matches and however early: a login that stopped at its match would answer sooner for the first people in the
   * list, and a duress PIN (checked after its person's PIN) would take longer than the normal one, which someone
   * standing beside the guard could time. One hash at a time: each scrypt check takes 16 MiB, and checking them all
   * at once would put several of those on a Pi's heap together.
   */
  async match(role: Role, pin: string): Promise<PinMatch | null> {
    if (!/^\d{4,12}$/.test(pin)) return null
    let found: PinMatch | null = null
    for (const p of this.pins[role]) {
      if (!(await verifyPassword(p.hash, pin))) continue
      // Two entries with one PIN (possible only between hashes, which the schema cannot compare): a duress match
      // wins, so that the misconfiguration shows at the platform as alerts rather than as a hold-up never reported.
      if (!found || (p.duress && !found.duress)) found = { person: p.person, duress: p.duress }
    }
    return found
  }
}

/** `estate-gate kiosk hash-pin`: a PIN on stdin → a hash for kiosk.staffPins / techPins. */
export async function hashPin(pin: string): Promise<string> {
  if (!/^\d{4,12}$/.test(pin)) throw new RangeError('expected a PIN of 4 to 12 digits')
  return hashPassword(pin)
}
