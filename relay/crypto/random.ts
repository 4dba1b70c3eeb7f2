/**
 * The source of every random value the crypto layer draws (keys, salts, nonce prefixes, ephemeral
 * keys, request nonces). Injected so test vectors can be generated with fixed values; the default
 * is the operating system's CSPRNG.
 */
import { randomBytes } from 'node:crypto'
import { plain } from './bytes.js'

/** Returns `length` random bytes. */
export type RandomSource = (length: number) => Uint8Array

/** The operating system's CSPRNG (`crypto.randomBytes`). */
export const systemRandom: RandomSource = (length: number): Uint8Array => plain(randomBytes(length))
