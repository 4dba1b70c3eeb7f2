/**
 * The cached curve paths of relay/crypto/curves.ts give exactly what @noble/curves' own functions
 * give, on random inputs (each key used several times, so the precomputed-table path runs too)
 * and on the edge cases of strict Ed25519 and X25519.
 */
import { describe, it, expect, beforeEach } from 'vitest'
import { randomBytes } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { clearCurveCaches, signEd25519, verifyEd25519, x25519SharedSecret } from '../../../../relay/crypto/curves.js'

const P = 2n ** 255n - 19n
const N = ed25519.Point.Fn.ORDER
const le = (n: bigint): Uint8Array => { const out = new Uint8Array(32); for (let i = 0; i < 32; i++) { out[i] = Number((n >> BigInt(8 * i)) & 0xffn) } return out }
const leToN = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function nobleVerify (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  try { return ed25519.verify(sig, msg, pk, { zip215: false }) } catch { return false }
}
function outcome (f: () => Uint8Array): string {
  try { return hex(f()) } catch { return 'throws' }
}

beforeEach(() => { clearCurveCaches() })

describe('verifyEd25519', () => {
  it('agrees with ed25519.verify (strict) on valid, altered and malformed signatures, cold and with tables', () => {
    for (let key = 0; key < 3; key++) {
      const sk = randomBytes(32)
      const pk = ed25519.getPublicKey(sk)
      for (let i = 0; i < 5; i++) {
        const msg = randomBytes(1 + i * 40)
        const sig = ed25519.sign(msg, sk)
        expect(verifyEd25519(sig, msg, pk)).toBe(true)
        const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [
          [Uint8Array.from(sig, (b, j) => j === i ? b ^ 1 : b), msg, pk],
          [Uint8Array.from(sig, (b, j) => j === 40 + i ? b ^ 4 : b), msg, pk],
          [sig, Uint8Array.from(msg, (b, j) => j === 0 ? b ^ 1 : b), pk],
          [sig, msg, ed25519.getPublicKey(randomBytes(32))],
          // s + n: the same point equation, refused as non-canonical
          [new Uint8Array([...sig.subarray(0, 32), ...le(leToN(sig.subarray(32)) + N)]), msg, pk],
          // R with y >= p
          [new Uint8Array([...le(P + 1n), ...sig.subarray(32)]), msg, pk],
          [sig.subarray(0, 63), msg, pk],
          [sig, msg, pk.subarray(0, 31)]
        ]
        for (const [s, m, k] of cases) expect(verifyEd25519(s, m, k)).toBe(nobleVerify(s, m, k))
      }
    }
  })

  it('refuses small-order and non-canonical public keys as noble does', () => {
    const msg = randomBytes(20)
    const sig = ed25519.sign(msg, randomBytes(32))
    const identity = le(1n)
    const order2 = le(P - 1n) // y = -1
    for (const pk of [identity, order2, le(P), le(P + 1n), new Uint8Array(32).fill(0xff), randomBytes(32)]) {
      for (let i = 0; i < 3; i++) expect(verifyEd25519(sig, msg, pk)).toBe(nobleVerify(sig, msg, pk))
    }
  })
})

describe('signEd25519', () => {
  it('gives exactly ed25519.sign\'s signature, first use and later', () => {
    for (let key = 0; key < 3; key++) {
      const seed = randomBytes(32)
      for (let i = 0; i < 4; i++) {
        const msg = randomBytes(i * 100)
        expect(hex(signEd25519(msg, seed))).toBe(hex(ed25519.sign(msg, seed)))
      }
    }
  })
})

describe('x25519SharedSecret', () => {
  it('agrees with x25519.getSharedSecret for curve keys, cold and with tables', () => {
    for (let key = 0; key < 3; key++) {
      const pub = x25519.getPublicKey(randomBytes(32))
      for (let i = 0; i < 4; i++) {
        const secret = randomBytes(32)
        expect(hex(x25519SharedSecret(secret, pub))).toBe(hex(x25519.getSharedSecret(secret, pub)))
      }
    }
  })

  it('agrees on arbitrary u values (twist points, torsion components, the masked bit, non-canonical and low-order u)', () => {
    const lowOrder = [0n, 1n, P - 1n,
      325606250916557431795983626356110631294008115727848805560023387167927233504n,
      39382357235489614581723060781553021112529911719440698176882885853963445705823n]
    const fixed = [...lowOrder.map(le), le(P), le(P + 1n), le(P + 9n), le(9n),
      Uint8Array.from(x25519.getPublicKey(randomBytes(32)), (b, j) => j === 31 ? b | 0x80 : b)]
    const randomU = Array.from({ length: 12 }, () => randomBytes(32))
    // a curve point with a torsion component: u of (a prime-order point + a point of order 8)
    const order8 = ed25519.Point.fromBytes(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'))
    expect(order8.isSmallOrder() && !order8.is0()).toBe(true)
    const torsion = order8.add(ed25519.Point.BASE.multiply(12345n))
    const withTorsion = ed25519.utils.toMontgomery(torsion.toBytes())
    for (const pub of [...fixed, ...randomU, withTorsion]) {
      for (let i = 0; i < 3; i++) {
        const secret = randomBytes(32)
        expect(outcome(() => x25519SharedSecret(secret, pub))).toBe(outcome(() => x25519.getSharedSecret(secret, pub)))
      }
    }
  })
})
