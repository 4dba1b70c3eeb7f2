/**
 * Keys at rest: each record's key block is wrapped under the node's key-encryption key (KEK)
 * through a {@link KeyProvider}, so a file-based default can give way to an HSM or a KMS. Wraps
 * name the KEK that made them, so rotating the KEK leaves old wraps readable; {@link rewrapToCurrent}
 * moves one to the current KEK.
 *
 * The software construction (file and memory providers), with KEK id `I` (UTF-8, 1..64 bytes) and
 * a context `C` (the record id the wrap is bound to):
 *
 *     aad = "healthrelay/kek-wrap/v1" ‖ u8(len I) ‖ I ‖ C
 *     ct  = AES-256-GCM(KEK, nonce (12 random bytes), aad, secret) ‖ tag
 *
 * Serialised wrap (for a database column): u8 version (0x01) ‖ u8(len I) ‖ I ‖ nonce (12) ‖ ct.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { concatBytes, lengthPrefixed8, utf8 } from './bytes.js'
import { systemRandom, type RandomSource } from './random.js'
import { GCM_NONCE_BYTES, GCM_TAG_BYTES } from './segments.js'
import { InvalidKeyError, KekUnwrapError, UnknownKeyIdError } from '../errors.js'

export const KEK_BYTES = 32
export const KEK_WRAP_AAD_LABEL = 'healthrelay/kek-wrap/v1'
export const WRAPPED_SECRET_VERSION = 1
/** Largest secret a provider wraps (a record key block is 73 bytes). */
export const MAX_WRAPPED_SECRET_BYTES = 1024
/** KEK ids: lower-case letters, digits and dashes. */
export const KEY_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/

const AAD_LABEL = utf8(KEK_WRAP_AAD_LABEL)

/** A secret wrapped under a KEK. */
export interface WrappedSecret {
  /** The KEK that wrapped it. */
  readonly keyId: string
  readonly nonce: Uint8Array
  /** Ciphertext ‖ tag. */
  readonly ciphertext: Uint8Array
}

export interface KeyOptions {
  signal?: AbortSignal
}

/** Where the node's KEKs live. Implementations: file (default), memory (tests), HSM/KMS (later). */
export interface KeyProvider {
  /** The id of the KEK new wraps use. */
  currentKeyId: (options?: KeyOptions) => Promise<string>
  /** Wraps `secret` under the current KEK, bound to `context` (the record id). */
  wrap: (secret: Uint8Array, context: Uint8Array, options?: KeyOptions) => Promise<WrappedSecret>
  /** Unwraps with the KEK the wrap names (current or retired). */
  unwrap: (wrapped: WrappedSecret, context: Uint8Array, options?: KeyOptions) => Promise<Uint8Array>
  /** Makes a new KEK current; earlier KEKs remain for unwrapping. Returns the new id. */
  rotate: (options?: KeyOptions) => Promise<string>
}

/** Wraps under the current KEK again (after a rotation). */
export async function rewrapToCurrent (
  provider: KeyProvider, wrapped: WrappedSecret, context: Uint8Array, options?: KeyOptions
): Promise<WrappedSecret> {
  const secret = await provider.unwrap(wrapped, context, options)
  try {
    return await provider.wrap(secret, context, options)
  } finally {
    secret.fill(0)
  }
}

export function encodeWrappedSecret (wrapped: WrappedSecret): Uint8Array {
  if (wrapped.nonce.byteLength !== GCM_NONCE_BYTES) throw new InvalidKeyError('wrap nonce must be 12 bytes')
  return concatBytes(Uint8Array.of(WRAPPED_SECRET_VERSION), lengthPrefixed8(utf8(wrapped.keyId)), wrapped.nonce, wrapped.ciphertext)
}

