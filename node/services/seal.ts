/**
 * Sealing small values to several X25519 recipients (the token's sealed metadata: to the
 * custodian and the subject). Layout, all fixed-size fields:
 *
 *     0x01 ‖ ephemeral X25519 public key (32) ‖ n (1) ‖ n × (nonce 12 ‖ wrapped content key 32+16)
 *          ‖ nonce (12) ‖ AES-256-GCM(content key, JSON)
 *
 * Each recipient's wrap key is HKDF-SHA256(ECDH(ephemeral, recipient), info =
 * "healthrelay-seal/1" ‖ ephemeral public ‖ recipient public).
 */
import { randomBytes, createCipheriv, createDecipheriv } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../../common/errors.js'

const VERSION = 1
const INFO = new TextEncoder().encode('healthrelay-seal/1')

function gcmSeal (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce)
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
}

function gcmOpen (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, nonce)
  d.setAuthTag(sealed.subarray(sealed.length - 16))
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()])
}

const wrapKey = (shared: Uint8Array, eph: Uint8Array, recipient: Uint8Array): Uint8Array =>
  hkdf(sha256, shared, undefined, Buffer.concat([INFO, eph, recipient]), 32)

export function sealTo (recipients: readonly Uint8Array[], value: unknown): Uint8Array {
  if (recipients.length === 0 || recipients.length > 8) throw new InvalidInputError('seal: 1 to 8 recipients')
  const ephPriv = x25519.utils.randomSecretKey()
  const ephPub = x25519.getPublicKey(ephPriv)
  const contentKey = randomBytes(32)
  const parts: Uint8Array[] = [Uint8Array.of(VERSION), ephPub, Uint8Array.of(recipients.length)]
  for (const r of recipients) {
    const nonce = randomBytes(12)
    parts.push(nonce, gcmSeal(wrapKey(x25519.getSharedSecret(ephPriv, r), ephPub, r), nonce, contentKey))
  }
  const nonce = randomBytes(12)
  parts.push(nonce, gcmSeal(contentKey, nonce, new TextEncoder().encode(JSON.stringify(value))))
  return Buffer.concat(parts)
}

/** Opens a sealed value with one recipient's private key; throws InvalidInputError if it is not for it. */
export function openSealed (sealed: Uint8Array, privateKey: Uint8Array): unknown {
  const b = Buffer.from(sealed)
  if (b[0] !== VERSION || b.length < 34) throw new InvalidInputError('not a sealed value')
  const eph = b.subarray(1, 33)
  const n = b[33] ?? 0
  const pub = x25519.getPublicKey(privateKey)
  const shared = x25519.getSharedSecret(privateKey, eph)
  const key = wrapKey(shared, eph, pub)
  let off = 34
  let contentKey: Buffer | undefined
  for (let i = 0; i < n; i++) {
    const nonce = b.subarray(off, off + 12)
    const wrapped = b.subarray(off + 12, off + 60)
    off += 60
    if (contentKey === undefined) { try { contentKey = gcmOpen(key, nonce, wrapped) } catch { /* another recipient's */ } }
  }
  if (contentKey === undefined) throw new InvalidInputError('the sealed value is not for this key')
  return JSON.parse(gcmOpen(contentKey, b.subarray(off, off + 12), b.subarray(off + 12)).toString('utf8')) as unknown
}
