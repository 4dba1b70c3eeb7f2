/**
 * Domain types of the relay protocol: readonly, camelCase, 64-bit values as bigint. The wire types
 * (`relay` in proto/index.ts) never leave codec.ts and frames.ts.
 */
import type { WrappedKeyData } from '../crypto/relay-wrap.js'
import type { Purpose } from './constants.js'

/** Exact signed bytes and their Ed25519 signature, as carried on the wire. */
export interface SignedPayload {
  readonly payload: Uint8Array
  readonly signature: Uint8Array
}

export interface ProviderCredential {
  readonly providerId: string
  readonly name: string
  /** e.g. "physician", "nurse", "pharmacist" */
  readonly role: string
  readonly licence: string
  /** The issuing country (ISO 3166-1 alpha-2). */
  readonly country: string
  readonly ed25519PublicKey: Uint8Array
  readonly x25519PublicKey: Uint8Array
  /** Unix seconds. */
  readonly issuedAt: bigint
  /** Unix seconds. */
  readonly expiresAt: bigint
  readonly issuerPeerId: string
}

export interface RetrieveRequestPayload {
  readonly tokenId: Uint8Array
  readonly purpose: Purpose
  readonly justification: string
  readonly nonce: Uint8Array
  readonly timeMs: bigint
  readonly custodianPeerId: string
}

export interface DiscoverQuery {
  readonly shareCode: string
  readonly homeCountry: string
  readonly nationalId: string
  /** YYYY-MM-DD */
  readonly birthDate: string
  readonly purpose: Purpose
  readonly nonce: Uint8Array
  readonly timeMs: bigint
  readonly targetPeerId: string
}

/** A doctor-signed request (RetrieveRequest or DiscoverRequest on the wire). */
export interface SignedRequest extends SignedPayload {
  readonly credential: SignedPayload
}

export type RelayStatus = 'OK' | 'DENIED' | 'NOT_FOUND' | 'BAD_REQUEST' | 'UNAVAILABLE' | 'RATE_LIMITED'

export interface Reason {
  /** Machine-readable, e.g. "policy-denied", "no-grant", "credential-revoked". */
  readonly code: string
  readonly jurisdiction: string
  readonly policyId: string
  readonly message: string
}

export interface RetrieveHeader {
  readonly status: RelayStatus
  readonly reason?: Reason
  readonly obligations: readonly string[]
  readonly category: string
  readonly mediaType: string
  readonly wrappedKey?: WrappedKeyData
  readonly plaintextBytes: bigint
  readonly segmentBytes: number
  /** The commitment the content is checked against (the on-chain one unless transformed). */
  readonly commitment: Uint8Array
  readonly contentTransformed: boolean
  readonly retentionDays: number
  /** "<jurisdiction>@<version>" */
  readonly policyVersions: readonly string[]
  readonly tokenId: Uint8Array
}

/** What a custodian fills in; omitted fields take their zero values. */
export type RetrieveHeaderInit = Pick<RetrieveHeader, 'status' | 'tokenId'> & Partial<RetrieveHeader>

export interface TrailerPayload {
  /** SHA-256 of the RetrieveRequest payload bytes. */
  readonly requestHash: Uint8Array
  /** SHA-256 of the header frame's RetrieveHeader bytes, as sent. */
  readonly headerHash: Uint8Array
  /** SHA-256 over the ciphertext segments in order. */
  readonly ciphertextHash: Uint8Array
  readonly commitment: Uint8Array
  readonly tokenId: Uint8Array
  readonly custodianPeerId: string
  readonly timeMs: bigint
}

export interface DiscoveredToken {
  readonly tokenId: Uint8Array
  readonly custodian: string
}

export interface DiscoverResult {
  readonly status: RelayStatus
  readonly reason?: Reason
  readonly subject: string
  readonly tokens: readonly DiscoveredToken[]
}

/** The first frame on a relay stream. */
export type RequestFrame =
  | { readonly kind: 'retrieve', readonly request: SignedRequest }
  | { readonly kind: 'discover', readonly request: SignedRequest }

/** One frame of a retrieval response. */
export type ResponseFrame =
  | { readonly kind: 'header', readonly bytes: Uint8Array, readonly header: RetrieveHeader }
  | { readonly kind: 'segment', readonly bytes: Uint8Array }
  | { readonly kind: 'trailer', readonly trailer: SignedPayload }
