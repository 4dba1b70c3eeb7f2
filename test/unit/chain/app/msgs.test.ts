import { createHash } from 'node:crypto'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createTestChain, testKey, type TestChain } from '../../../../chain/app/testing.js'
import { toBigInt, toLong } from '../../../../proto/index.js'
import { LedgerCode } from '../../../../chain/app/index.js'
import { msg, id32, expectOk, responses, query, enrollMsg, mintMsg, patientWithTokens, ledger } from './helpers.js'

const v1 = ledger
let chain: TestChain
beforeAll(() => { chain = createTestChain() })
afterAll(() => { chain.close() })

const op = (c: string) => chain.members[c]!.operator
const reg = (c: string) => chain.members[c]!.regulator

function token (id: Uint8Array) {
  return query(chain, 'Token', v1.QueryTokenRequest, { id }, v1.QueryTokenResponse).token
}

describe('MsgEnrollSubject', () => {
  it('creates the patient account with its key and the operator\'s country as home', async () => {
    const patient = testKey('enrol-1')
    const r = expectOk(await chain.send(op('DE'), [enrollMsg(op('DE'), patient)]))
    expect(r.events.some((e) => e.type === 'healthrelay.ledger.v1.EventSubjectEnrolled' && e.attributes.some((a) => a.key === 'subject' && a.value === patient.address && a.index))).toBe(true)
    const s = query(chain, 'Subject', v1.QuerySubjectRequest, { address: patient.address }, v1.QuerySubjectResponse).subject
    expect(s?.homeCountry).toBe('DE')
    expect(toBigInt(s?.enrolledAt)).toBe(chain.head.time)
    expect(chain.account(patient.address)?.sequence).toBe(0n)
  })

  it('rejects a second enrolment, a subject that does not match its key, a non-operator', async () => {
    const patient = testKey('enrol-2')
    expectOk(await chain.send(op('FR'), [enrollMsg(op('FR'), patient)]))
    const again = await chain.send(op('DE'), [enrollMsg(op('DE'), patient)])
    expect([again.code, again.codespace]).toEqual([LedgerCode.AlreadyExists, 'ledger'])
    const other = testKey('enrol-3')
    const mismatch = await chain.send(op('DE'), [msg('MsgEnrollSubject', { operator: op('DE').address, subject: other.address, publicKey: patient.publicKey, x25519PublicKey: new Uint8Array(32) })])
    expect(mismatch.code).toBe(LedgerCode.InvalidMsg)
    expect(mismatch.log).toMatch(/does not match the address of public_key/)
    const byRegulator = await chain.send(reg('DE'), [enrollMsg(reg('DE'), other)])
    expect(byRegulator.code).toBe(LedgerCode.SignerNotAllowed)
    expect(byRegulator.log).toMatch(/not an operator of a member country/)
  })
})

