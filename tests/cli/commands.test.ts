// The command table as a whole: every command answers --help, bad commands exit 2, `start` checks its arguments
// before the gateway takes over, and the package bin works from a checkout (`npx estate-gate`).
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { commands } from '../../gateway/cli.ts'
import { verifyPassword } from '../../gateway/broker/passwords.ts'
import { freePort } from '../../cloud-bridge/mosquitto.ts'
import { CliProcess, cliProcess, ROOT, runCli, tempDir, type Ran } from './helpers.ts'

const dir = tempDir()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const EVERY = [
  'start', 'check-config', 'ports', 'probe scanner', 'probe thermometer', 'gpio pulse', 'gpio safe',
  'keys new', 'pass issue', 'export', 'sim', 'broker hash-password', 'kiosk hash-pin',
]

describe('the command table', () => {
  it('lists every command of the issue, with the exit codes, on --help', async () => {
    expect(Object.keys(commands)).toEqual(EVERY)
    const ran = await runCli(['--help'])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    for (const name of EVERY) expect(ran.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
    expect(ran.stdout).toMatch(/Exit codes: 0 done, 1 failed at run time .*, 2 bad command/)
  })

  it.each(EVERY)('%s --help prints its usage on stdout and exits 0', async (name) => {
    const ran = await runCli([...name.split(' '), '--help'])
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(new RegExp(`^Usage: (echo -n \\w+ \\| )?estate-gate ${name}\\b`))
  })

  it.each([
    [['probe', '--help'], /^Usage: estate-gate probe <subcommand>[\s\S]*probe scanner[\s\S]*probe thermometer/],
    [['gpio', '-h'], /^Usage: estate-gate gpio <subcommand>[\s\S]*gpio pulse[\s\S]*gpio safe/],
  ])('%j lists the group', async (args, usage) => {
    const ran = await runCli(args)
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(usage)
  })

  it.each([
    [['probe'], /estate-gate probe: missing subcommand/],
    [['probe', 'camera'], /estate-gate probe: unknown subcommand "camera"/],
    [['gpio', 'blink', '17'], /unknown subcommand "blink"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['start', '--confg', 'x.yaml'], /estate-gate start: Unknown option '--confg'[\s\S]*Run "estate-gate start --help"/],
    [['start', '--config='], /--config: expected a file name/],
    [['ports', 'extra'], /Unexpected argument 'extra'/],
  ])('%j exits 2 naming what was wrong', async (args, message) => {
    const ran = await runCli(args)
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    expect(ran.stderr).toMatch(message)
  })

  it('broker hash-password reads the password from the given stdin and prints a hash of it', async () => {
    const stdin = new PassThrough()
    stdin.end('correct horse battery\n')
    const ran = await runCli(['broker', 'hash-password'], { stdin })
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(/^scrypt\$\S+\n$/)
    expect(await verifyPassword(ran.stdout.trim(), 'correct horse battery')).toBe(true)
    expect(ran.stdout).not.toContain('horse')
  })
})

describe('as a process', () => {
  it('npx estate-gate --help works from a checkout (package.json bin: the built dist/cli.js)', async () => {
    const ran = await new Promise<Ran>((resolve, reject) => {
      const child = spawn('npx', ['--no-install', 'estate-gate', '--help'], { cwd: ROOT })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout, stderr }))
    })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^Usage: estate-gate <command>/)
    for (const name of EVERY) expect(ran.stdout).toContain(`  ${name} `)
  })

  it('start with a bad config exits 2 and lists every bad key by path; nothing is started', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, stringify({ dataDir: join(dir, 'never'), rules: { feverC: 99 }, kiosk: { prot: 8080 } }))
    const ran = await cliProcess(['start', '--config', file])
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    expect(ran.stderr).toContain('is not valid; nothing was started')
    expect(ran.stderr).toMatch(/rules\.feverC: Too big/)
    expect(ran.stderr).toMatch(/kiosk\.prot: unknown key/)
  })

  it('start with a good config runs the gateway until SIGTERM, then exits 0', async () => {
    const port = await freePort()
    const file = join(dir, 'good.yaml')
    writeFileSync(
      file,
      stringify({ dataDir: join(dir, 'data'), kiosk: { host: '127.0.0.1', port }, localBroker: { enabled: false }, log: { level: 'warn' }, schedules: [] }),
    )
    const gw = CliProcess.start(['start', '--config', file])
    try {
      const deadline = Date.now() + 15_000
      let health: { status?: string } | null = null
      while (!health && Date.now() < deadline && gw.proc.exitCode === null) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<{ status?: string }>, () => null)
        if (!health) await new Promise((r) => setTimeout(r, 50))
      }
      expect(health?.status, gw.stderr).toMatch(/^(ok|degraded)$/)
      gw.proc.kill('SIGTERM')
      expect((await gw.result()).code).toBe(0)
    } finally {
      await gw.kill()
    }
  })
})
