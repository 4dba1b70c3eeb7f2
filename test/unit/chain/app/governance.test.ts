import { describe, it, expect, afterEach } from 'vitest'
import { createTestChain, testKey, type TestChain } from '../../../../chain/app/testing.js'
import { toBigInt, toLong } from '../../../../proto/index.js'
import { GOVERNANCE_ADDRESS, LedgerCode, paramsToWire, DEFAULT_PARAMS } from '../../../../chain/app/index.js'
import { msg, expectOk, responses, query, ledger } from './helpers.js'

const v1 = ledger
let chain: TestChain
afterEach(() => { chain.close() })

function any (name: string, type: { encode: (m: never) => { finish: () => Uint8Array } }, value: object): { type_url: string, value: Uint8Array } {
  return { type_url: `/healthrelay.ledger.v1.${name}`, value: type.encode(value as never).finish() }
}

const op = (c: string) => chain.members[c]!.operator

async function propose (country: string, messages: Array<{ type_url: string, value: Uint8Array }>): Promise<bigint> {
  const r = expectOk(await chain.send(op(country), [msg('MsgSubmitProposal', { proposer: op(country).address, title: 'change', summary: 'why', messages })]))
  return toBigInt(v1.MsgSubmitProposalResponse.decode(responses(r)[0]!.value).proposalId)
}

async function vote (country: string, id: bigint, option: number) {
  return await chain.send(op(country), [msg('MsgVote', { voter: op(country).address, proposalId: toLong(id, true), option })])
}

function proposal (id: bigint) {
  return query(chain, 'Proposal', v1.QueryProposalRequest, { id: toLong(id, true) }, v1.QueryProposalResponse).proposal
}

function members () {
  return query(chain, 'Members', v1.QueryMembersRequest, {}, v1.QueryMembersResponse)
}

const YES = v1.VoteOption.VOTE_OPTION_YES
const NO = v1.VoteOption.VOTE_OPTION_NO

