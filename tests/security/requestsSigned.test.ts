// Issue 11 point 6, signed requests: with central.requestKeys, a platform account that can publish is no longer
// enough. Requests signed with jose (compact JWS, EdDSA and Ed25519 alg names), published through a real mosquitto to
// the real gateway process.
import { execFile } from 'node:child_process'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CompactSign } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { assertMessage } from '../contracts/asyncapi.ts'
import { ROOT, type GatewayProcess } from '../helpers/gatewayProcess.ts'
import { inSec, P, Platform, pulses, startGateway } from './requestsPlatform.ts'

let broker: Mosquitto
let gw: GatewayProcess
let platform: Platform

const platformKey = generateKeyPairSync('ed25519')
const otherKey = generateKeyPairSync('ed25519')
const pem = (k: KeyObject): string => k.export({ type: 'spki', format: 'pem' }).toString()

beforeAll(async () => {
  broker = await Mosquitto.start()
  platform = await Platform.connect(broker.url)
  gw = await startGateway(broker, platform, { central: { requestKeys: [{ kid: 'platform-2026', publicKeyPem: pem(platformKey.publicKey) }] } })
}, 30_000)

afterAll(async () => {
  await gw?.stop('SIGKILL')
  await platform?.close()
  await broker?.dispose()
})

/** What docs/central.md tells the platform to do: the request as JSON, with its topic, as the JWS payload. */
async function sign(body: Record<string, unknown>, key: KeyObject = platformKey.privateKey, header: { alg: string; kid: string } = { alg: 'EdDSA', kid: 'platform-2026' }): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader(header).sign(key)
}

const openBody = (requestId: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  requestId,
  expires: inSec(60),
  reason: 'ambulance',
  topic: `${P}/request/gate/open`,
  ...over,
})

describe('signed requests (central.requestKeys)', () => {
  it('an unsigned request is refused unsigned and does nothing', async () => {
    const r = await platform.ask('gate/open', { requestId: 'plain-1', expires: inSec(60), reason: 'ambulance' })
    expect(r).toMatchObject({ requestId: 'plain-1', status: 'error', error: { code: 'unsigned' } })
    assertMessage('response', r)
    expect(await pulses(gw)).toBe(0)
  })

  it('a signature by another key, under the right kid, is refused unsigned', async () => {
    const r = await platform.ask('gate/open', await sign(openBody('forged-1'), otherKey.privateKey), { requestId: 'forged-1' })
    expect(r).toMatchObject({ status: 'error', error: { code: 'unsigned', message: expect.stringMatching(/signature/) } })
    expect(await pulses(gw)).toBe(0)
  })

  it('an unknown kid, a tampered payload and a signature stripped to alg none are refused unsigned', async () => {
    const unknownKid = await sign(openBody('kid-1'), platformKey.privateKey, { alg: 'EdDSA', kid: 'someone-else' })
    expect(await platform.ask('gate/open', unknownKid, { requestId: 'kid-1' })).toMatchObject({ error: { code: 'unsigned' } })
    const good = await sign(openBody('tamper-1'))
    const [h, , s] = good.split('.')
    const tampered = `${h}.${Buffer.from(JSON.stringify(openBody('tamper-1', { direction: 'out' }))).toString('base64url')}.${s}`
    expect(await platform.ask('gate/open', tampered, { requestId: 'tamper-1' })).toMatchObject({ error: { code: 'unsigned' } })
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'platform-2026' })).toString('base64url')}.${Buffer.from(JSON.stringify(openBody('none-1'))).toString('base64url')}.AA`
    expect(await platform.ask('gate/open', none, { requestId: 'none-1' })).toMatchObject({ error: { code: 'unsigned' } })
    expect(await pulses(gw)).toBe(0)
  })

  it('a signed request without its topic, or signed for another gate or command, is not carried out', async () => {
    const { topic: _t, ...noTopic } = openBody('topic-0')
    expect(await platform.ask('gate/open', await sign(noTopic), { requestId: 'topic-0' })).toMatchObject({ error: { code: 'unsigned', message: expect.stringMatching(/topic/) } })
    const otherGate = await sign(openBody('topic-1', { topic: 'estate-gate/estate-001/south-2/request/gate/open' }))
    expect(await platform.ask('gate/open', otherGate, { requestId: 'topic-1' })).toMatchObject({ error: { code: 'invalid', message: expect.stringMatching(/south-2/) } })
    const asTasks = await sign({ requestId: 'topic-2', expires: inSec(60), topic: `${P}/request/tasks/list` })
    expect(await platform.ask('config/get', asTasks, { requestId: 'topic-2' })).toMatchObject({ error: { code: 'invalid' } })
    expect(await pulses(gw)).toBe(0)
  })

  it('a valid signature (EdDSA or Ed25519) is carried out once; the same signed request again is a duplicate', async () => {
    const signed = await sign(openBody('signed-1'))
    expect(await platform.ask('gate/open', signed, { requestId: 'signed-1' })).toMatchObject({ requestId: 'signed-1', status: 'ok' })
    expect(await platform.ask('gate/open', signed, { requestId: 'signed-1' })).toMatchObject({ error: { code: 'duplicate' } })
    const rfc9864 = await sign(openBody('signed-2'), platformKey.privateKey, { alg: 'Ed25519', kid: 'platform-2026' })
    expect(await platform.ask('gate/open', rfc9864, { requestId: 'signed-2' })).toMatchObject({ status: 'ok' })
    expect(await pulses(gw)).toBe(2)
    expect(gw.query<{ staff: string }>(`SELECT staff FROM entries WHERE source = 'override'`)).toEqual([{ staff: 'platform' }, { staff: 'platform' }])
  })

  it('the Node (jose) and Python (cryptography) examples of docs/central.md sign requests the gateway carries out', async () => {
    const doc = readFileSync(join(ROOT, 'docs/central.md'), 'utf8')
    const block = (lang: string, first: string): string => {
      const found = [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!).find((b) => b.startsWith(first))
      if (!found) throw new Error(`docs/central.md has no ${lang} block starting with ${first}`)
      return found
    }
    // Inside the repository, so that the example's `import 'jose'` resolves as it would in the platform's project.
    const dir = mkdtempSync(join(ROOT, '.sign-example-'))
    try {
      const keyFile = join(dir, 'platform-2026.key.pem')
      writeFileSync(keyFile, platformKey.privateKey.export({ type: 'pkcs8', format: 'pem' }))
      writeFileSync(join(dir, 'sign-request.mjs'), block('js', '// sign-request.mjs'))
      writeFileSync(join(dir, 'sign_request.py'), block('python', '# sign_request.py'))
      const run = promisify(execFile)
      const fromNode = (await run(process.execPath, [join(dir, 'sign-request.mjs'), keyFile])).stdout.trim()
      const fromPython = (await run('python3', [join(dir, 'sign_request.py'), keyFile])).stdout.trim()
      for (const jws of [fromNode, fromPython]) {
        assertMessage('request', jws)
        const requestId = (JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as { requestId: string }).requestId
        expect(await platform.ask('gate/open', jws, { requestId })).toMatchObject({ requestId, status: 'ok' })
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
