// The only trace an unrecognised QR code leaves (DESIGN section 6): a keyed hash, so repeated scans of the same code
// can be counted and correlated on one site, while the text (a payment code, a phone number) cannot be recovered by
// hashing guesses without the site's secret, nor linked across sites.
import { createHmac, randomBytes } from 'node:crypto'

/** Shorter secrets would make the hash guessable by brute force over the secret. */
export const MIN_SECRET_BYTES = 16

/** HMAC-SHA256(secret, text), first 16 bytes, 32 lowercase hex characters. */
export function codeHash(secret: Buffer, text: string): string {
  if (secret.length < MIN_SECRET_BYTES) {
    throw new Error(`codeHash: expected a site secret of at least ${MIN_SECRET_BYTES} bytes, got ${secret.length}`)
  }
  return createHmac('sha256', secret).update(text, 'utf8').digest().subarray(0, 16).toString('hex')
}

/** A new per-site secret: 32 random bytes. Store it with the site's data, never in the uplink. */
export function newSiteSecret(): Buffer {
  return randomBytes(32)
}
