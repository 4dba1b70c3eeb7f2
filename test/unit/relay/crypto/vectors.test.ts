// The published test vectors (test/fixtures/crypto-vectors/*.json): our code must reproduce them
// byte for byte from their fixed inputs, and each is re-derived a second way from the byte layouts
// documented in docs/protocol.md with other primitives (node:crypto's X25519, Ed25519 and
// AES-GCM, @noble/hashes' HKDF), as an independent implementation would.
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, verify } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { relay } from '../../../../proto/index.js'
import {
  bytesToHex, computeCommitment, decodeBlobHeader, decryptSegments, encodeBlobHeader, encryptSegments, hexToBytes,
  sha256, signPayload, unwrapFromSender, verifyPayload, wrapToRecipient, x25519PublicKey, ed25519PublicKey, openBlob
} from '../../../../relay/crypto/index.js'
import {
  decodeCredentialPayload, decodeTrailerPayload, encodeCredentialPayload, encodeTrailerPayload
} from '../../../../relay/protocol/index.js'
import { queueRandom } from '../../../fixtures/crypto-vectors/fixed.js'

const dir = join(import.meta.dirname, '../../../fixtures/crypto-vectors')
const load = (name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'))

interface SegmentsVector {
  inputs: { dataKey: string, noncePrefix: string, recordId: string, segmentBytes: number, plaintext: string }
  segments: Array<{ index: number, final: boolean, nonce: string, aad: string, plaintext: string, ciphertextAndTag: string }>
  blobHeader: string
  blob: string
}
interface WrapVector {
  inputs: {
    recipientPrivateKey: string, ephemeralPrivateKey: string, nonce: string, tokenId: string
    recordKeys: { dataKey: string, commitmentSalt: string, noncePrefix: string }
  }
  recipientPublicKey: string
  ephemeralPublicKey: string
  sharedSecret: string
  hkdf: { info: string, okm: string }
  recordKeyBlock: string
  ciphertextAndTag: string
  wrappedKeyProtobuf: string
}
interface CommitmentVector { salt: string, cases: Array<{ plaintext: string, commitment: string }> }
interface SignedVector { domain: string, payload: string, signature: string }
interface TrailerVector extends SignedVector {
  custodianSeed: string
  custodianPublicKey: string
  fields: { requestHash: string, headerHash: string, ciphertextHash: string, commitment: string, tokenId: string, custodianPeerId: string, timeMs: string }
}
interface CredentialVector extends SignedVector {
  issuerSeed: string
  issuerPublicKey: string
  credentialId: string
  fields: {
    providerId: string, name: string, role: string, licence: string, country: string, ed25519PublicKey: string
    x25519PublicKey: string, issuedAt: string, expiresAt: string, issuerPeerId: string
  }
}
const h = hexToBytes
const b64url = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url')
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b }

