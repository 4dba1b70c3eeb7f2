/**
 * Builders of every ledger Msg as a cosmjs `EncodeObject`, from domain inputs (hex ids, bigint),
 * converting at the wire edge (bigint → Long; protobufjs would write a bigint as 0). The
 * membership Msgs take the governance `authority` and go inside a proposal.
 */
import type { EncodeObject } from '@cosmjs/proto-signing'
import { ledger, ledgerTypeUrl, toLong } from '../../proto/index.js'
import { decisionToWire, nodeRoleToWire, recordStatusToWire, toBytes, voteOptionToWire } from './convert.js'
import type {
  AccessDecision, BytesLike, Grantee, LedgerNode, LedgerParams, Member, NodeRole, RecordStatus, VoteOption
} from './types.js'

export interface TokenSpecInput {
  readonly id: BytesLike
  readonly subject: string
  readonly commitment: BytesLike
  readonly sealedMetadata: Uint8Array
  readonly supersedes?: BytesLike
}

export interface GrantAccessInput {
  readonly subject: string
  readonly grantee: Grantee
  readonly tokenIds: readonly BytesLike[]
  readonly purposes: readonly string[]
  /** Unix seconds. */
  readonly notBefore: bigint
  readonly expiresAt: bigint
  /** Required when a custodian operator grants on a signed paper consent. */
  readonly evidenceHash?: BytesLike
}

export interface AccessEventInput {
  readonly tokenId: BytesLike
  readonly requesterCountry: string
  readonly purpose: string
  readonly decision: AccessDecision
  readonly time: bigint
  readonly sealedDetails: Uint8Array
  readonly emergency?: boolean
}

export interface PublishPolicyInput {
  readonly jurisdiction: string
  readonly version: string
  readonly cedar: string
  readonly metadataJson: string
}

export interface NodeInput extends Omit<LedgerNode, 'role'> { readonly role: NodeRole }

const msg = (name: string, value: object): EncodeObject => ({ typeUrl: ledgerTypeUrl(name), value })

function nodeWire (n: NodeInput): object {
  return ledger.Node.create({
    peerId: n.peerId, country: n.country, multiaddrs: [...n.multiaddrs], x25519PublicKey: n.x25519PublicKey,
    ed25519PublicKey: n.ed25519PublicKey, operator: n.operator, role: nodeRoleToWire(n.role)
  })
}

export const ledgerMsgs = {
  submitProposal: (proposer: string, title: string, summary: string, messages: readonly EncodeObject[], encode: (m: EncodeObject) => { typeUrl: string, value: Uint8Array }): EncodeObject =>
    msg('MsgSubmitProposal', ledger.MsgSubmitProposal.create({
      proposer, title, summary, messages: messages.map((m) => { const a = encode(m); return { type_url: a.typeUrl, value: a.value } })
    })),
  vote: (voter: string, proposalId: bigint, option: VoteOption): EncodeObject =>
    msg('MsgVote', ledger.MsgVote.create({ voter, proposalId: toLong(proposalId, true), option: voteOptionToWire(option) })),
  enrollSubject: (operator: string, subject: string, publicKey: Uint8Array, x25519PublicKey: Uint8Array): EncodeObject =>
    msg('MsgEnrollSubject', ledger.MsgEnrollSubject.create({ operator, subject, publicKey, x25519PublicKey })),
  mintRecordTokens: (custodian: string, tokens: readonly TokenSpecInput[]): EncodeObject =>
    msg('MsgMintRecordTokens', ledger.MsgMintRecordTokens.create({
      custodian,
      tokens: tokens.map((t) => ({
        id: toBytes(t.id, 'token id', 32),
        subject: t.subject,
        commitment: toBytes(t.commitment, 'commitment', 32),
        sealedMetadata: t.sealedMetadata,
        supersedes: t.supersedes === undefined ? new Uint8Array(0) : toBytes(t.supersedes, 'supersedes', 32)
      }))
    })),
  setRecordStatus: (custodian: string, tokenId: BytesLike, status: RecordStatus): EncodeObject =>
    msg('MsgSetRecordStatus', ledger.MsgSetRecordStatus.create({ custodian, tokenId: toBytes(tokenId, 'token id', 32), status: recordStatusToWire(status) })),
  grantAccess: (granter: string, g: GrantAccessInput): EncodeObject =>
    msg('MsgGrantAccess', ledger.MsgGrantAccess.create({
      granter,
      subject: g.subject,
      grantee: { country: g.grantee.country, providerId: g.grantee.providerId ?? '' },
      tokenIds: g.tokenIds.map((id) => toBytes(id, 'token id', 32)),
      purposes: [...g.purposes],
      notBefore: toLong(g.notBefore),
      expiresAt: toLong(g.expiresAt),
      evidenceHash: g.evidenceHash === undefined ? new Uint8Array(0) : toBytes(g.evidenceHash, 'evidence hash', 32)
    })),
  revokeAccess: (signer: string, grantId: bigint): EncodeObject =>
    msg('MsgRevokeAccess', ledger.MsgRevokeAccess.create({ signer, grantId: toLong(grantId, true) })),
  revokeCredential: (operator: string, credentialId: BytesLike): EncodeObject =>
    msg('MsgRevokeCredential', ledger.MsgRevokeCredential.create({ operator, credentialId: toBytes(credentialId, 'credential id') })),
  publishPolicy: (regulator: string, p: PublishPolicyInput): EncodeObject =>
    msg('MsgPublishPolicy', ledger.MsgPublishPolicy.create({ regulator, ...p })),
  recordAccess: (custodian: string, events: readonly AccessEventInput[]): EncodeObject =>
    msg('MsgRecordAccess', ledger.MsgRecordAccess.create({
      custodian,
      events: events.map((e) => ({
        tokenId: toBytes(e.tokenId, 'token id', 32),
        requesterCountry: e.requesterCountry,
        purpose: e.purpose,
        decision: decisionToWire(e.decision),
        time: toLong(e.time),
        sealedDetails: e.sealedDetails,
        emergency: e.emergency ?? false
      }))
    }))
}

