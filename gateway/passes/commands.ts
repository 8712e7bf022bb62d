// `estate-gate keys new` and `estate-gate pass issue`: what a tech needs to commission a gate and test it with a pass.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CliContext } from '../cli.ts'
import { oneOf, option, parse, runCommand, UsageError } from '../cli/args.ts'
import { HEALTH_COLOURS, PASS_KINDS } from './claims.ts'
import { issuePass } from './issue.ts'
import { assertKid, defaultKid, loadPrivateKeyPem, newKeyPair } from './keys.ts'

export const KEYS_NEW_USAGE = `Usage: estate-gate keys new [--kid KID] [--out DIR]

Makes an Ed25519 key pair for signing passes. The private key signs passes and stays with
whoever issues them; the public key goes into every gate's config under passes.issuers.

Options:
  --kid KID   key id, written into the header of every pass it signs
              (default: estate-key-YYYYMMDD-xxxx)
  --out DIR   where to write KID.key.pem (mode 0600) and KID.pub.pem (default: .)
  -h, --help  this text

Prints the kid, the public key and a YAML snippet for the gateway config.
Existing files are never overwritten. Exit codes: 0 done, 2 bad argument.
`

export const PASS_ISSUE_USAGE = `Usage: estate-gate pass issue --key FILE --kid KID --sub HOLDER --kind KIND [options]

Signs a pass and prints it (the compact JWT, the text of the QR code) on stdout, nothing else.

Required:
  --key FILE      Ed25519 private key (PKCS#8 PEM), as written by "keys new"
  --kid KID       the key's id, as configured in passes.issuers on the gates
  --sub HOLDER    opaque holder id, e.g. H-3-1-502 (never a name)
  --kind KIND     ${PASS_KINDS.join(' | ')}

Options:
  --ttl DURATION  how long it is valid, e.g. 30m, 24h, 7d (default: 24h; at most 366d)
  --nbf-in DURATION
                  valid only from this long after now (default: at once); --ttl counts from then
  --gates LIST    gate ids where it is valid, comma-separated (default: every gate)
  --aud LIST      audiences (aud): site ids or site/gate, comma-separated; a gate refuses
                  a pass whose aud names neither its site.id nor site.id/gate.id (default: none)
  --hc COLOUR     health-code colour: ${HEALTH_COLOURS.join(' | ')}
  --unit UNIT     dwelling unit, e.g. 3-1-502
  --plate PLATE   vehicle plate, e.g. 沪A12345
  --jti ID        pass id (default: random), what a revocation names
  -h, --help      this text

Exit codes: 0 printed, 2 bad argument or key file.
`

const MAX_TTL_SECONDS = 366 * 86_400
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** `30m`, `24h`, `7d`, `45s` → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,7})([smhd])$/.exec(text)
  const unit = m?.[2] === undefined ? undefined : UNITS[m[2]]
  if (!m?.[1] || unit === undefined) throw new Error(`expected a duration like 45s, 30m, 24h or 7d, got ${JSON.stringify(text)}`)
  return Number(m[1]) * unit
}

export function keysNew(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('keys new', ctx, () => {
    const values = parse(args, { kid: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } })
    if (values.help) {
      ctx.stdout(KEYS_NEW_USAGE)
      return 0
    }
    const kid = option('--kid', () => assertKid(values.kid ?? defaultKid(ctx.clock.now())))
    const dir = resolve(ctx.cwd, values.out ?? '.')
    const privateFile = join(dir, `${kid}.key.pem`)
    const publicFile = join(dir, `${kid}.pub.pem`)
    // A kid names one key for ever: overwriting a private key would orphan every pass and gate config using it.
    for (const file of [privateFile, publicFile]) {
      if (existsSync(file)) throw new UsageError(`${file} already exists; expected a new kid (or another --out)`)
    }
    const pair = newKeyPair(kid)
    option('--out', () => mkdirSync(dir, { recursive: true, mode: 0o700 }))
    // 'wx': fail rather than follow a file or symlink created meanwhile; mode applies at creation (umask only narrows).
    writeFileSync(privateFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' })
    writeFileSync(publicFile, pair.publicKeyPem, { mode: 0o644, flag: 'wx' })
    ctx.stdout(
      `kid: ${kid}\n` +
        `private key: ${privateFile} (mode 0600: keep it with the issuer, never on a gate box)\n` +
        `public key:  ${publicFile}\n\n` +
        pair.publicKeyPem +
        `\n# Add to each gate's config (merge into an existing passes.issuers list):\n` +
        issuersYaml(kid, pair.publicKeyPem),
    )
    return 0
  })
}