describe('MsgMintRecordTokens', () => {
  it('mints a batch with the signer\'s country as custodian and returns the ids', async () => {
    const { patient } = await patientWithTokens(chain, 'DE', 'mint-1', 0)
    const ids = [id32(), id32(), id32()]
    const r = expectOk(await chain.send(op('FR'), [mintMsg(op('FR'), patient.address, ids)]))
    const resp = v1.MsgMintRecordTokensResponse.decode(responses(r)[0]!.value)
    expect(resp.tokenIds.map((b) => Buffer.from(b).toString('hex'))).toEqual(ids.map((b) => Buffer.from(b).toString('hex')))
    const t = token(ids[1]!)
    expect(t?.custodian).toBe('FR')
    expect(t?.subject).toBe(patient.address)
    expect(t?.status).toBe(v1.RecordStatus.RECORD_STATUS_ACTIVE)
    expect(toBigInt(t?.mintedHeight)).toBe(chain.head.height)
    const minted = r.events.filter((e) => e.type === 'healthrelay.ledger.v1.EventTokenMinted')
    expect(minted).toHaveLength(3)
    expect(minted[0]!.attributes.find((a) => a.key === 'token_id')).toEqual({ key: 'token_id', value: Buffer.from(ids[0]!).toString('hex'), index: true })
  })

  it('rejects bad ids, commitments, sizes, duplicates, unknown subjects and existing ids', async () => {
    const { patient, ids } = await patientWithTokens(chain, 'DE', 'mint-2', 1)
    const cases: Array<[object, RegExp]> = [
      [{ id: new Uint8Array(31), subject: patient.address, commitment: id32(), sealedMetadata: new Uint8Array(4) }, /id: must be exactly 32 bytes/],
      [{ id: id32(), subject: patient.address, commitment: new Uint8Array(33), sealedMetadata: new Uint8Array(4) }, /commitment: must be exactly 32 bytes/],
      [{ id: id32(), subject: patient.address, commitment: id32(), sealedMetadata: new Uint8Array(0) }, /sealed_metadata: size/],
      [{ id: id32(), subject: patient.address, commitment: id32(), sealedMetadata: new Uint8Array(2049) }, /sealed_metadata: size/],
      [{ id: id32(), subject: 'cosmos1xyz', commitment: id32(), sealedMetadata: new Uint8Array(4) }, /subject: not a bech32/]
    ]
    for (const [spec, re] of cases) {
      const r = await chain.send(op('DE'), [msg('MsgMintRecordTokens', { custodian: op('DE').address, tokens: [spec] })])
      expect(r.code).toBe(LedgerCode.InvalidMsg)
      expect(r.log).toMatch(re)
    }
    const dup = id32()
    expect((await chain.send(op('DE'), [mintMsg(op('DE'), patient.address, [dup, dup])])).log).toMatch(/duplicate/)
    const exists = await chain.send(op('DE'), [mintMsg(op('DE'), patient.address, [ids[0]!])])
    expect(exists.code).toBe(LedgerCode.AlreadyExists)
    const unknown = await chain.send(op('DE'), [mintMsg(op('DE'), testKey('nobody').address, [id32()])])
    expect(unknown.code).toBe(LedgerCode.NotFound)
    const tooMany = await chain.send(op('DE'), [mintMsg(op('DE'), patient.address, Array.from({ length: 501 }, id32))])
    expect(tooMany.log).toMatch(/tokens: count must be 1..500/)
  })

  it('supersedes only a token of the same custodian and subject', async () => {
    const { patient, ids } = await patientWithTokens(chain, 'DE', 'mint-3', 1)
    const other = await patientWithTokens(chain, 'DE', 'mint-4', 1)
    const crossCustodian = await chain.send(op('FR'), [mintMsg(op('FR'), patient.address, [id32()], ids[0])])
    expect(crossCustodian.code).toBe(LedgerCode.SignerNotAllowed)
    const crossSubject = await chain.send(op('DE'), [mintMsg(op('DE'), other.patient.address, [id32()], ids[0])])
    expect(crossSubject.code).toBe(LedgerCode.SignerNotAllowed)
    const next = id32()
    expectOk(await chain.send(op('DE'), [mintMsg(op('DE'), patient.address, [next], ids[0])]))
    expect(token(ids[0]!)?.status).toBe(v1.RecordStatus.RECORD_STATUS_SUPERSEDED)
    expect(Buffer.from(token(ids[0]!)?.supersededBy ?? []).equals(Buffer.from(next))).toBe(true)
    expect(Buffer.from(token(next)?.supersedes ?? []).equals(Buffer.from(ids[0]!))).toBe(true)
    const twice = await chain.send(op('DE'), [mintMsg(op('DE'), patient.address, [id32()], ids[0])])
    expect(twice.code).toBe(LedgerCode.InvalidTransition)
  })
})

