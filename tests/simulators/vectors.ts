// The byte vectors of shared/protocols/vectors.json. tests/fixtures/vectors.json is the repository's one verbatim
// copy (a clone elsewhere has no shared/); a test checks that it still matches the shared file where that exists.
import { readFileSync } from 'node:fs'
import { fromHex } from '../../devices/protocols/crc.ts'

type Table = Record<string, string>
interface Vectors {
  gm65: Table
  gy_mcu906xx: Table
  modbus: Table
}

export const VECTORS_FILE = new URL('../fixtures/vectors.json', import.meta.url)
export const SHARED_VECTORS_FILE = new URL('../../../shared/protocols/vectors.json', import.meta.url)

const all = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as Vectors

/** `v('gm65', 'read_000A')` → the bytes; throws on a misspelt name rather than testing nothing. */
export function v(group: keyof Vectors, name: string): Buffer {
  const hex = all[group][name]
  if (hex === undefined) throw new Error(`no vector ${group}.${name}`)
  return fromHex(hex)
}
