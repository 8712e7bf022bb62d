// The release (npm run release): one tarball with the built JavaScript that a technician unpacks on a Pi, where
// `npm ci --omit=dev` is the only step. Checked unpacked, with only the runtime packages beside it (helpers/release.ts):
// what it holds, that it needs nothing of the development tools, and that the built gateway and CLI run from it.
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, tempDir } from '../helpers/gatewayProcess.ts'
import { unpackedRelease, type UnpackedRelease } from '../helpers/release.ts'

let release: UnpackedRelease
const dirs: string[] = []
beforeAll(async () => {
  release = await unpackedRelease()
  dirs.push(join(release.dir, '..'))
})
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

type Pkg = { bin: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> }
const pkg = (): Pkg => JSON.parse(readFileSync(join(release.dir, 'package.json'), 'utf8')) as Pkg

describe('the release tarball', () => {
  it('holds the built gateway, CLI and simulators, the kiosk\'s files, source maps, the deploy files and the lock; no TypeScript', () => {
    for (const f of ['dist/main.js', 'dist/cli.js', 'dist/sim.js', 'dist/main.js.map', 'dist/kiosk/public/index.html', 'dist/kiosk/public/tech.html', 'dist/kiosk/public/kiosk.js']) {
      expect(release.files, f).toContain(f)
    }
    for (const f of ['npm-shrinkwrap.json', 'package.json', 'README.md', 'deploy/estate-gate.service', 'deploy/gateway.example.yaml', 'docs/raspberry-pi.md']) {
      expect(release.files, f).toContain(f)
    }
    expect(release.files.filter((f) => f.endsWith('.ts'))).toEqual([])
    expect(release.files.filter((f) => /^(gateway|devices|cloud-bridge|simulators|tests|bench|fleet)\//.test(f))).toEqual([])
  })

  it('needs no development tool at run time: tsx and esbuild are devDependencies, the lock marks them dev', () => {
    const p = pkg()
    for (const tool of ['tsx', 'esbuild', 'typescript', 'vitest']) {
      expect(p.dependencies[tool], tool).toBeUndefined()
      expect(p.devDependencies[tool], tool).toBeDefined()
    }
    const lock = JSON.parse(readFileSync(join(release.dir, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }
    expect(lock.packages['node_modules/tsx']?.dev).toBe(true)
    expect(lock.packages['node_modules/esbuild']?.dev).toBe(true)
  })

  it('source maps name the TypeScript sources relative to dist/, never the path of the machine that built them', () => {
    const map = JSON.parse(readFileSync(join(release.dir, 'dist/main.js.map'), 'utf8')) as { sources: string[] }
    expect(map.sources).toContain('../gateway/main.ts')
    for (const s of map.sources) expect(s).toMatch(/^\.\.\/(gateway|devices|cloud-bridge|simulators)\//)
  })

  it('its estate-gate command (package.json bin) is the built CLI, run by plain node', () => {
    const bin = join(release.dir, pkg().bin['estate-gate']!)
    expect(bin).toBe(join(release.dir, 'dist/cli.js'))
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
    accessSync(bin, constants.X_OK)
    const res = spawnSync(bin, ['--help'], { cwd: release.dir, encoding: 'utf8' })
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
    expect(res.stdout).toContain('check-config')
  })

  it('npm start there builds nothing (no sources) and runs the built gateway', () => {
    const res = spawnSync(process.execPath, [join(release.dir, 'scripts/build.mjs'), '--if-stale'], { cwd: release.dir, encoding: 'utf8' })
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
    expect(pkg().scripts.start).toMatch(/\bnode\b.* dist\/main\.js$/)
  })

  it('the built gateway starts with the runtime packages only: /healthz, the staff screen, and the simulated crowd loaded when asked for', async () => {
    const dir = tempDir()
    dirs.push(dir)
    const port = await freePort()
    const file = join(dir, 'gateway.yaml')
    writeFileSync(
      file,
      stringify({
        dataDir: join(dir, 'data'),
        kiosk: { host: '127.0.0.1', port },
        localBroker: { enabled: true, host: '127.0.0.1', port: await freePort() },
        simulation: { crowd: true, intervalMs: 200 },
      }),
    )
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js', '--config', file], { cwd: release.dir })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
    const url = `http://127.0.0.1:${port}`
    try {
      let health: { components?: Record<string, { counters?: Record<string, number> }> } = {}
      for (const deadline = Date.now() + 20_000; !((health.components?.['scanner-in']?.counters?.scans ?? 0) > 0); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no scan from the crowd (exit ${child.exitCode}); stderr: ${err}\nstdout: ${out}`)
        health = (await fetch(`${url}/healthz`).then((r) => (r.ok ? r.json() : {}), () => ({}))) as typeof health
      }
      const page = await fetch(`${url}/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>estate-gate</title>')
      expect((await fetch(`${url}/kiosk/kiosk.js`)).status).toBe(200)
      expect((await fetch(`${url}/tech`)).status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(err).toBe('')
  })
})

describe('the built check-config and the built gateway', () => {
  it('agree on deploy/gateway.example.yaml as shipped (its placeholder issuer key): exit 2 from both, naming the key', () => {
    const example = join(release.dir, 'deploy/gateway.example.yaml')
    const cwd = tempDir()
    dirs.push(cwd)
    const checked = spawnSync(process.execPath, [join(release.dir, 'dist/cli.js'), 'check-config', example], { cwd, encoding: 'utf8' })
    const started = spawnSync(process.execPath, ['--enable-source-maps', join(release.dir, 'dist/main.js'), '--config', example], { cwd, encoding: 'utf8', timeout: 20_000 })
    const lines = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('  - '))
    expect(lines(checked.stderr)).toContainEqual(expect.stringMatching(/passes\.issuers\[0\]\.publicKeyPem: key estate-key-1: expected an Ed25519 public key/))
    expect(lines(started.stderr)).toEqual(lines(checked.stderr))
    expect([checked.status, started.status]).toEqual([2, 2])
    expect(started.stdout).toBe('')
  })
})
