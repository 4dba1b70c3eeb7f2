/**
 * Ed25519 signatures (RFC 8032, strict verification) with domain separation, and the key pairs of
 * doctors and nodes. A signature never covers a payload alone but
 *
 *     message = label (ASCII) ‖ 0x00 ‖ payload
 *
 * with one label per kind of signed thing, so a signature made for one kind (a discovery query)
 * can never be presented as another (a retrieval request) even where the protobuf bytes happen to
 * parse as both. Secret keys are 32-byte seeds; a libp2p-style 64-byte key (seed ‖ public key) is
 * accepted.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { concatBytes, sha256, utf8 } from './bytes.js'
import { signEd25519, verifyEd25519 } from './curves.js'
import { systemRandom, type RandomSource } from './random.js'
import { InvalidKeyError } from '../errors.js'

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64
export const X25519_KEY_BYTES = 32

/** The domain label of each kind of signed payload. */
export const SIGNATURE_DOMAINS = {
  credential: 'healthrelay/relay/v1/credential',
  discoverQuery: 'healthrelay/relay/v1/discover-query',
  retrieveRequest: 'healthrelay/relay/v1/retrieve-request',
  trailer: 'healthrelay/relay/v1/trailer'
} as const

export type SignatureDomain = keyof typeof SIGNATURE_DOMAINS

export interface KeyPair {
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
}

/** The exact bytes an Ed25519 signature of `payload` in `domain` covers. */
export function signedMessage (domain: SignatureDomain, payload: Uint8Array): Uint8Array {
  return concatBytes(utf8(SIGNATURE_DOMAINS[domain]), Uint8Array.of(0), payload)
}

/**
 * The 32-byte seed of an Ed25519 secret key given as a seed or as seed ‖ public key (libp2p's raw
 * form). The public half is not re-derived here (that would cost a scalar multiplication per
 * signature): a mismatched half cannot produce a signature that verifies under the registered key.
 */
export function ed25519Seed (secretKey: Uint8Array): Uint8Array {
  if (secretKey.byteLength === 32) return secretKey
  if (secretKey.byteLength === 64) return secretKey.subarray(0, 32)
  throw new InvalidKeyError('an Ed25519 secret key is 32 bytes (or 64: seed ‖ public key)')
}

export function ed25519PublicKey (secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(ed25519Seed(secretKey))
}

export function x25519PublicKey (secretKey: Uint8Array): Uint8Array {
  if (secretKey.byteLength !== X25519_KEY_BYTES) throw new InvalidKeyError('an X25519 secret key is 32 bytes')
  return x25519.getPublicKey(secretKey)
}

export function generateEd25519KeyPair (random: RandomSource = systemRandom): KeyPair {
  const privateKey = random(32)
  return { privateKey, publicKey: ed25519.getPublicKey(privateKey) }
}

export function generateX25519KeyPair (random: RandomSource = systemRandom): KeyPair {
  const privateKey = random(X25519_KEY_BYTES)
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) }
}

/**
 * Signs `payload` in `domain` (deterministic: same inputs, same signature; the expanded key of a
 * seed is kept, so a signature costs one fixed-base multiplication: curves.ts).
 */
export function signPayload (domain: SignatureDomain, payload: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return signEd25519(signedMessage(domain, payload), ed25519Seed(secretKey))
}

/**
 * True only for a valid signature of `payload` in `domain` by `publicKey`. Strict RFC 8032 checks
 * (canonical encodings, no ZIP-215 leniency, small-order keys refused); malformed inputs give
 * false, never a throw.
 */
export function verifyPayload (domain: SignatureDomain, payload: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES || publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) return false
  // ed25519.verify(…, { zip215: false }) with the key's decoded point (and table) kept: curves.ts
  return verifyEd25519(signature, signedMessage(domain, payload), publicKey)
}

/** A credential's id: SHA-256 of its exact payload bytes. */
export function credentialId (credentialPayload: Uint8Array): Uint8Array {
  return sha256(credentialPayload)
}
