// estate-gate check-config FILE: the gateway's validation without starting anything; a summary a technician can
// hold against the wiring, never a secret; every error by key path with exit 2.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { hashPin } from '../../gateway/kiosk/pins.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { freePort, runGateway } from '../helpers/gatewayProcess.ts'
import { cliProcess, ROOT, runCli, tempDir } from './helpers.ts'

const KEY = newKeyPair('estate-key-1')

const dir = tempDir()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, config: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof config === 'string' ? config : stringify(config))
  return path
}

const GATE = {
  site: { id: 'estate-001', name: '路砦社区', timezone: 'Asia/Shanghai' },
  gate: { id: 'north-1', name: '北门' },
  dataDir: './gate-data',
  devices: {
    scanners: [
      { name: 'scanner-in', driver: 'line', path: '/dev/ttyUSB0', direction: 'in' },
      { name: 'scanner-out', driver: 'gm65', path: '/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0', baudRate: 115200, direction: 'out' },
    ],
    thermometers: [{ name: 'thermo-in', driver: 'modbus-rtu', path: '/dev/serial/by-id/usb-FTDI_A10K-if00-port0', unitId: 3, function: 3, offsetC: 0.4 }],
    relays: [{ name: 'gate', driver: 'gpio', pin: 17, activeLow: true, pulseMs: 2000 }],
    buzzers: [{ name: 'buzzer', driver: 'gpio', pin: 27 }],
    inputs: [{ name: 'door', kind: 'door-contact', driver: 'gpio', pin: 22 }],
  },
  passes: { issuers: [{ kid: 'estate-key-1', publicKeyPem: KEY.publicKeyPem }] },
  localBroker: { users: [{ username: 'display', password: 'plain-secret-1' }] },
  central: { url: 'mqtts://gw:hunter2@central.example.com:8883', username: 'gate-north-1', password: 'hunter2' },
  kiosk: { port: 8081, staffPins: ['4711'], techPins: [{ id: 'li', name: '李工', pin: '99887766' }] },
  schedules: [
    { id: 'corridors', kind: 'disinfection', area: 'corridors', everyDays: 2, at: '10:00' },
    { id: 'duty', kind: 'duty-check', area: 'gate', cron: '0 9,14,22 * * *' },
  ],
}

