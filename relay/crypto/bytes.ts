/**
 * Byte helpers shared by the crypto and wire layers: SHA-256, constant-time comparison, fixed
 * big-endian integers and UTF-8 labels. Everything returns plain `Uint8Array`s (never Node
 * `Buffer`s), so values compare equal whatever produced them.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { concatBytes, bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

export { concatBytes, bytesToHex, hexToBytes }

/** A view of `bytes` as a plain Uint8Array (no copy). */
export function plain (bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256 (...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return plain(h.digest())
}

/** Equality in time independent of where the inputs differ (length is not hidden). */
export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

/** `n` as 4 bytes, big-endian. */
export function u32be (n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a uint32: ${n}`)
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n, false)
  return out
}

/** The UTF-8 bytes of `s`. */
export function utf8 (s: string): Uint8Array {
  return new TextEncoder().encode(s)
}

/** `bytes` preceded by its length as one byte (at most 255 bytes). */
export function lengthPrefixed8 (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > 255) throw new RangeError(`field longer than 255 bytes: ${bytes.byteLength}`)
  return concatBytes(Uint8Array.of(bytes.byteLength), bytes)
}