describe('MsgSetRecordStatus', () => {
  it('lets only the custodian mark a token superseded or erased; erased is final', async () => {
    const { ids } = await patientWithTokens(chain, 'DE', 'status-1', 1)
    const set = (c: string, status: number) => chain.send(op(c), [msg('MsgSetRecordStatus', { custodian: op(c).address, tokenId: ids[0], status })])
    expect((await set('FR', v1.RecordStatus.RECORD_STATUS_ERASED)).code).toBe(LedgerCode.SignerNotAllowed)
    expect((await set('DE', v1.RecordStatus.RECORD_STATUS_ACTIVE)).code).toBe(LedgerCode.InvalidMsg)
    expectOk(await set('DE', v1.RecordStatus.RECORD_STATUS_ERASED))
    expect(token(ids[0]!)?.status).toBe(v1.RecordStatus.RECORD_STATUS_ERASED)
    expect((await set('DE', v1.RecordStatus.RECORD_STATUS_SUPERSEDED)).code).toBe(LedgerCode.InvalidTransition)
    const missing = await chain.send(op('DE'), [msg('MsgSetRecordStatus', { custodian: op('DE').address, tokenId: id32(), status: 3 })])
    expect(missing.code).toBe(LedgerCode.NotFound)
  })
})

function grantMsg (granter: string, subject: string, ids: Uint8Array[], extra: object = {}) {
  return msg('MsgGrantAccess', {
    granter, subject, grantee: { country: 'FR', providerId: '' }, tokenIds: ids, purposes: ['treatment'],
    notBefore: toLong(0n), expiresAt: toLong(chain.head.time + 86_400n), ...extra
  })
}

describe('MsgGrantAccess and MsgRevokeAccess', () => {
  it('the subject grants, gets an id, and the grant is queryable; the subject revokes', async () => {
    const { patient, ids } = await patientWithTokens(chain, 'DE', 'grant-1', 2)
    const r = expectOk(await chain.send(patient, [grantMsg(patient.address, patient.address, ids)]))
    const grantId = toBigInt(v1.MsgGrantAccessResponse.decode(responses(r)[0]!.value).grantId)
    expect(grantId > 0n).toBe(true)
    const ev = r.events.find((e) => e.type === 'healthrelay.ledger.v1.EventGrantCreated')
    expect(ev?.attributes.find((a) => a.key === 'grant_id')?.value).toBe(grantId.toString())
    const g = query(chain, 'Grant', v1.QueryGrantRequest, { id: toLong(grantId, true) }, v1.QueryGrantResponse).grant
    expect(g?.grantee?.country).toBe('FR')
    expect(g?.purposes).toEqual(['treatment'])
    expect(toBigInt(g?.revokedAt)).toBe(0n)
    expectOk(await chain.send(patient, [msg('MsgRevokeAccess', { signer: patient.address, grantId: toLong(grantId, true) })]))
    const after = query(chain, 'Grant', v1.QueryGrantRequest, { id: toLong(grantId, true) }, v1.QueryGrantResponse).grant
    expect(toBigInt(after?.revokedAt)).toBe(chain.head.time)
    const again = await chain.send(patient, [msg('MsgRevokeAccess', { signer: patient.address, grantId: toLong(grantId, true) })])
    expect(again.code).toBe(LedgerCode.InvalidTransition)
  })

  it('the custodian grants only with a 32-byte evidence hash and only for its tokens; the creator may revoke', async () => {
    const { patient, ids } = await patientWithTokens(chain, 'DE', 'grant-2', 1)
    const noEvidence = await chain.send(op('DE'), [grantMsg(op('DE').address, patient.address, ids)])
    expect(noEvidence.log).toMatch(/evidence_hash: must be exactly 32 bytes/)
    const notCustodian = await chain.send(op('FR'), [grantMsg(op('FR').address, patient.address, ids, { evidenceHash: id32() })])
    expect(notCustodian.code).toBe(LedgerCode.SignerNotAllowed)
    const r = expectOk(await chain.send(op('DE'), [grantMsg(op('DE').address, patient.address, ids, { evidenceHash: id32() })]))
    const grantId = v1.MsgGrantAccessResponse.decode(responses(r)[0]!.value).grantId
    const stranger = await chain.send(op('US'), [msg('MsgRevokeAccess', { signer: op('US').address, grantId })])
    expect(stranger.code).toBe(LedgerCode.SignerNotAllowed)
    expectOk(await chain.send(op('DE'), [msg('MsgRevokeAccess', { signer: op('DE').address, grantId })]))
  })

  it('rejects bad purposes, times, grantees, foreign tokens and a stranger granting', async () => {
    const { patient, ids } = await patientWithTokens(chain, 'DE', 'grant-3', 1)
    const other = await patientWithTokens(chain, 'DE', 'grant-4', 1)
    const bad: Array<[object, RegExp]> = [
      [{ purposes: ['marketing'] }, /unknown purpose/],
      [{ purposes: [] }, /purposes: count/],
      [{ notBefore: toLong(chain.head.time + 100n), expiresAt: toLong(chain.head.time + 50n) }, /expires_at: must be after not_before/],
      [{ expiresAt: toLong(chain.head.time - 10n) }, /is not after the block time/],
      [{ grantee: { country: 'XX', providerId: '' } }, /grantee.country/],
      [{ grantee: { country: 'EU', providerId: '' } }, /grantee.country/],
      [{ tokenIds: [other.ids[0]] }, /is not a record of/]
    ]
    for (const [extra, re] of bad) {
      const r = await chain.send(patient, [grantMsg(patient.address, patient.address, ids, extra)])
      expect(r.code, re.source).not.toBe(0)
      expect(r.log).toMatch(re)
    }
    const stranger = await chain.send(other.patient, [grantMsg(other.patient.address, patient.address, ids)])
    expect(stranger.log).toMatch(/required when the granter is not the subject/)
    const strangerWithEvidence = await chain.send(other.patient, [grantMsg(other.patient.address, patient.address, ids, { evidenceHash: id32() })])
    expect(strangerWithEvidence.code).toBe(LedgerCode.SignerNotAllowed)
  })
})

