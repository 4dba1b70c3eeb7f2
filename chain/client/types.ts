/**
 * Domain types of the ledger as the daemon sees them: readonly, camelCase, 64-bit values as
 * `bigint`, 32-byte ids (token ids, commitments, credential ids, hashes) as lower-case hex strings,
 * keys and sealed blobs as `Uint8Array`, enums as lower-case string unions. Never wire types.
 */

/** A 32-byte id as 64 lower-case hex characters. */
export type Hex = string

/** Accepted wherever the client takes an id: lower-case/upper-case hex or raw bytes. */
export type BytesLike = Uint8Array | string

export type RecordStatus = 'unspecified' | 'active' | 'superseded' | 'erased'
export type NodeRole = 'unspecified' | 'custodian' | 'replica'
export type VoteOption = 'unspecified' | 'yes' | 'no' | 'abstain'
export type ProposalStatus = 'unspecified' | 'voting' | 'passed' | 'rejected' | 'failed' | 'expired'
export type AccessDecision = 'unspecified' | 'permit' | 'deny'

export interface Member { readonly country: string, readonly operators: readonly string[] }

export interface LedgerNode {
  readonly peerId: string
  readonly country: string
  readonly multiaddrs: readonly string[]
  readonly x25519PublicKey: Uint8Array
  readonly ed25519PublicKey: Uint8Array
  readonly operator: string
  readonly role: NodeRole
}

export interface Regulator { readonly account: string, readonly jurisdiction: string }

export interface Subject {
  readonly address: string
  readonly homeCountry: string
  readonly x25519PublicKey: Uint8Array
  /** Unix seconds (block time). */
  readonly enrolledAt: bigint
}

export interface Token {
  readonly id: Hex
  readonly subject: string
  /** Custodian country. */
  readonly custodian: string
  readonly commitment: Hex
  readonly sealedMetadata: Uint8Array
  readonly supersedes?: Hex
  readonly status: RecordStatus
  readonly mintedAt: bigint
  readonly mintedHeight: bigint
  readonly supersededBy?: Hex
}

export interface Grantee {
  readonly country: string
  /** Absent: every credentialed provider of the country. */
  readonly providerId?: string
}

export interface Grant {
  readonly id: bigint
  readonly subject: string
  readonly creator: string
  readonly grantee: Grantee
  readonly tokenIds: readonly Hex[]
  readonly purposes: readonly string[]
  readonly notBefore: bigint
  readonly expiresAt: bigint
  readonly evidenceHash?: Hex
  readonly createdAt: bigint
  /** 0n while the grant is in force. */
  readonly revokedAt: bigint
}

export interface CredentialRevocation {
  readonly credentialId: Hex
  readonly country: string
  readonly revokedAt: bigint
  readonly height: bigint
}

export interface Policy {
  readonly jurisdiction: string
  readonly version: string
  readonly cedar: string
  readonly metadataJson: string
  readonly publisher: string
  readonly height: bigint
  readonly effectiveHeight: bigint
  readonly sha256: Hex
}

export interface AccessEvent {
  readonly tokenId: Hex
  readonly requesterCountry: string
  readonly purpose: string
  readonly decision: AccessDecision
  readonly time: bigint
  readonly sealedDetails: Uint8Array
  readonly emergency: boolean
}

export interface AccessLogEntry {
  readonly seq: bigint
  readonly subject: string
  readonly custodian: string
  readonly event: AccessEvent
  readonly height: bigint
}

export interface Vote { readonly country: string, readonly voter: string, readonly option: VoteOption }

export interface AnyMsg { readonly typeUrl: string, readonly value: Uint8Array }

export interface Proposal {
  readonly id: bigint
  readonly proposer: string
  readonly proposerCountry: string
  readonly title: string
  readonly summary: string
  readonly messages: readonly AnyMsg[]
  readonly status: ProposalStatus
  readonly submitHeight: bigint
  readonly votingEndHeight: bigint
  readonly votes: readonly Vote[]
  readonly failureLog: string
}

/** The chain's params: the ledger's own type (chain/app/params.ts), re-exported for the client's users. */
export type { LedgerParams } from '../app/index.js'

export interface Page<T> { readonly items: readonly T[], readonly total: bigint }

export interface PageOptions { readonly offset?: bigint, readonly limit?: number }

/** A committed tx of ours: its hash (upper-case hex, as CometBFT prints it), height and result. */
export interface TxOutcome<T> {
  readonly txHash: string
  readonly height: bigint
  readonly gasUsed: bigint
  readonly value: T
  readonly events: readonly LedgerEvent[]
}

/** Typed ledger events (events.proto), decoded from a tx's ABCI events. */
export type LedgerEvent =
  | { readonly type: 'ProposalSubmitted', readonly proposalId: bigint, readonly proposerCountry: string }
  | { readonly type: 'Voted', readonly proposalId: bigint, readonly country: string, readonly option: string }
  | { readonly type: 'ProposalFinished', readonly proposalId: bigint, readonly status: string }
  | { readonly type: 'MemberChanged', readonly country: string, readonly removed: boolean }
  | { readonly type: 'NodeChanged', readonly peerId: string, readonly country: string, readonly change: string }
  | { readonly type: 'RegulatorChanged', readonly account: string, readonly jurisdiction: string, readonly removed: boolean }
  | { readonly type: 'ParamsUpdated', readonly upgradeHeight: bigint }
  | { readonly type: 'SubjectEnrolled', readonly subject: string, readonly homeCountry: string }
  | { readonly type: 'TokenMinted', readonly tokenId: Hex, readonly subject: string, readonly custodian: string, readonly supersedes?: Hex }
  | { readonly type: 'RecordStatusChanged', readonly tokenId: Hex, readonly status: string }
  | { readonly type: 'GrantCreated', readonly grantId: bigint, readonly subject: string, readonly granteeCountry: string }
  | { readonly type: 'GrantRevoked', readonly grantId: bigint, readonly subject: string }
  | { readonly type: 'CredentialRevoked', readonly credentialId: Hex, readonly country: string }
  | { readonly type: 'PolicyPublished', readonly jurisdiction: string, readonly version: string, readonly effectiveHeight: bigint }
  | { readonly type: 'AccessRecorded', readonly tokenId: Hex, readonly custodian: string, readonly requesterCountry: string, readonly decision: string, readonly emergency: boolean }

/** What `ChainClient.events()` yields. */
export type ChainEvent =
  | { readonly name: 'NEW_BLOCK', readonly height: bigint, readonly time: Date, readonly numTxs: number }
  | { readonly name: 'LEDGER_EVENT', readonly height: bigint, readonly txHash: string, readonly event: LedgerEvent }
