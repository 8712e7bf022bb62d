// Issue 12 points 2-4 on the wire: the real gateway process, real ptys (socat), scanner simulators writing what a
// scanner writes. Every tail a scanner is commonly set to (CR, CR LF, LF, TAB, none) gets a valid pass admitted;
// odd tails are configurable; passes from an outside issuer (jose) with `alg: "Ed25519"` or an `aud` are decided
// as RFC 9864 and RFC 7519 say.
import { createPrivateKey } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'
import { Gm65Sim } from '../../simulators/devices/gm65.ts'
import { LineScannerSim, TAIL_CHOICES, type Tail } from '../../simulators/devices/lineScanner.ts'
import { PtyPair } from '../../simulators/pty.ts'
import { GatewayProcess, runGateway, tempDir } from '../helpers/gatewayProcess.ts'

const SITE = 'estate-001'
const GATE = 'north-1'
const issuer = newKeyPair('estate-key-1')
let passNo = 0
const nextPass = async (): Promise<{ code: string; id: string }> => {
  const id = `tail-pass-${++passNo}`
  return { id, code: await issuePass(issuer, { sub: `H-1-1-${100 + passNo}`, kind: 'resident', jti: id }, { now: Date.now(), ttlSeconds: 3600 }) }
}

interface EntryRow {
  id: number
  decision: string
  reasons: string
  pass_id: string | null
  code_hash: string | null
  scanner: string | null
}

const baseConfig = (scanners: Record<string, unknown>[]) => ({
  site: { id: SITE, name: 'test', timezone: 'Asia/Shanghai' },
  gate: { id: GATE, name: 'north' },
  devices: {
    scanners,
    thermometers: [],
    relays: [{ name: 'gate', driver: 'simulated', pulseMs: 200 }],
    buzzers: [{ name: 'buzzer', driver: 'simulated' }],
  },
  rules: { duplicateScanMs: 0, antiPassback: 'off' },
  passes: { issuers: [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }] },
  localBroker: { enabled: false },
})

function rowsOf(gw: GatewayProcess) {
  const lastId = (): number => gw.query<{ id: number | null }>('SELECT max(id) AS id FROM entries')[0]?.id ?? 0
  const nextRow = (after: number, what: string): Promise<EntryRow> =>
    gw.until(() => gw.query<EntryRow>('SELECT * FROM entries WHERE id > ? ORDER BY id', after)[0], 10_000, what)
  return { lastId, nextRow }
}

describe('default tail (auto) on a line scanner, through the real gateway', () => {
  let pty: PtyPair
  let sim: LineScannerSim
  let gw: GatewayProcess
  let rows: ReturnType<typeof rowsOf>

  beforeAll(async () => {
    pty = await PtyPair.open({ name: 'scan' })
    sim = new LineScannerSim()
    await sim.open(pty.devicePath)
    // No `tail` key: what every gate configured before this change runs with.
    gw = await GatewayProcess.start(baseConfig([{ name: 'scanner-out', driver: 'line', path: pty.gatewayPath, direction: 'out' }]))
    rows = rowsOf(gw)
  })

  afterAll(async () => {
    await gw?.stop()
    await sim?.close()
    await pty?.close()
  })

  it.each(TAIL_CHOICES)('a valid pass with a %s tail is admitted', async (tail: Tail) => {
    const before = rows.lastId()
    const { code, id } = await nextPass()
    await sim.scan(code, { tail })
    const row = await rows.nextRow(before, `the row for a ${tail} tail`)
    expect(row).toMatchObject({ decision: 'admit', reasons: '[]', pass_id: id, code_hash: null, scanner: 'scanner-out' })
  })

  it('a pass with an LF tail split across writes, the LF alone in the last one, is admitted', async () => {
    const before = rows.lastId()
    const { code, id } = await nextPass()
    await sim.writeRaw(Buffer.from(`${code}\n`), { chunkSizes: [100, code.length - 100], gapMs: 5 })
    expect(await rows.nextRow(before, 'the split LF row')).toMatchObject({ decision: 'admit', pass_id: id })
  })

  // Point 3: an outside issuer on RFC 9864's name for the algorithm.
  const josePass = (alg: 'EdDSA' | 'Ed25519', jti: string, aud?: string | string[]): Promise<string> => {
    const jwt = new SignJWT({ kind: 'resident', jti })
      .setProtectedHeader({ alg, typ: 'JWT', kid: issuer.kid })
      .setSubject('H-9-9-901')
      .setIssuedAt()
      .setExpirationTime('1h')
    if (aud !== undefined) jwt.setAudience(aud)
    return jwt.sign(createPrivateKey(issuer.privateKeyPem))
  }

  it('a pass with alg Ed25519 (RFC 9864) from jose is admitted, not logged as a code that is not a pass', async () => {
    const before = rows.lastId()
    await sim.scan(await josePass('Ed25519', 'jose-ed25519'), { tail: 'lf' })
    expect(await rows.nextRow(before, 'the Ed25519 row')).toMatchObject({ decision: 'admit', pass_id: 'jose-ed25519', code_hash: null })
  })

  // Point 2: aud must name this site or this gate.
  it.each([
    ['the site id', SITE, 'admit', '[]'],
    ['site/gate in a list', ['central', `${SITE}/${GATE}`], 'admit', '[]'],
    ['another estate', 'some-other-estate', 'deny', '["wrong_gate"]'],
    ['another gate of this site', [`${SITE}/south-2`], 'deny', '["wrong_gate"]'],
  ] as const)('a jose pass with aud naming %s (%j): %s', async (what, aud, decision, reasons) => {
    const before = rows.lastId()
    const jti = `jose-aud-${what.replaceAll(/[^a-z]/g, '')}`
    await sim.scan(await josePass('EdDSA', jti, aud as string | string[]), { tail: 'crlf' })
    // A genuine pass for someone else: its id is logged (whose pass it was), no code hash, no forgery alert.
    expect(await rows.nextRow(before, `the aud row (${what})`)).toMatchObject({ decision, reasons, pass_id: jti, code_hash: null })
  })

  it('no forged-pass alert was raised for any of them', () => {
    const alerts = gw.query<{ data: string }>("SELECT data FROM outbox WHERE topic = 'alert'").map((a) => JSON.parse(a.data) as { kind: string })
    expect(alerts.filter((a) => a.kind === 'forged_pass')).toEqual([])
  })
})