describe('MsgRevokeCredential', () => {
  it('records the issuing country; a second revocation is refused', async () => {
    const cred = id32()
    expectOk(await chain.send(op('FR'), [msg('MsgRevokeCredential', { operator: op('FR').address, credentialId: cred })]))
    const r = query(chain, 'CredentialRevoked', v1.QueryCredentialRevokedRequest, { credentialId: cred }, v1.QueryCredentialRevokedResponse)
    expect(r.revoked).toBe(true)
    expect(r.revocation?.country).toBe('FR')
    expect((await chain.send(op('FR'), [msg('MsgRevokeCredential', { operator: op('FR').address, credentialId: cred })])).code).toBe(LedgerCode.AlreadyExists)
    expect((await chain.send(reg('FR'), [msg('MsgRevokeCredential', { operator: reg('FR').address, credentialId: id32() })])).code).toBe(LedgerCode.SignerNotAllowed)
    expect((await chain.send(op('FR'), [msg('MsgRevokeCredential', { operator: op('FR').address, credentialId: new Uint8Array(16) })])).code).toBe(LedgerCode.InvalidMsg)
    const none = query(chain, 'CredentialRevoked', v1.QueryCredentialRevokedRequest, { credentialId: id32() }, v1.QueryCredentialRevokedResponse)
    expect(none.revoked).toBe(false)
  })
})

