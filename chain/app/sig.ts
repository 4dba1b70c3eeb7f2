/**
 * secp256k1 signature checks of SIGN_MODE_DIRECT: 64 bytes r‖s, low-S, over SHA-256 of the
 * SignDoc bytes. @noble/curves parses the signature (range of r and s), enforces low-S and
 * decompresses the public key (rejecting points off the curve); the ECDSA equation itself is
 * checked by Node's OpenSSL binding, about five times faster than pure JavaScript here, with
 * @noble/curves as the fallback where OpenSSL lacks the curve. Both implement the same
 * standard verification, so every validator reaches the same verdict.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'

const KEY_CACHE_MAX = 10_000
/** A parsed key: a KeyObject, `noble` where OpenSSL lacks the curve, or null for an invalid key. */
type ParsedKey = KeyObject | 'noble' | null

function toKeyObject (uncompressed: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'EC', crv: 'secp256k1', x: Buffer.from(uncompressed.subarray(1, 33)).toString('base64url'), y: Buffer.from(uncompressed.subarray(33)).toString('base64url') },
    format: 'jwk'
  })
}

const OPENSSL_HAS_SECP256K1: boolean = (() => {
  try { toKeyObject(secp256k1.Point.BASE.toBytes(false)); return true } catch { return false }
})()

function parseKey (publicKey: Uint8Array): ParsedKey {
  try {
    const point = secp256k1.Point.fromBytes(publicKey)
    return OPENSSL_HAS_SECP256K1 ? toKeyObject(point.toBytes(false)) : 'noble'
  } catch {
    return null
  }
}

export type Secp256k1Verifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

/**
 * A verifier that keeps the parsed form of the last public keys it saw (bounded), so that an
 * account's key is decompressed once.
 */
export function createSecp256k1Verifier (): Secp256k1Verifier {
  const keys = new Map<string, ParsedKey>()
  return (publicKey, message, signature) => {
    if (signature.length !== 64 || publicKey.length !== 33) return false
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
    let key = keys.get(id)
    if (key === undefined) {
      key = parseKey(publicKey)
      if (keys.size >= KEY_CACHE_MAX) keys.delete(keys.keys().next().value as string)
      keys.set(id, key)
    }
    return verifyWith(key, publicKey, message, signature)
  }
}

function verifyWith (key: ParsedKey, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (key === null || signature.length !== 64) return false
  try {
    const sig = secp256k1.Signature.fromBytes(signature, 'compact')
    if (sig.hasHighS()) return false
  } catch {
    return false
  }
  if (key !== 'noble') return nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature)
  try {
    return secp256k1.verify(signature, sha256(message), publicKey, { prehash: false, lowS: true, format: 'compact' })
  } catch {
    return false
  }
}

/** True when `signature` is a valid low-S signature of SHA-256(`message`) by `publicKey` (33 bytes). */
export function verifySecp256k1 (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 33) return false
  return verifyWith(parseKey(publicKey), publicKey, message, signature)
}
