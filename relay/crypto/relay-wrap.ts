/**
 * Re-wrapping a record's keys to a doctor's X25519 key for relaying (`WrappedKey` in relay.proto).
 * With the recipient's public key `Rpub`, a fresh ephemeral key pair (`e`, `Epub`) and token id `T`:
 *
 *     shared = X25519(e, Rpub)                       (rejected when all zero)
 *     info   = "healthrelay/relay-wrap/v1" ‖ u8(len T) ‖ T ‖ Epub(32) ‖ Rpub(32)
 *     kek    = HKDF-SHA256(ikm = shared, salt = "" (32 zero bytes), info, L = 32)
 *     ct     = AES-256-GCM(kek, nonce (12 random bytes), aad = info, record key block) ‖ tag
 *
 * The record key block is the 73-byte layout of record-keys.ts. Only the holder of the recipient's
 * private key can open it, only for that token id, and only as sent by this ephemeral key.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { x25519SharedSecret } from './curves.js'
import { concatBytes, lengthPrefixed8, utf8 } from './bytes.js'
import { systemRandom, type RandomSource } from './random.js'
import { decodeRecordKeys, encodeRecordKeys, type RecordKeys } from './record-keys.js'
import { GCM_NONCE_BYTES, GCM_TAG_BYTES } from './segments.js'
import { X25519_KEY_BYTES } from './signing.js'
import { InvalidKeyError, KeyUnwrapError } from '../errors.js'

export const RELAY_WRAP_INFO_LABEL = 'healthrelay/relay-wrap/v1'

const INFO_LABEL = utf8(RELAY_WRAP_INFO_LABEL)

/** The domain form of relay.proto's `WrappedKey`. */
export interface WrappedKeyData {
  readonly ephemeralPublicKey: Uint8Array
  readonly nonce: Uint8Array
  readonly ciphertext: Uint8Array
}

/** HKDF `info` (also the AEAD's associated data) binding token id and both public keys. */
export function relayWrapInfo (tokenId: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  return concatBytes(INFO_LABEL, lengthPrefixed8(tokenId), ephemeralPublicKey, recipientPublicKey)
}

/**
 * X25519, refused when all zero. `repeatedKey`: the public key comes back across calls (a
 * credential's key when wrapping), so curves.ts keeps its precomputed table; a fresh ephemeral
 * key (unwrapping) takes the ladder directly.
 */
function sharedSecret (secretKey: Uint8Array, publicKey: Uint8Array, repeatedKey: boolean): Uint8Array | undefined {
  try {
    const s = repeatedKey ? x25519SharedSecret(secretKey, publicKey) : x25519.getSharedSecret(secretKey, publicKey)
    return s.every((b) => b === 0) ? undefined : s
  } catch {
    return undefined
  }
}

/** The 32-byte AES key derived for one wrap. */
export function relayWrapKey (shared: Uint8Array, info: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', shared, new Uint8Array(0), info, 32))
}

/** Ephemeral key pairs made ahead, in idle turns of the event loop, each used for one wrap only. */
const EPHEMERAL_POOL_SIZE = 8
const ephemeralPool: Array<{ secret: Uint8Array, publicKey: Uint8Array }> = []
let refilling = false

function refillEphemeralPool (): void {
  if (refilling || ephemeralPool.length >= EPHEMERAL_POOL_SIZE) return
  refilling = true
  setImmediate(() => {
    refilling = false
    const secret = systemRandom(X25519_KEY_BYTES)
    ephemeralPool.push({ secret, publicKey: x25519.getPublicKey(secret) })
    refillEphemeralPool()
  }).unref()
}

/**
 * A fresh ephemeral key pair: drawn from `random` (test vectors), or with the system's CSPRNG
 * from the pool made ahead (its public key is a fixed-base multiplication off the request path).
 */
