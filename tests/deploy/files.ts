// Readers for the deploy files: a systemd unit as sections of keys, and udev rules as lines of key-operator-value
// tokens. Small on purpose: enough for the tests to check what the files say, not a full implementation of either.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../helpers/gatewayProcess.ts'

export const DEPLOY = join(ROOT, 'deploy')

export function deployFile(name: string): string {
  return readFileSync(join(DEPLOY, name), 'utf8')
}

/** section → key → values in order. As in systemd, an empty assignment (`Key=`) clears the list before it. */
export type Unit = Map<string, Map<string, string[]>>

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map()
  let section: Map<string, string[]> | null = null
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    if (line.endsWith('\\')) throw new Error(`line ${i + 1}: continuation lines are not supported by this reader`)
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header) {
      section = unit.get(header[1]!) ?? new Map()
      unit.set(header[1]!, section)
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0 || !section) throw new Error(`line ${i + 1}: expected Key=value inside a [Section], got ${JSON.stringify(raw)}`)
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    section.set(key, value === '' ? [] : [...(section.get(key) ?? []), value])
  }
  return unit
}

/** Every value of `key` in `section`, split on whitespace (lists such as SupplementaryGroups= or After=). */
export function words(unit: Unit, section: string, key: string): string[] {
  return (unit.get(section)?.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter((w) => w !== '')
}

/** The last value of `key` (systemd's rule for single-valued settings), or undefined. */
export function value(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1)
}

/**
 * Whether systemd restarts a service that exited with `code` under `Restart=on-failure`: an unclean exit code,
 * minus RestartPreventExitStatus= (systemd.service(5), "Restart="). Signals other than the clean ones also restart.
 */
export function restartsOnExit(unit: Unit, code: number): boolean {
  if (value(unit, 'Service', 'Restart') !== 'on-failure') throw new Error('this reader only models Restart=on-failure')
  const success = new Set(['0', ...words(unit, 'Service', 'SuccessExitStatus')])
  if (success.has(String(code))) return false
  return !words(unit, 'Service', 'RestartPreventExitStatus').includes(String(code))
}

/** udev rule lines (comments and blanks dropped), each split into `KEY{attr}OP"value"` tokens; throws on a bad token. */
export function parseUdevRules(text: string): { key: string; op: string; value: string }[][] {
  const rules: { key: string; op: string; value: string }[][] = []
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const tokens: { key: string; op: string; value: string }[] = []
    const re = /\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)/y
    let at = 0
    while (at < line.length) {
      re.lastIndex = at
      const m = re.exec(line)
      if (!m) throw new Error(`udev rules line ${i + 1}: cannot read from column ${at + 1}: ${JSON.stringify(line.slice(at))}`)
      tokens.push({ key: m[1]!, op: m[2]!, value: m[3]! })
      at = re.lastIndex
      if (m[4] === '') break
    }
    if (at < line.length) throw new Error(`udev rules line ${i + 1}: trailing text ${JSON.stringify(line.slice(at))}`)
    rules.push(tokens)
  }
  return rules
}
