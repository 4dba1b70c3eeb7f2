/**
 * Faster paths for the curve operations a relay repeats with the same keys, built only from
 * @noble/curves' own point arithmetic and giving exactly the results of its high-level functions
 * (test/unit/relay/crypto/curves.test.ts compares them on random and edge-case inputs):
 *
 * - `verifyEd25519`: `ed25519.verify(sig, msg, publicKey, { zip215: false })` (RFC 8032 strict:
 *   canonical encodings, small-order keys refused, cofactored equation). The decoded public key is
 *   kept, and once a key is seen again its point gets a precomputed window table, so `[k]A` is a
 *   few dozen additions instead of a full double-and-add (a doctor's key signs every request of
 *   the credential's lifetime; a custodian's key every trailer).
 * - `signEd25519`: `ed25519.sign(msg, seed)` with the expanded secret (scalar, prefix, public key)
 *   kept per seed, so a signature costs one fixed-base multiplication instead of two.
 * - `x25519SharedSecret`: `x25519.getSharedSecret(secret, publicKey)`. For a public key seen again
 *   (the X25519 key of a doctor's credential, a patient's key) it maps the u-coordinate to the
 *   Edwards point, clears the cofactor and multiplies with a precomputed table (constant time in
 *   the secret scalar, as noble's `multiply`), then maps back: u(k·P) = u((k/8)·8P) for a clamped
 *   k. Keys on the twist, of small order or not canonically encoded take noble's ladder.
 *
 * Caches are bounded (least recently used); secrets are held only as the expanded signing key of
 * this node's own identity (a handful of entries).
 */
import { createHash } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE } from '@noble/curves/utils.js'

type EdPoint = ReturnType<typeof ed25519.Point.fromBytes>

const Point = ed25519.Point
const Fp = Point.Fp
const Fn = Point.Fn
const P = Fp.ORDER

/** Window of the precomputed tables (W = 5: 52 windows of 16 points; ~1 ms per multiplication). */
export const CURVE_TABLE_WINDOW = 5
/** Keys whose decoded points (and tables, once seen twice) are kept. */
export const DEFAULT_CURVE_KEY_CACHE = 256

interface KeyEntry<T> { value: T, uses: number }

/** A least-recently-used map that also counts uses (tables are built on the second use). */
class KeyCache<T> {
  readonly #max: number
  readonly #map = new Map<string, KeyEntry<T>>()
  constructor (max: number) { this.#max = max }
  get (key: string): KeyEntry<T> | undefined {
    const e = this.#map.get(key)
    if (e === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, e)
    e.uses++
    return e
  }

  set (key: string, value: T): KeyEntry<T> {
    const e = { value, uses: 1 }
    this.#map.set(key, e)
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next()
      if (oldest.done === true) break
      this.#map.delete(oldest.value)
    }
    return e
  }

