/**
 * A bounded memory of Ed25519 signatures already verified, so a custodian checks the issuer's
 * signature of a doctor's credential once and not on every request of its 24 hours. An entry is
 * SHA-256 over (public key, payload, signature): a changed key (the issuer re-registered), payload
 * or signature is a different entry. Only successful checks are remembered; expiry, country and
 * revocation are still checked on every use.
 */
import { bytesToHex, sha256 } from '../crypto/bytes.js'

export const DEFAULT_SIGNATURE_CACHE_ENTRIES = 10_000

export interface SignatureCache {
  /** True when exactly this signature by this key over this payload verified before. */
  has: (publicKey: Uint8Array, payload: Uint8Array, signature: Uint8Array) => boolean
  add: (publicKey: Uint8Array, payload: Uint8Array, signature: Uint8Array) => void
}

/** A least-recently-used SignatureCache of at most `maxEntries` entries. */
export function createSignatureCache (maxEntries: number = DEFAULT_SIGNATURE_CACHE_ENTRIES): SignatureCache {
  const entries = new Set<string>()
  const key = (publicKey: Uint8Array, payload: Uint8Array, signature: Uint8Array): string =>
    bytesToHex(sha256(Uint8Array.of(publicKey.byteLength), publicKey, Uint8Array.of(signature.byteLength), signature, payload))
  return {
    has (publicKey, payload, signature) {
      const k = key(publicKey, payload, signature)
      if (!entries.has(k)) return false
      entries.delete(k)
      entries.add(k)
      return true
    },
    add (publicKey, payload, signature) {
      const k = key(publicKey, payload, signature)
      entries.delete(k)
      entries.add(k)
      while (entries.size > maxEntries) {
        const oldest = entries.values().next()
        if (oldest.done === true) break
        entries.delete(oldest.value)
      }
    }
  }
}
