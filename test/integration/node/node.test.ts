/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- JSON answers of the API under test */
/**
 * One node with REAL parts: the embedded engine running the ledger (genesis: the node's operator
 * a member, its peer registered, the bundled policy modules published), createNode on loopback
 * ports, real SQLite, real libp2p, real cosmjs. Enrols a patient, ingests synthetic FHIR, sees the
 * token minted and the record listed, grants and restrictions signed by the patient, API-key roles,
 * metrics and readiness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import { SigningStargateClient } from '@cosmjs/stargate'
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { silentLogger } from '../../../common/logger.js'
import { createLedgerRegistry, ledgerMsgs } from '../../../chain/client/index.js'
import { chainAddress } from '../../../node/keystore/index.js'
import { syntheticPatient, syntheticPatientSummary, syntheticMentalHealthNote } from '../../../node/fhir/index.js'
import { createNode, type HealthrelayNode } from '../../../node/create-node.js'
import { createApiKey } from '../../../node/services/apikeys.js'
import { patientAuthorization } from '../../../node/services/patient-auth.js'
import { signRestrictions } from '../../../node/services/patient-requests.js'
import { createTestNetwork, waitFor, type TestNetwork } from './harness.js'

interface Patient { privateKey: Uint8Array, publicKey: Uint8Array, address: string, x25519: Uint8Array }
const newPatient = (): Patient => {
  const privateKey = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  return { privateKey, publicKey, address: chainAddress(publicKey), x25519: x25519.getPublicKey(x25519.utils.randomSecretKey()) }
}

describe('node: enrolment, ingestion, consent, roles and operations against the real chain', () => {
  let net: TestNetwork
  let node: HealthrelayNode
  const keys: Record<string, string> = {}
  const patient = newPatient()
  const other = newPatient()
  const person = syntheticPatient('api-1', 'DE')
  let tokenId = ''
  let grantId = ''

  const call = async (path: string, init: RequestInit & { key?: string, auth?: string } = {}): Promise<{ status: number, body: any }> => {
    const headers = new Headers(init.headers)
    if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`)
    if (init.auth !== undefined) headers.set('authorization', init.auth)
    const res = await fetch(node.apiUrl + path, { ...init, headers })
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* text */ }
    return { status: res.status, body }
  }
  const patientAuth = async (p: Patient): Promise<string> => {
    const ch = await call(`/v1/auth/challenge?subject=${p.address}`)
    expect(ch.status).toBe(200)
    return patientAuthorization(ch.body.nodeId, p.address, ch.body.nonce, p.privateKey)
  }
  const signTx = async (p: Patient, msgs: Parameters<SigningStargateClient['sign']>[1]): Promise<string> => {
    const wallet = await DirectSecp256k1Wallet.fromKey(p.privateKey, 'hr')
    const client = await SigningStargateClient.connectWithSigner(net.nodes.DE!.config.chain.rpc, wallet, { registry: createLedgerRegistry() })
    try {
      const raw = await client.sign(p.address, msgs, { amount: [], gas: '5000000' }, '')
      return Buffer.from(TxRaw.encode(raw).finish()).toString('base64')
    } finally { client.disconnect() }
  }

  beforeAll(async () => {
    net = await createTestNetwork({ countries: ['DE'], label: 'api' })
    await net.startChain()
    const de = net.nodes.DE!
    node = createNode(de.config, { home: de.home, logger: silentLogger(), outboxIntervalMs: 50 })
    await node.start()
    for (const role of ['agency-admin', 'provider', 'regulator'] as const) keys[role] = createApiKey(node.parts.storage.db, role, role, Date.now()).key
  }, 60_000)

  afterAll(async () => {
    await node?.stop()
    await net?.cleanup()
  })

  it('is live and becomes ready: chain current, p2p started, policies loaded', async () => {
    expect((await call('/healthz')).body).toEqual({ status: 'ok' })
    const ready = await waitFor(async () => { const r = await call('/readyz'); return r.status === 200 ? r.body : undefined }, 'readyz')
    expect(ready.checks).toEqual({ chain: true, p2p: true, policies: true, storage: true })
    expect(node.parts.policies.active()).toContain(`DE@${node.parts.policies.engine.get('DE')!.version}`)
  })

  it('refuses missing and unknown credentials with 401 and a wrong role with 403, in the JSON error shape', async () => {
    const none = await call('/v1/subjects', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    expect(none.status).toBe(401)
    expect(none.body.error.name).toBe('MissingCredentialsError')
    const unknown = await call('/v1/subjects', { method: 'POST', key: 'hr_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', body: '{}' })
    expect(unknown.status).toBe(401)
    expect(unknown.body.error.name).toBe('UnknownApiKeyError')
    const wrong = await call('/v1/subjects', { method: 'POST', key: keys.regulator, body: '{}' })
    expect(wrong.status).toBe(403)
    expect(wrong.body.error).toMatchObject({ name: 'WrongRoleError' })
    const policyAsProvider = await call('/v1/policies/DE/decisions', { key: keys.provider })
    expect(policyAsProvider.status).toBe(403)
  })

  it('enrols a patient on chain and returns a share code once', async () => {
    const res = await call('/v1/subjects', {
      method: 'POST',
      key: keys.provider,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        publicKey: Buffer.from(patient.publicKey).toString('hex'), x25519PublicKey: Buffer.from(patient.x25519).toString('hex'),
        birthDate: person.birthDate, identifiers: [person.nationalId], categories: ['patient-summary', 'lab-result']
      })
    })
    expect(res.status).toBe(201)
    expect(res.body.subject).toBe(patient.address)
    expect(res.body.shareCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/)
    expect((await node.parts.chain.queries.subject(patient.address))?.homeCountry).toBe('DE')
    const again = await call('/v1/subjects', {
      method: 'POST', key: keys.provider, body: JSON.stringify({
        publicKey: Buffer.from(patient.publicKey).toString('hex'), x25519PublicKey: Buffer.from(patient.x25519).toString('hex'),
        birthDate: person.birthDate, identifiers: [person.nationalId], categories: []
      })
    })
    expect(again.status).toBe(409)
  })

  it('ingests a patient summary matched by its Patient, mints its token, and lists it for the patient', async () => {
    const bundle = JSON.stringify(syntheticPatientSummary(person))
    const res = await call('/v1/records', { method: 'POST', key: keys.provider, headers: { 'content-type': 'application/fhir+json' }, body: bundle })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ subject: patient.address, category: 'patient-summary', status: 'pending' })
    tokenId = res.body.tokenId
    await node.drainOutbox()
    const token = await node.parts.chain.queries.token(tokenId)
    expect(token).toMatchObject({ id: tokenId, subject: patient.address, custodian: 'DE', status: 'active' })
    const list = await call(`/v1/subjects/${patient.address}/records`, { auth: await patientAuth(patient) })
    expect(list.status).toBe(200)
    expect(list.body.records).toEqual([expect.objectContaining({ tokenId, category: 'patient-summary', status: 'active', commitment: token!.commitment })])
    const meta = await call(`/v1/records/${tokenId}`, { auth: await patientAuth(patient) })
    expect(meta.body.chain).toMatchObject({ custodian: 'DE', status: 'active' })
  })

  it('keeps a record of a category the patient did not opt in to local, with no token', async () => {
    const res = await call(`/v1/records?subject=${patient.address}`, {
      method: 'POST', key: keys.provider, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(syntheticMentalHealthNote(person))
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ category: 'mental-health', status: 'local' })
    await node.drainOutbox()
    expect(await node.parts.chain.queries.token(res.body.tokenId)).toBeUndefined()
  })

  it('says precisely what is wrong with invalid FHIR, and refuses a body that is not FHIR JSON', async () => {
    const bad = await call(`/v1/records?subject=${patient.address}`, { method: 'POST', key: keys.provider, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Observation' }) })
    expect(bad.status).toBe(400)
    expect(bad.body.error.name).toBe('FhirValidationError')
    expect(bad.body.error.message).toMatch(/Observation\.status: required/)
    const type = await call('/v1/records', { method: 'POST', key: keys.provider, headers: { 'content-type': 'text/plain' }, body: 'x' })
    expect(type.status).toBe(415)
  })

  it('broadcasts a patient-signed grant, refuses one for another subject, and revokes it', async () => {
    const now = BigInt(Math.floor(Date.now() / 1000))
    const msg = ledgerMsgs.grantAccess(patient.address, { subject: patient.address, grantee: { country: 'DE' }, tokenIds: [tokenId], purposes: ['treatment'], notBefore: now - 60n, expiresAt: now + 86_400n })
    const tx = await signTx(patient, [msg])
    const asOther = await call('/v1/grants', { method: 'POST', auth: await patientAuth(patient), body: JSON.stringify({ tx: await signTx(patient, [ledgerMsgs.grantAccess(patient.address, { subject: other.address, grantee: { country: 'DE' }, tokenIds: [tokenId], purposes: ['treatment'], notBefore: now, expiresAt: now + 10n })]) }) })
    expect(asOther.status).toBe(403)
    const asProvider = await call('/v1/grants', { method: 'POST', key: keys.provider, body: JSON.stringify({ tx }) })
    expect(asProvider.status).toBe(403)
    const created = await call('/v1/grants', { method: 'POST', auth: await patientAuth(patient), body: JSON.stringify({ tx }) })
    expect(created.status).toBe(201)
    grantId = created.body.grantId
    expect((await node.parts.chain.queries.grant(BigInt(grantId)))?.tokenIds).toEqual([tokenId])
    const revokeTx = await signTx(patient, [ledgerMsgs.revokeAccess(patient.address, BigInt(grantId))])
    const revoked = await call(`/v1/grants/${grantId}`, { method: 'DELETE', auth: await patientAuth(patient), body: JSON.stringify({ tx: revokeTx }) })
    expect(revoked.status).toBe(200)
    expect((await node.parts.chain.queries.grant(BigInt(grantId)))?.revokedAt).toBeGreaterThan(0n)
  })

  it('applies patient-signed restrictions and refuses a forged or stale one', async () => {
    const signedAt = Date.now()
    const auth = await patientAuth(patient)
    const forged = await call(`/v1/subjects/${patient.address}/restrictions`, { method: 'PUT', auth, body: JSON.stringify({ categories: ['lab-result'], signedAt, signature: signRestrictions(patient.address, signedAt, ['lab-result'], other.privateKey) }) })
    expect(forged.status).toBe(401)
    const ok = await call(`/v1/subjects/${patient.address}/restrictions`, { method: 'PUT', auth, body: JSON.stringify({ categories: ['lab-result'], signedAt, signature: signRestrictions(patient.address, signedAt, ['lab-result'], patient.privateKey) }) })
    expect(ok.status).toBe(200)
    expect(ok.body.restricted).toEqual(['lab-result'])
    const stale = await call(`/v1/subjects/${patient.address}/restrictions`, { method: 'PUT', auth, body: JSON.stringify({ categories: [], signedAt, signature: signRestrictions(patient.address, signedAt, [], patient.privateKey) }) })
    expect(stale.status).toBe(409)
  })

  it('keeps a patient to their own subject', async () => {
    const res = await call(`/v1/subjects/${other.address}/records`, { auth: await patientAuth(patient) })
    expect(res.status).toBe(403)
    expect((await call(`/v1/subjects/${patient.address}/access-log`, { auth: await patientAuth(patient) })).status).toBe(200)
    expect((await call(`/v1/subjects/${patient.address}/inbox`, { auth: await patientAuth(patient) })).body.messages).toEqual([])
  })

  it('lets the patient erase their own records: a local one, and one erased before its mint landed; never another patient\'s', async () => {
    const otherPerson = syntheticPatient('api-2', 'DE')
    const enrolled = await call('/v1/subjects', {
      method: 'POST', key: keys['agency-admin'], body: JSON.stringify({
        publicKey: Buffer.from(other.publicKey).toString('hex'), x25519PublicKey: Buffer.from(other.x25519).toString('hex'),
        birthDate: otherPerson.birthDate, identifiers: [otherPerson.nationalId], categories: []
      })
    })
    expect(enrolled.status).toBe(201)
    const put = async (subject: string, body: unknown): Promise<string> => {
      const res = await call(`/v1/records?subject=${subject}`, { method: 'POST', key: keys.provider, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) })
      expect(res.status).toBe(201)
      return res.body.tokenId
    }
    const othersNote = await put(other.address, syntheticMentalHealthNote(otherPerson))
    const refused = await call(`/v1/records/${othersNote}`, { method: 'DELETE', auth: await patientAuth(patient) })
    expect(refused).toMatchObject({ status: 403, body: { error: { name: 'NotOwnerError' } } })

    const note = await put(patient.address, syntheticMentalHealthNote(person))
    const erasedLocal = await call(`/v1/records/${note}`, { method: 'DELETE', auth: await patientAuth(patient) })
    expect(erasedLocal).toEqual({ status: 200, body: { tokenId: note, subject: patient.address, status: 'erased', chain: 'none' } })

    // a new summary, erased at once: its mint may still be owed; the chain ends with the token ERASED either way
    const summary = await put(patient.address, syntheticPatientSummary(person))
    const erased = await call(`/v1/records/${summary}`, { method: 'DELETE', auth: await patientAuth(patient) })
    expect(erased).toMatchObject({ status: 200, body: { chain: 'queued' } })
    await node.drainOutbox()
    expect(await node.parts.chain.queries.token(summary)).toMatchObject({ status: 'erased' })
    expect(await node.parts.chain.queries.token(note)).toBeUndefined()
    const list = await call(`/v1/subjects/${patient.address}/records`, { auth: await patientAuth(patient) })
    const statuses = (list.body.records as Array<{ tokenId: string, status: string }>).filter((r) => r.tokenId === note || r.tokenId === summary).map((r) => r.status)
    expect(statuses).toEqual(['erased', 'erased'])
    const gone = await call(`/v1/records/${summary}`, { method: 'DELETE', key: keys['agency-admin'] })
    expect(gone.status).toBe(404)
  })

  it('exposes metrics, the policy of a jurisdiction, and the OpenAPI document', async () => {
    const metrics = await call('/metrics')
    expect(metrics.body).toMatch(/healthrelay_chain_height \d+/)
    expect(metrics.body).toMatch(/healthrelay_outbox_depth 0/)
    expect(metrics.body).toMatch(/healthrelay_chain_submissions_total\{kind="mint",outcome="ok"\} \d+/)
    expect(metrics.body).toMatch(/healthrelay_stored_bytes \d+/)
    // the chain's published modules came in through the policy registry, and none was refused
    expect(metrics.body).toMatch(/healthrelay_policy_switches_total\{jurisdiction="DE"\} 1/)
    expect(metrics.body).not.toMatch(/healthrelay_policy_load_failures_total\{/)
    const policy = await call('/v1/policies/DE', { key: keys.regulator })
    expect(policy.body.active.code).toBe('DE')
    expect(policy.body.published.version).toBe(policy.body.active.version)
    const doc = await call('/openapi.json')
    expect(doc.body.openapi).toBe('3.1.0')
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/subjects', '/v1/records', '/v1/records/{tokenId}/retrieve', '/v1/grants/{id}', '/v1/policies/{code}/dry-run', '/readyz']))
  })
})
