import { describe, it, expect, vi } from 'vitest'
import { randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { verifySecp256k1 } from '../../../../chain/app/index.js'
import { isLowSCompact, SECP256K1_BACKEND } from '../../../../chain/app/sig.js'

describe('verifySecp256k1', () => {
  it('agrees with @noble/curves (lowS) on valid, tampered, high-S and malformed inputs', () => {
    for (let i = 0; i < 20; i++) {
      const sk = secp256k1.utils.randomSecretKey()
      const pk = secp256k1.getPublicKey(sk, true)
      const message = new Uint8Array(randomBytes(100 + i))
      const sig = secp256k1.sign(sha256(message), sk, { prehash: false })
      const noble = (s: Uint8Array, m: Uint8Array, k: Uint8Array): boolean => {
        try { return secp256k1.verify(s, sha256(m), k, { prehash: false, lowS: true }) } catch { return false }
      }
      const parsed = secp256k1.Signature.fromBytes(sig, 'compact')
      const highS = new secp256k1.Signature(parsed.r, secp256k1.Point.CURVE().n - parsed.s).toBytes('compact')
      const other = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)
      const offCurve = new Uint8Array(33).fill(0xff); offCurve[0] = 2
      const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [
        [sig, message, pk], [highS, message, pk], [sig, new Uint8Array([...message, 1]), pk], [sig, message, other],
        [sig.subarray(0, 63), message, pk], [new Uint8Array(64), message, pk], [sig, message, offCurve]
      ]
      const got = cases.map(([s, m, k]) => verifySecp256k1(k, m, s))
      expect(got).toEqual(cases.map(([s, m, k]) => s.length === 64 && noble(s, m, k)))
      expect(got[0]).toBe(true)
      expect(got[1]).toBe(false)
    }
  })

  it('rejects r or s out of range (0, n, n/2 + 1) as @noble/curves does', () => {
    const sk = secp256k1.utils.randomSecretKey()
    const pk = secp256k1.getPublicKey(sk, true)
    const message = new Uint8Array(randomBytes(64))
    const sig = secp256k1.sign(sha256(message), sk, { prehash: false })
    const n = secp256k1.Point.CURVE().n
    const be = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'))
    const r = sig.subarray(0, 32)
    const s = sig.subarray(32)
    for (const bad of [[new Uint8Array(32), s], [be(n), s], [be(n + 1n), s], [r, new Uint8Array(32)], [r, be(n / 2n + 1n)], [r, be(n)]]) {
      expect(verifySecp256k1(pk, message, new Uint8Array([...bad[0]!, ...bad[1]!]))).toBe(false)
    }
    expect(isLowSCompact(new Uint8Array([...be(n - 1n), ...be(n / 2n)]))).toBe(true)
    expect(isLowSCompact(new Uint8Array([...be(1n), ...be(1n)]))).toBe(true)
    expect(isLowSCompact(new Uint8Array([...be(n), ...be(1n)]))).toBe(false)
    expect(isLowSCompact(new Uint8Array([...be(1n), ...be(n / 2n + 1n)]))).toBe(false)
    expect(verifySecp256k1(pk, message, sig)).toBe(true)
  })

  it('gives the same answers with the native and the WebAssembly build of libsecp256k1', async () => {
    if (process.platform === 'linux' && process.arch === 'x64') expect(SECP256K1_BACKEND).toBe('native')
    process.env.HEALTHRELAY_SECP256K1 = 'wasm'
    vi.resetModules()
    try {
      const wasm = await import('../../../../chain/app/sig.js')
      expect(wasm.SECP256K1_BACKEND).toBe('wasm')
      for (let i = 0; i < 20; i++) {
        const sk = secp256k1.utils.randomSecretKey()
        const pk = secp256k1.getPublicKey(sk, true)
        const message = new Uint8Array(randomBytes(50 + i))
        const sig = secp256k1.sign(sha256(message), sk, { prehash: false })
        const offCurve = new Uint8Array(33).fill(0xff); offCurve[0] = 3
        for (const [k, m, s] of [[pk, message, sig], [pk, message.subarray(1), sig], [offCurve, message, sig], [pk, message, new Uint8Array(64).fill(0xff)]] as const) {
          expect(wasm.verifySecp256k1(k, m, s)).toBe(verifySecp256k1(k, m, s))
        }
        expect(wasm.verifySecp256k1(pk, message, sig)).toBe(true)
      }
    } finally {
      delete process.env.HEALTHRELAY_SECP256K1
      vi.resetModules()
    }
  })
})
