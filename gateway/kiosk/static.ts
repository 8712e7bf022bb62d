// The kiosk's few static files, read once at start and served from memory. No @fastify/static: a new dependency
// for a handful of files that never change while the gateway runs is not worth it, and a fixed list means no
// path from a URL ever reaches the file system.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
}

/** URL → file in ./public. */
export const STATIC_FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/tech': 'tech.html',
  '/kiosk/kiosk.css': 'kiosk.css',
  '/kiosk/kiosk.js': 'kiosk.js',
  '/kiosk/i18n.js': 'i18n.js',
  '/kiosk/tech.js': 'tech.js',
  '/kiosk/tech.css': 'tech.css',
}

/**
 * Only this server's own scripts, styles and connections: the screen works offline, and nothing a page could be
 * tricked into loading can come from the internet.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

export function registerStatic(app: FastifyInstance, dir = new URL('./public/', import.meta.url)): void {
  for (const [url, file] of Object.entries(STATIC_FILES)) {
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
