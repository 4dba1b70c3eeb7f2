/**
 * Sealing small records (access-event details) to a subject's X25519 key, so only the patient
 * reads them off the chain:
 *
 *     shared = X25519(e, Spub)                      (refused when all zero)
 *     info   = "healthrelay/sealed/v1" ‖ u8(len L) ‖ L ‖ Epub (32) ‖ Spub (32)      (L: the label)
 *     key    = HKDF-SHA256(ikm = shared, salt = empty, info, 32)
 *     sealed = u8(0x01) ‖ Epub (32) ‖ nonce (12) ‖ AES-256-GCM(key, nonce, aad = info, plaintext) ‖ tag (16)
 *
 * The label names the kind (`access-details`), so a sealed blob of one kind never opens as another.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { concatBytes, lengthPrefixed8, utf8 } from '../crypto/bytes.js'
import { x25519SharedSecret } from '../crypto/curves.js'
import { systemRandom, type RandomSource } from '../crypto/random.js'
import { InvalidKeyError, KeyUnwrapError } from '../errors.js'

export const SEALED_VERSION = 1
export const SEAL_INFO_LABEL = 'healthrelay/sealed/v1'
export const ACCESS_DETAILS_LABEL = 'access-details'
const OVERHEAD = 1 + 32 + 12 + 16

function info (label: string, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  return concatBytes(utf8(SEAL_INFO_LABEL), lengthPrefixed8(utf8(label)), ephemeral, recipient)
}

/** `repeatedKey`: a subject's key, sealed to again and again (its table is kept: curves.ts). */
function derive (secret: Uint8Array, pub: Uint8Array, inf: Uint8Array, repeatedKey: boolean): Uint8Array | undefined {
  let shared: Uint8Array
  try { shared = repeatedKey ? x25519SharedSecret(secret, pub) : x25519.getSharedSecret(secret, pub) } catch { return undefined }
  if (shared.every((b) => b === 0)) return undefined
  return new Uint8Array(hkdfSync('sha256', shared, new Uint8Array(0), inf, 32))
}

/** Seals `plaintext` to `recipientPublicKey` under `label`. */
export function sealTo (plaintext: Uint8Array, recipientPublicKey: Uint8Array, label: string, random: RandomSource = systemRandom): Uint8Array {
  if (recipientPublicKey.byteLength !== 32) throw new InvalidKeyError('recipient X25519 key must be 32 bytes')
  const e = random(32)
  const epub = x25519.getPublicKey(e)
  const inf = info(label, epub, recipientPublicKey)
  const key = derive(e, recipientPublicKey, inf, true)
  if (key === undefined) throw new InvalidKeyError('recipient X25519 key is a low-order point')
  const nonce = random(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
  cipher.setAAD(inf)
  return concatBytes(Uint8Array.of(SEALED_VERSION), epub, nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
}

/** Opens a sealed blob with the recipient's secret key (and public key); throws KeyUnwrapError. */
export function openSealed (sealed: Uint8Array, recipientSecretKey: Uint8Array, recipientPublicKey: Uint8Array, label: string): Uint8Array {
  if (sealed.byteLength < OVERHEAD || sealed[0] !== SEALED_VERSION) throw new KeyUnwrapError('not a version-1 sealed blob')
  const epub = sealed.subarray(1, 33)
  const nonce = sealed.subarray(33, 45)
  const body = sealed.subarray(45, sealed.byteLength - 16)
  const tag = sealed.subarray(sealed.byteLength - 16)
  const inf = info(label, epub, recipientPublicKey)
  const key = derive(recipientSecretKey, epub, inf, false)
  if (key === undefined) throw new KeyUnwrapError('ephemeral key is a low-order point')
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
  decipher.setAAD(inf)
  decipher.setAuthTag(tag)
  try {
    return concatBytes(decipher.update(body), decipher.final())
  } catch {
    throw new KeyUnwrapError('sealed blob does not open with this key')
  }
}
