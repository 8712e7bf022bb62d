// docs/troubleshooting.md quotes the gateway's own messages (as `### \`message\`` headings, and in tables whose first
// column is "gateway message"); each must still occur in the source of gateway/, devices/ or cloud-bridge/, so the
// page stays true when a message is reworded. `…` in a quote stands for a variable part (a `${...}` in the source).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/gatewayProcess.ts'

/** Every .ts file under the three source trees, as text. */
function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name)
      if (e.isDirectory()) walk(rel)
      else if (e.name.endsWith('.ts')) out.push({ file: rel, text: readFileSync(join(ROOT, rel), 'utf8') })
    }
  }
  for (const d of ['gateway', 'devices', 'cloud-bridge']) walk(d)
  return out
}

/** The quoted gateway messages of a troubleshooting page. */
export function quotedMessages(markdown: string): string[] {
  const out: string[] = []
  let inMessageTable = false
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,4} `([^`]+)`\s*$/.exec(line)
    if (heading) out.push(heading[1]!)
    if (/^\|\s*gateway message\s*\|/.test(line)) inMessageTable = true
    else if (!line.startsWith('|')) inMessageTable = false
    else if (inMessageTable && !/^\|\s*-/.test(line)) {
      const cell = line.split('|')[1] ?? ''
      for (const m of cell.matchAll(/`([^`]+)`/g)) out.push(m[1]!)
    }
  }
  return out
}

/** The fixed parts of a quote, in order, found in one file within a span a single message can take. */
export function occursIn(quote: string, text: string, maxSpan = 400): boolean {
  const parts = quote
    .split('…')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
  if (parts.length === 0) return false
  for (let start = text.indexOf(parts[0]!); start !== -1; start = text.indexOf(parts[0]!, start + 1)) {
    let at = start + parts[0]!.length
    let ok = true
    for (const p of parts.slice(1)) {
      const i = text.indexOf(p, at)
      if (i === -1 || i + p.length - start > maxSpan) {
        ok = false
        break
      }
      at = i + p.length
    }
    if (ok) return true
  }
  return false
}

describe('docs/troubleshooting.md', () => {
  const page = readFileSync(join(ROOT, 'docs/troubleshooting.md'), 'utf8')
  const quotes = quotedMessages(page)
  const src = sources()

  it('quotes the gateway at length (the page is not empty of messages)', () => {
    expect(quotes.length).toBeGreaterThanOrEqual(80)
    expect(new Set(quotes).size, 'a message is quoted twice').toBe(quotes.length)
  })

  it('quotes only messages that occur in the source', () => {
    const missing = quotes.filter((q) => !src.some((f) => occursIn(q, f.text)))
    expect(missing).toEqual([])
  })

  it('checks the way it claims: a reworded message, or parts out of order, are not found', () => {
    const file = 'const m = `cannot open ${path}: ${err}`; log.warn("serial port lost; reopening")'
    expect(occursIn('cannot open …: …', file)).toBe(true)
    expect(occursIn('serial port lost; reopening', file)).toBe(true)
    expect(occursIn('serial port lost; retrying', file)).toBe(false)
    expect(occursIn('reopening … serial port lost', file)).toBe(false)
    expect(quotedMessages('### `a`\n### not `b`\n| gateway message | x |\n|---|---|\n| `c` | `d` |\n\n| other | y |\n| `e` | f |\n')).toEqual(['a', 'c'])
  })
})
