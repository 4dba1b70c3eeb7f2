/**
 * The client's wire edge: decoded protobufjs messages (Long, snake-free but nullable) become the
 * domain types of types.ts, and the caller's inputs (hex ids, bigint) become wire values. Nothing
 * else in chain/client touches a generated type's fields.
 */
import { ledger, toBigInt, type healthrelay } from '../../proto/index.js'
import { ChainInputError } from './errors.js'
import type {
  AccessDecision, AccessEvent, AccessLogEntry, BytesLike, CredentialRevocation, Grant, Hex, LedgerNode, LedgerParams,
  Member, NodeRole, Policy, Proposal, ProposalStatus, RecordStatus, Regulator, Subject, Token, Vote, VoteOption
} from './types.js'

type W = typeof healthrelay.ledger.v1

export const hex = (b: Uint8Array | null | undefined): Hex => Buffer.from(b ?? new Uint8Array(0)).toString('hex')
const optHex = (b: Uint8Array | null | undefined): Hex | undefined => (b === null || b === undefined || b.length === 0 ? undefined : hex(b))
const bytes = (b: Uint8Array | null | undefined): Uint8Array => new Uint8Array(b ?? new Uint8Array(0))

/** Hex string or bytes → bytes; `length` checks the size. */
export function toBytes (value: BytesLike, field: string, length?: number): Uint8Array {
  let out: Uint8Array
  if (typeof value === 'string') {
    const s = value.startsWith('0x') ? value.slice(2) : value
    if (!/^([0-9A-Fa-f]{2})*$/.test(s)) throw new ChainInputError(`${field} must be hex`)
    out = new Uint8Array(Buffer.from(s, 'hex'))
  } else if (value instanceof Uint8Array) {
    out = value
  } else {
    throw new ChainInputError(`${field} must be hex or bytes`)
  }
  if (length !== undefined && out.length !== length) throw new ChainInputError(`${field} must be ${length} bytes, got ${out.length}`)
  return out
}

function enumName<T extends string> (names: readonly T[], value: number | null | undefined): T {
  return names[value ?? 0] ?? ('unspecified' as T)
}

const RECORD_STATUS: readonly RecordStatus[] = ['unspecified', 'active', 'superseded', 'erased']
const NODE_ROLE: readonly NodeRole[] = ['unspecified', 'custodian', 'replica']
const VOTE_OPTION: readonly VoteOption[] = ['unspecified', 'yes', 'no', 'abstain']
const PROPOSAL_STATUS: readonly ProposalStatus[] = ['unspecified', 'voting', 'passed', 'rejected', 'failed', 'expired']
const DECISION: readonly AccessDecision[] = ['unspecified', 'permit', 'deny']

const RS = ledger.RecordStatus
const NR = ledger.NodeRole
const VO = ledger.VoteOption
const AD = ledger.AccessDecision

const RECORD_STATUS_WIRE: Readonly<Record<RecordStatus, healthrelay.ledger.v1.RecordStatus>> = {
  unspecified: RS.RECORD_STATUS_UNSPECIFIED, active: RS.RECORD_STATUS_ACTIVE, superseded: RS.RECORD_STATUS_SUPERSEDED, erased: RS.RECORD_STATUS_ERASED
}
const NODE_ROLE_WIRE: Readonly<Record<NodeRole, healthrelay.ledger.v1.NodeRole>> = {
  unspecified: NR.NODE_ROLE_UNSPECIFIED, custodian: NR.NODE_ROLE_CUSTODIAN, replica: NR.NODE_ROLE_REPLICA
}
const VOTE_OPTION_WIRE: Readonly<Record<VoteOption, healthrelay.ledger.v1.VoteOption>> = {
  unspecified: VO.VOTE_OPTION_UNSPECIFIED, yes: VO.VOTE_OPTION_YES, no: VO.VOTE_OPTION_NO, abstain: VO.VOTE_OPTION_ABSTAIN
}
const DECISION_WIRE: Readonly<Record<AccessDecision, healthrelay.ledger.v1.AccessDecision>> = {
  unspecified: AD.ACCESS_DECISION_UNSPECIFIED, permit: AD.ACCESS_DECISION_PERMIT, deny: AD.ACCESS_DECISION_DENY
}

function toWire<K extends string, E> (table: Readonly<Record<K, E>>, value: K, what: string): E {
  if (!Object.hasOwn(table, value)) throw new ChainInputError(`unknown ${what}: ${value}`)
  return table[value]
}

export const recordStatusToWire = (s: RecordStatus): healthrelay.ledger.v1.RecordStatus => toWire(RECORD_STATUS_WIRE, s, 'record status')
export const nodeRoleToWire = (r: NodeRole): healthrelay.ledger.v1.NodeRole => toWire(NODE_ROLE_WIRE, r, 'node role')
export const voteOptionToWire = (o: VoteOption): healthrelay.ledger.v1.VoteOption => toWire(VOTE_OPTION_WIRE, o, 'vote option')
export const decisionToWire = (d: AccessDecision): healthrelay.ledger.v1.AccessDecision => toWire(DECISION_WIRE, d, 'access decision')

export function memberFromWire (m: InstanceType<W['Member']>): Member {
  return { country: m.country, operators: [...m.operators] }
}

