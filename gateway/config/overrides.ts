// Changes made remotely (config/set) live in dataDir/config-overrides.json, merged over the config file at every
// start: the technician's file is never rewritten, and deleting the overrides file returns to it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { validateConfig, type LoadResult } from './load.ts'

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Objects merge key by key; arrays and scalars replace. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isObj(base) || !isObj(patch)) return structuredClone(patch)
  const out: Obj = { ...structuredClone(base) }
  for (const [k, v] of Object.entries(patch)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v)
  return out
}

/** Dotted paths (two levels deep: `rules.feverC`, `devices.scanners`) whose values differ. */
export function changedKeys(a: unknown, b: unknown, prefix = '', depth = 2): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return []
  if (depth === 0 || !isObj(a) || !isObj(b)) return [prefix]
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].flatMap((k) => changedKeys(a[k], b[k], prefix ? `${prefix}.${k}` : k, depth - 1))
}

export function overridesPath(dataDir: string): string {
  return join(dataDir, 'config-overrides.json')
}

export function readOverrides(dataDir: string): Obj | null {
  const file = overridesPath(dataDir)
  if (!existsSync(file)) return null
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'))
  if (!isObj(raw)) throw new Error(`${file}: expected a JSON object`)
  return raw
}

/** Written to a temporary file and renamed: a power cut leaves the old file or the new one, never half of one. */
export function writeOverrides(dataDir: string, overrides: Obj): void {
  const file = overridesPath(dataDir)
  writeFileSync(`${file}.tmp`, JSON.stringify(overrides, null, 2), { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
}

/** The config file's result with the persisted overrides applied (errors name the overrides file). */
export function withOverrides(loaded: LoadResult, cwd = process.cwd()): LoadResult {
  if (!loaded.ok) return loaded
  const dataDir = resolve(cwd, loaded.config.dataDir)
  let overrides: Obj | null
  try {
    overrides = readOverrides(dataDir)
  } catch (err) {
    return { ok: false, source: overridesPath(dataDir), errors: [(err as Error).message] }
  }
  if (!overrides) return loaded
  return validateConfig(deepMerge(loaded.config, overrides), overridesPath(dataDir))
}

/** Keys that take effect without a restart. */
export const LIVE_KEYS = ['rules'] as const

export function splitLive(changed: readonly string[]): { applied: string[]; restartNeeded: string[] } {
  const live = (k: string): boolean => LIVE_KEYS.some((l) => k === l || k.startsWith(`${l}.`))
  return { applied: changed.filter(live), restartNeeded: changed.filter((k) => !live(k)) }
}
