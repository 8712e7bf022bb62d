// mqtts:// to a central broker that checks both sides: the gateway trusts the platform's CA and shows its own
// client certificate. A real mosquitto with a TLS listener; certificates made here with openssl.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CloudBridge } from '../../cloud-bridge/bridge.ts'
import { freePort, Mosquitto } from '../../cloud-bridge/mosquitto.ts'
import { enqueue, makeBridge, openStore, Recorder, until } from './helpers.ts'

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by that CA. */
function makePki(): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const dir = mkdtempSync(join(tmpdir(), 'estate-gate-pki-'))
  chmodSync(dir, 0o755) // mosquitto drops to its own user and must read the server's files
  const f = (name: string): string => join(dir, name)
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=estate platform test CA')
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\n')
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'estate-001-north-1']] as const) {
    ssl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`)
    const ext = name === 'server' ? ['-extfile', f('server.ext')] : []
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '1', ...ext)
    chmodSync(f(`${name}.key`), 0o644)
  }
  return { ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') }
}

let broker: Mosquitto | null = null
let bridge: CloudBridge | null = null
let sub: Recorder | null = null

afterEach(async () => {
  await bridge?.stop()
  await sub?.client.endAsync(true)
  await broker?.dispose()
  bridge = null
  sub = null
  broker = null
})

describe('TLS to the central broker', () => {
  it('delivers over mqtts:// with the platform CA and a client certificate, and refuses to connect without the certificate', async () => {
    const pki = makePki()
    const tlsPort = await freePort()
    broker = await Mosquitto.start({
      extraConfig: [`listener ${tlsPort} 127.0.0.1`, `cafile ${pki.ca}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`, 'require_certificate true'],
    })
    sub = await Recorder.connect(broker.url)
    const url = `mqtts://127.0.0.1:${tlsPort}`

    // Without a client certificate the broker refuses the handshake: nothing is sent, nothing is lost.
    const store = openStore()
    enqueue(store, 20)
    bridge = makeBridge(store, url, { caFile: pki.ca })
    bridge.start()
    await until(() => bridge!.status().lastError !== null, 'a refused TLS handshake')
    expect(bridge.status()).toMatchObject({ connected: false, backlog: 20 })
    await bridge.stop()

    bridge = makeBridge(store, url, { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey })
    bridge.start()
    await until(() => sub!.maxSeq >= 20 && bridge!.status().backlog === 0, 'the backlog delivered over TLS')
    expect(sub.events.map((e) => e.event.seq).slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })
})
