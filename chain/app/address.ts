/**
 * Account addresses: bech32 `hr` of RIPEMD-160(SHA-256(33-byte compressed secp256k1 key)), as the
 * Cosmos SDK and cosmjs derive them; and the governance account, which has no key.
 */
import { createHash } from 'node:crypto'
import { toBech32 } from '@cosmjs/encoding'
import { ripemd160 } from '@noble/hashes/legacy.js'
import { BECH32_PREFIX } from './validation.js'

/** Addresses of recently seen keys (a pure function of the key; the same few keys sign most txs). */
const ADDRESS_CACHE_SIZE = 10_000
const addressCache = new Map<string, string>()

export function addressFromPublicKey (publicKey: Uint8Array): string {
  const key = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1')
  const cached = addressCache.get(key)
  if (cached !== undefined) return cached
  const sha = createHash('sha256').update(publicKey).digest()
  const address = toBech32(BECH32_PREFIX, ripemd160(sha))
  if (addressCache.size >= ADDRESS_CACHE_SIZE) addressCache.clear()
  addressCache.set(key, address)
  return address
}

/** bech32 `hr` of the first 20 bytes of SHA-256("healthrelay/governance"). */
export const GOVERNANCE_ADDRESS: string = toBech32(
  BECH32_PREFIX,
  createHash('sha256').update('healthrelay/governance').digest().subarray(0, 20)
)
