import { describe, it, expect } from 'vitest'
import { bytesToHex, generateEd25519KeyPair, generateX25519KeyPair, sha256 } from '../../../../relay/crypto/index.js'
import {
  createSignatureCache, credentialMatchesKey, decodeCredentialPayload, issueCredential, verifyCredential
} from '../../../../relay/protocol/index.js'
import { FR_NODE_PEER, DE_CUSTODIAN_PEER, NOW, clock, makeWorld } from './fixtures.js'

const at = (ms: number) => () => ms

describe('provider credentials', () => {
  it('issues a 24 h credential over the doctor\'s keys, named by the SHA-256 of its payload', async () => {
    const world = makeWorld()
    const c = world.credential
    expect(c.credential.expiresAt - c.credential.issuedAt).toBe(86_400n)
    expect(c.idHex).toBe(bytesToHex(sha256(c.signed.payload)))
    expect(decodeCredentialPayload(c.signed.payload)).toEqual(c.credential)
    expect(credentialMatchesKey(c.credential, world.doctorEd.privateKey)).toBe(true)
    const verified = await verifyCredential(c.signed, { ...world, clock }, { expectedCountry: 'FR' })
    expect(verified.idHex).toBe(c.idHex)
    expect(verified.credential.providerId).toBe('fr-rpps-10001')
  })

  it('rejects an expired credential, and one issued in the future', async () => {
    const world = makeWorld()
    await expect(verifyCredential(world.credential.signed, { ...world, clock: at(NOW + 86_400_000) }))
      .rejects.toMatchObject({ name: 'CredentialExpiredError' })
    await expect(verifyCredential(world.credential.signed, { ...world, clock: at(NOW - 3_600_000) }))
      .rejects.toMatchObject({ name: 'CredentialNotYetValidError' })
  })

  it('rejects a revoked credential', async () => {
    const world = makeWorld()
    world.revoked.add(world.credential.idHex)
    await expect(verifyCredential(world.credential.signed, { ...world, clock })).rejects.toMatchObject({ name: 'CredentialRevokedError' })
  })

  it('rejects an unknown issuer and a signature that is not the issuer\'s', async () => {
    const world = makeWorld()
    const rogue = generateEd25519KeyPair()
    const init = {
      providerId: 'x', name: 'X', role: 'physician', licence: 'L', country: 'FR',
      ed25519PublicKey: world.doctorEd.publicKey, x25519PublicKey: world.doctorX.publicKey
    }
    const unknown = issueCredential(init, { peerId: '12D3KooWNobody', ed25519PrivateKey: rogue.privateKey }, { clock })
    await expect(verifyCredential(unknown.signed, { ...world, clock })).rejects.toMatchObject({ name: 'UnknownIssuerError' })
    const impostor = issueCredential(init, { peerId: FR_NODE_PEER, ed25519PrivateKey: rogue.privateKey }, { clock })
    await expect(verifyCredential(impostor.signed, { ...world, clock })).rejects.toMatchObject({ name: 'BadSignatureError' })
    const flipped = new Uint8Array(world.credential.signed.payload)
    flipped[5]! ^= 1 // a character of the provider id
    await expect(verifyCredential({ ...world.credential.signed, payload: flipped }, { ...world, clock }))
      .rejects.toMatchObject({ name: 'BadSignatureError' })
  })

  it('rejects a credential of another country than its issuer, or than the peer that carried it', async () => {
    const world = makeWorld()
    await expect(verifyCredential(world.credential.signed, { ...world, clock }, { expectedCountry: 'US' }))
      .rejects.toMatchObject({ name: 'CredentialCountryMismatchError' })
    // The DE node signs a credential claiming to be French.
    const claimsFr = issueCredential({
      providerId: 'x', name: 'X', role: 'physician', licence: 'L', country: 'FR',
      ed25519PublicKey: world.doctorEd.publicKey, x25519PublicKey: generateX25519KeyPair().publicKey
    }, { peerId: DE_CUSTODIAN_PEER, ed25519PrivateKey: world.custodian.privateKey }, { clock })
    await expect(verifyCredential(claimsFr.signed, { ...world, clock })).rejects.toMatchObject({ name: 'CredentialCountryMismatchError' })
  })

  it('with a signature cache, checks the issuer signature once and everything else every time', async () => {
    const world = makeWorld()
    const cache = createSignatureCache(2)
    let lookups = 0
    const issuers = { issuerKey: async (peerId: string) => { lookups++; return world.issuers.issuerKey(peerId) } }
    const components = { issuers, revocations: world.revocations, clock, signatureCache: cache }
    await verifyCredential(world.credential.signed, components)
    expect(cache.has(world.issuer.publicKey, world.credential.signed.payload, world.credential.signed.signature)).toBe(true)
    await verifyCredential(world.credential.signed, components)
    expect(lookups).toBe(2)
    world.revoked.add(world.credential.idHex)
    await expect(verifyCredential(world.credential.signed, components)).rejects.toMatchObject({ name: 'CredentialRevokedError' })
    await expect(verifyCredential(world.credential.signed, { ...components, clock: at(NOW + 86_400_000) })).rejects.toMatchObject({ name: 'CredentialExpiredError' })
    // A forged signature over the same payload is a different entry.
    const forged = { payload: world.credential.signed.payload, signature: new Uint8Array(64).fill(1) }
    await expect(verifyCredential(forged, components)).rejects.toMatchObject({ name: 'BadSignatureError' })
    // Bounded: older entries are evicted.
    cache.add(new Uint8Array(32), new Uint8Array(1), new Uint8Array(64))
    cache.add(new Uint8Array(32), new Uint8Array(2), new Uint8Array(64))
    expect(cache.has(world.issuer.publicKey, world.credential.signed.payload, world.credential.signed.signature)).toBe(false)
  })

  it('rejects malformed payloads and refuses to issue invalid credentials', async () => {
    const world = makeWorld()
    await expect(verifyCredential({ payload: Uint8Array.of(0x0a, 0x05), signature: new Uint8Array(64) }, { ...world, clock }))
      .rejects.toMatchObject({ name: 'MalformedCredentialError' })
    await expect(verifyCredential({ payload: new Uint8Array(5000), signature: new Uint8Array(64) }, { ...world, clock }))
      .rejects.toMatchObject({ name: 'MalformedCredentialError' })
    const base = {
      providerId: 'x', name: 'X', role: 'physician', licence: 'L', country: 'FR',
      ed25519PublicKey: world.doctorEd.publicKey, x25519PublicKey: world.doctorX.publicKey
    }
    const issuer = { peerId: FR_NODE_PEER, ed25519PrivateKey: world.issuer.privateKey }
    expect(() => issueCredential({ ...base, country: 'France' }, issuer, { clock })).toThrow(expect.objectContaining({ name: 'MalformedCredentialError' }))
    expect(() => issueCredential({ ...base, x25519PublicKey: new Uint8Array(31) }, issuer, { clock })).toThrow(expect.objectContaining({ name: 'MalformedCredentialError' }))
    expect(() => issueCredential({ ...base, ttlSeconds: 30 * 86_400 }, issuer, { clock })).toThrow(expect.objectContaining({ name: 'MalformedCredentialError' }))
  })
})
