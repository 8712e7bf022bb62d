// The demo's pass issuer: a key pair kept in dataDir so that passes stay valid across restarts, added to the
// configured issuers only while the simulated crowd runs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateConfig } from './config/load.ts'
import type { GatewayConfig } from './config/schema.ts'
import { newKeyPair } from './passes/keys.ts'

export interface DemoIssuer {
  kid: string
  publicKeyPem: string
  privateKeyPem: string
}

export function withDemoIssuer(config: GatewayConfig): { config: GatewayConfig; issuer: DemoIssuer } {
  const file = join(config.dataDir, 'demo-issuer.json')
  let issuer: DemoIssuer
  if (existsSync(file)) {
    issuer = JSON.parse(readFileSync(file, 'utf8')) as DemoIssuer
  } else {
    const k = newKeyPair('demo-issuer')
    issuer = { kid: k.kid, publicKeyPem: k.publicKeyPem, privateKeyPem: k.privateKeyPem }
    mkdirSync(config.dataDir, { recursive: true })
    writeFileSync(file, JSON.stringify(issuer, null, 2), { mode: 0o600 })
  }
  const raw = structuredClone(config) as unknown as { passes: { issuers: { kid: string; publicKeyPem: string }[] } }
  raw.passes.issuers = [...raw.passes.issuers.filter((i) => i.kid !== issuer.kid), { kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }]
  const res = validateConfig(raw)
  if (!res.ok) throw new Error(`demo issuer: ${res.errors.join('; ')}`)
  return { config: res.config, issuer }
}

/** The demo's PINs (printed at start and shown on the demo's own screen, so that every screen can be tried). */
export const DEMO_STAFF_PIN = '1234'
export const DEMO_TECH_PIN = '9999'

/**
 * The demo's PINs in effect (each null unless it is one of the configured ones), for the demo only: the gateway asks
 * when it was started without a config file (GatewayOptions.demo), never for a configured site that switched the
 * simulated crowd on, whose PINs are its own and are never shown.
 */
export function demoInfo(config: Pick<GatewayConfig, 'simulation' | 'kiosk'>): { staffPin: string | null; techPin: string | null } | null {
  if (!config.simulation.crowd) return null
  const has = (list: readonly (string | { pin: string })[], pin: string): boolean => list.some((e) => (typeof e === 'string' ? e : e.pin) === pin)
  return {
    staffPin: has(config.kiosk.staffPins, DEMO_STAFF_PIN) ? DEMO_STAFF_PIN : null,
    techPin: has(config.kiosk.techPins, DEMO_TECH_PIN) ? DEMO_TECH_PIN : null,
  }
}
