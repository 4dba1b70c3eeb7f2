/**
 * Governance: member countries' operators propose membership Msgs and vote (one vote per country,
 * the last counts). At the end of every block each open proposal is tallied: when YES countries ×
 * quorum_denominator ≥ members × quorum_numerator it passes and its messages run at once, all or
 * nothing (FAILED with a log when one fails); at voting_end_height an undecided proposal is
 * REJECTED when NO votes alone block the quorum, EXPIRED otherwise.
 */
import type { Event } from 'cosmjs-types/tendermint/abci/types'
import { ledger, toBigInt, toLong, type healthrelay, type google } from '../../../proto/index.js'
import { defineMsg, encodeResponse } from './define.js'
import { emit, requireOperator, type ExecContext, type MsgHandler } from '../exec.js'
import { K, trailingU64 } from '../keys.js'
import { GOVERNANCE_ADDRESS } from '../address.js'
import { listMembers, nextCounter } from '../state.js'
import { AbciCodeError, InvalidMsgError, LedgerNotFoundError, ProposalClosedError } from '../errors.js'
import { requireAddress, requireCount, requireText } from '../validation.js'
import { addMember, registerNode, registerRegulator, removeMember, removeNode, removeRegulator, updateNode, updateParams } from './membership.js'
import type { KvLayer } from '../store.js'
import type { LedgerParams } from '../params.js'

const v1 = ledger
const S = v1.ProposalStatus
const V = v1.VoteOption
type Proposal = healthrelay.ledger.v1.Proposal
type AnyMsg = google.protobuf.Any.$Properties | { typeUrl?: string | null, type_url?: string | null, value?: Uint8Array | null }

export const GOVERNANCE_HANDLERS: ReadonlyMap<string, MsgHandler> = new Map(
  [addMember, removeMember, registerNode, updateNode, removeNode, registerRegulator, removeRegulator, updateParams]
    .map((h) => [h.typeUrl, h])
)

function anyTypeUrl (a: AnyMsg): string {
  const x = a as { typeUrl?: string | null, type_url?: string | null }
  return x.typeUrl ?? x.type_url ?? ''
}

/** Decodes and checks a proposal's embedded Msgs. */
function decodeMessages (messages: readonly AnyMsg[], params: LedgerParams): Array<{ handler: MsgHandler, msg: unknown }> {
  return messages.map((a, i) => {
    const url = anyTypeUrl(a)
    const handler = GOVERNANCE_HANDLERS.get(url)
    if (handler === undefined) throw new InvalidMsgError(`messages[${i}]: ${url.slice(0, 100)} is not a governance Msg`)
    let msg: unknown
    try { msg = handler.decode(a.value ?? new Uint8Array(0)) } catch (err) {
      throw new InvalidMsgError(`messages[${i}]: cannot decode ${url}: ${(err as Error).message}`)
    }
    if (handler.signer(msg) !== GOVERNANCE_ADDRESS) throw new InvalidMsgError(`messages[${i}]: authority must be the governance account ${GOVERNANCE_ADDRESS}`)
    try { handler.validate(msg, params) } catch (err) {
      if (err instanceof AbciCodeError) throw new InvalidMsgError(`messages[${i}]: ${err.log}`)
      throw err
    }
    return { handler, msg }
  })
}

export const submitProposal = defineMsg('MsgSubmitProposal', v1.MsgSubmitProposal, {
  signer: (m) => m.proposer,
  validate: (m, p) => {
    requireAddress('proposer', m.proposer)
    requireText('title', m.title, 1, 256)
    requireText('summary', m.summary.replace(/[\t\r\n]/g, ' '), 0, 10_000)
    requireCount('messages', m.messages.length, 1, p.maxMsgsPerTx)
    decodeMessages(m.messages, p)
  },
  execute: (ctx, m) => {
    const country = requireOperator(ctx, m.proposer, 'MsgSubmitProposal')
    const id = nextCounter(ctx.store, 'proposal', 1n)
    const proposal = v1.Proposal.create({
      id: toLong(id, true),
      proposer: m.proposer,
      proposerCountry: country,
      title: m.title,
      summary: m.summary,
      messages: m.messages.map((a) => ({ type_url: anyTypeUrl(a), value: a.value ?? new Uint8Array(0) })),
      status: S.PROPOSAL_STATUS_VOTING,
      submitHeight: toLong(ctx.height, true),
      votingEndHeight: toLong(ctx.height + ctx.params.votingPeriodBlocks, true),
      votes: []
    })
    ctx.store.set(K.proposal(id), v1.Proposal.encode(proposal).finish())
    ctx.store.set(K.activeProposal(id), new Uint8Array(0))
    emit(ctx, 'EventProposalSubmitted', [['proposal_id', id.toString(), true], ['proposer_country', country, false]])
    return encodeResponse(v1.MsgSubmitProposalResponse, { proposalId: toLong(id, true) })
  }
})

