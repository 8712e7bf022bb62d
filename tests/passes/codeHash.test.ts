import { describe, expect, it } from 'vitest'
import { codeHash, newSiteSecret } from '../../gateway/passes/codeHash.ts'

// Known answers computed independently (Python's hmac module), so a change of algorithm or truncation shows.
const SECRET = Buffer.from(Array.from({ length: 32 }, (_, i) => i))

describe('codeHash', () => {
  it('is HMAC-SHA256 truncated to 16 bytes, as 32 hex characters', () => {
    expect(codeHash(SECRET, 'https://example.com/pay?x=1')).toBe('27227b547db1ef00f6f4d8d7ef8e3961')
    expect(codeHash(SECRET, '')).toBe('d38b42096d80f45f826b44a9d5607de7')
  })

  it('hashes the text as UTF-8', () => {
    expect(codeHash(SECRET, '健康码 H-3-1-502')).toBe('4d21a8fefc4526270190a1911a6c6770')
  })

  it('is stable for one site and differs between sites and texts', () => {
    const text = 'https://example.com/pay?x=1'
    expect(codeHash(SECRET, text)).toBe(codeHash(Buffer.from(SECRET), text))
    expect(codeHash(Buffer.alloc(32, 7), text)).toBe('8f3b784a97c38b54204d760a73ae25a2')
    expect(codeHash(SECRET, `${text} `)).not.toBe(codeHash(SECRET, text))
  })

  it('never contains the text', () => {
    const hash = codeHash(SECRET, 'abc')
    expect(hash).toMatch(/^[0-9a-f]{32}$/)
    expect(hash).not.toContain('abc')
  })

  it('refuses a secret too short to be a secret', () => {
    expect(() => codeHash(Buffer.alloc(0), 'x')).toThrow(/at least 16 bytes, got 0/)
    expect(() => codeHash(Buffer.alloc(15), 'x')).toThrow(/got 15/)
  })
})

describe('newSiteSecret', () => {
  it('is 32 random bytes', () => {
    const a = newSiteSecret()
    expect(a).toHaveLength(32)
    expect(a.equals(newSiteSecret())).toBe(false)
  })
})
