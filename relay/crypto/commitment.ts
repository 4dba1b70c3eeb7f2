/**
 * The salted commitment written on chain: SHA-256(salt ‖ plaintext) with a 32-byte random salt
 * that travels only inside wrapped keys, so the chain reveals nothing about the content. Computed
 * incrementally as plaintext streams.
 */
import { createHash } from 'node:crypto'
import { bytesEqual, plain } from './bytes.js'
import { InvalidKeyError } from '../errors.js'

export const COMMITMENT_SALT_BYTES = 32
export const COMMITMENT_BYTES = 32

export interface CommitmentHasher {
  update: (chunk: Uint8Array) => void
  /** The commitment; the hasher cannot be used afterwards. */
  digest: () => Uint8Array
}

export function createCommitmentHasher (salt: Uint8Array): CommitmentHasher {
  if (salt.byteLength !== COMMITMENT_SALT_BYTES) throw new InvalidKeyError('commitment salt must be 32 bytes')
  const h = createHash('sha256').update(salt)
  return {
    update: (chunk) => { h.update(chunk) },
    digest: () => plain(h.digest())
  }
}

/** SHA-256(salt ‖ plaintext) of a plaintext held in memory. */
export function computeCommitment (salt: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const h = createCommitmentHasher(salt)
  h.update(plaintext)
  return h.digest()
}

/** SHA-256(salt ‖ plaintext) of a plaintext stream. */
export async function commitmentOfStream (
  salt: Uint8Array, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: { signal?: AbortSignal }
): Promise<Uint8Array> {
  const h = createCommitmentHasher(salt)
  for await (const chunk of source) {
    options?.signal?.throwIfAborted()
    h.update(chunk)
  }
  return h.digest()
}

/** Constant-time check of a computed commitment against an expected one. */
export function commitmentMatches (expected: Uint8Array, actual: Uint8Array): boolean {
  return expected.byteLength === COMMITMENT_BYTES && bytesEqual(expected, actual)
}