function ephemeralKeyPair (random: RandomSource): { secret: Uint8Array, publicKey: Uint8Array } {
  if (random !== systemRandom) {
    const secret = random(X25519_KEY_BYTES)
    return { secret, publicKey: x25519.getPublicKey(secret) }
  }
  const made = ephemeralPool.shift()
  refillEphemeralPool()
  if (made !== undefined) return made
  const secret = systemRandom(X25519_KEY_BYTES)
  return { secret, publicKey: x25519.getPublicKey(secret) }
}

/** Wraps `keys` to `recipientPublicKey` for `tokenId` (one fresh ephemeral key per wrap). */
export function wrapToRecipient (
  keys: RecordKeys, tokenId: Uint8Array, recipientPublicKey: Uint8Array, random: RandomSource = systemRandom
): WrappedKeyData {
  if (recipientPublicKey.byteLength !== X25519_KEY_BYTES) throw new InvalidKeyError('recipient X25519 key must be 32 bytes')
  if (tokenId.byteLength < 1 || tokenId.byteLength > 255) throw new InvalidKeyError('token id must be 1..255 bytes')
  const { secret: ephemeralSecret, publicKey: ephemeralPublicKey } = ephemeralKeyPair(random)
  const shared = sharedSecret(ephemeralSecret, recipientPublicKey, true)
  if (random === systemRandom) ephemeralSecret.fill(0) // ours: not needed again
  if (shared === undefined) throw new InvalidKeyError('recipient X25519 key is a low-order point')
  const info = relayWrapInfo(tokenId, ephemeralPublicKey, recipientPublicKey)
  const nonce = random(GCM_NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', relayWrapKey(shared, info), nonce, { authTagLength: GCM_TAG_BYTES })
  cipher.setAAD(info)
  const ciphertext = concatBytes(cipher.update(encodeRecordKeys(keys)), cipher.final(), cipher.getAuthTag())
  return { ephemeralPublicKey, nonce, ciphertext }
}

/**
 * Opens a key wrapped to this recipient for `tokenId`; throws KeyUnwrapError otherwise. Passing
 * the recipient's public key (known from the credential) saves a scalar multiplication; a wrong
 * one makes the unwrap fail, never succeed.
 */
export function unwrapFromSender (
  wrapped: WrappedKeyData, tokenId: Uint8Array, recipientSecretKey: Uint8Array, recipientPublicKey?: Uint8Array
): RecordKeys {
  if (recipientSecretKey.byteLength !== X25519_KEY_BYTES) throw new InvalidKeyError('recipient X25519 secret key must be 32 bytes')
  if (wrapped.ephemeralPublicKey.byteLength !== X25519_KEY_BYTES || wrapped.nonce.byteLength !== GCM_NONCE_BYTES ||
    wrapped.ciphertext.byteLength < GCM_TAG_BYTES || tokenId.byteLength < 1 || tokenId.byteLength > 255) {
    throw new KeyUnwrapError('wrapped key has the wrong shape')
  }
  const shared = sharedSecret(recipientSecretKey, wrapped.ephemeralPublicKey, false)
  if (shared === undefined) throw new KeyUnwrapError('ephemeral key is a low-order point')
  const info = relayWrapInfo(tokenId, wrapped.ephemeralPublicKey, recipientPublicKey ?? x25519.getPublicKey(recipientSecretKey))
  const body = wrapped.ciphertext.subarray(0, wrapped.ciphertext.byteLength - GCM_TAG_BYTES)
  const tag = wrapped.ciphertext.subarray(wrapped.ciphertext.byteLength - GCM_TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', relayWrapKey(shared, info), wrapped.nonce, { authTagLength: GCM_TAG_BYTES })
  decipher.setAAD(info)
  decipher.setAuthTag(tag)
  let block: Uint8Array
  try {
    block = concatBytes(decipher.update(body), decipher.final())
  } catch {
    throw new KeyUnwrapError('wrapped key does not open with this recipient key for this token')
  }
  try {
    return decodeRecordKeys(block)
  } catch {
    throw new KeyUnwrapError('wrapped key holds no version-1 record key block')
  }
}