  clear (): void { this.#map.clear() }
}

function keyOf (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

function sha512 (...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512')
  for (const p of parts) h.update(p)
  return h.digest()
}

function modNLE (bytes: Uint8Array): bigint {
  return Fn.create(bytesToNumberLE(bytes))
}

// ---- Ed25519 verification ---------------------------------------------------------------------

/** A decoded verification key: its point, or false when it is not a usable strict key. */
const verifyKeys = new KeyCache<EdPoint | false>(DEFAULT_CURVE_KEY_CACHE)

function verificationPoint (publicKey: Uint8Array): EdPoint | false {
  const k = keyOf(publicKey)
  const hit = verifyKeys.get(k)
  if (hit !== undefined) {
    if (hit.value !== false && hit.uses === 2) hit.value.precompute(CURVE_TABLE_WINDOW)
    return hit.value
  }
  let A: EdPoint | false
  try {
    A = Point.fromBytes(publicKey, false)
    if (A.isSmallOrder()) A = false
  } catch {
    A = false
  }
  verifyKeys.set(k, A)
  return A
}

/** Exactly `ed25519.verify(signature, message, publicKey, { zip215: false })`, without throwing. */
export function verifyEd25519 (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.byteLength !== 64 || publicKey.byteLength !== 32) return false
  const r = signature.subarray(0, 32)
  const s = bytesToNumberLE(signature.subarray(32, 64))
  const A = verificationPoint(publicKey)
  if (A === false) return false
  let R: EdPoint
  let SB: EdPoint
  try {
    R = Point.fromBytes(r, false)
    SB = Point.BASE.multiplyUnsafe(s) // refuses s >= n
  } catch {
    return false
  }
  const k = modNLE(sha512(r, publicKey, message))
  return R.add(A.multiplyUnsafe(k)).subtract(SB).clearCofactor().is0()
}

// ---- Ed25519 signing --------------------------------------------------------------------------

interface ExpandedKey { prefix: Uint8Array, scalar: bigint, pointBytes: Uint8Array }
const signingKeys = new KeyCache<ExpandedKey>(16)

/** Exactly `ed25519.sign(message, seed)` (deterministic RFC 8032), for a 32-byte seed. */
export function signEd25519 (message: Uint8Array, seed: Uint8Array): Uint8Array {
  if (seed.byteLength !== 32) return ed25519.sign(message, seed) // noble's own error
  const id = keyOf(sha512(Uint8Array.of(0x73), seed)) // never the seed itself as a map key
  let ext = signingKeys.get(id)?.value
  if (ext === undefined) {
    const e = ed25519.utils.getExtendedPublicKey(seed)
    ext = { prefix: e.prefix, scalar: e.scalar, pointBytes: e.pointBytes }
    signingKeys.set(id, ext)
  }
  const r = modNLE(sha512(ext.prefix, message))
  const R = Point.BASE.multiply(r).toBytes()
  const k = modNLE(sha512(R, ext.pointBytes, message))
  const s = Fn.create(r + k * ext.scalar)
  const out = new Uint8Array(64)
  out.set(R, 0)
  out.set(Fn.toBytes(s), 32)
  return out
}

// ---- X25519 -----------------------------------------------------------------------------------

/** The prime-order Edwards point 8·P for a Montgomery u, or false: use the ladder. */
const x25519Keys = new KeyCache<EdPoint | false>(DEFAULT_CURVE_KEY_CACHE)

function edwardsOfU (publicKey: Uint8Array): EdPoint | false {
  if (((publicKey[31] ?? 0) & 0x80) !== 0) return false // masked bit set: leave it to noble
  const u = bytesToNumberLE(publicKey)
  if (u >= P || u === 0n || u === 1n || u === P - 1n) return false // non-canonical, low order, exceptional
  try {
    // y = (u - 1) / (u + 1); either sign of x gives the same u after multiplication
    const y = Fp.div(Fp.sub(u, Fp.ONE), Fp.add(u, Fp.ONE))
    const Q = Point.fromBytes(Fp.toBytes(y), false).clearCofactor()
    return Q.is0() ? false : Q
  } catch {
    return false // on the twist: no Edwards point
  }
}

function tablePoint (publicKey: Uint8Array): EdPoint | false {
  const k = keyOf(publicKey)
  const hit = x25519Keys.get(k)
  if (hit !== undefined) {
    if (hit.value !== false && hit.uses === 2) hit.value.precompute(CURVE_TABLE_WINDOW)
    return hit.value
  }
  return x25519Keys.set(k, edwardsOfU(publicKey)).value
}

/** Exactly `x25519.getSharedSecret(secretKey, publicKey)` (throws as it does for low-order keys). */
export function x25519SharedSecret (secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (secretKey.byteLength !== 32 || publicKey.byteLength !== 32) return x25519.getSharedSecret(secretKey, publicKey)
  const Q = tablePoint(publicKey)
  if (Q === false) return x25519.getSharedSecret(secretKey, publicKey)
  const clamped = Uint8Array.from(secretKey)
  clamped[0] = (clamped[0] ?? 0) & 248
  clamped[31] = ((clamped[31] ?? 0) & 127) | 64
  // k = 8·(k >> 3) with 2^251 <= k >> 3 < 2^252 < n: a valid non-zero scalar for the prime-order Q
  const { y } = Q.multiply(bytesToNumberLE(clamped) >> 3n).toAffine()
  return Fp.toBytes(Fp.div(Fp.add(Fp.ONE, y), Fp.sub(Fp.ONE, y)))
}

/** Forgets every cached key (tests). */
export function clearCurveCaches (): void {
  verifyKeys.clear()
  signingKeys.clear()
  x25519Keys.clear()
}
