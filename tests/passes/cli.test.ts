// The technicians' commands, end to end as a tech runs them (spawned), and their argument errors in-process (fast).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { run, type CliContext } from '../../gateway/cli.ts'
import { parseDuration } from '../../gateway/passes/commands.ts'
import { createPassVerifier, type PassIssuer } from '../../gateway/passes/verify.ts'
import { systemClock } from '../../devices/types.ts'
import { fixedClock, NOW } from './fixtures.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'estate-gate-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** `node --import tsx gateway/cli.ts …`, what `npx tsx gateway/cli.ts …` runs, without npm's own noise on stderr. */
function cli(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args], { cwd: root })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('spawned: keys new, then pass issue, then the gate verifies', () => {
  let keys: Ran
  let issuers: PassIssuer[]
  const keyFile = join(dir, 'test-key-1.key.pem')

  beforeAll(async () => {
    keys = await cli(['keys', 'new', '--kid', 'test-key-1', '--out', dir])
    // The printed YAML is what the tech pastes into the gateway config.
    const yaml = keys.stdout.slice(keys.stdout.indexOf('passes:'))
    issuers = (parseYaml(yaml) as { passes: { issuers: PassIssuer[] } }).passes.issuers
  })

  it('writes KID.key.pem (0600) and KID.pub.pem and prints the kid, the key and the config snippet', () => {
    expect(keys.code).toBe(0)
    expect(keys.stderr).toBe('')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const publicKeyPem = readFileSync(join(dir, 'test-key-1.pub.pem'), 'utf8')
    expect(keys.stdout).toContain('kid: test-key-1\n')
    expect(keys.stdout).toContain(publicKeyPem)
    expect(issuers).toEqual([{ kid: 'test-key-1', publicKeyPem }])
  })

  it('issues a pass that the verifier accepts, printing nothing but the pass', async () => {
    const before = Math.floor(Date.now() / 1000)
    const ran = await cli([
      'pass', 'issue', '--key', keyFile, '--kid', 'test-key-1', '--sub', 'H-3-1-502', '--kind', 'resident',
      '--ttl', '30m', '--gates', 'north-1,south-2', '--hc', 'green', '--unit', '3-1-502', '--plate', '沪A12345', '--jti', 'P-77',
    ])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const result = await createPassVerifier({ issuers, clock: systemClock }).verify(ran.stdout.trim())
    expect(result).toMatchObject({
      ok: true,
      pass: { id: 'P-77', subject: 'H-3-1-502', kind: 'resident', gates: ['north-1', 'south-2'], hc: 'green', unit: '3-1-502', plate: '沪A12345', kid: 'test-key-1' },
    })
    if (result.ok) {
      expect(result.pass.iat).toBeGreaterThanOrEqual(before)
      expect(result.pass.exp - (result.pass.iat ?? 0)).toBe(1800)
    }
  })

  it('--aud binds a pass to a site or gate: that gate admits it, another estate refuses it as wrong_gate', async () => {
    const ran = await cli(['pass', 'issue', '--key', keyFile, '--kid', 'test-key-1', '--sub', 'H-1', '--kind', 'resident', '--aud', 'estate-001/north-1'])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    const at = (siteId: string, gateId: string) => createPassVerifier({ issuers, clock: systemClock, audience: { siteId, gateId } }).verify(ran.stdout.trim())
    expect(await at('estate-001', 'north-1')).toMatchObject({ ok: true })
    expect(await at('estate-001', 'south-2')).toMatchObject({ ok: false, reason: 'wrong_gate' })
    expect(await at('estate-002', 'north-1')).toMatchObject({ ok: false, reason: 'wrong_gate' })
  })

  it('--nbf-in makes a pass that becomes valid later', async () => {
    const ran = await cli(['pass', 'issue', '--key', keyFile, '--kid', 'test-key-1', '--sub', 'V-1', '--kind', 'visitor', '--nbf-in', '10m'])
    expect(ran.code).toBe(0)
    const clock = fixedClock(Date.now())
    const verifier = createPassVerifier({ issuers, clock })
    expect(await verifier.verify(ran.stdout.trim())).toMatchObject({ ok: false, reason: 'not_yet_valid', pass: { subject: 'V-1' } })
    clock.set(Date.now() + 11 * 60_000)
    expect(await verifier.verify(ran.stdout.trim())).toMatchObject({ ok: true })
  })

  it('will not overwrite a key', async () => {
    const again = await cli(['keys', 'new', '--kid', 'test-key-1', '--out', dir])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/test-key-1\.key\.pem already exists/)
  })

  it('exits 2 with a message on stderr for an unknown subcommand or a bad argument', async () => {
    const [unknown, bad] = await Promise.all([
      cli(['pass', 'frobnicate']),
      cli(['pass', 'issue', '--key', keyFile, '--kid', 'test-key-1', '--sub', 'H-1', '--kind', 'tourist']),
    ])
    expect(unknown).toMatchObject({ code: 2, stdout: '' })
    expect(unknown.stderr).toMatch(/unknown subcommand "frobnicate"/)
    expect(bad).toMatchObject({ code: 2, stdout: '' })
    expect(bad.stderr).toMatch(/--kind: expected one of resident, visitor, staff, vehicle, got "tourist"/)
  })

  it('prints --help on stdout with exit 0', async () => {
    const ran = await cli(['pass', 'issue', '--help'])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(/^Usage: estate-gate pass issue --key FILE --kid KID --sub HOLDER --kind KIND/)
  })
})

