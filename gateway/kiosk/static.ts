// The kiosk's static files, read once at start and served from memory. No @fastify/static: a new dependency for a
// handful of files that never change while the gateway runs is not worth it. The list is made at start from
// ./public (scripts and styles by name under /kiosk/, the two pages by their paths), so no path from a URL ever
// reaches the file system, and a new module of the staff screen is served without another edit here. Where ./public
// is (dist/kiosk/public in a release): gateway/paths.ts.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { KIOSK_PUBLIC } from '../paths.ts'

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
}

const PUBLIC = KIOSK_PUBLIC

/** URL → file in `dir`: the pages, and every script and style sheet under /kiosk/. */
export function staticFiles(dir: URL = PUBLIC): Record<string, string> {
  const files: Record<string, string> = { '/': 'index.html', '/tech': 'tech.html' }
  for (const f of readdirSync(fileURLToPath(dir)).sort()) {
    if (/^[\w.-]+\.(js|css)$/.test(f)) files[`/kiosk/${f}`] = f
  }
  return files
}

/** URL → file in ./public. */
export const STATIC_FILES: Readonly<Record<string, string>> = staticFiles()

/**
 * Only this server's own scripts, styles and connections: the screen works offline, and nothing a page could be
 * tricked into loading can come from the internet.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

export function registerStatic(app: FastifyInstance, dir = PUBLIC): void {
  for (const [url, file] of Object.entries(dir === PUBLIC ? STATIC_FILES : staticFiles(dir))) {
    const body = readFileSync(new URL(file, dir))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`
    const type = TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream'
    app.get(url, async (req, reply) => {
      void reply.header('cache-control', 'no-cache').header('etag', etag).header('x-content-type-options', 'nosniff')
      if (type.startsWith('text/html')) void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer')
      if (req.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.type(type).send(body)
    })
  }
}
