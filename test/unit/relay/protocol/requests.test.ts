import { describe, it, expect } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { signPayload } from '../../../../relay/crypto/index.js'
import {
  createMemoryNonceStore, createSqliteNonceStore, signDiscoverRequest, signRetrieveRequest, verifyDiscoverRequest,
  verifyRetrieveRequest, type NonceStore
} from '../../../../relay/protocol/index.js'
import { DE_CUSTODIAN_PEER, NOW, clock, makeWorld } from './fixtures.js'

const verifyOpts = { localPeerId: DE_CUSTODIAN_PEER, carrierCountry: 'FR' }

function setup (nonces: NonceStore = createMemoryNonceStore({ clock })) {
  const world = makeWorld()
  const signer = { ed25519PrivateKey: world.doctorEd.privateKey, credential: world.credential.signed }
  const components = { issuers: world.issuers, revocations: world.revocations, nonces, clock }
  const sign = (over: { purpose?: 'treatment' | 'emergency', justification?: string, at?: number, custodianPeerId?: string } = {}) =>
    signRetrieveRequest({
      tokenId: new Uint8Array(randomBytes(32)), purpose: over.purpose ?? 'treatment', justification: over.justification,
      custodianPeerId: over.custodianPeerId ?? DE_CUSTODIAN_PEER
    }, signer, { clock: () => over.at ?? NOW })
  return { world, signer, components, sign }
}

describe('doctor-signed retrieval requests', () => {
  it('verifies credential, signature, recipient, freshness and nonce; returns the request hash', async () => {
    const { components, sign, world } = setup()
    const signed = sign()
    const v = await verifyRetrieveRequest(signed.request, components, verifyOpts)
    expect(v.payload).toEqual(signed.payload)
    expect(v.credential.idHex).toBe(world.credential.idHex)
    expect(v.requestHash).toHaveLength(32)
  })

  it('rejects a forged doctor signature and a signature from another key', async () => {
    const { components, sign } = setup()
    const signed = sign()
    const bad = new Uint8Array(signed.request.signature)
    bad[5]! ^= 1
    await expect(verifyRetrieveRequest({ ...signed.request, signature: bad }, components, verifyOpts)).rejects.toMatchObject({ name: 'BadRequestSignatureError' })
    const otherKey = signPayload('retrieveRequest', signed.payloadBytes, randomBytes(32))
    await expect(verifyRetrieveRequest({ ...signed.request, signature: otherKey }, components, verifyOpts)).rejects.toMatchObject({ name: 'BadRequestSignatureError' })
    const altered = new Uint8Array(signed.payloadBytes)
    altered[3]! ^= 1
    await expect(verifyRetrieveRequest({ ...signed.request, payload: altered }, components, verifyOpts)).rejects.toMatchObject({ name: 'BadRequestSignatureError' })
  })

  it('never accepts a discovery signature as a retrieval (domain separation)', async () => {
    const { components, signer } = setup()
    const d = signDiscoverRequest({ shareCode: 'K7Q-99X', purpose: 'treatment', targetPeerId: DE_CUSTODIAN_PEER }, signer, { clock })
    await expect(verifyRetrieveRequest(d.request, components, verifyOpts)).rejects.toMatchObject({ name: 'BadRequestSignatureError' })
    const v = await verifyDiscoverRequest(d.request, components, verifyOpts)
    expect(v.query.shareCode).toBe('K7Q-99X')
  })

  it('rejects a replayed nonce', async () => {
    const { components, sign } = setup()
    const signed = sign()
    await verifyRetrieveRequest(signed.request, components, verifyOpts)
    await expect(verifyRetrieveRequest(signed.request, components, verifyOpts)).rejects.toMatchObject({ name: 'ReplayedNonceError' })
  })

  it('rejects requests older than the window or from the future', async () => {
    const { components, sign } = setup()
    await expect(verifyRetrieveRequest(sign({ at: NOW - 121_000 }).request, components, verifyOpts)).rejects.toMatchObject({ name: 'RequestExpiredError' })
    await expect(verifyRetrieveRequest(sign({ at: NOW + 31_000 }).request, components, verifyOpts)).rejects.toMatchObject({ name: 'RequestFromFutureError' })
    await verifyRetrieveRequest(sign({ at: NOW - 119_000 }).request, components, verifyOpts)
    await verifyRetrieveRequest(sign({ at: NOW + 29_000 }).request, components, verifyOpts)
  })

  it('rejects a request for another peer, through a node of another country, or an emergency without justification', async () => {
    const { components, sign, signer } = setup()
    await expect(verifyRetrieveRequest(sign({ custodianPeerId: '12D3KooWOther' }).request, components, verifyOpts)).rejects.toMatchObject({ name: 'WrongRecipientError' })
    await expect(verifyRetrieveRequest(sign().request, components, { ...verifyOpts, carrierCountry: 'US' })).rejects.toMatchObject({ name: 'CredentialCountryMismatchError' })
    expect(() => signRetrieveRequest({ tokenId: randomBytes(32), purpose: 'emergency', custodianPeerId: DE_CUSTODIAN_PEER }, signer))
      .toThrow(expect.objectContaining({ name: 'MalformedRequestError' }))
    await verifyRetrieveRequest(sign({ purpose: 'emergency', justification: 'unconscious after a road accident' }).request, components, verifyOpts)
  })

  it('rejects requests with a revoked or expired credential before anything else', async () => {
    const { components, sign, world } = setup()
    world.revoked.add(world.credential.idHex)
    await expect(verifyRetrieveRequest(sign().request, components, verifyOpts)).rejects.toMatchObject({ name: 'CredentialRevokedError' })
  })
})

