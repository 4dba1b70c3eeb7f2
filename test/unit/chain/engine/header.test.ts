import { describe, it, expect } from 'vitest'
import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { dataHash, merkleRoot, signCommit, txHash, voteSignBytes } from '../../../../chain/engine/header.js'

describe('block header hashing and commit signatures', () => {
  it('signs a commit with the same Ed25519 bytes as @noble/curves (RFC 8032 is deterministic)', () => {
    for (let i = 0; i < 5; i++) {
      const seed = new Uint8Array(randomBytes(32))
      const id = { hash: new Uint8Array(randomBytes(32)), parts: { total: 1, hash: new Uint8Array(randomBytes(32)) } }
      const sig = signCommit(seed, new Uint8Array(20), 'test-chain', BigInt(i + 1), id, 1_700_000_000_000 + i)
      const bytes = voteSignBytes('test-chain', BigInt(i + 1), id, 1_700_000_000_000 + i)
      expect(sig.signature).toEqual(ed25519.sign(bytes, seed))
      expect(ed25519.verify(sig.signature, bytes, ed25519.getPublicKey(seed))).toBe(true)
    }
  })

  it('computes RFC 6962 Merkle roots and tx hashes with SHA-256', () => {
    const txs = Array.from({ length: 5 }, (_, i) => new Uint8Array(randomBytes(10 + i)))
    const leaf = (b: Uint8Array): Uint8Array => sha256(new Uint8Array([0, ...b]))
    const inner = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(new Uint8Array([1, ...l, ...r]))
    const h = txs.map((t) => sha256(t))
    expect(txHash(txs[0]!)).toEqual(h[0])
    expect(merkleRoot([])).toEqual(sha256(new Uint8Array(0)))
    // 5 leaves split 4 + 1
    const expected = inner(inner(inner(leaf(h[0]!), leaf(h[1]!)), inner(leaf(h[2]!), leaf(h[3]!))), leaf(h[4]!))
    expect(dataHash(txs)).toEqual(expected)
  })
})