describe('crypto test vectors', () => {
  it('segments: reproduced byte for byte, and re-derived from the documented nonce and AAD layouts', async () => {
    const v = load('segments.json') as SegmentsVector
    const params = { key: h(v.inputs.dataKey), noncePrefix: h(v.inputs.noncePrefix), recordId: h(v.inputs.recordId), segmentBytes: v.inputs.segmentBytes }
    const ours: string[] = []
    for await (const s of encryptSegments([h(v.inputs.plaintext)], params)) ours.push(bytesToHex(s))
    expect(ours).toEqual(v.segments.map((s) => s.ciphertextAndTag))
    expect(bytesToHex(encodeBlobHeader(params))).toBe(v.blobHeader)
    expect(ours).toHaveLength(3)

    for (const s of v.segments) {
      const nonce = Buffer.concat([Buffer.from(v.inputs.noncePrefix, 'hex'), u32(s.index)])
      const aad = Buffer.concat([
        Buffer.from('healthrelay/record-segment/v1', 'ascii'), Buffer.of(32), Buffer.from(v.inputs.recordId, 'hex'),
        u32(s.index), Buffer.of(s.final ? 1 : 0)
      ])
      expect(nonce.toString('hex')).toBe(s.nonce)
      expect(aad.toString('hex')).toBe(s.aad)
      const c = createCipheriv('aes-256-gcm', Buffer.from(v.inputs.dataKey, 'hex'), nonce)
      c.setAAD(aad)
      const ct = Buffer.concat([c.update(Buffer.from(s.plaintext, 'hex')), c.final(), c.getAuthTag()])
      expect(ct.toString('hex')).toBe(s.ciphertextAndTag)
    }
    const header = Buffer.from(v.blobHeader, 'hex')
    expect(header.subarray(0, 4).toString('ascii')).toBe('HRBL')
    expect(header.readUInt32BE(8)).toBe(v.inputs.segmentBytes)
    expect(decodeBlobHeader(header).segmentBytes).toBe(16)

    const back: Uint8Array[] = []
    for await (const p of openBlob([h(v.blob)], params)) back.push(p)
    expect(bytesToHex(new Uint8Array(Buffer.concat(back)))).toBe(v.inputs.plaintext)
    const viaSegments: Uint8Array[] = []
    for await (const p of decryptSegments(ours.map(h), params)) viaSegments.push(p)
    expect(Buffer.concat(viaSegments).toString('hex')).toBe(v.inputs.plaintext)
  })

  it('relay wrap: reproduced byte for byte, and re-derived with node X25519 and noble HKDF', () => {
    const v = load('relay-wrap.json') as WrapVector
    const keys = { dataKey: h(v.inputs.recordKeys.dataKey), commitmentSalt: h(v.inputs.recordKeys.commitmentSalt), noncePrefix: h(v.inputs.recordKeys.noncePrefix) }
    const tokenId = h(v.inputs.tokenId)
    const recipientPublicKey = x25519PublicKey(h(v.inputs.recipientPrivateKey))
    expect(bytesToHex(recipientPublicKey)).toBe(v.recipientPublicKey)
    const wrapped = wrapToRecipient(keys, tokenId, recipientPublicKey, queueRandom([h(v.inputs.ephemeralPrivateKey), h(v.inputs.nonce)]))
    expect(bytesToHex(wrapped.ephemeralPublicKey)).toBe(v.ephemeralPublicKey)
    expect(bytesToHex(wrapped.ciphertext)).toBe(v.ciphertextAndTag)
    expect(bytesToHex(relay.WrappedKey.encode(wrapped).finish())).toBe(v.wrappedKeyProtobuf)
    const opened = unwrapFromSender(wrapped, tokenId, h(v.inputs.recipientPrivateKey))
    expect(bytesToHex(opened.dataKey)).toBe(v.inputs.recordKeys.dataKey)

    // Independent: node's X25519, the documented info layout, noble's HKDF, node's AES-GCM.
    const ephemeral = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(v.inputs.ephemeralPrivateKey), x: b64url(v.ephemeralPublicKey) }, format: 'jwk' })
    const recipient = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(v.recipientPublicKey) }, format: 'jwk' })
    const shared = diffieHellman({ privateKey: ephemeral, publicKey: recipient })
    expect(shared.toString('hex')).toBe(v.sharedSecret)
    const info = Buffer.concat([
      Buffer.from('healthrelay/relay-wrap/v1', 'ascii'), Buffer.of(32), Buffer.from(v.inputs.tokenId, 'hex'),
      Buffer.from(v.ephemeralPublicKey, 'hex'), Buffer.from(v.recipientPublicKey, 'hex')
    ])
    expect(info.toString('hex')).toBe(v.hkdf.info)
    const okm = hkdf(nobleSha256, shared, new Uint8Array(0), info, 32)
    expect(bytesToHex(okm)).toBe(v.hkdf.okm)
    const block = Buffer.concat([Buffer.of(1), Buffer.from(v.inputs.recordKeys.dataKey, 'hex'), Buffer.from(v.inputs.recordKeys.commitmentSalt, 'hex'), Buffer.from(v.inputs.recordKeys.noncePrefix, 'hex')])
    expect(block.toString('hex')).toBe(v.recordKeyBlock)
    const c = createCipheriv('aes-256-gcm', okm, Buffer.from(v.inputs.nonce, 'hex'))
    c.setAAD(info)
    expect(Buffer.concat([c.update(block), c.final(), c.getAuthTag()]).toString('hex')).toBe(v.ciphertextAndTag)
  })

  it('commitment: reproduced, and equal to a plain SHA-256 of salt ‖ plaintext', () => {
    const v = load('commitment.json') as CommitmentVector
    for (const c of v.cases) {
      expect(bytesToHex(computeCommitment(h(v.salt), h(c.plaintext)))).toBe(c.commitment)
      expect(createHash('sha256').update(Buffer.from(v.salt + c.plaintext, 'hex')).digest('hex')).toBe(c.commitment)
    }
  })

  it('signed trailer: reproduced from its fields, and verified by node\'s Ed25519 over label ‖ 0x00 ‖ payload', () => {
    const v = load('trailer.json') as TrailerVector
    const f = v.fields
    const payload = encodeTrailerPayload({
      requestHash: h(f.requestHash), headerHash: h(f.headerHash), ciphertextHash: h(f.ciphertextHash), commitment: h(f.commitment),
      tokenId: h(f.tokenId), custodianPeerId: f.custodianPeerId, timeMs: BigInt(f.timeMs)
    })
    expect(bytesToHex(payload)).toBe(v.payload)
    expect(bytesToHex(ed25519PublicKey(h(v.custodianSeed)))).toBe(v.custodianPublicKey)
    expect(bytesToHex(signPayload('trailer', payload, h(v.custodianSeed)))).toBe(v.signature)
    expect(verifyPayload('trailer', payload, h(v.signature), h(v.custodianPublicKey))).toBe(true)
    expect(nodeVerifies(v, v.custodianPublicKey)).toBe(true)
    expect(decodeTrailerPayload(payload).timeMs).toBe(BigInt(f.timeMs))
  })

  it('signed credential: reproduced from its fields, verified by node\'s Ed25519, id = SHA-256(payload)', () => {
    const v = load('credential.json') as CredentialVector
    const f = v.fields
    const payload = encodeCredentialPayload({
      ...f, ed25519PublicKey: h(f.ed25519PublicKey), x25519PublicKey: h(f.x25519PublicKey), issuedAt: BigInt(f.issuedAt), expiresAt: BigInt(f.expiresAt)
    })
    expect(bytesToHex(payload)).toBe(v.payload)
    expect(bytesToHex(ed25519PublicKey(h(v.issuerSeed)))).toBe(v.issuerPublicKey)
    expect(bytesToHex(signPayload('credential', payload, h(v.issuerSeed)))).toBe(v.signature)
    expect(nodeVerifies(v, v.issuerPublicKey)).toBe(true)
    expect(bytesToHex(sha256(payload))).toBe(v.credentialId)
    expect(decodeCredentialPayload(payload).providerId).toBe(f.providerId)
  })
})

function nodeVerifies (v: SignedVector, publicKeyHex: string): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKeyHex) }, format: 'jwk' })
  const message = Buffer.concat([Buffer.from(v.domain, 'ascii'), Buffer.of(0), Buffer.from(v.payload, 'hex')])
  return verify(null, message, key, Buffer.from(v.signature, 'hex'))
}
