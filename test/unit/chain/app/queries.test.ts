import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createTestChain, type TestChain } from '../../../../chain/app/testing.js'
import { toBigInt, toLong } from '../../../../proto/index.js'
import { LEDGER_QUERY_METHODS, GOVERNANCE_ADDRESS, DEFAULT_PARAMS, SdkCode } from '../../../../chain/app/index.js'
import { msg, id32, expectOk, query, patientWithTokens, ledger } from './helpers.js'

const v1 = ledger
let chain: TestChain
beforeAll(() => { chain = createTestChain() })
afterAll(() => { chain.close() })

describe('ledger queries', () => {
  it('serves every method of query.proto', () => {
    expect(LEDGER_QUERY_METHODS).toEqual([...Object.keys(v1.Query.prototype).filter((k) => k !== 'constructor' && k[0] === k[0]?.toLowerCase()).map((k) => k[0]!.toUpperCase() + k.slice(1))].sort())
  })

  it('pages tokens and grants of a subject with a total', async () => {
    const { patient, ids } = await patientWithTokens(chain, 'DE', 'q-1', 5)
    const page = query(chain, 'TokensBySubject', v1.QueryTokensBySubjectRequest, { subject: patient.address, page: { offset: toLong(1n, true), limit: 2 } }, v1.QueryTokensBySubjectResponse)
    expect(page.tokens).toHaveLength(2)
    expect(toBigInt(page.page?.total)).toBe(5n)
    const all = query(chain, 'TokensBySubject', v1.QueryTokensBySubjectRequest, { subject: patient.address }, v1.QueryTokensBySubjectResponse)
    expect(all.tokens.map((t) => Buffer.from(t.id ?? []).toString('hex')).sort()).toEqual(ids.map((i) => Buffer.from(i).toString('hex')).sort())
    for (let i = 0; i < 3; i++) {
      expectOk(await chain.send(patient, [msg('MsgGrantAccess', { granter: patient.address, subject: patient.address, grantee: { country: 'US', providerId: `dr-${i}` }, tokenIds: [ids[i]], purposes: ['treatment'], notBefore: toLong(0n), expiresAt: toLong(chain.head.time + 1000n) })]))
    }
    const grants = query(chain, 'GrantsBySubject', v1.QueryGrantsBySubjectRequest, { subject: patient.address, page: { limit: 2 } }, v1.QueryGrantsBySubjectResponse)
    expect(grants.grants).toHaveLength(2)
    expect(toBigInt(grants.page?.total)).toBe(3n)
    const tooBig = chain.app.query({ path: '/healthrelay.ledger.v1.Query/GrantsBySubject', data: v1.QueryGrantsBySubjectRequest.encode({ subject: patient.address, page: { limit: 5000 } }).finish(), height: 0n, prove: false })
    expect(tooBig.code).toBe(SdkCode.InvalidRequest)
  })

  it('answers absent objects with the field unset, and members, regulators, params from genesis', () => {
    expect(query(chain, 'Token', v1.QueryTokenRequest, { id: id32() }, v1.QueryTokenResponse).token).toBeNull()
    expect(query(chain, 'Grant', v1.QueryGrantRequest, { id: toLong(12345n, true) }, v1.QueryGrantResponse).grant).toBeNull()
    expect(query(chain, 'Proposal', v1.QueryProposalRequest, { id: toLong(1n, true) }, v1.QueryProposalResponse).proposal).toBeNull()
    expect(query(chain, 'Policy', v1.QueryPolicyRequest, { jurisdiction: 'FR' }, v1.QueryPolicyResponse).policy).toBeNull()
    expect(query(chain, 'Node', v1.QueryNodeRequest, { peerId: 'x' }, v1.QueryNodeResponse).node).toBeNull()
    const m = query(chain, 'Members', v1.QueryMembersRequest, {}, v1.QueryMembersResponse)
    expect(m.members.map((x) => [x.country, x.operators])).toEqual(['DE', 'FR', 'US'].map((c) => [c, [chain.members[c]!.operator.address]]))
    expect(m.governanceAccount).toBe(GOVERNANCE_ADDRESS)
    const regs = query(chain, 'Regulators', v1.QueryRegulatorsRequest, {}, v1.QueryRegulatorsResponse).regulators
    expect(regs.map((r) => r.jurisdiction).sort()).toEqual(['DE', 'FR', 'US'])
    const p = query(chain, 'Params', v1.QueryParamsRequest, {}, v1.QueryParamsResponse).params
    expect([p?.quorumNumerator, p?.quorumDenominator, toBigInt(p?.upgradeHeight)]).toEqual([2, 3, 0n])
    expect(p?.maxTxBytes).toBe(DEFAULT_PARAMS.maxTxBytes)
  })

  it('answers at the last committed height, and refuses other heights', () => {
    const ok = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Params', data: new Uint8Array(0), height: 0n, prove: false })
    expect(ok.height).toBe(chain.head.height)
    const old = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Params', data: new Uint8Array(0), height: 1n, prove: false })
    expect(old.code).toBe(SdkCode.InvalidRequest)
    const badAddress = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Subject', data: v1.QuerySubjectRequest.encode({ address: 'nope' }).finish(), height: 0n, prove: false })
    expect(badAddress.code).toBe(SdkCode.InvalidRequest)
    expect(badAddress.log).toMatch(/rpc error: code = InvalidArgument/)
  })

  it('serves genesis policies', () => {
    const withPolicy = createTestChain({ countries: ['DE'], policies: [{ jurisdiction: 'EU', version: '2026.1', cedar: 'forbid (principal, action, resource);', metadataJson: '{"name":"EU"}' }] })
    try {
      const p = query(withPolicy, 'Policy', v1.QueryPolicyRequest, { jurisdiction: 'EU' }, v1.QueryPolicyResponse).policy
      expect(p?.version).toBe('2026.1')
      expect(toBigInt(p?.effectiveHeight)).toBe(1n)
      expect(p?.publisher).toBe(GOVERNANCE_ADDRESS)
    } finally {
      withPolicy.close()
    }
  })
})