describe('MsgPublishPolicy', () => {
  const cedar = 'permit (principal, action, resource) when { context.purpose == "treatment" };'
  const publish = (signer: ReturnType<typeof reg>, extra: object = {}) => chain.send(signer, [msg('MsgPublishPolicy', {
    regulator: signer.address, jurisdiction: 'DE', version: '1.0.0', cedar, metadataJson: '{"name":"DE"}', ...extra
  })])

  it('stores the text with its hash, effective from the next block, as the latest version', async () => {
    const r = expectOk(await publish(reg('DE')))
    expect(toBigInt(v1.MsgPublishPolicyResponse.decode(responses(r)[0]!.value).effectiveHeight)).toBe(chain.head.height + 1n)
    const p = query(chain, 'Policy', v1.QueryPolicyRequest, { jurisdiction: 'DE', version: '' }, v1.QueryPolicyResponse).policy
    expect(p?.cedar).toBe(cedar)
    expect(p?.publisher).toBe(reg('DE').address)
    expect(Buffer.from(p?.sha256 ?? []).toString('hex')).toBe(createHash('sha256').update(cedar).digest('hex'))
    expectOk(await publish(reg('DE'), { version: '1.1.0' }))
    expect(query(chain, 'Policy', v1.QueryPolicyRequest, { jurisdiction: 'DE', version: '' }, v1.QueryPolicyResponse).policy?.version).toBe('1.1.0')
    expect(query(chain, 'Policy', v1.QueryPolicyRequest, { jurisdiction: 'DE', version: '1.0.0' }, v1.QueryPolicyResponse).policy?.version).toBe('1.0.0')
    const all = query(chain, 'Policies', v1.QueryPoliciesRequest, {}, v1.QueryPoliciesResponse).policies
    expect(all.map((x) => `${x.jurisdiction} ${x.version}`)).toContain('DE 1.1.0')
  })

  it('refuses another jurisdiction\'s regulator, operators, duplicates, bad versions, bad metadata, oversize', async () => {
    expect((await publish(reg('FR'), { version: '2.0.0' })).code).toBe(LedgerCode.SignerNotAllowed)
    expect((await publish(op('DE'), { version: '2.0.1' })).code).toBe(LedgerCode.SignerNotAllowed)
    expect((await publish(reg('DE'), { version: '1.0.0' })).code).toBe(LedgerCode.AlreadyExists)
    expect((await publish(reg('DE'), { version: 'a b' })).log).toMatch(/version/)
    expect((await publish(reg('DE'), { version: '3.0.0', metadataJson: '[1]' })).log).toMatch(/metadata_json: must be a JSON object/)
    expect((await publish(reg('DE'), { version: '3.0.1', metadataJson: '{' })).log).toMatch(/metadata_json: not valid JSON/)
    expect((await publish(reg('DE'), { version: '3.0.2', cedar: 'x'.repeat(131_073) })).log).toMatch(/max_policy_bytes|tx too large/)
    expect((await publish(reg('DE'), { version: '3.0.3', jurisdiction: 'ZZ' })).log).toMatch(/jurisdiction/)
  })
})

describe('MsgRecordAccess', () => {
  it('the custodian records events readable in the subject\'s access log', async () => {
    const { patient, ids } = await patientWithTokens(chain, 'DE', 'access-1', 1)
    const ev = { tokenId: ids[0], requesterCountry: 'FR', purpose: 'treatment', decision: v1.AccessDecision.ACCESS_DECISION_PERMIT, time: toLong(chain.head.time), sealedDetails: new Uint8Array(64).fill(5), emergency: false }
    const r = expectOk(await chain.send(op('DE'), [msg('MsgRecordAccess', { custodian: op('DE').address, events: [ev, { ...ev, decision: v1.AccessDecision.ACCESS_DECISION_DENY, emergency: true }] })]))
    expect(r.events.filter((e) => e.type === 'healthrelay.ledger.v1.EventAccessRecorded')).toHaveLength(2)
    const log = query(chain, 'AccessLog', v1.QueryAccessLogRequest, { subject: patient.address }, v1.QueryAccessLogResponse)
    expect(log.entries).toHaveLength(2)
    expect(toBigInt(log.page?.total)).toBe(2n)
    expect(log.entries[1]?.event?.emergency).toBe(true)
    expect(log.entries[0]?.custodian).toBe('DE')
    const foreign = await chain.send(op('FR'), [msg('MsgRecordAccess', { custodian: op('FR').address, events: [ev] })])
    expect(foreign.code).toBe(LedgerCode.SignerNotAllowed)
    const badPurpose = await chain.send(op('DE'), [msg('MsgRecordAccess', { custodian: op('DE').address, events: [{ ...ev, purpose: 'curiosity' }] })])
    expect(badPurpose.code).toBe(LedgerCode.InvalidMsg)
    const big = await chain.send(op('DE'), [msg('MsgRecordAccess', { custodian: op('DE').address, events: [{ ...ev, sealedDetails: new Uint8Array(2049) }] })])
    expect(big.log).toMatch(/sealed_details/)
  })
})