export function decodeWrappedSecret (bytes: Uint8Array): WrappedSecret {
  const idLength = bytes[1]
  if (bytes[0] !== WRAPPED_SECRET_VERSION || idLength === undefined) throw new KekUnwrapError('not a version-1 wrapped secret')
  const nonceAt = 2 + idLength
  const ctAt = nonceAt + GCM_NONCE_BYTES
  if (bytes.byteLength < ctAt + GCM_TAG_BYTES) throw new KekUnwrapError('wrapped secret is too short')
  const keyId = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(2, nonceAt))
  if (!KEY_ID_PATTERN.test(keyId)) throw new KekUnwrapError('wrapped secret names an invalid key id')
  return { keyId, nonce: bytes.slice(nonceAt, ctAt), ciphertext: bytes.slice(ctAt) }
}

function kekAad (keyId: string, context: Uint8Array): Uint8Array {
  return concatBytes(AAD_LABEL, lengthPrefixed8(utf8(keyId)), context)
}

/** The software KEK wrap (used by the file and memory providers). */
export function kekWrap (kek: Uint8Array, keyId: string, secret: Uint8Array, context: Uint8Array, random: RandomSource = systemRandom): WrappedSecret {
  if (kek.byteLength !== KEK_BYTES) throw new InvalidKeyError('KEK must be 32 bytes')
  if (secret.byteLength === 0 || secret.byteLength > MAX_WRAPPED_SECRET_BYTES) throw new InvalidKeyError('secret must be 1..1024 bytes')
  const nonce = random(GCM_NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: GCM_TAG_BYTES })
  cipher.setAAD(kekAad(keyId, context))
  return { keyId, nonce, ciphertext: concatBytes(cipher.update(secret), cipher.final(), cipher.getAuthTag()) }
}

/** The software KEK unwrap; throws KekUnwrapError when the wrap does not open. */
export function kekUnwrap (kek: Uint8Array, wrapped: WrappedSecret, context: Uint8Array): Uint8Array {
  if (wrapped.nonce.byteLength !== GCM_NONCE_BYTES || wrapped.ciphertext.byteLength <= GCM_TAG_BYTES) {
    throw new KekUnwrapError('wrapped secret has the wrong shape')
  }
  const body = wrapped.ciphertext.subarray(0, wrapped.ciphertext.byteLength - GCM_TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.nonce, { authTagLength: GCM_TAG_BYTES })
  decipher.setAAD(kekAad(wrapped.keyId, context))
  decipher.setAuthTag(wrapped.ciphertext.subarray(body.byteLength))
  try {
    return concatBytes(decipher.update(body), decipher.final())
  } catch {
    throw new KekUnwrapError(`wrapped secret does not open under key ${wrapped.keyId} for this record`)
  }
}

/** A new KEK id: `kek-<unix ms, 13 digits>-<4 random hex>` (sorts by creation time). */
export function newKeyId (now: number, random: RandomSource): string {
  const suffix = Array.from(random(2), (b) => b.toString(16).padStart(2, '0')).join('')
  return `kek-${String(now).padStart(13, '0')}-${suffix}`
}

/** Runs synchronous work as a promise (errors become rejections). */
function settle<T> (work: () => T): Promise<T> {
  try {
    return Promise.resolve(work())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

export interface MemoryKeyProviderInit {
  random?: RandomSource
  clock?: () => number
}

/** A KeyProvider holding its KEKs in memory (tests, ephemeral nodes). */
export function createMemoryKeyProvider (init: MemoryKeyProviderInit = {}): KeyProvider {
  const random = init.random ?? systemRandom
  const clock = init.clock ?? Date.now
  const keks = new Map<string, Uint8Array>()
  let current = ''
  const rotate = (): string => {
    let id = newKeyId(clock(), random)
    while (keks.has(id)) id = newKeyId(clock(), random)
    keks.set(id, random(KEK_BYTES))
    current = id
    return id
  }
  rotate()
  const kekOf = (id: string): Uint8Array => {
    const kek = keks.get(id)
    if (kek === undefined) throw new UnknownKeyIdError(`no key-encryption key ${id}`)
    return kek
  }
  return {
    currentKeyId: () => settle(() => current),
    wrap: (secret, context) => settle(() => kekWrap(kekOf(current), current, secret, context, random)),
    unwrap: (wrapped, context) => settle(() => kekUnwrap(kekOf(wrapped.keyId), wrapped, context)),
    rotate: () => settle(rotate)
  }
}
