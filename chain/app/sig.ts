/**
 * secp256k1 signature checks of SIGN_MODE_DIRECT: 64 bytes r‖s, low-S, over SHA-256 of the
 * SignDoc bytes. @noble/curves parses the signature (r and s in 1..n−1) and enforces low S;
 * libsecp256k1 (the reference implementation, as WebAssembly through tiny-secp256k1, in strict
 * low-S mode) checks the key and the ECDSA equation: about three times faster than pure
 * JavaScript here, and the same library that Cosmos validators use.
 */
import { createHash } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { verify as eccVerify } from 'tiny-secp256k1'

export type Secp256k1Verifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

/** True when `signature` is a valid low-S signature of SHA-256(`message`) by `publicKey` (33 bytes). */
export function verifySecp256k1 (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 33) return false
  try {
    const sig = secp256k1.Signature.fromBytes(signature, 'compact')
    if (sig.hasHighS()) return false
    const digest = createHash('sha256').update(message).digest()
    return eccVerify(digest, publicKey, signature, true)
  } catch {
    return false // a key off the curve or a malformed signature
  }
}

/** The verifier the app uses (a function, so tests and drivers can count or replace it). */
export function createSecp256k1Verifier (): Secp256k1Verifier {
  return verifySecp256k1
}
