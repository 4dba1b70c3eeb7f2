import { describe, it, expect } from 'vitest'
import { randomBytes } from 'node:crypto'
import {
  commitmentOfStream, computeCommitment, credentialId, createCommitmentHasher, ed25519PublicKey, generateEd25519KeyPair,
  generateRecordKeys, generateX25519KeyPair, sha256, signPayload, unwrapFromSender, verifyPayload, wrapToRecipient
} from '../../../../relay/crypto/index.js'

describe('re-wrap to a doctor\'s X25519 key', () => {
  it('opens only with the recipient\'s key, for the token it was made for', () => {
    const doctor = generateX25519KeyPair()
    const keys = generateRecordKeys()
    const tokenId = randomBytes(32)
    const wrapped = wrapToRecipient(keys, tokenId, doctor.publicKey)
    expect(wrapped.ephemeralPublicKey).toHaveLength(32)
    expect(wrapped.nonce).toHaveLength(12)
    expect(wrapped.ciphertext).toHaveLength(73 + 16)
    const back = unwrapFromSender(wrapped, tokenId, doctor.privateKey)
    expect(Buffer.from(unwrapFromSender(wrapped, tokenId, doctor.privateKey, doctor.publicKey).dataKey).equals(keys.dataKey)).toBe(true)
    expect(() => unwrapFromSender(wrapped, tokenId, doctor.privateKey, generateX25519KeyPair().publicKey)).toThrow(expect.objectContaining({ name: 'KeyUnwrapError' }))
    expect(Buffer.from(back.dataKey).equals(keys.dataKey)).toBe(true)
    expect(Buffer.from(back.commitmentSalt).equals(keys.commitmentSalt)).toBe(true)
    expect(Buffer.from(back.noncePrefix).equals(keys.noncePrefix)).toBe(true)

    expect(() => unwrapFromSender(wrapped, tokenId, generateX25519KeyPair().privateKey)).toThrow(expect.objectContaining({ name: 'KeyUnwrapError' }))
    expect(() => unwrapFromSender(wrapped, randomBytes(32), doctor.privateKey)).toThrow(expect.objectContaining({ name: 'KeyUnwrapError' }))
    const otherEphemeral = { ...wrapped, ephemeralPublicKey: generateX25519KeyPair().publicKey }
    expect(() => unwrapFromSender(otherEphemeral, tokenId, doctor.privateKey)).toThrow(expect.objectContaining({ name: 'KeyUnwrapError' }))
    expect(() => unwrapFromSender({ ...wrapped, ephemeralPublicKey: new Uint8Array(32) }, tokenId, doctor.privateKey))
      .toThrow(expect.objectContaining({ name: 'KeyUnwrapError' }))
  })

  it('refuses a low-order recipient key', () => {
    expect(() => wrapToRecipient(generateRecordKeys(), randomBytes(32), new Uint8Array(32))).toThrow(expect.objectContaining({ name: 'InvalidKeyError' }))
  })
})

describe('salted commitment', () => {
  it('is SHA-256(salt ‖ plaintext), the same streamed or whole', async () => {
    const salt = randomBytes(32)
    const data = randomBytes(10_000)
    const whole = computeCommitment(salt, data)
    expect(Buffer.from(whole).equals(sha256(salt, data))).toBe(true)
    const chunks = [data.subarray(0, 3), data.subarray(3, 5000), data.subarray(5000)]
    expect(Buffer.from(await commitmentOfStream(salt, chunks)).equals(whole)).toBe(true)
    expect(Buffer.from(computeCommitment(randomBytes(32), data)).equals(whole)).toBe(false)
    expect(() => createCommitmentHasher(new Uint8Array(16))).toThrow(expect.objectContaining({ name: 'InvalidKeyError' }))
  })
})

describe('Ed25519 with domain separation', () => {
  it('verifies only in the domain it was signed in, by the right key, over the exact bytes', () => {
    const key = generateEd25519KeyPair()
    const payload = randomBytes(100)
    const sig = signPayload('trailer', payload, key.privateKey)
    expect(verifyPayload('trailer', payload, sig, key.publicKey)).toBe(true)
    expect(verifyPayload('credential', payload, sig, key.publicKey)).toBe(false)
    expect(verifyPayload('trailer', payload, sig, generateEd25519KeyPair().publicKey)).toBe(false)
    const flipped = Buffer.from(payload)
    flipped[0]! ^= 1
    expect(verifyPayload('trailer', flipped, sig, key.publicKey)).toBe(false)
    expect(verifyPayload('trailer', payload, sig.subarray(0, 63), key.publicKey)).toBe(false)
    expect(verifyPayload('trailer', payload, new Uint8Array(64), new Uint8Array(32))).toBe(false)
  })

  it('accepts a libp2p-style 64-byte secret key (seed ‖ public key)', () => {
    const key = generateEd25519KeyPair()
    const long = Buffer.concat([key.privateKey, key.publicKey])
    expect(Buffer.from(ed25519PublicKey(long)).equals(key.publicKey)).toBe(true)
    const payload = randomBytes(10)
    expect(Buffer.from(signPayload('credential', payload, long)).equals(signPayload('credential', payload, key.privateKey))).toBe(true)
    expect(() => signPayload('credential', payload, new Uint8Array(48))).toThrow(expect.objectContaining({ name: 'InvalidKeyError' }))
  })

  it('names a credential by the SHA-256 of its payload bytes', () => {
    const payload = randomBytes(50)
    expect(Buffer.from(credentialId(payload)).equals(sha256(payload))).toBe(true)
  })
})