/** Membership Msgs, signed by nobody: they run only inside an approved proposal. */
export const membershipMsgs = {
  addMember: (authority: string, member: Member, operatorPublicKeys: readonly Uint8Array[] = []): EncodeObject =>
    msg('MsgAddMember', ledger.MsgAddMember.create({ authority, member: { country: member.country, operators: [...member.operators] }, operatorPublicKeys: [...operatorPublicKeys] })),
  removeMember: (authority: string, country: string): EncodeObject =>
    msg('MsgRemoveMember', ledger.MsgRemoveMember.create({ authority, country })),
  registerNode: (authority: string, node: NodeInput): EncodeObject =>
    msg('MsgRegisterNode', ledger.MsgRegisterNode.create({ authority, node: nodeWire(node) })),
  updateNode: (authority: string, node: NodeInput): EncodeObject =>
    msg('MsgUpdateNode', ledger.MsgUpdateNode.create({ authority, node: nodeWire(node) })),
  removeNode: (authority: string, peerId: string): EncodeObject =>
    msg('MsgRemoveNode', ledger.MsgRemoveNode.create({ authority, peerId })),
  registerRegulator: (authority: string, account: string, jurisdiction: string): EncodeObject =>
    msg('MsgRegisterRegulator', ledger.MsgRegisterRegulator.create({ authority, regulator: { account, jurisdiction } })),
  removeRegulator: (authority: string, account: string): EncodeObject =>
    msg('MsgRemoveRegulator', ledger.MsgRemoveRegulator.create({ authority, account })),
  updateParams: (authority: string, p: LedgerParams): EncodeObject =>
    msg('MsgUpdateParams', ledger.MsgUpdateParams.create({
      authority,
      params: {
        quorumNumerator: p.quorumNumerator, quorumDenominator: p.quorumDenominator, votingPeriodBlocks: toLong(p.votingPeriodBlocks, true),
        maxTxBytes: p.maxTxBytes, maxMsgsPerTx: p.maxMsgsPerTx, maxTokensPerMint: p.maxTokensPerMint, maxSealedBytes: p.maxSealedBytes,
        maxPolicyBytes: p.maxPolicyBytes, rateWindowBlocks: p.rateWindowBlocks, rateMaxTxs: p.rateMaxTxs,
        upgradeHeight: toLong(p.upgradeHeight, true), upgradeName: p.upgradeName, maxBlockGas: toLong(p.maxBlockGas, true),
        maxAccessEvents: p.maxAccessEvents
      }
    }))
}
