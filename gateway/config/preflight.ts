// What start checks before it opens anything, in one function that `estate-gate check-config` runs too, so the
// two cannot disagree: the schema (gateway/config/schema.ts: keys and hashes that parse, ports and pins that do not
// collide, cron expressions), the remote changes kept in dataDir over the file, then what no schema can see: files
// that must be readable and a data directory that must be writable. Each failure names its key and ends in exit 2,
// which the unit does not restart (RestartPreventExitStatus=2): a restart cannot fix a file.
// Serial device paths are not checked: an adapter plugged in late is a run-time matter (the driver reconnects).
import { X509Certificate } from 'node:crypto'
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { createSecureContext } from 'node:tls'
import type { LoadResult } from './load.ts'
import { withOverrides } from './overrides.ts'
import type { GatewayConfig } from './schema.ts'

/** A start failure the configuration caused (not cured by a restart): exit 2, with the key to fix. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${key}: ${message}`, options)
  }
}

/** The file's (or the demo's) result, with the remote changes applied and the environment checked. */
export function checkForStart(loaded: LoadResult, cwd = process.cwd()): LoadResult {
  const merged = withOverrides(loaded, cwd)
  if (!merged.ok) return merged
  const errors = preflight(merged.config, cwd)
  return errors.length > 0 ? { ok: false, source: loaded.source, errors } : merged
}

/** `key: what is wrong` for each problem of the configuration on this machine; relative paths resolve from cwd. */
export function preflight(config: GatewayConfig, cwd = process.cwd()): string[] {
  const errors: string[] = []
  const dataDir = writableDir(resolve(cwd, config.dataDir))
  if (dataDir) errors.push(`dataDir: ${dataDir}`)

  const tls = config.kiosk.tls
  if (tls) {
    const cert = readable(resolve(cwd, tls.cert), 'kiosk.tls.cert', errors)
    const key = readable(resolve(cwd, tls.key), 'kiosk.tls.key', errors)
    const bad = cert && key && tlsError({ cert, key })
    if (bad) errors.push(`kiosk.tls: expected the certificate (chain) and its private key, got ${bad}`)
  }
  const c = config.central
  const ca = c.ca ? readable(resolve(cwd, c.ca), 'central.ca', errors) : null
  if (ca) caCertificates(ca, errors)
  const cert = c.cert ? readable(resolve(cwd, c.cert), 'central.cert', errors) : null
  const key = c.key ? readable(resolve(cwd, c.key), 'central.key', errors) : null
  const bad = cert && key && tlsError({ cert, key })
  if (bad) errors.push(`central.cert: expected a client certificate and its private key (central.key), got ${bad}`)
  return errors
}

function readable(path: string, key: string, errors: string[]): Buffer | null {
  try {
    return readFileSync(path)
  } catch (err) {
    errors.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    return null
  }
}

/** node:tls parses PEM and matches a key with its certificate exactly as the kiosk's HTTPS and the uplink will. */
function tlsError(o: { cert: Buffer; key: Buffer }): string | null {
  try {
    createSecureContext(o)
    return null
  } catch (err) {
    return (err as Error).message
  }
}

/** node:tls skips whatever is not a certificate in a CA file: each PEM block must be one, and there must be one. */
function caCertificates(ca: Buffer, errors: string[]): void {
  const blocks = ca.toString('latin1').match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? []
  const bad = blocks.length === 0 ? 'no PEM block' : blocks.find((b) => !b.startsWith('-----BEGIN CERTIFICATE-----')) ? 'a PEM block that is not a certificate' : null
  if (bad) return void errors.push(`central.ca: expected PEM certificates of the CA ("-----BEGIN CERTIFICATE-----"), got ${bad}`)
  for (const b of blocks) {
    try {
      new X509Certificate(b)
    } catch (err) {
      return void errors.push(`central.ca: expected PEM certificates of the CA, got one that does not parse (${(err as Error).message})`)
    }
  }
}

/** Null when `dir` is a writable directory or can be made (its nearest existing ancestor is one); else why not. */
function writableDir(dir: string): string | null {
  let at = dir
  for (;;) {
    let isDir: boolean
    try {
      isDir = statSync(at).isDirectory()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot use ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`
      const up = dirname(at)
      if (up === at) return `cannot create ${dir}`
      at = up
      continue
    }
    if (!isDir) return at === dir ? `${dir} is not a directory` : `cannot create ${dir}: ${at} is not a directory`
    try {
      accessSync(at, constants.W_OK | constants.X_OK)
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? String(err)
      return at === dir ? `${dir} is not writable by this user (${why})` : `cannot create ${dir}: ${at} is not writable by this user (${why})`
    }
    return null
  }
}
