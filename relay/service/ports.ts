/**
 * The narrow interfaces (ports) the relay service's pipelines need. `node/` implements them
 * (node/relay-adapters: storage, chain client, policy engine); `relay/` never imports `node/`.
 * Every async port takes `options?: { signal }` last and must honour it.
 *
 * Ids: token ids are 32 raw bytes at the ports (hex only in logs); credential ids raw bytes.
 */
import type { RecordKeys } from '../crypto/record-keys.js'
import type { Purpose, Reason } from '../protocol/index.js'

export interface SignalOptions {
  signal?: AbortSignal
}

/** Milliseconds since the Unix epoch (injected so tests control time). */
export type Clock = () => number

// ---- records held by this node --------------------------------------------------------------

/** A record this node holds, as the pipeline needs it (never its plaintext). */
export interface HeldRecord {
  readonly tokenId: Uint8Array
  /** The subject's chain address. */
  readonly subject: string
  /** A category of DESIGN.md §3. */
  readonly category: string
  readonly mediaType: string
  readonly plaintextBytes: bigint
  /** The commitment the node minted (checked against the chain's). */
  readonly commitment: Uint8Array
  /** Plaintext bytes per segment of the stored blob. */
  readonly segmentBytes: number
  /** Sensitive categories found inside the record other than its own (e.g. genomic in a patient summary). */
  readonly contains?: readonly string[]
  /**
   * SHA-256 of the stored ciphertext segments as `segments` yields them (kept at ingestion): signed
   * in the trailer without hashing the record again when it is relayed unchanged. Absent when not
   * known; the envelope writer then hashes the segments as it streams them.
   */
  readonly ciphertextHash?: Uint8Array
}

export interface RecordSource {
  /**
   * The record with this token id when this node holds it and it may be served (not erased, not
   * superseded locally); undefined otherwise. Never throws for an unknown id.
   */
  get: (tokenId: Uint8Array, options?: SignalOptions) => Promise<HeldRecord | undefined>
  /** The stored ciphertext segments, one at a time, as relayed (undecrypted). */
  segments: (record: HeldRecord, options?: SignalOptions) => AsyncIterable<Uint8Array>
  /** The record's key block, unwrapped from under the node's KEK (through the KeyProvider). */
  keys: (record: HeldRecord, options?: SignalOptions) => Promise<RecordKeys>
  /** Token ids of a subject's records this node holds and may serve (discovery). */
  bySubject: (subject: string, options?: SignalOptions) => Promise<readonly HeldRecord[]>
}

/** The patient's restrictions (EHDS Art. 8), held by the custodian. */
export interface RestrictionCheck {
  isRestricted: (subject: string, category: string, options?: SignalOptions) => Promise<boolean>
}

// ---- the chain --------------------------------------------------------------------------------

export interface LedgerToken {
  readonly subject: string
  /** Custodian country. */
  readonly custodian: string
  readonly commitment: Uint8Array
  readonly status: 'active' | 'superseded' | 'erased' | 'unspecified'
}

export interface LedgerGrant {
  readonly id: bigint
  readonly subject: string
  readonly granteeCountry: string
  /** Absent: every credentialed provider of the country. */
  readonly granteeProviderId?: string
  /** Hex token ids (lower case). */
  readonly tokenIds: readonly string[]
  readonly purposes: readonly string[]
  /** Unix seconds. */
  readonly notBefore: bigint
  readonly expiresAt: bigint
  /** 0n while in force. */
  readonly revokedAt: bigint
}

export interface LedgerNodeInfo {
  readonly peerId: string
  readonly country: string
  readonly role: 'custodian' | 'replica' | 'unspecified'
  readonly ed25519PublicKey: Uint8Array
  readonly x25519PublicKey: Uint8Array
}

/**
 * The node's view of the chain (backed by chain/client and the peer registry). Implementations
 * may cache per block; a revocation must bite from the block that carries it.
 */
export interface LedgerView {
  token: (tokenId: Uint8Array, options?: SignalOptions) => Promise<LedgerToken | undefined>
  /** Grants of a subject naming this token (any state; the pipeline checks them); an empty token id: all the subject's grants. */
  grantsFor: (subject: string, tokenId: Uint8Array, options?: SignalOptions) => Promise<readonly LedgerGrant[]>
  isCredentialRevoked: (credentialId: Uint8Array, options?: SignalOptions) => Promise<boolean>
  /** A registered node by peer id (issuer keys, the carrying peer's country). */
  node: (peerId: string, options?: SignalOptions) => Promise<LedgerNodeInfo | undefined>
  /** True when the node's view of the chain is current enough to release (lag guard). */
  isCurrent?: (options?: SignalOptions) => Promise<boolean>
}

// ---- policies ---------------------------------------------------------------------------------

/** What the custodian asks the policies (metadata only, never content). */
export interface ReleaseQuestion {
  readonly requester: { readonly id: string, readonly country: string, readonly role: string }
  readonly record: {
    readonly category: string
    readonly subjectHomeCountry: string
    readonly custodianCountry: string
    /** Sensitive categories inside the record (HeldRecord.contains): each is decided separately, redacted when denied. */
    readonly contains?: readonly string[]
  }
  readonly purpose: Purpose
  readonly sourceCountry: string
  readonly destinationCountry: string
  readonly grant: { readonly present: boolean, readonly valid: boolean, readonly purposes: readonly string[] }
  readonly emergency: boolean
  readonly justificationPresent: boolean
  readonly patientUnableToConsent: boolean
  readonly restricted: boolean
  /** Subject id for the rolling transfer counts (never leaves the node). */
  readonly subject: string
}

