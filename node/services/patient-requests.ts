/**
 * Requests a patient signs with their chain key (secp256k1, compact low-S signature over a
 * SHA-256 digest of a domain-separated text), checked against the key enrolled for the subject.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidPatientSignatureError } from '../errors.js'

export const RESTRICTIONS_DOMAIN = 'healthrelay-restrictions/1'

/** The digest of a restriction request: the full set of categories the patient hides. */
export function restrictionsDigest (subject: string, signedAt: number, categories: readonly string[]): Uint8Array {
  const sorted = [...new Set(categories)].sort().join(',')
  return sha256(new TextEncoder().encode(`${RESTRICTIONS_DOMAIN}\n${subject}\n${signedAt}\n${sorted}`))
}

export function signRestrictions (subject: string, signedAt: number, categories: readonly string[], privateKey: Uint8Array): string {
  return Buffer.from(secp256k1.sign(restrictionsDigest(subject, signedAt, categories), privateKey, { prehash: false, lowS: true })).toString('hex')
}

export function verifyPatientSignature (digest: Uint8Array, signatureHex: string, publicKey: Uint8Array): void {
  let ok = false
  try {
    ok = /^[0-9a-f]{128}$/.test(signatureHex) && secp256k1.verify(Buffer.from(signatureHex, 'hex'), digest, publicKey, { prehash: false, lowS: true })
  } catch { ok = false }
  if (!ok) throw new InvalidPatientSignatureError('the request\'s signature does not verify against the subject\'s enrolled key')
}
