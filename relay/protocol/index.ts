/**
 * The relay protocol `/healthrelay/relay/1.0.0` as pure codecs and checks (no libp2p): framing,
 * request/response frames, provider credentials, doctor-signed requests with freshness and nonce
 * replay checks, the custodian's signed trailer, the custodian's envelope writer and the
 * requester's `openEnvelope`. Frames and byte layouts: docs/protocol.md.
 */
export {
  RELAY_PROTOCOL, MAX_FRAME_BYTES, ENVELOPE_MEDIA_TYPE, TOKEN_ID_BYTES, REQUEST_NONCE_BYTES,
  DEFAULT_FRESHNESS_WINDOW_MS, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_CREDENTIAL_TTL_SECONDS, MAX_CREDENTIAL_TTL_SECONDS,
  CREDENTIAL_CLOCK_SKEW_SECONDS, MAX_CREDENTIAL_BYTES, MAX_REQUEST_PAYLOAD_BYTES, MAX_JUSTIFICATION_CHARS,
  PURPOSES, isPurpose, systemClock, type Purpose, type Clock
} from './constants.js'
export type {
  SignedPayload, ProviderCredential, RetrieveRequestPayload, DiscoverQuery, SignedRequest, RelayStatus, Reason,
  RetrieveHeader, RetrieveHeaderInit, TrailerPayload, DiscoveredToken, DiscoverResult, RequestFrame, ResponseFrame
} from './types.js'
export {
  encodeCredentialPayload, decodeCredentialPayload, encodeRetrieveRequestPayload, decodeRetrieveRequestPayload,
  encodeDiscoverQuery, decodeDiscoverQuery, encodeRetrieveHeader, decodeRetrieveHeader, encodeTrailerPayload,
  decodeTrailerPayload, encodeDiscoverResponse, decodeDiscoverResponse, statusToWire, statusFromWire
} from './codec.js'
export { encodeFrame, readFrames, readWireFrames, readFrameParts, type FrameOptions, type ByteSource, type WireFrame, type FrameParts } from './framing.js'
export {
  encodeRequestFrame, decodeRequestFrame, encodeResponseFrame, decodeResponseFrame, requestFrameBytes, readRequestFrame,
  readResponseFrames, discoverResponseBytes, readDiscoverResponse, segmentFrameBytes, segmentFrameHead, isSegmentFrame
} from './frames.js'
export {
  issueCredential, verifyCredential, credentialMatchesKey,
  type IssuerKey, type IssuerDirectory, type RevocationList, type CredentialVerifierComponents,
  type VerifyCredentialOptions, type VerifiedCredential, type CredentialInit, type CredentialIssuer
} from './credentials.js'
export {
  signRetrieveRequest, signDiscoverRequest, verifyRetrieveRequest, verifyDiscoverRequest,
  type RequestSigner, type SignOptions, type SignedRetrieveRequest, type SignedDiscoverRequest,
  type RequestVerifierComponents, type VerifyRequestOptions, type VerifiedRetrieveRequest, type VerifiedDiscoverRequest
} from './requests.js'
export { DEFAULT_MAX_NONCES, createMemoryNonceStore, type NonceStore, type MemoryNonceStoreInit } from './nonce-store.js'
export { PRUNE_INTERVAL_MS, createSqliteNonceStore, type SqliteNonceStore, type SqliteNonceStoreInit } from './sqlite-nonce-store.js'
export { DEFAULT_SIGNATURE_CACHE_ENTRIES, createSignatureCache, type SignatureCache } from './signature-cache.js'
export { MAX_TRAILER_PAYLOAD_BYTES, signTrailer, verifyTrailer } from './trailer.js'
export { writeEnvelope, type EnvelopeWriterInit } from './envelope-writer.js'
export { openEnvelope, type OpenEnvelopeOptions, type OpenedEnvelope, type PlaintextSink } from './envelope.js'
export { openEnvelopeToFile } from './envelope-file.js'
