// deploy/estate-gate.service: what it says (user, groups, restart policy, command, hardening), that systemd accepts
// it (systemd-analyze verify), and that its ExecStart, run as written in the unpacked release, starts the built
// gateway and ends with the exit codes its restart policy expects: 2 on a bad config (no restart), 0 on SIGTERM (no
// restart), 1 on a fault (restart).
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateConfig } from '../../gateway/config/load.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { freePort, ROOT } from '../helpers/gatewayProcess.ts'
import { unpackedRelease, type UnpackedRelease } from '../helpers/release.ts'
import { DEPLOY, deployFile, parseUdevRules, parseUnit, restartsOnExit, value, words } from './files.ts'

const unit = parseUnit(deployFile('estate-gate.service'))
const execStart = (value(unit, 'Service', 'ExecStart') ?? '').split(/\s+/)
const execStopPost = value(unit, 'Service', 'ExecStopPost') ?? ''

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'estate-gate-deploy-'))
  dirs.push(d)
  return d
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

describe('deploy/estate-gate.service', () => {
  it('runs as the dedicated user, with the dialout and gpio groups, from the install directory', () => {
    expect(value(unit, 'Service', 'User')).toBe('estate-gate')
    expect(value(unit, 'Service', 'Group')).toBe('estate-gate')
    expect(words(unit, 'Service', 'SupplementaryGroups').sort()).toEqual(['dialout', 'gpio'])
    expect(value(unit, 'Service', 'WorkingDirectory')).toBe('/opt/estate-gate')
    expect(value(unit, 'Service', 'StateDirectory')).toBe('estate-gate')
    expect(value(unit, 'Install', 'WantedBy')).toBe('multi-user.target')
  })

  it('starts plain node on the built dist/main.js with --config /etc/estate-gate/gateway.yaml, as npm start does', () => {
    expect(execStart[0]).toMatch(/^\/.*\/node$/)
    const script = execStart.indexOf('dist/main.js')
    expect(script).toBeGreaterThan(0)
    // Node's own options before the script, the gateway's after it: the same as package.json's start script, and no
    // TypeScript loader (a gate runs JavaScript: nothing is compiled at start, tsx is not even installed).
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/)
    const [node, npmScript] = [start.indexOf('node'), start.indexOf('dist/main.js')]
    expect(node).toBeGreaterThanOrEqual(0)
    expect(execStart.slice(1, script)).toEqual(start.slice(node + 1, npmScript))
    expect(execStart.slice(1, script)).toEqual(['--max-semi-space-size=1'])
    expect(execStart.join(' ')).not.toMatch(/tsx|\.ts\b/)
    expect(execStart.slice(script + 1)).toEqual(['--config', '/etc/estate-gate/gateway.yaml'])
  })

  it('de-energises the gpio relays after every exit (ExecStopPost), with the same node and config, its failure ignored', () => {
    // "-": a failing de-energise (no GPIO, a bad pin) is logged but is not the gateway's exit status.
    expect(execStopPost.startsWith('-')).toBe(true)
    const argv = execStopPost.slice(1).split(/\s+/)
    expect(argv[0]).toBe(execStart[0])
    expect(argv.slice(1)).toEqual(['dist/cli.js', 'gpio', 'safe', '--config', execStart.at(-1)])
    expect(unit.get('Service')?.get('ExecStopPost')).toHaveLength(1)
  })

  it('sizes libuv\'s thread pool as npm start does (password checks must not starve the serial reads)', () => {
    const fromUnit = words(unit, 'Service', 'Environment').find((l) => l.startsWith('UV_THREADPOOL_SIZE='))?.split('=')[1]
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
    const fromNpm = /(?:^|\s)UV_THREADPOOL_SIZE=(\d+)\s/.exec(start)?.[1]
    expect(fromUnit).toBeDefined()
    expect(Number(fromUnit)).toBeGreaterThanOrEqual(8)
    expect(fromUnit).toBe(fromNpm)
  })

  it('limits glibc\'s malloc arenas as npm start does (resident memory, issue 13)', () => {
    const fromUnit = words(unit, 'Service', 'Environment').find((l) => l.startsWith('MALLOC_ARENA_MAX='))?.split('=')[1]
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
    expect(fromUnit).toBe('2')
    expect(/(?:^|\s)MALLOC_ARENA_MAX=(\d+)\s/.exec(start)?.[1]).toBe(fromUnit)
  })

  it('restarts on failure, but not after a bad configuration (exit 2)', () => {
    expect(value(unit, 'Service', 'Restart')).toBe('on-failure')
    expect(words(unit, 'Service', 'RestartPreventExitStatus')).toEqual(['2'])
    expect(restartsOnExit(unit, 1)).toBe(true)
    expect(restartsOnExit(unit, 2)).toBe(false)
    expect(restartsOnExit(unit, 0)).toBe(false)
    // Never gives up: StartLimitIntervalSec=0 (an adapter or a disk that comes late).
    expect(value(unit, 'Unit', 'StartLimitIntervalSec')).toBe('0')
  })

  it('is ordered after time sync but never requires it (the gate must open without NTP)', () => {
    expect(words(unit, 'Unit', 'After')).toContain('time-sync.target')
    for (const key of ['Requires', 'Requisite', 'BindsTo', 'Wants', 'PartOf']) {
      const deps = words(unit, 'Unit', key)
      expect(deps.filter((d) => d.startsWith('time-') || d.startsWith('systemd-time')), key).toEqual([])
    }
  })

  it('is hardened, without the options that would cut the gateway off its devices or crash node', () => {
    const s = (k: string): string | undefined => value(unit, 'Service', k)
    expect(s('NoNewPrivileges')).toBe('yes')
    expect(s('ProtectSystem')).toBe('strict')
    expect(s('ProtectHome')).toBe('yes')
    expect(s('PrivateTmp')).toBe('yes')
    expect(s('ProtectKernelModules')).toBe('yes')
    expect(s('ProtectControlGroups')).toBe('yes')
    expect(s('RestrictSUIDSGID')).toBe('yes')
    expect(s('LockPersonality')).toBe('yes')
    expect(s('SystemCallFilter')).toBe('@system-service')
    expect(unit.get('Service')?.has('CapabilityBoundingSet')).toBe(true)
    expect(words(unit, 'Service', 'CapabilityBoundingSet')).toEqual([]) // no capabilities at all
    expect(words(unit, 'Service', 'RestrictAddressFamilies').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX'])
    // Each of these would break the gate (see the comment in the unit).
    for (const k of ['PrivateDevices', 'DeviceAllow', 'DevicePolicy', 'ProtectClock', 'ProtectKernelTunables', 'MemoryDenyWriteExecute', 'PrivateUsers', 'PrivateNetwork', 'IPAddressDeny', 'DynamicUser']) {
      expect(s(k), k).toBeUndefined()
    }
  })

  it('passes systemd-analyze verify', () => {
    const tool = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(executable)
    expect(tool, 'systemd-analyze not found: install the systemd package (.ci/run does)').toBeDefined()
    const dir = tempDir()
    const file = join(dir, 'estate-gate.service')
    copyFileSync(join(DEPLOY, 'estate-gate.service'), file)
    const node = execStart[0]!
    // verify refuses an ExecStart binary that does not exist; this machine's node may live elsewhere than the Pi's.
    if (!executable(node)) writeFileSync(file, deployFile('estate-gate.service').replaceAll(node, process.execPath))
    const res = spawnSync(tool!, ['verify', file], { encoding: 'utf8' })
    const aboutUs = `${res.stdout}\n${res.stderr}`.split('\n').filter((l) => l.includes('estate-gate.service'))
    expect(aboutUs, 'systemd-analyze verify complained about the unit').toEqual([])
    expect(res.status).toBe(0)
  })

  describe('its ExecStart, run as written (the unpacked release standing in for /opt/estate-gate)', () => {
    let release: UnpackedRelease
    beforeAll(async () => {
      release = await unpackedRelease()
      dirs.push(join(release.dir, '..'))
    })

    /** The unit's command with the config path swapped for a test file, and `extra` node options before the script. */
    function command(configFile: string, extra: string[] = []): [string, string[]] {
      const argv = execStart.map((a) => (a === '/etc/estate-gate/gateway.yaml' ? configFile : a))
      const node = executable(argv[0]!) ? argv[0]! : process.execPath
      const script = argv.indexOf('dist/main.js')
      return [node, [...argv.slice(1, script), ...extra, ...argv.slice(script)]]
    }

    async function gatewayConfig(): Promise<{ file: string; url: string }> {
      const dir = tempDir()
      const port = await freePort()
      const config = {
        site: { id: 'estate-001', name: '测试社区', timezone: 'Asia/Shanghai' },
        gate: { id: 'north-1', name: '北门' },
        dataDir: join(dir, 'data'),
        kiosk: { host: '127.0.0.1', port },
        localBroker: { enabled: true, host: '127.0.0.1', port: await freePort() },
        log: { level: 'info' },
      }
      const file = join(dir, 'gateway.yaml')
      writeFileSync(file, stringify(config))
      return { file, url: `http://127.0.0.1:${port}` }
    }

    function run(cmd: [string, string[]], env: NodeJS.ProcessEnv = {}) {
      const child = spawn(cmd[0], cmd[1], { cwd: release.dir, env: { ...process.env, ...env } })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
      return { child, exited, out: () => stdout, err: () => stderr }
    }

    async function untilReady(url: string, exited: Promise<number | null>): Promise<void> {
      let gone = false
      void exited.then(() => (gone = true))
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline && !gone) {
        const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
        if (ok) return
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error(gone ? 'the gateway exited before it was ready' : 'the gateway was not ready within 20 s')
    }

    it('a bad configuration: exit 2 naming the key, and systemd does not restart it', async () => {
      const file = join(tempDir(), 'gateway.yaml')
      writeFileSync(file, 'rules: { feverC: hot }\n')
      const p = run(command(file))
      const code = await p.exited
      expect(code).toBe(2)
      expect(p.err()).toMatch(/rules\.feverC/)
      expect(restartsOnExit(unit, code!)).toBe(false)
    })

    it('a typo in the command line (--confg): exit 2 with the usage, no demo started, and systemd does not restart it', async () => {
      const { file } = await gatewayConfig()
      const [node, argv] = command(file)
      const p = run([node, argv.map((a) => (a === '--config' ? '--confg' : a))])
      const code = await p.exited
      expect(code).toBe(2)
      expect(p.err()).toMatch(/Unknown option '--confg'[\s\S]*Usage: estate-gate start/)
      expect(p.out()).toBe('') // not one log line: nothing started
      expect(existsSync(join(release.dir, 'data'))).toBe(false) // the demo would write ./data
      expect(restartsOnExit(unit, code!)).toBe(false)
    })

    it('starts the gateway (ready on /healthz); SIGTERM stops it with exit 0, and systemd leaves it stopped', async () => {
      const { file, url } = await gatewayConfig()
      const p = run(command(file))
      try {
        await untilReady(url, p.exited)
        // Ready first; then every part ok once the uplink has connected to the embedded broker.
        let health: { status: string } = { status: '' }
        for (const deadline = Date.now() + 10_000; Date.now() < deadline && health.status !== 'ok'; await new Promise((r) => setTimeout(r, 50))) {
          health = (await (await fetch(`${url}/healthz`)).json()) as { status: string }
        }
        expect(health.status, JSON.stringify(health)).toBe('ok')
      } finally {
        p.child.kill('SIGTERM')
      }
      const code = await p.exited
      expect(code).toBe(0)
      expect(restartsOnExit(unit, code!)).toBe(false)
    })

    it('a fault at run time (an uncaught exception): exit 1, and systemd restarts it', async () => {
      const { file, url } = await gatewayConfig()
      // Throws once the gateway answers /healthz, from outside any handler: what a bug in a callback does.
      const fault = `let thrown = false
        const t = setInterval(() => fetch(process.env.FAULT_URL).then((r) => {
          if (!r.ok || thrown) return
          thrown = true; clearInterval(t)
          setImmediate(() => { throw new Error('injected fault (deploy test)') })
        }, () => {}), 50)`
      const p = run(command(file, ['--import', `data:text/javascript,${encodeURIComponent(fault)}`]), { FAULT_URL: `${url}/healthz` })
      let code: number | null
      try {
        code = await Promise.race([p.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit within 20 s')), 20_000))])
      } finally {
        p.child.kill('SIGKILL')
      }
      expect(p.out()).toContain('injected fault (deploy test)')
      expect(p.out()).toContain('uncaught exception; stopping')
      expect(code).toBe(1)
      expect(restartsOnExit(unit, code!)).toBe(true)
    })

    /** The unit's ExecStopPost with the config path swapped, and the environment systemd gives it. */
    function stopPost(configFile: string, env: NodeJS.ProcessEnv = {}) {
      const argv = execStopPost.slice(1).split(/\s+/).map((a) => (a === '/etc/estate-gate/gateway.yaml' ? configFile : a))
      return run([executable(argv[0]!) ? argv[0]! : process.execPath, argv.slice(1)], env)
    }

    it('ExecStopPost after kill -9 of the gateway: runs from the release and says how the gateway ended', async () => {
      const { file, url } = await gatewayConfig()
      const p = run(command(file))
      try {
        await untilReady(url, p.exited)
      } finally {
        p.child.kill('SIGKILL')
      }
      expect(await p.exited).toBeNull() // killed: no exit code, no chance to de-energise anything itself
      // The demo's outputs are simulated: nothing to write, exit 0.
      const post = stopPost(file, { SERVICE_RESULT: 'signal', EXIT_CODE: 'killed', EXIT_STATUS: 'KILL' })
      expect(await post.exited).toBe(0)
      expect(post.out()).toMatch(/^no gpio relays or buzzers in \S+gateway\.yaml: nothing to de-energise after the gateway's exit \(SERVICE_RESULT=signal EXIT_CODE=killed EXIT_STATUS=KILL\)\n$/)
    })

    it('ExecStopPost with gpio relays on a machine without GPIO: exit 1 naming each pin (systemd ignores it: "-")', async () => {
      const dir = tempDir()
      const file = join(dir, 'gateway.yaml')
      writeFileSync(file, stringify({ dataDir: join(dir, 'data'), devices: { relays: [{ name: 'gate', driver: 'gpio', pin: 17, failSafe: true }] } }))
      const post = stopPost(file)
      expect(await post.exited).toBe(1)
      expect(post.err()).toContain('relay gate: GPIO17: sysfs GPIO is not accessible here')
    })
  })
})

describe('deploy/99-estate-gate.rules', () => {
  const rules = parseUdevRules(deployFile('99-estate-gate.rules'))

  it('reads as udev rules: every line is KEY{attr}OP"value" tokens', () => {
    expect(rules.length).toBeGreaterThanOrEqual(5)
  })

  it('gives serial adapters a role name under /dev/estate-gate/, matched by serial number or USB port', () => {
    const naming = rules.filter((r) => r.some((t) => t.key === 'SYMLINK' && t.op === '+='))
    expect(naming.length).toBeGreaterThanOrEqual(3)
    for (const r of naming) {
      expect(r.find((t) => t.key === 'SYMLINK')!.value).toMatch(/^estate-gate\/[a-z0-9-]+$/)
      expect(r).toContainEqual({ key: 'SUBSYSTEM', op: '==', value: 'tty' })
      // A role name must pick one adapter: by serial number or by port, never by vendor and model alone.
      expect(r.some((t) => t.key === 'ENV{ID_SERIAL_SHORT}' || t.key === 'ENV{ID_PATH}')).toBe(true)
    }
    const names = naming.map((r) => r.find((t) => t.key === 'SYMLINK')!.value)
    expect(new Set(names).size).toBe(names.length)
  })

  it('keeps ModemManager off the serial ports and sets FTDI adapters to a 1 ms latency timer', () => {
    expect(rules).toContainEqual([
      { key: 'SUBSYSTEM', op: '==', value: 'tty' },
      { key: 'ENV{ID_MM_DEVICE_IGNORE}', op: '=', value: '1' },
    ])
    expect(rules.some((r) => r.some((t) => t.key === 'ATTR{latency_timer}' && t.value === '1'))).toBe(true)
  })
})

describe('deploy/kiosk/estate-gate-kiosk', () => {
  it('opens the staff screen in kiosk mode only once /healthz answers, and again whenever the browser exits', async () => {
    // A browser that records how it was started and exits at once (as a crash would), found before the real one.
    const dir = tempDir()
    const launches = join(dir, 'launches.log')
    writeFileSync(join(dir, 'chromium-browser'), `#!/bin/sh\necho "$*" >> '${launches}'\n`, { mode: 0o755 })
    let ready = false
    let healthChecks = 0
    const server = createServer((req, res) => {
      if (req.url === '/healthz') healthChecks++
      res.writeHead(ready && req.url === '/healthz' ? 200 : 503).end('{}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    const script = spawn(join(DEPLOY, 'kiosk', 'estate-gate-kiosk'), [], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, ESTATE_GATE_URL: url, ESTATE_GATE_KIOSK_RETRY: '0.05' },
      detached: true, // its own process group, so that the loop and its children are stopped together
      stdio: 'ignore',
    })
    const lines = (): string[] => (existsSync(launches) ? readFileSync(launches, 'utf8').trim().split('\n') : [])
    const until = async (pred: () => boolean, what: string): Promise<void> => {
      for (const deadline = Date.now() + 10_000; !pred(); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      }
    }
    try {
      await until(() => healthChecks >= 3, 'three health checks')
      expect(lines()).toEqual([]) // the gateway is not ready: no browser on an error page
      ready = true
      await until(() => lines().length >= 2, 'a launch and a relaunch')
      for (const l of lines().slice(0, 2)) {
        const args = l.split(' ')
        expect(args).toContain('--kiosk')
        expect(args).toContain('--autoplay-policy=no-user-gesture-required') // the fever alarm sounds untouched
        expect(args.at(-1)).toBe(url)
      }
    } finally {
      process.kill(-script.pid!, 'SIGTERM')
      server.close()
    }
  })

  it('is what every autostart file starts', () => {
    for (const f of ['labwc-autostart', 'wayfire.ini', 'lxde-autostart']) expect(deployFile(`kiosk/${f}`), f).toContain('/usr/local/bin/estate-gate-kiosk')
  })
})

describe('deploy/gateway.example.yaml', () => {
  const text = deployFile('gateway.example.yaml')
  // The example with the one thing a technician must bring: the estate's issuer key in place of the placeholder.
  const filled = text.replace(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/, newKeyPair('estate-key-1').publicKeyPem.trim().replaceAll('\n', '\n        '))
  const loaded = validateConfig(parse(filled) as unknown)

  it('passes the gateway\'s own configuration check once the issuer key is put in', () => {
    expect(filled).not.toBe(text)
    expect(loaded.ok ? [] : loaded.errors).toEqual([])
  })

  it('fits the other deploy files: dataDir of the unit, device paths named by the udev rules, username {site}/{gate}', () => {
    if (!loaded.ok) throw new Error('invalid example')
    const c = loaded.config
    expect(c.dataDir).toBe(`/var/lib/${value(unit, 'Service', 'StateDirectory')}`)
    const udevNames = parseUdevRules(deployFile('99-estate-gate.rules')).flatMap((r) => r.filter((t) => t.key === 'SYMLINK').map((t) => `/dev/${t.value}`))
    for (const d of [...c.devices.scanners, ...c.devices.thermometers]) expect(udevNames, d.name).toContain(d.path)
    expect(c.central.username).toBe(`${c.site.id}/${c.gate.id}`)
    expect(c.central.baseTopic).toBe('estate-gate') // what deploy/central/*acl* are written for
  })

  it('as shipped, is refused for its placeholder issuer key, by that key alone (check-config and start exit 2)', () => {
    const shipped = validateConfig(parse(text) as unknown)
    expect(shipped.ok ? [] : shipped.errors).toEqual([expect.stringMatching(/^passes\.issuers\[0\]\.publicKeyPem: key estate-key-1: expected an Ed25519 public key in PEM/)])
  })
})