describe('configured tails (`tail` key) on line and gm65 scanners, through the real gateway', () => {
  const ptys: PtyPair[] = []
  let etx: LineScannerSim, exact: LineScannerSim
  let gmCrlf: Gm65Sim, gmTab: Gm65Sim, gmLf: Gm65Sim
  let gw: GatewayProcess
  let rows: ReturnType<typeof rowsOf>

  beforeAll(async () => {
    ptys.push(...(await Promise.all(['etx', 'exact', 'gm-crlf', 'gm-tab', 'gm-lf'].map((name) => PtyPair.open({ name })))))
    const [pEtx, pExact, pCrlf, pTab, pLf] = ptys as [PtyPair, PtyPair, PtyPair, PtyPair, PtyPair]
    etx = new LineScannerSim()
    exact = new LineScannerSim()
    // Factory state: USB output, no tail; the gateway must set UART output and the configured tail.
    gmCrlf = new Gm65Sim({ decodeDelayMs: 10 })
    gmTab = new Gm65Sim({ decodeDelayMs: 10 })
    gmLf = new Gm65Sim({ decodeDelayMs: 10 })
    await Promise.all([
      etx.open(pEtx.devicePath),
      exact.open(pExact.devicePath),
      gmCrlf.open(pCrlf.devicePath),
      gmTab.open(pTab.devicePath),
      gmLf.open(pLf.devicePath),
    ])
    gw = await GatewayProcess.start(
      baseConfig([
        { name: 'scan-etx', driver: 'line', path: pEtx.gatewayPath, direction: 'out', tail: '03' },
        { name: 'scan-crlf', driver: 'line', path: pExact.gatewayPath, direction: 'out', tail: 'crlf' },
        { name: 'gm-crlf', driver: 'gm65', path: pCrlf.gatewayPath, direction: 'out', tail: 'crlf' },
        { name: 'gm-tab', driver: 'gm65', path: pTab.gatewayPath, direction: 'out', tail: 'tab' },
        { name: 'gm-lf', driver: 'gm65', path: pLf.gatewayPath, direction: 'out', tail: 'lf' },
      ]),
    )
    rows = rowsOf(gw)
    for (const name of ['gm-crlf', 'gm-tab', 'gm-lf']) {
      await gw.until(async () => ((await gw.health()).components[name]?.info as { configured?: boolean } | undefined)?.configured || undefined, 5000, `${name} configured`)
    }
  })

  afterAll(async () => {
    await gw?.stop()
    await Promise.all([etx, exact, gmCrlf, gmTab, gmLf].map((s) => s?.close()))
    await Promise.all(ptys.map((p) => p.close()))
  })

  it('a line scanner with a hex tail (ETX, 03) gets its pass admitted', async () => {
    const before = rows.lastId()
    const { code, id } = await nextPass()
    await etx.writeRaw(Buffer.concat([Buffer.from(code), Buffer.from([0x03])]))
    expect(await rows.nextRow(before, 'the ETX row')).toMatchObject({ decision: 'admit', pass_id: id, scanner: 'scan-etx' })
  })

  it('a line scanner set to exactly crlf: CR LF ends the pass', async () => {
    const before = rows.lastId()
    const { code, id } = await nextPass()
    await exact.scan(code, { tail: 'crlf' })
    expect(await rows.nextRow(before, 'the exact CR LF row')).toMatchObject({ decision: 'admit', pass_id: id, scanner: 'scan-crlf' })
  })

  it('gm65 scanners: the module is set to the configured tail (CR LF, TAB), or left alone (LF), and each pass is admitted', async () => {
    expect(gmCrlf.zone(0x0060)).toBe(0x21)
    expect(gmTab.zone(0x0060)).toBe(0x41)
    // LF is not a GM65 setting: the factory "no tail" is kept, and the idle gap ends the code.
    expect(gmLf.zone(0x0060)).toBe(0x61)
    for (const [sim, name] of [[gmCrlf, 'gm-crlf'], [gmTab, 'gm-tab'], [gmLf, 'gm-lf']] as const) {
      const before = rows.lastId()
      const { code, id } = await nextPass()
      expect(await sim.scan(code)).toBe(true)
      expect(await rows.nextRow(before, `the ${name} row`)).toMatchObject({ decision: 'admit', pass_id: id, scanner: name })
    }
    const health = await gw.health()
    expect(health.components['gm-tab']).toMatchObject({ info: { tail: 'tab' } })
  })
})

describe('a bad tail stops start-up', () => {
  it.each([
    ['CR', /devices\.scanners\[0\]\.tail: .*expected one of auto, cr, crlf, lf, tab, none, or 1-8 bytes in hex/],
    ['41', /devices\.scanners\[0\]\.tail: .*would cut passes/],
  ])('tail %j: exit code 2, naming the key', async (tail, pattern) => {
    const dir = tempDir()
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, `devices: { scanners: [ { name: s, driver: line, path: /dev/ttyUSB0, direction: in, tail: "${tail}" } ] }\n`)
    const res = await runGateway(['--config', file])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(pattern)
  })
})
