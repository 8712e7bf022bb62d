import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configPath, parseStartArgs } from '../../gateway/cli/start.ts'
import { loadConfigFile, validateConfig } from '../../gateway/config/load.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'

const KEY = newKeyPair('estate-key-1')

const dir = mkdtempSync(join(tmpdir(), 'estate-gate-config-'))
function file(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

describe('config', () => {
  it('fills every default from an empty file: simulated devices, the DESIGN rules', () => {
    const res = loadConfigFile(file('empty.yaml', ''))
    expect(res.ok).toBe(true)
    if (!res.ok) return
    const c = res.config
    expect(c.rules).toMatchObject({ feverC: 37.3, validRangeC: [34, 42.5], recheck: true, recheckDelayMs: 2000, pairWindowMs: 10000, antiPassback: 'warn', householdQuota: null })
    expect(c.devices.scanners.map((s) => [s.name, s.driver, s.direction])).toEqual([['scanner-in', 'simulated', 'in'], ['scanner-out', 'simulated', 'out']])
    // No input unless configured: a gate without a door contact must not show a simulated one (the demo adds its own).
    expect(c.devices.inputs).toEqual([])
    expect(c.gate).toMatchObject({ heldOpenSec: 30, fireLatch: false })
    expect(c.devices.relays[0]).toMatchObject({ failSafe: false, fireRelease: true })
    expect(c.central.baseTopic).toBe('estate-gate')
    expect(c.kiosk.port).toBe(8080)
    expect(c.store.synchronous).toBe('full')
    expect(Object.isFrozen(c.rules)).toBe(true)
  })

  it('accepts the DESIGN section 4 example (with a real key where it has "...")', () => {
    const res = loadConfigFile(
      file(
        'design.yaml',
        `site:   { id: estate-001, name: 路砦社区, timezone: Asia/Shanghai }
gate:   { id: north-1, name: 北门 }
dataDir: ./data
devices:
  scanners:
    - { name: scanner-in,  driver: line, path: /dev/ttyUSB0, baudRate: 9600, direction: in }
    - { name: scanner-out, driver: line, path: /dev/ttyUSB1, baudRate: 9600, direction: out }
  thermometers:
    - { name: thermo-in, driver: modbus-rtu, path: /dev/ttyUSB2, baudRate: 9600, unitId: 1,
        function: 4, register: 0, scale: 0.01, timeoutMs: 300, offsetC: 0 }
  relays:
    - { name: gate, driver: gpio, pin: 17, activeLow: false, pulseMs: 3000, direction: both }
  buzzers:
    - { name: buzzer, driver: gpio, pin: 27 }
rules:  { feverC: 37.3, validRangeC: [34.0, 42.5], recheck: true, recheckDelayMs: 2000,
          pairWindowMs: 10000, antiPassback: warn, householdQuota: { outings: 1, perDays: 2 } }
passes: { issuers: [ { kid: estate-key-1, publicKeyPem: ${JSON.stringify(KEY.publicKeyPem)} } ] }
localBroker: { enabled: true, host: 127.0.0.1, port: 1883, users: [ { username: display, password: "x", role: display } ] }
central: { url: mqtt://127.0.0.1:1883, username: gw, password: pw, baseTopic: estate-gate }
kiosk:  { host: 0.0.0.0, port: 8080, staffPins: ["1234"], techPins: ["9876"] }
retention: { days: 30 }
`,
      ),
    )
    expect(res.ok ? [] : res.errors).toEqual([])
  })

  it('names an unknown key, a wrong type and a bad enum value, all at once', () => {
    const res = validateConfig({
      gate: { id: 'north-1', colour: 'red' },
      rules: { feverC: 'hot' },
      devices: { scanners: [{ name: 's1', driver: 'usb', path: '/dev/ttyUSB0', direction: 'in' }] },
    })
    expect(res.ok).toBe(false)
    if (res.ok) return
    const text = res.errors.join('\n')
    expect(text).toMatch(/^gate\.colour: unknown key/m)
    expect(text).toMatch(/^rules\.feverC: .*number/m)
    expect(text).toMatch(/^devices\.scanners\[0\]\.driver: .*"line".*"gm65".*"simulated".*got "usb"/m)
  })

  it('requires a path for serial drivers and unique device names', () => {
    const res = validateConfig({
      devices: {
        scanners: [{ name: 'a', driver: 'line', direction: 'in' }],
        thermometers: [{ name: 'a', driver: 'simulated' }],
      },
    })
    expect(res.ok).toBe(false)
    if (res.ok) return
    expect(res.errors).toContainEqual(expect.stringMatching(/^devices\.scanners\[0\]\.path: required for driver "line"/))
    expect(res.errors).toContainEqual(expect.stringMatching(/^devices\.thermometers\[0\]\.name: "a" is already used by scanners\[0\]/))
  })

  it('rejects inconsistent rules and an unknown time zone', () => {
    const res = validateConfig({ rules: { validRangeC: [40, 35], feverC: 37.3 }, site: { timezone: 'Mars/Olympus' } })
    expect(res.ok).toBe(false)
    if (res.ok) return
    expect(res.errors).toContainEqual(expect.stringMatching(/^rules\.validRangeC: must be \[low, high\]/))
    expect(res.errors).toContainEqual(expect.stringMatching(/^site\.timezone: an IANA time zone/))
  })

  it('an unquoted PIN (a YAML number, leading zeros gone) names its key and says to quote it, never echoing it', () => {
    const yaml = [
      'central: { url: "mqtt://central.example:1883" }',
      'kiosk:',
      '  staffPins:',
      '    - { id: zhang, name: 张伟, pin: 246810, duressPin: 864200 }',
      '    - 013579',
      '    - "135790"',
      '  techPins:',
      '    - { id: li, name: 李工, pin: 97531 }',
      '    - 86420',
      '',
    ].join('\n')
    const res = loadConfigFile(file('unquoted.yaml', yaml))
    const errors = res.ok ? [] : res.errors
    const quote = (key: string, example: string): RegExp =>
      new RegExp(`^${key.replace(/[[\].]/g, '\\$&')}: a number, not text: YAML reads a PIN without quotes as a number and drops its leading zeros; put it in quotes, e\\.g\\. ${example}$`)
    expect(errors).toEqual([
      expect.stringMatching(quote('kiosk.staffPins[0].pin', 'pin: "012345"')),
      expect.stringMatching(quote('kiosk.staffPins[0].duressPin', 'duressPin: "012345"')),
      expect.stringMatching(quote('kiosk.staffPins[1]', '- "012345"')),
      expect.stringMatching(quote('kiosk.techPins[0].pin', 'pin: "012345"')),
      expect.stringMatching(quote('kiosk.techPins[1]', '- "012345"')),
    ])
    for (const pin of ['246810', '864200', '13579', '97531', '86420']) expect(errors.join('\n')).not.toContain(pin)
    // Quoted, the same file is valid, the leading zero kept.
    const quoted = loadConfigFile(file('quoted.yaml', yaml.replace(/(pin|Pin): (\d+)/g, '$1: "$2"').replace(/- (\d+)$/gm, '- "$1"')))
    expect(quoted.ok ? quoted.config.kiosk.staffPins[1] : quoted.errors).toBe('013579')
    // Something that is neither a PIN nor an entry says what is expected.
    const wrong = validateConfig({ kiosk: { staffPins: [true] } })
    expect(wrong.ok ? [] : wrong.errors).toEqual(['kiosk.staffPins[0]: a PIN in quotes ("012345"), a hash made by the CLI, or { id, name, pin }'])
  })

  it('reports a missing file and broken YAML with the file name', () => {
    const missing = loadConfigFile(join(dir, 'nope.yaml'))
    expect(missing.ok ? [] : missing.errors).toEqual([expect.stringMatching(/nope\.yaml: file not found/)])
    const broken = loadConfigFile(file('broken.yaml', 'site: { id: [\n'))
    expect(broken.ok ? [] : broken.errors[0]).toMatch(/broken\.yaml: YAML:/)
  })

  it('takes the path from --config, then GATEWAY_CONFIG', () => {
    const path = (argv: string[], env: NodeJS.ProcessEnv): string | null => {
      const args = parseStartArgs(argv)
      if (args.help) throw new Error('help')
      return configPath(args, env)
    }
    expect(path(['--config', 'a.yaml'], { GATEWAY_CONFIG: 'b.yaml' })).toBe('a.yaml')
    expect(path(['--config=c.yaml'], {})).toBe('c.yaml')
    expect(path([], { GATEWAY_CONFIG: 'b.yaml' })).toBe('b.yaml')
    expect(path([], {})).toBeNull()
  })

  it.each([
    [['--confg', 'x.yaml'], /Unknown option '--confg'/],
    [['x.yaml'], /Unexpected argument 'x.yaml'/],
    [['--config', 'a.yaml', 'extra'], /Unexpected argument 'extra'/],
    [['--config', 'a.yaml', '--config', 'b.yaml'], /--config: given more than once/],
    [['--config='], /--config: expected a file name/],
    [['--config'], /argument missing/],
  ])('refuses the start arguments %j, with what is wrong', (argv, message) => {
    expect(() => parseStartArgs(argv)).toThrow(message)
  })
})
