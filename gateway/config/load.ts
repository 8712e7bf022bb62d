// Reads the YAML config, validates it once against the schema, and reports every error with its key path.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { configSchema, SECRET_CONFIG_KEYS, type GatewayConfig } from './schema.ts'

export type LoadResult =
  | { ok: true; config: GatewayConfig; source: string | null }
  | { ok: false; source: string | null; errors: string[] }

export function loadConfigFile(path: string): LoadResult {
  const source = resolve(path)
  let text: string
  try {
    text = readFileSync(source, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(err)
    return { ok: false, source, errors: [`config file ${source}: ${why}`] }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return { ok: false, source, errors: doc.errors.map((e) => `config file ${source}: YAML: ${e.message.split('\n')[0]}`) }
  }
  const raw: unknown = doc.toJS() ?? {}
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, source, errors: [`config file ${source}: expected a YAML mapping of keys (site, gate, devices, ...)`] }
  }
  return validateConfig(raw, source)
}

export function validateConfig(raw: unknown, source: string | null = null): LoadResult {
  const parsed = configSchema.safeParse(raw, { reportInput: true })
  if (!parsed.success) return { ok: false, source, errors: formatIssues(parsed.error.issues) }
  return { ok: true, source, config: deepFreeze(parsed.data) }
}

/** `devices.scanners[0].driver: Invalid option: expected one of "line"|"gm65"|"simulated" (got "usb")` */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    // A union that nothing matched (a PIN or { id, name, pin }): zod says only "Invalid input". When one option is of
    // the input's own type (the object, for an object), its errors are the ones that say what is wrong, by key.
    if (issue.code === 'invalid_union') {
      const typed = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0))
      if (typed.length === 1) return formatIssues(typed[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] })))
    }
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${keyPath([...issue.path, k])}: unknown key (check its spelling and its place in the file)`)
    }
    // Under users[] a wrong value may be a password: echo nothing there either.
    const secret = issue.path.some((k) => typeof k === 'string' && (SECRET_CONFIG_KEYS.has(k) || k === 'users'))
    const got = !secret && 'input' in issue && issue.input !== undefined && typeof issue.input !== 'object' ? ` (got ${JSON.stringify(issue.input)})` : ''
    return [`${keyPath(issue.path) || '(top level)'}: ${issue.message}${got}`]
  })
}

function keyPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
