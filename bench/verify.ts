// How long one pass verification takes, and what jose costs over bare node:crypto. A script, not a test (timings
// depend on the machine): npx tsx bench/verify.ts [iterations]
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { jwtVerify } from 'jose'
import { systemClock } from '../devices/types.ts'
import { issuePass } from '../gateway/passes/issue.ts'
import { newKeyPair } from '../gateway/passes/keys.ts'
import { createPassVerifier } from '../gateway/passes/verify.ts'

const warnings: string[] = []
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`))

const n = Number(process.argv[2] ?? 5000)
const key = newKeyPair('bench-key')
const verifier = createPassVerifier({ issuers: [key], clock: systemClock })
const pass = await issuePass(
  key,
  { sub: 'H-3-1-502', kind: 'resident', gates: ['north-1'], hc: 'green', unit: '3-1-502', plate: '沪A12345' },
  { now: Date.now(), ttlSeconds: 86_400 },
)
const forged = `${pass.slice(0, -8)}AAAAAAAA`

async function time(label: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < Math.min(500, n); i++) await fn() // warm-up: JIT, jose's KeyObject → CryptoKey cache
  const samples = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn()
    samples[i] = performance.now() - t
  }
  samples.sort()
  const us = (q: number) => ((samples[Math.min(n - 1, Math.floor(q * n))] ?? 0) * 1000).toFixed(0).padStart(5)
  const mean = ((samples.reduce((a, b) => a + b, 0) / n) * 1000).toFixed(0).padStart(5)
  console.log(`${label.padEnd(44)} mean ${mean} µs   p50 ${us(0.5)}   p99 ${us(0.99)}   max ${us(1)}`)
}

console.log(`node ${process.version}, ${n} iterations, pass of ${pass.length} characters`)
let t0 = performance.now()
const first = await verifier.verify(pass)
console.log(`first verify, cold (no ready()):   ${((performance.now() - t0) * 1000).toFixed(0)} µs, ok=${String(first.ok)}`)
// A second verifier on a fresh key: what the gate's first scan costs after start() awaited ready().
const key2 = newKeyPair('bench-key-2')
const pass2 = await issuePass(key2, { sub: 'H-1', kind: 'staff' }, { now: Date.now(), ttlSeconds: 60 })
const warmed = createPassVerifier({ issuers: [key2], clock: systemClock })
t0 = performance.now()
await warmed.ready()
const readyUs = (performance.now() - t0) * 1000
t0 = performance.now()
const firstWarm = await warmed.verify(pass2)
console.log(`ready() ${readyUs.toFixed(0)} µs, then first verify ${((performance.now() - t0) * 1000).toFixed(0)} µs, ok=${String(firstWarm.ok)}`)

await time('verifier.verify (valid pass)', () => verifier.verify(pass))
await time('verifier.verify (forged signature)', () => verifier.verify(forged))
await time('verifier.verify (junk, no crypto)', () => verifier.verify('https://example.com/pay?order=1234567890'))

const publicKey = createPublicKey(key.publicKeyPem)
await time('jose jwtVerify alone (WebCrypto Ed25519)', () => jwtVerify(pass, publicKey, { algorithms: ['EdDSA'] }))
const [h, p, s] = pass.split('.') as [string, string, string]
const data = Buffer.from(`${h}.${p}`)
const sig = Buffer.from(s, 'base64url')
await time('node:crypto.verify alone (sync, OpenSSL)', () => cryptoVerify(null, data, publicKey, sig))

// Throughput with concurrency: WebCrypto runs on libuv's thread pool, so parallel scans overlap.
const batch = 64
const t = performance.now()
for (let i = 0; i < n; i += batch) await Promise.all(Array.from({ length: batch }, () => verifier.verify(pass)))
console.log(`verifier.verify, ${batch} in flight: ${((n / (performance.now() - t)) * 1000).toFixed(0)} verifications/s`)
console.log(warnings.length === 0 ? 'process warnings: none' : `process warnings:\n  ${warnings.join('\n  ')}`)