describe('in-process: the command table and argument errors', () => {
  async function runCli(args: string[]) {
    let stdout = ''
    let stderr = ''
    const ctx: CliContext = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), clock: fixedClock(), cwd: dir }
    const code = await run(args, ctx)
    return { code, stdout, stderr }
  }

  it.each([
    [['--help'], /^Usage: estate-gate <command>[\s\S]*keys new[\s\S]*pass issue/],
    [['keys', '--help'], /^Usage: estate-gate keys <subcommand>[\s\S]*keys new/],
    [['pass', '-h'], /^Usage: estate-gate pass <subcommand>[\s\S]*pass issue/],
    [['keys', 'new', '--help'], /^Usage: estate-gate keys new \[--kid KID\] \[--out DIR\]/],
    [['pass', 'issue', '-h'], /^Usage: estate-gate pass issue/],
  ])('%j prints help with exit 0', async (args, help) => {
    const ran = await runCli(args)
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(help)
  })

  const key = join(dir, 'inproc.key.pem')
  beforeAll(async () => {
    expect((await runCli(['keys', 'new', '--kid', 'inproc', '--out', dir])).code).toBe(0)
  })
  const issue = (...more: string[]) => ['pass', 'issue', '--key', key, '--kid', 'inproc', '--sub', 'H-1', '--kind', 'resident', ...more]

  it.each([
    [[], /Usage: estate-gate <command>/],
    [['nope'], /unknown command "nope"/],
    [['keys'], /keys: missing subcommand/],
    [['keys', 'old'], /unknown subcommand "old"/],
    [['keys', 'new', '--kid', '../evil'], /--kid: expected a key id \(kid\).*got "..\/evil"/],
    [['keys', 'new', 'extra'], /Unexpected argument 'extra'/],
    [['pass', 'issue'], /missing --key, --kid, --sub, --kind/],
    [issue('--ttl', '24'), /--ttl: expected a duration like 45s, 30m, 24h or 7d, got "24"/],
    [issue('--ttl', '400d'), /--ttl: expected more than 0 and at most 366d/],
    [issue('--ttl', '0m'), /--ttl: expected more than 0/],
    [issue('--nbf-in', 'soon'), /--nbf-in: expected a duration/],
    [issue('--gates', ' , '), /--gates: expected gate ids/],
    [issue('--aud', ','), /--aud: expected site ids/],
    [issue('--hc', 'purple'), /--hc: expected one of green, yellow, red, got "purple"/],
    [issue('--sub', '张三'), /sub: an opaque holder id/],
    [issue('--bogus'), /Unknown option '--bogus'/],
    [issue('--ttl'), /--ttl/],
    [['pass', 'issue', '--key', join(dir, 'none.pem'), '--kid', 'x', '--sub', 'H-1', '--kind', 'staff'], /--key: .*none\.pem: cannot read .*ENOENT/],
  ])('%j exits 2 with a message on stderr', async (args, message) => {
    const ran = await runCli(args)
    expect(ran.code).toBe(2)
    expect(ran.stdout).toBe('')
    expect(ran.stderr).toMatch(message)
  })

  it('issues with the injected clock', async () => {
    const ran = await runCli(issue('--ttl', '7d'))
    expect(ran.code).toBe(0)
    const verifier = createPassVerifier({ issuers: [{ kid: 'inproc', publicKeyPem: readFileSync(join(dir, 'inproc.pub.pem'), 'utf8') }], clock: fixedClock() })
    expect(await verifier.verify(ran.stdout.trim())).toMatchObject({ ok: true, pass: { iat: NOW / 1000, exp: NOW / 1000 + 7 * 86_400 } })
  })

  it('parses durations', () => {
    expect([parseDuration('45s'), parseDuration('30m'), parseDuration('24h'), parseDuration('7d')]).toEqual([45, 1800, 86_400, 604_800])
    for (const bad of ['', '1', 'h', '1.5h', '-1h', '1w', ' 1h']) expect(() => parseDuration(bad), bad).toThrow(/expected a duration/)
  })

})
