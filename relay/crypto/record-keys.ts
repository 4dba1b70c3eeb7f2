/**
 * A record's secrets: its data key, its commitment salt and its segments' nonce prefix. They are
 * wrapped together, under the node's KEK at rest and to the doctor's X25519 key when relayed, in
 * one fixed 73-byte layout:
 *
 *     u8 version (0x01) ‖ data key (32) ‖ commitment salt (32) ‖ nonce prefix (8)
 */
import { concatBytes } from './bytes.js'
import { systemRandom, type RandomSource } from './random.js'
import { DATA_KEY_BYTES, NONCE_PREFIX_BYTES } from './segments.js'
import { COMMITMENT_SALT_BYTES } from './commitment.js'
import { InvalidKeyError } from '../errors.js'

export const RECORD_KEYS_VERSION = 1
export const RECORD_KEYS_BYTES = 1 + DATA_KEY_BYTES + COMMITMENT_SALT_BYTES + NONCE_PREFIX_BYTES

export interface RecordKeys {
  readonly dataKey: Uint8Array
  readonly commitmentSalt: Uint8Array
  readonly noncePrefix: Uint8Array
}

/** Fresh secrets for a new record (or for content an obligation transformed). */
export function generateRecordKeys (random: RandomSource = systemRandom): RecordKeys {
  return {
    dataKey: random(DATA_KEY_BYTES),
    commitmentSalt: random(COMMITMENT_SALT_BYTES),
    noncePrefix: random(NONCE_PREFIX_BYTES)
  }
}

export function encodeRecordKeys (keys: RecordKeys): Uint8Array {
  if (keys.dataKey.byteLength !== DATA_KEY_BYTES) throw new InvalidKeyError('data key must be 32 bytes')
  if (keys.commitmentSalt.byteLength !== COMMITMENT_SALT_BYTES) throw new InvalidKeyError('commitment salt must be 32 bytes')
  if (keys.noncePrefix.byteLength !== NONCE_PREFIX_BYTES) throw new InvalidKeyError('nonce prefix must be 8 bytes')
  return concatBytes(Uint8Array.of(RECORD_KEYS_VERSION), keys.dataKey, keys.commitmentSalt, keys.noncePrefix)
}

export function decodeRecordKeys (bytes: Uint8Array): RecordKeys {
  if (bytes.byteLength !== RECORD_KEYS_BYTES || bytes[0] !== RECORD_KEYS_VERSION) {
    throw new InvalidKeyError('not a version-1 record key block')
  }
  const a = 1
  const b = a + DATA_KEY_BYTES
  const c = b + COMMITMENT_SALT_BYTES
  return {
    dataKey: bytes.slice(a, b),
    commitmentSalt: bytes.slice(b, c),
    noncePrefix: bytes.slice(c, c + NONCE_PREFIX_BYTES)
  }
}
