import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDirFor(name: string): string {
  return mkdtempSync(join(tmpdir(), `estate-gate-${name}-`))
}
