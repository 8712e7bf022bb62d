// Issuer key pairs: Ed25519 (RFC 8037) as PEM, SPKI for the gate's config and PKCS#8 for whoever issues passes.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** Kids end up in file names (`KID.key.pem`) and config: no path separators, no leading dot. */
export const KID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface IssuerKeyPair {
  kid: string
  /** SPKI PEM: goes into `passes.issuers` on every gate. */
  publicKeyPem: string
  /** PKCS#8 PEM: stays with the issuer, never on a gate box. */
  privateKeyPem: string
}

/** `estate-key-20261123-3f9a`: sortable by date, unique enough that two techs on the same day do not collide. */
export function defaultKid(now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '')
  return `estate-key-${day}-${randomBytes(2).toString('hex')}`
}

export function assertKid(kid: string): string {
  if (!KID_PATTERN.test(kid)) {
    throw new Error(`expected a key id (kid) of 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(kid)}`)
  }
  return kid
}

export function newKeyPair(kid: string): IssuerKeyPair {
  assertKid(kid)
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  return {
    kid,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

/** Parses a PKCS#8 PEM and insists on Ed25519; `label` names the source in the error (a file, a kid). */
export function ed25519PrivateKey(privateKeyPem: string, label: string): KeyObject {
  if (privateKeyPem.includes('PUBLIC KEY-----')) {
    throw new Error(`${label}: expected an Ed25519 private key ("-----BEGIN PRIVATE KEY-----", KID.key.pem), got a public key`)
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: privateKeyPem, format: 'pem' })
  } catch (err) {
    throw new Error(`${label}: expected an Ed25519 private key in PEM ("-----BEGIN PRIVATE KEY-----"), got unreadable data (${errText(err)})`)
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${label}: expected an Ed25519 private key, got a key of type ${key.asymmetricKeyType ?? 'unknown'}`)
  }
  return key
}

/** Parses an SPKI PEM and insists on Ed25519. */
export function ed25519PublicKey(publicKeyPem: string, label: string): KeyObject {
  // createPublicKey would happily derive a public key from a private one; a private key must never reach a gate.
  if (publicKeyPem.includes('PRIVATE KEY-----')) {
    throw new Error(`${label}: expected a public key ("-----BEGIN PUBLIC KEY-----"), got a PRIVATE key, which must stay with the issuer`)
  }
  let key: KeyObject
  try {
    key = createPublicKey({ key: publicKeyPem, format: 'pem' })
  } catch (err) {
    throw new Error(`${label}: expected an Ed25519 public key in PEM ("-----BEGIN PUBLIC KEY-----"), got unreadable data (${errText(err)})`)
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${label}: expected an Ed25519 public key, got a ${key.type} key of type ${key.asymmetricKeyType ?? 'unknown'}`)
  }
  return key
}

/** The public half of a private key, as SPKI PEM (for a tech who kept only the private file). */
export function publicKeyPemOf(privateKeyPem: string): string {
  const pub = createPublicKey(ed25519PrivateKey(privateKeyPem, 'private key'))
  return pub.export({ type: 'spki', format: 'pem' }).toString()
}

/** Reads a private key file and checks it is an Ed25519 PKCS#8 PEM; the error names the file. */
export function loadPrivateKeyPem(file: string): string {
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(`${file}: cannot read the private key file (${errText(err)})`)
  }
  ed25519PrivateKey(pem, file)
  return pem
}

function errText(err: unknown): string {
  return err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err)
}