export function nodeFromWire (n: InstanceType<W['Node']>): LedgerNode {
  return {
    peerId: n.peerId,
    country: n.country,
    multiaddrs: [...n.multiaddrs],
    x25519PublicKey: bytes(n.x25519PublicKey),
    ed25519PublicKey: bytes(n.ed25519PublicKey),
    operator: n.operator,
    role: enumName(NODE_ROLE, n.role)
  }
}

export function regulatorFromWire (r: InstanceType<W['Regulator']>): Regulator {
  return { account: r.account, jurisdiction: r.jurisdiction }
}

export function subjectFromWire (s: InstanceType<W['Subject']>): Subject {
  return { address: s.address, homeCountry: s.homeCountry, x25519PublicKey: bytes(s.x25519PublicKey), enrolledAt: toBigInt(s.enrolledAt) }
}

export function tokenFromWire (t: InstanceType<W['Token']>): Token {
  return {
    id: hex(t.id),
    subject: t.subject,
    custodian: t.custodian,
    commitment: hex(t.commitment),
    sealedMetadata: bytes(t.sealedMetadata),
    supersedes: optHex(t.supersedes),
    status: enumName(RECORD_STATUS, t.status),
    mintedAt: toBigInt(t.mintedAt),
    mintedHeight: toBigInt(t.mintedHeight),
    supersededBy: optHex(t.supersededBy)
  }
}

export function grantFromWire (g: InstanceType<W['Grant']>): Grant {
  return {
    id: toBigInt(g.id),
    subject: g.subject,
    creator: g.creator,
    grantee: { country: g.grantee?.country ?? '', ...(g.grantee?.providerId ? { providerId: g.grantee.providerId } : {}) },
    tokenIds: g.tokenIds.map((b) => hex(b)),
    purposes: [...g.purposes],
    notBefore: toBigInt(g.notBefore),
    expiresAt: toBigInt(g.expiresAt),
    evidenceHash: optHex(g.evidenceHash),
    createdAt: toBigInt(g.createdAt),
    revokedAt: toBigInt(g.revokedAt)
  }
}

export function revocationFromWire (r: InstanceType<W['CredentialRevocation']>): CredentialRevocation {
  return { credentialId: hex(r.credentialId), country: r.country, revokedAt: toBigInt(r.revokedAt), height: toBigInt(r.height) }
}

export function policyFromWire (p: InstanceType<W['Policy']>): Policy {
  return {
    jurisdiction: p.jurisdiction,
    version: p.version,
    cedar: p.cedar,
    metadataJson: p.metadataJson,
    publisher: p.publisher,
    height: toBigInt(p.height),
    effectiveHeight: toBigInt(p.effectiveHeight),
    sha256: hex(p.sha256)
  }
}

export function accessEventFromWire (e: healthrelay.ledger.v1.AccessEvent.$Properties | null | undefined): AccessEvent {
  return {
    tokenId: hex(e?.tokenId),
    requesterCountry: e?.requesterCountry ?? '',
    purpose: e?.purpose ?? '',
    decision: enumName(DECISION, e?.decision),
    time: toBigInt(e?.time),
    sealedDetails: bytes(e?.sealedDetails),
    emergency: e?.emergency ?? false
  }
}

export function accessLogFromWire (a: InstanceType<W['AccessLogEntry']>): AccessLogEntry {
  return { seq: toBigInt(a.seq), subject: a.subject, custodian: a.custodian, event: accessEventFromWire(a.event), height: toBigInt(a.height) }
}

function voteFromWire (v: healthrelay.ledger.v1.Vote.$Properties): Vote {
  return { country: v.country ?? '', voter: v.voter ?? '', option: enumName(VOTE_OPTION, v.option) }
}

export function proposalFromWire (p: InstanceType<W['Proposal']>): Proposal {
  return {
    id: toBigInt(p.id),
    proposer: p.proposer,
    proposerCountry: p.proposerCountry,
    title: p.title,
    summary: p.summary,
    messages: p.messages.map((m) => ({ typeUrl: m.type_url ?? '', value: bytes(m.value) })),
    status: enumName(PROPOSAL_STATUS, p.status),
    submitHeight: toBigInt(p.submitHeight),
    votingEndHeight: toBigInt(p.votingEndHeight),
    votes: p.votes.map(voteFromWire),
    failureLog: p.failureLog
  }
}

export function paramsFromWire (p: InstanceType<W['Params']> | null | undefined): LedgerParams {
  return {
    quorumNumerator: p?.quorumNumerator ?? 0,
    quorumDenominator: p?.quorumDenominator ?? 0,
    votingPeriodBlocks: toBigInt(p?.votingPeriodBlocks),
    maxTxBytes: p?.maxTxBytes ?? 0,
    maxMsgsPerTx: p?.maxMsgsPerTx ?? 0,
    maxTokensPerMint: p?.maxTokensPerMint ?? 0,
    maxSealedBytes: p?.maxSealedBytes ?? 0,
    maxPolicyBytes: p?.maxPolicyBytes ?? 0,
    rateWindowBlocks: p?.rateWindowBlocks ?? 0,
    rateMaxTxs: p?.rateMaxTxs ?? 0,
    upgradeHeight: toBigInt(p?.upgradeHeight),
    upgradeName: p?.upgradeName ?? '',
    maxBlockGas: toBigInt(p?.maxBlockGas),
    maxAccessEvents: p?.maxAccessEvents ?? 0
  }
}

export { ledger }
