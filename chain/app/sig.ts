/**
 * secp256k1 signature checks of SIGN_MODE_DIRECT: 64 bytes r‖s, low-S, over SHA-256 of the
 * SignDoc bytes. The range checks (1 ≤ r, s < n, s ≤ n/2) are plain byte comparisons here; the key
 * and the ECDSA equation are checked by libsecp256k1, the reference implementation that Cosmos
 * validators use: its native build (the `secp256k1` package, prebuilt for linux-x64, about four
 * times faster than WebAssembly here) when it loads, else the same library as WebAssembly
 * (tiny-secp256k1, strict low-S mode). Both are libsecp256k1, so they accept exactly the same
 * signatures; `SECP256K1_BACKEND` tells which one runs.
 */
import { hash as oneShotHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { verify as wasmVerify } from 'tiny-secp256k1'

interface NativeSecp256k1 { ecdsaVerify: (signature: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array) => boolean }

function loadNative (): NativeSecp256k1 | undefined {
  if (process.env.HEALTHRELAY_SECP256K1 === 'wasm') return undefined
  try {
    // the native addon only: the package's own fallback is a JavaScript implementation
    return createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1
  } catch {
    return undefined
  }
}

const native = loadNative()

/** Which libsecp256k1 build verifies: 'native' or 'wasm' (HEALTHRELAY_SECP256K1=wasm forces it). */
export const SECP256K1_BACKEND: 'native' | 'wasm' = native !== undefined ? 'native' : 'wasm'

export type Secp256k1Verifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

/** The order n of secp256k1, big-endian. */
const N = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex')
/** ⌊n/2⌋: the largest low S. */
const HALF_N = Buffer.from('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0', 'hex')
const ZERO = Buffer.alloc(32)

/** True when the 64-byte r‖s has 1 ≤ r < n and 1 ≤ s ≤ n/2. */
export function isLowSCompact (signature: Uint8Array): boolean {
  if (signature.length !== 64) return false
  const b = Buffer.from(signature.buffer, signature.byteOffset, 64)
  const r = b.subarray(0, 32)
  const s = b.subarray(32, 64)
  return r.compare(ZERO) > 0 && r.compare(N) < 0 && s.compare(ZERO) > 0 && s.compare(HALF_N) <= 0
}

/** True when `signature` is a valid low-S signature of SHA-256(`message`) by `publicKey` (33 bytes). */
export function verifySecp256k1 (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 33 || !isLowSCompact(signature)) return false
  try {
    const digest = oneShotHash('sha256', message, 'buffer')
    return native !== undefined ? native.ecdsaVerify(signature, digest, publicKey) : wasmVerify(digest, publicKey, signature, true)
  } catch {
    return false // a key off the curve
  }
}

/** The verifier the app uses (a function, so tests and drivers can count or replace it). */
export function createSecp256k1Verifier (): Secp256k1Verifier {
  return verifySecp256k1
}
