/**
 * The chain operator key: secp256k1, in the JSON that `healthrelay chain init` writes for genesis
 * members (`keys/<CC>-operator.json`, also `<CC>-regulator.json`): `{ "address": "hr1…", "publicKey": "<33-byte compressed, hex>", "privateKey": "<32 bytes hex>" }`.
 * The address is bech32 `hr` of RIPEMD-160(SHA-256(publicKey)), as the Cosmos SDK derives it.
 * Reading checks that the three agree.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ripemd160 } from '@noble/hashes/legacy.js'
import { toBech32 } from '@cosmjs/encoding'
import { InvalidKeyFileError } from './errors.js'
import { parseHex, toHex } from './hex.js'
import { readKeyJson, writeKeyJson, type KeyFileOptions, type WriteKeyFileOptions } from './key-file.js'

export const CHAIN_ADDRESS_PREFIX = 'hr'

export interface ChainKey {
  readonly address: string
  /** 33-byte compressed secp256k1 public key. */
  readonly publicKey: Uint8Array
  readonly privateKey: Uint8Array
}

export function chainAddress (publicKey: Uint8Array, prefix = CHAIN_ADDRESS_PREFIX): string {
  return toBech32(prefix, ripemd160(sha256(publicKey)))
}

export function chainKeyFromPrivateKey (privateKey: Uint8Array, prefix = CHAIN_ADDRESS_PREFIX): ChainKey {
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  return { address: chainAddress(publicKey, prefix), publicKey, privateKey }
}

export function generateChainKey (prefix = CHAIN_ADDRESS_PREFIX): ChainKey {
  return chainKeyFromPrivateKey(secp256k1.utils.randomSecretKey(), prefix)
}

/** The file's JSON (hex fields). */
export function chainKeyJson (key: ChainKey): { address: string, publicKey: string, privateKey: string } {
  return { address: key.address, publicKey: toHex(key.publicKey), privateKey: toHex(key.privateKey) }
}

/** Checks parsed JSON from `path` and returns the key. */
export function parseChainKey (path: string, value: unknown, prefix = CHAIN_ADDRESS_PREFIX): ChainKey {
  if (typeof value !== 'object' || value === null) throw new InvalidKeyFileError(path, 'expected a JSON object')
  const v = value as Record<string, unknown>
  const privateKey = parseHex(path, 'privateKey', v.privateKey, 32)
  let key: ChainKey
  try {
    key = chainKeyFromPrivateKey(new Uint8Array(privateKey), prefix)
  } catch {
    throw new InvalidKeyFileError(path, 'privateKey is not a valid secp256k1 secret key')
  }
  if (!Buffer.from(key.publicKey).equals(parseHex(path, 'publicKey', v.publicKey, 33))) {
    throw new InvalidKeyFileError(path, 'publicKey does not belong to privateKey')
  }
  if (v.address !== key.address) throw new InvalidKeyFileError(path, `address does not belong to the key (expected ${key.address})`)
  return key
}

export async function readChainKey (path: string, options: KeyFileOptions = {}): Promise<ChainKey> {
  return parseChainKey(path, await readKeyJson(path, options))
}

export async function writeChainKey (path: string, key: ChainKey, options: WriteKeyFileOptions = {}): Promise<void> {
  await writeKeyJson(path, chainKeyJson(key), options)
}
