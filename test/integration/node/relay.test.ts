/**
 * Cross-border retrieval through two real nodes (DE custodian, FR requester) on the real engine:
 * a French doctor (own keys, credential issued by the FR node) discovers a German patient by share
 * code through the FR node's API, retrieves the patient summary, and decrypts it byte for byte
 * against the commitment on chain; after the patient revokes the grant, the retrieval is refused
 * with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import { silentLogger } from '../../../common/logger.js'
import { chainAddress, generateDoctorKeys } from '../../../node/keystore/index.js'
import { syntheticPatient, syntheticPatientSummary } from '../../../node/fhir/index.js'
import { createNode, type HealthrelayNode } from '../../../node/create-node.js'
import { createApiKey } from '../../../node/services/apikeys.js'
import { patientAuthorization } from '../../../node/services/patient-auth.js'
import { ACCESS_DETAILS_LABEL, openSealed } from '../../../relay/service/seal.js'
import {
  issueCredential, openEnvelopeToFile, readResponseFrames, signDiscoverRequest, signRetrieveRequest, type SignedRequest
} from '../../../relay/protocol/index.js'
import { createTestNetwork, waitFor, type TestNetwork } from './harness.js'

const hexBody = (r: SignedRequest): string => JSON.stringify({
  payload: Buffer.from(r.payload).toString('hex'), signature: Buffer.from(r.signature).toString('hex'),
  credential: { payload: Buffer.from(r.credential.payload).toString('hex'), signature: Buffer.from(r.credential.signature).toString('hex') }
})

describe('relay: a French doctor retrieves a German traveller\'s summary through the nodes\' APIs', () => {
  let net: TestNetwork
  const nodes: Record<string, HealthrelayNode> = {}
  const keys: Record<string, string> = {}
  let dir: string
  const privateKey = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  const subject = chainAddress(publicKey)
  const patientX25519 = x25519.utils.randomSecretKey()
  const person = syntheticPatient('relay-1', 'DE')
  const bundle = Buffer.from(JSON.stringify(syntheticPatientSummary(person)))
  const doctor = generateDoctorKeys('fr-rpps-1', 'FR')
  let credential: SignedRequest['credential']
  let shareCode = ''
  let tokenId = ''
  let grantId = 0n

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hr-relay-it-'))
    net = await createTestNetwork({ countries: ['DE', 'FR'], label: 'relay' })
    await net.startChain()
    for (const c of ['DE', 'FR']) {
      const n = net.nodes[c]!
      nodes[c] = createNode(n.config, { home: n.home, logger: silentLogger(), outboxIntervalMs: 50 })
      await nodes[c].start()
      keys[c] = createApiKey(nodes[c].parts.storage.db, 'provider', 'provider', Date.now()).key
    }
    const fr = nodes.FR!
    credential = issueCredential({
      providerId: doctor.providerId, name: 'Dr Test', role: 'physician', licence: 'L-1', country: 'FR',
      ed25519PublicKey: doctor.ed25519.publicKey, x25519PublicKey: doctor.x25519.publicKey
    }, { peerId: fr.peerId, ed25519PrivateKey: fr.parts.peerKey.raw }).signed
  }, 120_000)

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n.stop()
    await net?.cleanup()
    await rm(dir, { recursive: true, force: true })
  })

  const post = async (c: string, path: string, body: string, type = 'application/json'): Promise<Response> =>
    await fetch(nodes[c]!.apiUrl + path, { method: 'POST', headers: { authorization: `Bearer ${keys[c]!}`, 'content-type': type }, body })

  it('enrols and ingests at the German node, and the patient grants France treatment access', async () => {
    const enrol = await post('DE', '/v1/subjects', JSON.stringify({
      publicKey: Buffer.from(publicKey).toString('hex'), x25519PublicKey: Buffer.from(x25519.getPublicKey(patientX25519)).toString('hex'),
      birthDate: person.birthDate, identifiers: [person.nationalId], categories: ['patient-summary']
    }))
    expect(enrol.status).toBe(201)
    shareCode = (await enrol.json() as { shareCode: string }).shareCode
    const put = await post('DE', '/v1/records', bundle.toString(), 'application/fhir+json')
    expect(put.status).toBe(201)
    tokenId = (await put.json() as { tokenId: string }).tokenId
    await nodes.DE!.drainOutbox()
    const signer = await nodes.DE!.parts.chain.signer(await DirectSecp256k1Wallet.fromKey(privateKey, 'hr'))
    const now = BigInt(Math.floor(Date.now() / 1000))
    grantId = (await signer.grantAccess({ subject, grantee: { country: 'FR' }, tokenIds: [tokenId], purposes: ['treatment'], notBefore: now - 60n, expiresAt: now + 86_400n })).value.grantId
  })

  it('discovers the traveller by share code through the French node', async () => {
    const body = await waitFor(async () => {
      const req = signDiscoverRequest({ shareCode, purpose: 'treatment', targetPeerId: nodes.DE!.peerId }, { ed25519PrivateKey: doctor.ed25519.privateKey, credential })
      const res = await post('FR', '/v1/discover', JSON.stringify({ ...JSON.parse(hexBody(req.request)), homeCountry: 'DE' }))
      const json = await res.json() as { status?: string, subject?: string, tokens?: unknown }
      return res.status === 200 && json.status === 'OK' ? json : undefined
    }, 'discovery', 100, 200)
    expect(body.subject).toBe(subject)
    expect(body.tokens).toEqual([{ tokenId, custodian: nodes.DE!.peerId }]) // the custodian peer to sign the retrieval for
  })

  it('retrieves, verifies and decrypts the summary byte for byte', async () => {
    const signed = signRetrieveRequest({ tokenId: Buffer.from(tokenId, 'hex'), purpose: 'treatment', custodianPeerId: nodes.DE!.peerId }, { ed25519PrivateKey: doctor.ed25519.privateKey, credential })
    const res = await post('FR', `/v1/records/${tokenId}/retrieve`, hexBody(signed.request))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.healthrelay.envelope')
    const bytes = new Uint8Array(await res.arrayBuffer())
    const token = await nodes.FR!.parts.chain.queries.token(tokenId)
    const out = join(dir, 'summary.json')
    const opened = await openEnvelopeToFile(readResponseFrames([bytes]), out, {
      doctorX25519PrivateKey: doctor.x25519.privateKey, custodianEd25519PublicKey: nodes.DE!.parts.peerKey.publicKey.raw,
      expectedCommitment: Buffer.from(token!.commitment, 'hex'), requestPayloadBytes: signed.request.payload
    })
    expect(opened.header.status).toBe('OK')
    expect((await readFile(out)).equals(bundle)).toBe(true)
  })

  it('refuses after the patient revokes the grant, with the reason', async () => {
    const signer = await nodes.DE!.parts.chain.signer(await DirectSecp256k1Wallet.fromKey(privateKey, 'hr'))
    await signer.revokeAccess(grantId)
    const header = await waitFor(async () => {
      const signed = signRetrieveRequest({ tokenId: Buffer.from(tokenId, 'hex'), purpose: 'treatment', custodianPeerId: nodes.DE!.peerId }, { ed25519PrivateKey: doctor.ed25519.privateKey, credential })
      const res = await post('FR', `/v1/records/${tokenId}/retrieve`, hexBody(signed.request))
      for await (const f of readResponseFrames([new Uint8Array(await res.arrayBuffer())])) {
        if (f.kind === 'header') return f.header.status === 'OK' ? undefined : f.header
      }
      return undefined
    }, 'the revocation to bite', 50, 200)
    expect(header.status).toBe('DENIED')
    expect(header.reason).toBeDefined()
  })

  const headerOf = async (id: string): Promise<{ status: string, reason?: unknown }> => {
    const signed = signRetrieveRequest({ tokenId: Buffer.from(id, 'hex'), purpose: 'treatment', custodianPeerId: nodes.DE!.peerId }, { ed25519PrivateKey: doctor.ed25519.privateKey, credential })
    const res = await post('FR', `/v1/records/${id}/retrieve`, hexBody(signed.request))
    for await (const f of readResponseFrames([new Uint8Array(await res.arrayBuffer())])) if (f.kind === 'header') return f.header
    throw new Error('no header')
  }

  it('erases at the custodian: key and ciphertext gone, token ERASED on chain, no longer provided, retrieved as an unknown token', async () => {
    const de = nodes.DE!
    const admin = createApiKey(de.parts.storage.db, 'agency-admin', 'admin', Date.now()).key
    const blobHash = de.parts.storage.db.prepare('SELECT blob_hash FROM records WHERE token_id = ?').get(tokenId) as { blob_hash: string }
    const blobFile = de.parts.storage.blobs.path(blobHash.blob_hash)
    await expect(readFile(blobFile)).resolves.toBeDefined()

    const provider = await fetch(`${de.apiUrl}/v1/records/${tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${keys.DE!}` } })
    expect(provider.status).toBe(403)
    const res = await fetch(`${de.apiUrl}/v1/records/${tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ tokenId, subject, status: 'erased', chain: 'queued' })

    await expect(readFile(blobFile)).rejects.toThrow(/ENOENT/)
    expect(de.parts.storage.db.prepare('SELECT COUNT(*) AS n FROM record_keys WHERE token_id = ?').get(tokenId)).toEqual({ n: 0 })
    const token = await waitFor(async () => { const t = await de.parts.chain.queries.token(tokenId); return t?.status === 'erased' ? t : undefined }, 'the token to be ERASED on chain')
    expect(token.custodian).toBe('DE')
    expect(await (await fetch(`${de.apiUrl}/metrics`)).text()).toMatch(/healthrelay_location_withdraw_total\{result="ok"\} 1/)
    const meta = await fetch(`${de.apiUrl}/v1/records/${tokenId}`, { headers: { authorization: `Bearer ${admin}` } })
    expect(await meta.json()).toMatchObject({ chain: { status: 'erased' }, local: { status: 'erased' } })

    const answer = async (id: string): Promise<unknown> => { const h = await headerOf(id); return { status: h.status, reason: h.reason } }
    const unknown = await answer(Buffer.alloc(32, 7).toString('hex'))
    expect(unknown).toMatchObject({ status: 'NOT_FOUND', reason: { code: 'not-found' } })
    expect(await answer(tokenId)).toEqual(unknown)
    // erased is gone: a second erasure finds nothing
    const again = await fetch(`${de.apiUrl}/v1/records/${tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({ error: { name: 'RecordNotVisibleError' } })
  })

  it('seals the access details of a record held abroad to the patient\'s key registered on chain (enrolled in another country)', async () => {
    // the German traveller is treated in France: the French node ingests a record for them (not enrolled there)
    const fr = nodes.FR!
    const de = nodes.DE!
    expect(fr.parts.storage.db.prepare('SELECT COUNT(*) AS n FROM enrolments WHERE subject = ?').get(subject)).toEqual({ n: 0 })
    const put = await post('FR', `/v1/records?subject=${subject}`, JSON.stringify(syntheticPatientSummary(syntheticPatient('relay-1', 'DE'))), 'application/fhir+json')
    expect(put.status).toBe(201)
    const created = await put.json() as { tokenId: string, status: string }
    expect(created.status).toBe('pending')
    await fr.drainOutbox()
    expect(await de.parts.chain.queries.token(created.tokenId)).toMatchObject({ subject, custodian: 'FR', status: 'active' })

    // the patient grants Germany; a German doctor retrieves it from the French custodian through the German node
    const signer = await de.parts.chain.signer(await DirectSecp256k1Wallet.fromKey(privateKey, 'hr'))
    const now = BigInt(Math.floor(Date.now() / 1000))
    await signer.grantAccess({ subject, grantee: { country: 'DE' }, tokenIds: [created.tokenId], purposes: ['treatment'], notBefore: now - 60n, expiresAt: now + 86_400n })
    const deDoctor = generateDoctorKeys('de-lanr-1', 'DE')
    const deCredential = issueCredential({
      providerId: deDoctor.providerId, name: 'Dr Heim', role: 'physician', licence: 'L-2', country: 'DE',
      ed25519PublicKey: deDoctor.ed25519.publicKey, x25519PublicKey: deDoctor.x25519.publicKey
    }, { peerId: de.peerId, ed25519PrivateKey: de.parts.peerKey.raw }).signed
    const header = await waitFor(async () => {
      const signed = signRetrieveRequest({ tokenId: Buffer.from(created.tokenId, 'hex'), purpose: 'treatment', custodianPeerId: fr.peerId }, { ed25519PrivateKey: deDoctor.ed25519.privateKey, credential: deCredential })
      const res = await post('DE', `/v1/records/${created.tokenId}/retrieve`, hexBody(signed.request))
      for await (const f of readResponseFrames([new Uint8Array(await res.arrayBuffer())])) if (f.kind === 'header') return f.header.status === 'OK' ? f.header : undefined
      return undefined
    }, 'the grant to be seen by the French custodian', 50, 200)
    expect(header.status).toBe('OK')

    // the access shows in the patient's log (read at their home node) and only the patient can read who it was
    const entry = await waitFor(async () => {
      const ch = await (await fetch(`${de.apiUrl}/v1/auth/challenge?subject=${subject}`)).json() as { nodeId: string, nonce: string }
      const res = await fetch(`${de.apiUrl}/v1/subjects/${subject}/access-log`, { headers: { authorization: patientAuthorization(ch.nodeId, subject, ch.nonce, privateKey) } })
      const log = await res.json() as { entries: Array<{ tokenId: string, custodian: string, decision: string, purpose: string, sealedDetails: string }> }
      return log.entries.find((e) => e.tokenId === created.tokenId)
    }, 'the access event on chain', 100, 200)
    expect(entry).toMatchObject({ custodian: 'FR', purpose: 'treatment', decision: 'permit' })
    const details = JSON.parse(Buffer.from(openSealed(Buffer.from(entry.sealedDetails, 'hex'), patientX25519, x25519.getPublicKey(patientX25519), ACCESS_DETAILS_LABEL)).toString()) as { providerId: string, providerName: string }
    expect(details).toMatchObject({ providerId: deDoctor.providerId, providerName: 'Dr Heim' })
  })
})