describe('check-config, a valid file', () => {
  it('prints OK and what it configures: every device with its port, broker, uplink, kiosk, the task count', async () => {
    const path = file('gate.yaml', GATE)
    const ran = await runCli(['check-config', path], { cwd: dir })
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    const out = ran.stdout
    expect(out).toMatch(new RegExp(`^OK: ${path} is a valid configuration\\.\\n`))
    expect(out).toMatch(/site +estate-001 \(路砦社区\), gate north-1 \(北门\), time zone Asia\/Shanghai/)
    expect(out).toMatch(/scanner +scanner-in: line on \/dev\/ttyUSB0 at 9600 baud, direction in/)
    expect(out).toMatch(/scanner +scanner-out: gm65 on \/dev\/serial\/by-id\/usb-1a86_USB_Serial-if00-port0 at 115200 baud, direction out/)
    expect(out).toMatch(/thermometer +thermo-in: modbus-rtu on \S+FTDI_A10K\S+ at 9600 baud, unit 3, function 3, register 0, scale 0.01, offset \+0.4 °C/)
    expect(out).toMatch(/relay +gate: GPIO17 \(BCM\), active-low, pulse 2000 ms/)
    expect(out).toMatch(/buzzer +buzzer: GPIO27 \(BCM\), active-high/)
    expect(out).toMatch(/relay +gate: .*, fail-secure \(locked without power\), opens on a fire alarm/)
    expect(out).toMatch(/input +door: door-contact, GPIO22, debounce 50 ms/)
    expect(out).toMatch(/gate +door held open after 30 s, forced open watched; no fire-alarm input/)
    expect(out).toMatch(/passes +1 issuer key\(s\): estate-key-1/)
    expect(out).toMatch(/broker +embedded, on 127.0.0.1:1883, 1 user\(s\): display \(display\)/)
    expect(out).toMatch(/uplink +mqtts:\/\/central.example.com:8883 as gate-north-1, base topic estate-gate/)
    expect(out).toMatch(/kiosk +http on 127.0.0.1:8081, 1 staff PIN\(s\), 1 tech PIN\(s\)/)
    expect(out).toMatch(/schedules +2 task\(s\) \(1 disinfection, 1 duty-check\)/)
  })

  it('never prints a secret: passwords, PINs, credentials in the broker URL', async () => {
    const ran = await runCli(['check-config', file('secrets.yaml', GATE)], { cwd: dir })
    expect(ran.code).toBe(0)
    for (const secret of ['hunter2', 'plain-secret-1', '4711', '99887766', KEY.publicKeyPem.split('\n')[1]!]) expect(ran.stdout).not.toContain(secret)
  })

  it('warns about what is valid but probably not meant, each with what to do', async () => {
    const ran = await runCli(['check-config', file('warn.yaml', GATE)], { cwd: dir })
    const warnings = ran.stdout.slice(ran.stdout.indexOf('Warnings:'))
    expect(warnings).toMatch(/scanner-in: \/dev\/ttyUSB0 can change .* use its \/dev\/serial\/by-id\/\.\.\. name \(estate-gate ports lists them\)/)
    expect(warnings).toMatch(/2 kiosk PIN\(s\) in plain text: hash them with "estate-gate kiosk hash-pin"/)
    expect(warnings).toMatch(/1 broker password\(s\) in plain text/)
    expect(warnings).not.toMatch(/scanner-out|thermo-in/)
  })

  it('the demo defaults (an empty file) are valid: simulated devices, no issuer keys, flagged', async () => {
    const ran = await runCli(['check-config', file('empty.yaml', '{}\n')], { cwd: dir })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/scanner +scanner-in: simulated \(simulated\), direction in/)
    expect(ran.stdout).toMatch(/uplink +none: events go to the embedded broker/)
    expect(ran.stdout).toMatch(/schedules +6 task\(s\)/)
    expect(ran.stdout).toMatch(/simulated devices \(no hardware is used for them\): scanner-in, scanner-out, thermo-in, gate, buzzer/)
    expect(ran.stdout).toMatch(/no passes\.issuers: every QR code will be denied as unknown_code/)
  })

  it('lists the remote changes (config-overrides.json in dataDir) that start applies over the file', async () => {
    const sub = join(dir, 'with-overrides')
    mkdirSync(join(sub, 'gate-data'), { recursive: true })
    writeFileSync(join(sub, 'gate-data', 'config-overrides.json'), JSON.stringify({ rules: { feverC: 37.5 } }))
    const ran = await runCli(['check-config', file('o.yaml', GATE)], { cwd: sub })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain(`Remote changes in ${join(sub, 'gate-data', 'config-overrides.json')} are applied over this file at start: rules.feverC.`)

    writeFileSync(join(sub, 'gate-data', 'config-overrides.json'), JSON.stringify({ rules: { feverC: 99 } }))
    const bad = await runCli(['check-config', file('o.yaml', GATE)], { cwd: sub })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/config-overrides\.json is not valid \(\d errors?\):\n {2}- rules\.feverC: Too big/)
  })
})