describe('governance', () => {
  it('exposes the governance account: hr bech32 of SHA-256("healthrelay/governance")[:20]', async () => {
    chain = createTestChain()
    const { toBech32 } = await import('@cosmjs/encoding')
    const { createHash } = await import('node:crypto')
    expect(GOVERNANCE_ADDRESS).toBe(toBech32('hr', createHash('sha256').update('healthrelay/governance').digest().subarray(0, 20)))
    expect(members().governanceAccount).toBe(GOVERNANCE_ADDRESS)
  })

  it('adds a member once two thirds of the countries vote YES, in the block of the deciding vote; the new operator can act', async () => {
    chain = createTestChain()
    const itOp = testKey('IT-operator')
    const id = await propose('DE', [any('MsgAddMember', v1.MsgAddMember, { authority: GOVERNANCE_ADDRESS, member: { country: 'IT', operators: [itOp.address] }, operatorPublicKeys: [itOp.publicKey] })])
    expect(proposal(id)?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_VOTING)
    expectOk(await vote('DE', id, YES))
    expect(proposal(id)?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_VOTING)
    expect(members().members.map((m) => m.country)).toEqual(['DE', 'FR', 'US'])
    const r = await vote('FR', id, YES)
    expectOk(r)
    const p = proposal(id)
    expect(p?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_PASSED)
    expect(p?.votes?.map((v) => v.country)).toEqual(['DE', 'FR'])
    expect(members().members.map((m) => m.country)).toEqual(['DE', 'FR', 'IT', 'US'])
    const late = await vote('US', id, YES)
    expect(late.code).toBe(LedgerCode.ProposalClosed)
    // the new member's operator signs: its account exists with its key
    const patient = testKey('it-patient')
    expectOk(await chain.send(itOp, [msg('MsgEnrollSubject', { operator: itOp.address, subject: patient.address, publicKey: patient.publicKey, x25519PublicKey: new Uint8Array(32) })]))
  })

  it('the last vote of a country counts; NO votes reject at the end of the voting period', async () => {
    chain = createTestChain({ params: { votingPeriodBlocks: 4n } })
    const reg = testKey('EU-regulator')
    const id = await propose('US', [any('MsgRegisterRegulator', v1.MsgRegisterRegulator, { authority: GOVERNANCE_ADDRESS, regulator: { account: reg.address, jurisdiction: 'EU' } })])
    expectOk(await vote('DE', id, NO))
    expectOk(await vote('FR', id, NO))
    expectOk(await vote('FR', id, YES))
    expect(proposal(id)?.votes?.find((v) => v.country === 'FR')?.option).toBe(YES)
    expect(proposal(id)?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_VOTING)
    expectOk(await vote('FR', id, NO))
    chain.block()
    expect(proposal(id)?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_REJECTED)
    expect(query(chain, 'Regulators', v1.QueryRegulatorsRequest, {}, v1.QueryRegulatorsResponse).regulators.map((r) => r.jurisdiction)).not.toContain('EU')
  })

  it('an undecided proposal expires after voting_period_blocks', async () => {
    chain = createTestChain({ params: { votingPeriodBlocks: 2n } })
    const id = await propose('DE', [any('MsgRemoveMember', v1.MsgRemoveMember, { authority: GOVERNANCE_ADDRESS, country: 'US' })])
    chain.block()
    chain.block()
    const p = proposal(id)
    expect(p?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_EXPIRED)
    expect(toBigInt(p?.votingEndHeight)).toBe(toBigInt(p?.submitHeight) + 2n)
    expect((await vote('DE', id, YES)).code).toBe(LedgerCode.ProposalClosed)
  })

  it('executes all of a proposal\'s messages or none (FAILED with the log)', async () => {
    chain = createTestChain()
    const reg = testKey('CH-regulator')
    const id = await propose('DE', [
      any('MsgRegisterRegulator', v1.MsgRegisterRegulator, { authority: GOVERNANCE_ADDRESS, regulator: { account: reg.address, jurisdiction: 'CH' } }),
      any('MsgRemoveMember', v1.MsgRemoveMember, { authority: GOVERNANCE_ADDRESS, country: 'JP' })
    ])
    expectOk(await vote('DE', id, YES))
    expectOk(await vote('US', id, YES))
    const p = proposal(id)
    expect(p?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_FAILED)
    expect(p?.failureLog).toMatch(/JP is not a member/)
    expect(query(chain, 'Regulators', v1.QueryRegulatorsRequest, {}, v1.QueryRegulatorsResponse).regulators.map((r) => r.account)).not.toContain(reg.address)
  })

  it('registers, updates and removes nodes; updates params; removes a member and its nodes', async () => {
    chain = createTestChain()
    const node = {
      peerId: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', country: 'FR', multiaddrs: ['/ip4/127.0.0.1/tcp/4002'],
      x25519PublicKey: new Uint8Array(32).fill(1), ed25519PublicKey: new Uint8Array(32).fill(2), operator: op('FR').address, role: v1.NodeRole.NODE_ROLE_CUSTODIAN
    }
    const pass = async (messages: Array<{ type_url: string, value: Uint8Array }>) => {
      const id = await propose('FR', messages)
      expectOk(await vote('FR', id, YES))
      expectOk(await vote('DE', id, YES))
      return proposal(id)
    }
    expect((await pass([any('MsgRegisterNode', v1.MsgRegisterNode, { authority: GOVERNANCE_ADDRESS, node })]))?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_PASSED)
    expect(query(chain, 'Nodes', v1.QueryNodesRequest, { country: 'FR' }, v1.QueryNodesResponse).nodes.map((n) => n.peerId)).toEqual([node.peerId])
    await pass([any('MsgUpdateNode', v1.MsgUpdateNode, { authority: GOVERNANCE_ADDRESS, node: { ...node, multiaddrs: ['/ip4/127.0.0.1/tcp/5002'] } })])
    expect(query(chain, 'Node', v1.QueryNodeRequest, { peerId: node.peerId }, v1.QueryNodeResponse).node?.multiaddrs).toEqual(['/ip4/127.0.0.1/tcp/5002'])
    await pass([any('MsgUpdateParams', v1.MsgUpdateParams, { authority: GOVERNANCE_ADDRESS, params: paramsToWire({ ...DEFAULT_PARAMS, rateMaxTxs: 7 }) })])
    expect(query(chain, 'Params', v1.QueryParamsRequest, {}, v1.QueryParamsResponse).params?.rateMaxTxs).toBe(7)
    const removed = await pass([any('MsgRemoveMember', v1.MsgRemoveMember, { authority: GOVERNANCE_ADDRESS, country: 'FR' })])
    expect(removed?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_PASSED)
    expect(query(chain, 'Nodes', v1.QueryNodesRequest, { country: '' }, v1.QueryNodesResponse).nodes).toHaveLength(0)
    expect(members().members.map((m) => m.country)).toEqual(['DE', 'US'])
    // the removed country's operator is no longer an operator
    const r = await chain.send(op('FR'), [msg('MsgRevokeCredential', { operator: op('FR').address, credentialId: new Uint8Array(32) })])
    expect(r.code).toBe(LedgerCode.SignerNotAllowed)
  })

  it('refuses membership Msgs outside a proposal, proposals with non-governance Msgs or a wrong authority, and non-member proposers', async () => {
    chain = createTestChain()
    const direct = await chain.send(op('DE'), [msg('MsgRemoveMember', { authority: GOVERNANCE_ADDRESS, country: 'US' })])
    expect([direct.code, direct.codespace]).toEqual([LedgerCode.GovernanceOnly, 'ledger'])
    expect(direct.log).toMatch(/runs only inside a proposal/)
    const wrongAuthority = await chain.send(op('DE'), [msg('MsgSubmitProposal', { proposer: op('DE').address, title: 't', summary: '', messages: [any('MsgRemoveMember', v1.MsgRemoveMember, { authority: op('DE').address, country: 'US' })] })])
    expect(wrongAuthority.log).toMatch(/authority must be the governance account/)
    const notGov = await chain.send(op('DE'), [msg('MsgSubmitProposal', { proposer: op('DE').address, title: 't', summary: '', messages: [any('MsgRevokeCredential', v1.MsgRevokeCredential, { operator: GOVERNANCE_ADDRESS, credentialId: new Uint8Array(32) })] })])
    expect(notGov.log).toMatch(/is not a governance Msg/)
    const reg = chain.members.DE!.regulator
    const byRegulator = await chain.send(reg, [msg('MsgSubmitProposal', { proposer: reg.address, title: 't', summary: '', messages: [any('MsgRemoveMember', v1.MsgRemoveMember, { authority: GOVERNANCE_ADDRESS, country: 'US' })] })])
    expect(byRegulator.code).toBe(LedgerCode.SignerNotAllowed)
  })

  it('removes a node and a regulator; a node whose operator is of another country fails the proposal', async () => {
    chain = createTestChain()
    const pass = async (messages: Array<{ type_url: string, value: Uint8Array }>) => {
      const id = await propose('US', messages)
      expectOk(await vote('US', id, YES))
      expectOk(await vote('FR', id, YES))
      return proposal(id)
    }
    const node = {
      peerId: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', country: 'US', multiaddrs: ['/ip4/127.0.0.1/tcp/4003'],
      x25519PublicKey: new Uint8Array(32).fill(1), ed25519PublicKey: new Uint8Array(32).fill(2), operator: op('DE').address, role: v1.NodeRole.NODE_ROLE_REPLICA
    }
    const wrongOperator = await pass([any('MsgRegisterNode', v1.MsgRegisterNode, { authority: GOVERNANCE_ADDRESS, node })])
    expect(wrongOperator?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_FAILED)
    expect(wrongOperator?.failureLog).toMatch(/is not an operator of US/)
    expect((await pass([any('MsgRegisterNode', v1.MsgRegisterNode, { authority: GOVERNANCE_ADDRESS, node: { ...node, operator: op('US').address } })]))?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_PASSED)
    expect((await pass([any('MsgRemoveNode', v1.MsgRemoveNode, { authority: GOVERNANCE_ADDRESS, peerId: node.peerId })]))?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_PASSED)
    expect(query(chain, 'Node', v1.QueryNodeRequest, { peerId: node.peerId }, v1.QueryNodeResponse).node).toBeNull()
    const reg = chain.members.US!.regulator
    expect((await pass([any('MsgRemoveRegulator', v1.MsgRemoveRegulator, { authority: GOVERNANCE_ADDRESS, account: reg.address })]))?.status).toBe(v1.ProposalStatus.PROPOSAL_STATUS_PASSED)
    const publish = await chain.send(reg, [msg('MsgPublishPolicy', { regulator: reg.address, jurisdiction: 'US', version: '1', cedar: 'permit (principal, action, resource);', metadataJson: '{}' })])
    expect(publish.code).toBe(LedgerCode.SignerNotAllowed)
    const badNode = await chain.send(op('US'), [msg('MsgSubmitProposal', { proposer: op('US').address, title: 't', summary: '', messages: [any('MsgRegisterNode', v1.MsgRegisterNode, { authority: GOVERNANCE_ADDRESS, node: { ...node, x25519PublicKey: new Uint8Array(31) } })] })])
    expect(badNode.log).toMatch(/x25519_public_key: must be exactly 32 bytes/)
  })
})