describe('doctor-signed discovery queries', () => {
  it('verifies a query by identity, refuses its replay and malformed queries', async () => {
    const { components, signer } = setup()
    const d = signDiscoverRequest({ homeCountry: 'DE', nationalId: 'T22000129', birthDate: '1964-08-12', purpose: 'treatment', targetPeerId: DE_CUSTODIAN_PEER }, signer, { clock })
    const v = await verifyDiscoverRequest(d.request, components, verifyOpts)
    expect(v.query).toEqual(d.query)
    await expect(verifyDiscoverRequest(d.request, components, verifyOpts)).rejects.toMatchObject({ name: 'ReplayedNonceError' })
    expect(() => signDiscoverRequest({ homeCountry: 'DE', purpose: 'treatment', targetPeerId: DE_CUSTODIAN_PEER }, signer, { clock }))
      .toThrow(expect.objectContaining({ name: 'MalformedRequestError' }))
    expect(() => signDiscoverRequest({ shareCode: 'K7Q', homeCountry: 'DE', nationalId: 'x', birthDate: '1964-08-12', purpose: 'treatment', targetPeerId: DE_CUSTODIAN_PEER }, signer, { clock }))
      .toThrow(expect.objectContaining({ name: 'MalformedRequestError' }))
    // A signed payload that is no valid query (unknown purpose) is refused after the signature check.
    const payload = new TextEncoder().encode('not a query')
    const signature = signPayload('discoverQuery', payload, signer.ed25519PrivateKey)
    await expect(verifyDiscoverRequest({ payload, signature, credential: signer.credential }, components, verifyOpts))
      .rejects.toMatchObject({ name: 'MalformedRequestError' })
  })
})

describe('SQLite nonce store', () => {
  it('remembers nonces across a restart, prunes expired ones and stays bounded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hr-nonces-'))
    try {
      let now = NOW
      const path = join(dir, 'relay', 'nonces.sqlite')
      const first = createSqliteNonceStore({ path, clock: () => now })
      first.start()
      const { components, sign } = setup(first)
      const signed = sign()
      await verifyRetrieveRequest(signed.request, { ...components, clock: () => now }, verifyOpts)
      first.stop()
      first.stop()

      const second = createSqliteNonceStore({ path, clock: () => now })
      second.start()
      expect(second.size()).toBe(1)
      await expect(verifyRetrieveRequest(signed.request, { ...components, nonces: second, clock: () => now }, verifyOpts))
        .rejects.toMatchObject({ name: 'ReplayedNonceError' })

      // Once the freshness window passed, the nonce is pruned (the request is stale anyway).
      now += 10 * 60_000
      const scope = randomBytes(32)
      expect(await second.remember(scope, randomBytes(16), now + 1000)).toBe(true)
      expect(second.size()).toBe(1)
      second.stop()

      const bounded = createSqliteNonceStore({ path, clock: () => now, maxEntries: 2 })
      bounded.start()
      expect(await bounded.remember(scope, randomBytes(16), now + 1000)).toBe(true)
      await expect(bounded.remember(scope, randomBytes(16), now + 1000)).rejects.toMatchObject({ name: 'NonceStoreFullError' })
      now += 2000
      expect(await bounded.remember(scope, randomBytes(16), now + 1000)).toBe(true)
      bounded.stop()
      await expect(bounded.remember(scope, randomBytes(16), now + 1000)).rejects.toMatchObject({ name: 'UnavailableError' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