export const vote = defineMsg('MsgVote', v1.MsgVote, {
  signer: (m) => m.voter,
  validate: (m) => {
    requireAddress('voter', m.voter)
    if (toBigInt(m.proposalId) === 0n) throw new InvalidMsgError('proposal_id: required')
    if (m.option !== V.VOTE_OPTION_YES && m.option !== V.VOTE_OPTION_NO && m.option !== V.VOTE_OPTION_ABSTAIN) throw new InvalidMsgError('option: must be YES, NO or ABSTAIN')
  },
  execute: (ctx, m) => {
    const country = requireOperator(ctx, m.voter, 'MsgVote')
    const id = toBigInt(m.proposalId)
    const bytes = ctx.store.get(K.proposal(id))
    if (bytes === undefined) throw new LedgerNotFoundError(`proposal ${id} does not exist`)
    const p = v1.Proposal.decode(bytes)
    if (p.status !== S.PROPOSAL_STATUS_VOTING || ctx.height > toBigInt(p.votingEndHeight)) throw new ProposalClosedError(`proposal ${id} is not open for votes`)
    const votes = p.votes.filter((v) => v.country !== country)
    votes.push(v1.Vote.create({ country, voter: m.voter, option: m.option }))
    votes.sort((a, b) => ((a.country ?? '') < (b.country ?? '') ? -1 : (a.country ?? '') > (b.country ?? '') ? 1 : 0))
    p.votes = votes
    ctx.store.set(K.proposal(id), v1.Proposal.encode(p).finish())
    emit(ctx, 'EventVoted', [['proposal_id', id.toString(), true], ['country', country, false], ['option', V[m.option] ?? '', false]])
    return encodeResponse(v1.MsgVoteResponse)
  }
})

/** Runs a passed proposal's Msgs in one layer; returns the failure log, or undefined on success. */
function execute (ctx: ExecContext, p: Proposal): string | undefined {
  const layer = ctx.store.child()
  const events: Event[] = []
  try {
    const decoded = decodeMessages(p.messages, ctx.params)
    for (const [i, { handler, msg }] of decoded.entries()) {
      handler.execute({ ...ctx, store: layer, events, msgIndex: i }, msg)
    }
  } catch (err) {
    if (err instanceof AbciCodeError) return err.log
    throw err
  }
  layer.flushInto(ctx.store)
  ctx.events.push(...events)
  return undefined
}

/** End of block: tally every open proposal (ascending id), execute, close. */
export function endBlockGovernance (store: KvLayer, base: Omit<ExecContext, 'store' | 'msgIndex' | 'events'>): Event[] {
  const events: Event[] = []
  const active = store.scan(K.activeProposalPrefix)
  if (active.length === 0) return events
  const members = new Set(listMembers(store).map((m) => m.country))
  const n = BigInt(members.size)
  const ctx: ExecContext = { ...base, store, msgIndex: 0, events }
  for (const [key] of active) {
    const id = trailingU64(key)
    const p = v1.Proposal.decode(store.get(K.proposal(id)) as Uint8Array)
    const counted = p.votes.filter((v) => members.has(v.country ?? ''))
    const yes = BigInt(counted.filter((v) => v.option === V.VOTE_OPTION_YES).length)
    const no = BigInt(counted.filter((v) => v.option === V.VOTE_OPTION_NO).length)
    const num = BigInt(ctx.params.quorumNumerator)
    const den = BigInt(ctx.params.quorumDenominator)
    let status: healthrelay.ledger.v1.ProposalStatus | undefined
    if (yes > 0n && yes * den >= n * num) {
      const failure = execute(ctx, p)
      status = failure === undefined ? S.PROPOSAL_STATUS_PASSED : S.PROPOSAL_STATUS_FAILED
      p.failureLog = failure ?? ''
    } else if (ctx.height >= toBigInt(p.votingEndHeight)) {
      status = (n - no) * den < n * num ? S.PROPOSAL_STATUS_REJECTED : S.PROPOSAL_STATUS_EXPIRED
    }
    if (status === undefined) continue
    p.status = status
    store.set(K.proposal(id), v1.Proposal.encode(p).finish())
    store.delete(key)
    events.push({
      type: 'healthrelay.ledger.v1.EventProposalFinished',
      attributes: [{ key: 'proposal_id', value: id.toString(), index: true }, { key: 'status', value: S[status] ?? '', index: false }]
    })
  }
  return events
}