describe('check-config shows what start would run with', () => {
  it('the remote changes applied (a relay moved at /tech), dataDir as start resolves it, defaults filled in', async () => {
    const sub = join(dir, 'effective')
    mkdirSync(join(sub, 'gate-data'), { recursive: true })
    const moved = { devices: { relays: [{ name: 'gate', driver: 'gpio', pin: 23, activeLow: false, pulseMs: 4000 }] }, rules: { feverC: 37.6 } }
    writeFileSync(join(sub, 'gate-data', 'config-overrides.json'), JSON.stringify(moved))
    const ran = await runCli(['check-config', file('effective.yaml', { ...GATE, devices: { ...GATE.devices, inputs: [{ name: 'fire', kind: 'fire-alarm', driver: 'simulated' }] } })], { cwd: sub })
    expect(ran).toMatchObject({ code: 0, stderr: '' })
    expect(ran.stdout).toMatch(/relay +gate: GPIO23 \(BCM\), active-high, pulse 4000 ms/)
    expect(ran.stdout).not.toMatch(/GPIO17/)
    expect(ran.stdout).toMatch(/rules +fever at 37\.6 °C/)
    expect(ran.stdout).toContain(`data         ${join(sub, 'gate-data')} (dataDir ./gate-data, from the current directory): SQLite log`)
    // A simulated input's level file, where start will poll it.
    expect(ran.stdout).toContain(`input        fire: fire-alarm, simulated (${join(sub, 'gate-data', 'inputs', 'fire.level')})`)
    expect(ran.stdout).toContain('are applied over this file at start: devices.relays, rules.feverC.')
  })

  it('counts every PIN in plain text, duress PINs included, whether or not the entry’s own PIN is hashed', async () => {
    const central = { url: 'mqtts://central.example.com:8883' }
    const count = async (kiosk: Record<string, unknown>): Promise<string | undefined> => {
      const ran = await runCli(['check-config', file('pins.yaml', { ...GATE, central, kiosk: { port: 8081, ...kiosk } })], { cwd: dir })
      expect(ran.code).toBe(0)
      return /(\d+) kiosk PIN\(s\) in plain text/.exec(ran.stdout)?.[1]
    }
    const hashed = await hashPin('246810')
    expect(await count({ staffPins: [{ id: 'zhang', name: '张伟', pin: hashed, duressPin: '864200' }] })).toBe('1')
    expect(await count({ staffPins: [{ id: 'zhang', name: '张伟', pin: '246810', duressPin: '864200' }, '135790'], techPins: ['97531'] })).toBe('4')
    expect(await count({ staffPins: [{ id: 'zhang', name: '张伟', pin: hashed, duressPin: await hashPin('864200') }], techPins: [await hashPin('97531')] })).toBeUndefined()
    const ran = await runCli(['check-config', file('pins.yaml', { ...GATE, central, kiosk: { staffPins: [{ id: 'zhang', name: '张伟', pin: hashed, duressPin: '864200' }] } })], { cwd: dir })
    expect(ran.stdout).toMatch(/kiosk +http on 127\.0\.0\.1:8080, 1 staff PIN\(s\) \(1 with a duress PIN\), 0 tech PIN\(s\)/)
    expect(ran.stdout).not.toContain('864200')
  })

  it('piped to a reader that has gone (| head): exits quietly with its own code, no EPIPE', async () => {
    const path = file('piped.yaml', GATE)
    const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href
    const child = spawn(process.execPath, ['--import', loader, join(ROOT, 'gateway/cli.ts'), 'check-config', path], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    // The reader closes before the first line is written, as `head -1` does after its line: every write fails.
    child.stdout.destroy()
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })
})

describe('check-config, a file that is not valid', () => {
  it('lists every error by key path on stderr and exits 2', async () => {
    const path = file('bad.yaml', {
      site: { id: 'estate 001' },
      devices: {
        scanners: [{ name: 'scanner-in', driver: 'usb', direction: 'in' }],
        thermometers: [{ name: 't', driver: 'modbus-rtu', path: '/dev/ttyUSB2', unitId: 300 }],
        relays: [{ name: 'gate', driver: 'gpio', pin: 99 }],
      },
      rules: { antiPassbak: 'warn' },
      localBroker: { users: [{ username: 'display', password: 7 }] },
    })
    const ran = await runCli(['check-config', path], { cwd: dir })
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    const errors = ran.stderr.split('\n').filter((l) => l.startsWith('  - '))
    expect(ran.stderr).toMatch(new RegExp(`^estate-gate check-config: ${path} is not valid \\(${errors.length} errors\\):\\n`))
    expect(errors).toEqual([
      expect.stringMatching(/^ {2}- site\.id: letters, digits.* \(got "estate 001"\)$/),
      expect.stringMatching(/^ {2}- devices\.scanners\[0\]\.driver: Invalid option: expected one of "line"\|"gm65"\|"simulated" \(got "usb"\)$/),
      expect.stringMatching(/^ {2}- devices\.thermometers\[0\]\.unitId: Too big: expected number to be <=247 \(got 300\)$/),
      expect.stringMatching(/^ {2}- devices\.relays\[0\]\.pin: Too big: expected number to be <=63 \(got 99\)$/),
      expect.stringMatching(/^ {2}- rules\.antiPassbak: unknown key/),
      expect.stringMatching(/^ {2}- localBroker\.users\[0\]\.password: /),
    ])
  })

  it.each([
    ['a missing file', ['check-config', 'nope.yaml'], /nope\.yaml is not valid \(1 error\):\n {2}- config file \S+nope\.yaml: file not found/],
    ['broken YAML', ['check-config', 'broken.yaml'], /broken\.yaml is not valid \(\d+ errors?\):\n {2}- config file \S+: YAML: /],
    ['no FILE', ['check-config'], /missing FILE/],
    ['two FILEs', ['check-config', 'a.yaml', 'b.yaml'], /expected one FILE, got also "b\.yaml"/],
  ])('%s: exit 2', async (_what, args, message) => {
    file('broken.yaml', 'site: { id: [unclosed\n')
    const ran = await runCli(args, { cwd: dir })
    expect(ran).toMatchObject({ code: 2, stdout: '' })
    expect(ran.stderr).toMatch(message)
  })

  it('as a process: exit 2 and the error on stderr', async () => {
    const ran = await cliProcess(['check-config', file('p.yaml', { kiosk: { port: 'eighty' } })])
    expect(ran.code).toBe(2)
    expect(ran.stdout).toBe('')
    expect(ran.stderr).toMatch(/kiosk\.port: Invalid input: expected number, received string/)
  })
})

describe('check-config runs everything start checks before it opens a device', () => {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' })
  const pem = (name: string): { cert: string; key: string } => {
    const p = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', p.key, '-out', p.cert)
    return p
  }
  const one = pem('one')
  const two = pem('two')
  writeFileSync(join(dir, 'not-a-dir'), '')
  const base = { dataDir: './gate-data', kiosk: { port: 18_081 }, localBroker: { port: 18_883 } }

  it.each([
    ['a placeholder issuer key', { passes: { issuers: [{ kid: 'k1', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nREPLACE-ME\n-----END PUBLIC KEY-----\n' }] } }, /passes\.issuers\[0\]\.publicKeyPem: key k1: expected an Ed25519 public key in PEM/],
    ['an issuer key that is not Ed25519', { passes: { issuers: [{ kid: 'k1', publicKeyPem: execFileSync('openssl', ['pkey', '-in', one.key, '-pubout'], { encoding: 'utf8' }) }] } }, /passes\.issuers\[0\]\.publicKeyPem: key k1: expected an Ed25519 public key, got a public key of type ec/],
    ['a PIN hash that does not parse', { kiosk: { staffPins: ['scrypt$16384$8$1$c2FsdA'] } }, /kiosk\.staffPins\[0\]: PIN hash: expected "scrypt\$N\$r\$p\$salt\$hash" as made by `estate-gate kiosk hash-pin`/],
    ['a broker password hash that does not parse', { localBroker: { users: [{ username: 'display', password: 'scrypt$3$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==' }] } }, /localBroker\.users\[0\]\.password: password hash: N must be a power of two/],
    ['the same broker user twice', { localBroker: { users: [{ username: 'd', password: 'p1-secret' }, { username: 'd', password: 'p2-secret' }] } }, /localBroker\.users\[1\]\.username: "d" is already used by localBroker\.users\[0\]/],
    ['the kiosk and the broker on one port', { kiosk: { port: 18_883 } }, /localBroker\.port: 18883 is also kiosk\.port/],
    ['the relay and the buzzer on one pin', { devices: { relays: [{ name: 'gate', driver: 'gpio', pin: 17 }], buzzers: [{ name: 'buzzer', driver: 'gpio', pin: 17 }] } }, /devices\.buzzers\[0\]\.pin: GPIO17 is already used by devices\.relays\[0\]/],
    ['a cron expression that does not parse', { schedules: [{ id: 'x', kind: 'duty-check', area: 'gate', cron: '0 25 * * *' }] }, /schedules\[0\]\.cron: not a node-cron expression/],
    ['a TLS file that cannot be read', { kiosk: { port: 18_081, tls: { cert: join(dir, 'missing.crt'), key: one.key } } }, /kiosk\.tls\.cert: cannot read \S+missing\.crt \(ENOENT\)/],
    ['a TLS key of another certificate', { kiosk: { port: 18_081, tls: { cert: one.cert, key: two.key } } }, /kiosk\.tls: expected the certificate \(chain\) and its private key, got .*key values mismatch/],
    ['a CA file that is not a certificate', { central: { url: 'mqtts://127.0.0.1:8883', ca: one.key } }, /central\.ca: expected PEM certificates of the CA/],
    ['a client certificate without its key', { central: { url: 'mqtts://127.0.0.1:8883', cert: one.cert } }, /central\.key: required with central\.cert/],
    ['a dataDir that cannot be a directory', { dataDir: './not-a-dir/data' }, /dataDir: cannot create \S+not-a-dir\/data: \S+not-a-dir is not a directory/],
  ])('%s: exit 2, naming the key', async (_what, config, message) => {
    const ran = await runCli(['check-config', file('start.yaml', { ...base, ...config })], { cwd: dir })
    expect(ran.stdout).toBe('')
    expect(ran.stderr).toMatch(message)
    expect(ran.code).toBe(2)
  })

  /** The `  - key: message` lines of a "not valid" report. */
  const errorLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('  - '))

  it('agrees with start on deploy/gateway.example.yaml (its placeholder issuer key): exit 2 from both, the same keys, nothing opened', async () => {
    const example = join(ROOT, 'deploy/gateway.example.yaml')
    const [checked, started] = await Promise.all([cliProcess(['check-config', example]), runGateway(['--config', example], { cwd: dir })])
    expect(checked.code).toBe(2)
    expect(started.code).toBe(2)
    expect(errorLines(checked.stderr)).toContainEqual(expect.stringMatching(/^ {2}- passes\.issuers\[0\]\.publicKeyPem: key estate-key-1: expected an Ed25519 public key/))
    expect(errorLines(started.stderr)).toEqual(errorLines(checked.stderr))
    expect(started.stdout).toBe('') // no log line: no device, port or database was opened
  })

  it('agrees with start on a TLS file that cannot be read: exit 2 from both, the same key', async () => {
    const path = file('tls.yaml', { ...base, dataDir: join(dir, 'tls-data'), kiosk: { port: await freePort(), tls: { cert: join(dir, 'gone.crt'), key: one.key } } })
    const [checked, started] = await Promise.all([cliProcess(['check-config', path]), runGateway(['--config', path], { cwd: dir })])
    expect(errorLines(checked.stderr)).toEqual([expect.stringMatching(/^ {2}- kiosk\.tls\.cert: cannot read \S+gone\.crt \(ENOENT\)$/)])
    expect(errorLines(started.stderr)).toEqual(errorLines(checked.stderr))
    expect([checked.code, started.code]).toEqual([2, 2])
  })
})
