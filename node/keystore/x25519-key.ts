/**
 * The node's X25519 key (registered on chain with the node; sealed metadata is encrypted to it):
 * `{ "format": "healthrelay-x25519-key", "version": 1, "publicKey": "<hex>", "privateKey": "<hex>" }`.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { InvalidKeyFileError } from './errors.js'
import { parseHex, toHex } from './hex.js'
import { readKeyJson, writeKeyJson, type KeyFileOptions, type WriteKeyFileOptions } from './key-file.js'

export const X25519_KEY_FORMAT = 'healthrelay-x25519-key'

export interface X25519Key {
  readonly publicKey: Uint8Array
  readonly privateKey: Uint8Array
}

export function generateX25519Key (): X25519Key {
  const privateKey = x25519.utils.randomSecretKey()
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) }
}

/** Checks a `{ publicKey, privateKey }` hex pair (in a key file at `path`, under `field`). */
export function parseX25519Pair (path: string, field: string, value: unknown): X25519Key {
  if (typeof value !== 'object' || value === null) throw new InvalidKeyFileError(path, `${field} must be an object`)
  const v = value as Record<string, unknown>
  const privateKey = new Uint8Array(parseHex(path, `${field}.privateKey`, v.privateKey, 32))
  const publicKey = x25519.getPublicKey(privateKey)
  if (!Buffer.from(publicKey).equals(parseHex(path, `${field}.publicKey`, v.publicKey, 32))) {
    throw new InvalidKeyFileError(path, `${field}.publicKey does not belong to ${field}.privateKey`)
  }
  return { publicKey, privateKey }
}

export async function readX25519Key (path: string, options: KeyFileOptions = {}): Promise<X25519Key> {
  const value = await readKeyJson(path, options)
  if (typeof value !== 'object' || value === null || (value as { format?: unknown }).format !== X25519_KEY_FORMAT) {
    throw new InvalidKeyFileError(path, `not a ${X25519_KEY_FORMAT} file`)
  }
  if ((value as { version?: unknown }).version !== 1) throw new InvalidKeyFileError(path, 'unsupported version')
  return parseX25519Pair(path, 'key', value)
}

export async function writeX25519Key (path: string, key: X25519Key, options: WriteKeyFileOptions = {}): Promise<void> {
  await writeKeyJson(path, { format: X25519_KEY_FORMAT, version: 1, publicKey: toHex(key.publicKey), privateKey: toHex(key.privateKey) }, options)
}