/** The YAML for `passes.issuers`, with the PEM as a literal block so it can be pasted as is. */
export function issuersYaml(kid: string, publicKeyPem: string): string {
  const pem = publicKeyPem
    .trimEnd()
    .split('\n')
    .map((line) => `          ${line}`)
    .join('\n')
  return `passes:\n  issuers:\n    - kid: ${kid}\n      publicKeyPem: |\n${pem}\n`
}

export function passIssue(args: string[], ctx: CliContext): Promise<number> {
  return runCommand('pass issue', ctx, async () => {
    const values = parse(args, {
      key: { type: 'string' },
      kid: { type: 'string' },
      sub: { type: 'string' },
      kind: { type: 'string' },
      ttl: { type: 'string' },
      'nbf-in': { type: 'string' },
      gates: { type: 'string' },
      aud: { type: 'string' },
      hc: { type: 'string' },
      unit: { type: 'string' },
      plate: { type: 'string' },
      jti: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    })
    if (values.help) {
      ctx.stdout(PASS_ISSUE_USAGE)
      return 0
    }
    const missing = (['key', 'kid', 'sub', 'kind'] as const).filter((k) => values[k] === undefined).map((k) => `--${k}`)
    if (missing.length > 0) throw new UsageError(`missing ${missing.join(', ')}`)
    const { key = '', kid = '', sub = '', kind = '' } = values

    const ttlSeconds = option('--ttl', () => parseDuration(values.ttl ?? '24h'))
    if (ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new UsageError(`--ttl: expected more than 0 and at most 366d, got ${JSON.stringify(values.ttl)}`)
    }
    const notBeforeInSeconds = option('--nbf-in', () => parseDuration(values['nbf-in'] ?? '0s'))
    const gates = values.gates === undefined ? undefined : splitList(values.gates)
    if (gates?.length === 0) throw new UsageError(`--gates: expected gate ids such as north-1,south-2, got ${JSON.stringify(values.gates)}`)
    const aud = values.aud === undefined ? undefined : splitList(values.aud)
    if (aud?.length === 0) throw new UsageError(`--aud: expected site ids such as estate-001 or estate-001/north-1, got ${JSON.stringify(values.aud)}`)
    const privateKeyPem = option('--key', () => loadPrivateKeyPem(resolve(ctx.cwd, key)))

    const claims = {
      sub,
      kind: oneOf('--kind', kind, PASS_KINDS),
      ...(gates && { gates }),
      ...(aud && { aud }),
      ...(values.hc !== undefined && { hc: oneOf('--hc', values.hc, HEALTH_COLOURS) }),
      ...(values.unit !== undefined && { unit: values.unit }),
      ...(values.plate !== undefined && { plate: values.plate }),
      ...(values.jti !== undefined && { jti: values.jti }),
    }
    let pass: string
    try {
      pass = await issuePass({ privateKeyPem, kid }, claims, { now: ctx.clock.now(), ttlSeconds, notBeforeInSeconds })
    } catch (err) {
      // issuePass checks the claims with the gate's own schema: its message names the claim and what was expected.
      throw new UsageError((err as Error).message)
    }
    ctx.stdout(`${pass}\n`)
    return 0
  })
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}
