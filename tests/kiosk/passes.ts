// Valid passes for a kiosk test gateway: a key pair made per test file, registered as the gateway's issuer.
import type { Gateway } from '../../gateway/app.ts'
import { issuePass } from '../../gateway/passes/issue.ts'
import { newKeyPair } from '../../gateway/passes/keys.ts'

export const issuer = newKeyPair('estate-key-1')
export const issuers = [{ kid: issuer.kid, publicKeyPem: issuer.publicKeyPem }]
let n = 0

export function pass(gw: Pick<Gateway, 'clock'>, claims: Record<string, unknown> = {}): Promise<string> {
  n++
  return issuePass(issuer, { sub: `H-3-1-${500 + n}`, kind: 'resident', jti: `kiosk-pass-${n}`, ...claims }, { now: gw.clock.now(), ttlSeconds: 3600 })
}
