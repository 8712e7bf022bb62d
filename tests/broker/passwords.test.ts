import { describe, expect, it } from 'vitest'
import { hashCost, hashPassword, isPasswordHash, parsePasswordHash, unmatchableHash, verifyPassword } from '../../gateway/broker/passwords.ts'

describe('broker passwords', () => {
  it('hashes into a self-describing scrypt string that verifies only the right password', async () => {
    const h = await hashPassword('correct horse')
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/)
    expect(h).not.toContain('correct horse')
    expect(isPasswordHash(h)).toBe(true)
    expect(isPasswordHash('correct horse')).toBe(false)
    expect(await verifyPassword(h, 'correct horse')).toBe(true)
    expect(await verifyPassword(h, Buffer.from('correct horse'))).toBe(true)
    expect(await verifyPassword(h, 'correct hors')).toBe(false)
    expect(await verifyPassword(h, '')).toBe(false)
  })

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'))
  })

  it('reads the cost of a hash', async () => {
    expect(hashCost(await hashPassword('y'))).toEqual({ N: 16384, r: 8, p: 1, keylen: 32 })
    expect(() => unmatchableHash({ N: 1 << 21, r: 8, p: 1, keylen: 32 })).toThrow(/N must be a power of two/)
  })

  it('makes an unmatchable hash of a given cost, which no password verifies', async () => {
    const cost = { N: 1024, r: 4, p: 1, keylen: 24 }
    const h = unmatchableHash(cost)
    expect(hashCost(h)).toEqual(cost)
    expect(await verifyPassword(h, '')).toBe(false)
    expect(await verifyPassword(h, 'anything')).toBe(false)
    expect(unmatchableHash()).not.toBe(unmatchableHash())
  })

  it('refuses an empty password', async () => {
    await expect(hashPassword('')).rejects.toThrow(/non-empty/)
  })

  it.each([
    ['not a hash', 'plain'],
    ['too few fields', 'scrypt$16384$8$1$c2FsdHNhbHQ='],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE='],
    ['N·r over 256 MiB', 'scrypt$1048576$32$1$c2FsdHNhbHRzYWx0$MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE='],
    ['salt not base64', 'scrypt$16384$8$1$!!!$MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE='],
    ['hash too short', 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0$YWJj'],
  ])('rejects a malformed stored hash (%s) with what was expected', (_why, stored) => {
    expect(() => parsePasswordHash(stored)).toThrow(/expected "scrypt\$N\$r\$p\$salt\$hash"/)
  })
})