export interface ReleaseAnswer {
  readonly decision: 'allow' | 'deny'
  /** `@reason`s of the deciding forbids (deny), e.g. "de-gendg-11-3-explicit-consent-required". */
  readonly reasons: readonly string[]
  /** Obligations of the deciding permits (allow), canonical text. */
  readonly obligations: readonly string[]
  /**
   * Obligations applied to the content but never named to the requester: a redaction that the
   * patient's restriction caused (a restriction is never revealed, DESIGN.md §6).
   */
  readonly undisclosedObligations?: readonly string[]
  /** The jurisdiction that denied first (export side first), for the reason. */
  readonly deniedBy?: { readonly jurisdiction: string, readonly policyIds: readonly string[] }
  /** `<jurisdiction>@<version>` of both sides. */
  readonly policyVersions: readonly string[]
  /** The decision record to keep in the decision log (JSON-serialisable, no content). */
  readonly record: unknown
}

export interface PolicyDecider {
  decide: (question: ReleaseQuestion, options?: SignalOptions) => Promise<ReleaseAnswer>
  /** Records an allowed release in the rolling counters (bulk rules, emergency rates). */
  released?: (question: ReleaseQuestion) => void
}

/** Content transformations an obligation demands (policies/obligations), on FHIR JSON text. */
export interface ContentTransformer {
  /** Returns the transformed FHIR JSON bytes for the obligations given (deidentify, redact:<c>). */
  transform: (plaintext: Uint8Array, obligations: readonly string[], mediaType: string) => Uint8Array
}

// ---- audit, notification --------------------------------------------------------------------

/** One access decision, as the custodian records it. */
export interface AccessEventRecord {
  readonly tokenId: Uint8Array
  readonly subject: string
  readonly requesterCountry: string
  readonly purpose: Purpose
  readonly decision: 'permit' | 'deny'
  /** Unix ms. */
  readonly at: number
  readonly emergency: boolean
  /** Sealed to the subject's X25519 key before it goes on chain; kept only in the node's queue until then. */
  readonly details: {
    readonly providerId: string
    readonly providerName: string
    readonly credentialId: string
    readonly reason?: string
    readonly policyVersions: readonly string[]
    readonly obligations: readonly string[]
    readonly justification?: string
  }
}

export interface AccessRecorder {
  /** Durably queues the event (batched into MsgRecordAccess later). */
  record: (event: AccessEventRecord, options?: SignalOptions) => Promise<void>
}

/** The decision log (regulator review, dry-runs). */
export interface DecisionLog {
  log: (entry: {
    readonly at: number
    readonly tokenId?: Uint8Array
    readonly direction: 'export' | 'discover'
    readonly requesterCountry: string
    readonly custodianCountry: string
    readonly providerId: string
    readonly purpose: string
    readonly decision: 'allow' | 'deny'
    readonly reason?: string
    /** Marks the entry for the regulator's review. */
    readonly emergency: boolean
    readonly policyVersions: readonly string[]
    readonly obligations: readonly string[]
    readonly request: unknown
  }, options?: SignalOptions) => Promise<void>
}

export interface PatientNotifier {
  notify: (subject: string, message: { readonly kind: 'access' | 'emergency-access', readonly body: Record<string, unknown> }, options?: SignalOptions) => Promise<void>
}

// ---- discovery ------------------------------------------------------------------------------

export interface SubjectDirectory {
  /** The subject of an unexpired share code, if this node enrolled them. */
  byShareCode: (code: string, options?: SignalOptions) => Promise<string | undefined>
  /** The subject enrolled here with this identifier and birth date. */
  byIdentity: (homeCountry: string, nationalId: string, birthDate: string, options?: SignalOptions) => Promise<string | undefined>
  /** The subject's home country (where enrolled). */
  homeCountry: (subject: string, options?: SignalOptions) => Promise<string | undefined>
  /** The subject's X25519 public key (access details are sealed to it). */
  x25519PublicKey: (subject: string, options?: SignalOptions) => Promise<Uint8Array | undefined>
}

// ---- limits ---------------------------------------------------------------------------------

export interface RateLimiter {
  /** Takes one unit from `key`'s budget; false when exhausted. */
  take: (key: string) => boolean
}

/** This node: its peer id, country and the Ed25519 key registered with it (trailers). */
export interface NodeIdentity {
  readonly peerId: string
  readonly country: string
  /** 32-byte seed or 64-byte libp2p raw key (seed ‖ public). */
  readonly ed25519PrivateKey: Uint8Array
}

/** A denial as the pipeline reports it (before it becomes a header). */
export interface Denial {
  readonly status: 'DENIED' | 'NOT_FOUND' | 'BAD_REQUEST' | 'UNAVAILABLE' | 'RATE_LIMITED'
  readonly reason: Reason
}
