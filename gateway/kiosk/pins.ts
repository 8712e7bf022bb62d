// Kiosk PINs (config kiosk.staffPins / kiosk.techPins): a bare PIN ("1234", or a hash made by
// `estate-gate kiosk hash-pin`) or { id, name, pin }. Plain PINs are hashed at start and only hashes are kept in
// memory, so a heap dump or a stray log line cannot give one away.
import { hashPassword, isPasswordHash, parsePasswordHash, verifyPassword } from '../broker/passwords.ts'

export type Role = 'staff' | 'tech'

export interface Person {
  id: string
  name: string
  role: Role
}

export type PinEntry = string | { id: string; name: string; pin: string }

interface HashedPin {
  person: Person
  hash: string
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
      for (const [i, e] of list.entries()) {
        const pin = typeof e === 'string' ? e : e.pin
        if (isPasswordHash(pin)) parsePasswordHash(pin)
        out.push({ person: personOf(e, i, role), hash: isPasswordHash(pin) ? pin : await hashPassword(pin) })
      }
      return out
    }
    return new PinBook({ staff: await load(staff, 'staff'), tech: await load(tech, 'tech') })
  }

  /** How many PINs a role has (none configured: nobody can log in, and the screen says so). */
  count(role: Role): number {
    return this.pins[role].length
  }

  people(role: Role): Person[] {
    return this.pins[role].map((p) => p.person)
  }

  /**
   * The person whose PIN this is, or null. One hash at a time: each scrypt check takes 16 MiB, and checking them
   * all at once would put several of those on a Pi's heap together.
   */
  async check(role: Role, pin: string): Promise<Person | null> {
    if (!/^\d{4,12}$/.test(pin)) return null
    for (const p of this.pins[role]) if (await verifyPassword(p.hash, pin)) return p.person
    return null
  }
}

/** `estate-gate kiosk hash-pin`: a PIN on stdin → a hash for kiosk.staffPins / techPins. */
export async function hashPin(pin: string): Promise<string> {
  if (!/^\d{4,12}$/.test(pin)) throw new RangeError('expected a PIN of 4 to 12 digits')
  return hashPassword(pin)
}
