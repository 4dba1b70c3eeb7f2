/**
 * The public surface of the relay service: the custodian/home-country side registered on the
 * libp2p host (`relayService(init)(components)`), and the requester side (`RelayClient`) that the
 * HTTP API streams from.
 */
import type { Stream } from '@libp2p/interface'
import type { Registry as MetricsRegistry } from 'prom-client'
import type { ComponentLogger } from '../../common/logger.js'
import type { NonceStore, SignatureCache, SignedRequest, DiscoverResult } from '../protocol/index.js'
import type {
  AccessRecorder, Clock, ContentTransformer, DecisionLog, LedgerView, NodeIdentity, PatientNotifier, PolicyDecider,
  RateLimiter, RecordSource, RestrictionCheck, SubjectDirectory
} from './ports.js'

export const DEFAULT_MAX_CONCURRENT_STREAMS = 64
export const DEFAULT_MAX_STREAMS_PER_PEER = 16
/** Reading the request frame. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** Each pipeline step (a chain query, a policy decision, a key unwrap). */
export const DEFAULT_STEP_TIMEOUT_MS = 10_000
/** Waiting for the stream to drain between two frames (a stalled reader). */
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000
/** A whole response; big records need long. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 30 * 60_000
/** Emergency requests per doctor per day and per node per hour (besides the policies' own limit). */
export const DEFAULT_EMERGENCY_PER_DOCTOR = 10
export const DEFAULT_EMERGENCY_PER_NODE = 200
/** Largest record whose content an obligation may transform in memory (FHIR JSON). */
export const DEFAULT_MAX_TRANSFORM_BYTES = 16 * 1024 * 1024

/** The libp2p pieces the service needs. */
export interface RelayNetwork {
  handle: (protocol: string, handler: (stream: Stream, connection: { remotePeer: { toString: () => string } }) => void | Promise<void>,
    options?: { maxInboundStreams?: number, maxOutboundStreams?: number }) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
}

export interface RelayServiceInit {
  maxConcurrentStreams?: number
  maxStreamsPerPeer?: number
  requestTimeoutMs?: number
  stepTimeoutMs?: number
  writeTimeoutMs?: number
  responseTimeoutMs?: number
  freshnessWindowMs?: number
  /** Let an emergency request for a restricted record reach the policies (`restricted: true`); they decide. @default true */
  vitalInterestOverride?: boolean
  maxTransformBytes?: number
}

export interface RelayServiceComponents {
  network: RelayNetwork
  identity: NodeIdentity
  records: RecordSource
  restrictions: RestrictionCheck
  ledger: LedgerView
  policies: PolicyDecider
  transformer: ContentTransformer
  access: AccessRecorder
  decisions: DecisionLog
  notifier: PatientNotifier
  subjects: SubjectDirectory
  nonces: NonceStore
  /** Per-doctor and per-node emergency budgets (`emergency:doctor:<id>`, `emergency:node`). */
  emergencyLimiter: RateLimiter
  /** Issuer signatures already verified (default: a bounded cache of its own). */
  signatureCache?: SignatureCache
  logger: ComponentLogger
  metrics?: MetricsRegistry
  clock?: Clock
}

export interface RelayService {
  start: () => Promise<void>
  /** Unregisters the protocol, aborts streams in flight and waits for them. */
  stop: () => Promise<void>
  readonly isStarted: boolean
  /** Serves a retrieval carried by this node itself (the custodian is local): the envelope frames. */
  retrieveLocal: (request: SignedRequest, options?: { signal?: AbortSignal }) => AsyncGenerator<Uint8Array, void, undefined>
  /** Answers a discovery for which this node is the home country's target. */
  discoverLocal: (request: SignedRequest, options?: { signal?: AbortSignal }) => Promise<DiscoverResult>
}

/** The requester side (the doctor's node). */
export interface RelayClient {
  /**
   * Carries a doctor-signed RetrieveRequest to the custodian peer it names (its `custodianPeerId`)
   * and yields the response frames, each length-prefixed, as they arrive (stream them to the
   * doctor as `application/vnd.healthrelay.envelope`). The frames are checked for size and order,
   * not decrypted (the doctor's client runs openEnvelope). Throws CustodianUnreachableError before
   * the first frame, CustodianStreamError if the stream fails mid-way (both name the other
   * providers of the custodian country to re-sign for).
   */
  retrieve: (request: SignedRequest, options?: { signal?: AbortSignal }) => AsyncGenerator<Uint8Array, void, undefined>
  /** Carries a doctor-signed DiscoverRequest to a registered peer of `homeCountry` (the query's target). */
  discover: (request: SignedRequest, homeCountry: string, options?: { signal?: AbortSignal }) => Promise<DiscoverResult>
  /** The peers of the token's custodian country that hold it, in the order to try (sign for the first). */
  holders: (tokenId: Uint8Array, options?: { signal?: AbortSignal, exclude?: Iterable<string> }) => Promise<string[]>
  /** Registered peers of a country that answer discovery (sign a DiscoverQuery's target for one). */
  discoveryPeers: (country: string) => string[]
}
