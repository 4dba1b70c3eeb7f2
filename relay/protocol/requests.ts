/**
 * Doctor-signed requests. The client side builds a RetrieveRequest or DiscoverRequest payload and
 * signs it with the doctor's own Ed25519 key (which no node ever holds). The custodian side checks,
 * in order: the credential (credentials.ts), the doctor's signature over the exact payload bytes
 * with the credential's key, and only then decodes the payload and checks its recipient, its time
 * against the freshness window and its nonce against the NonceStore.
 */
import { bytesToHex, sha256 } from '../crypto/bytes.js'
import { systemRandom, type RandomSource } from '../crypto/random.js'
import { ED25519_SIGNATURE_BYTES, signPayload, verifyPayload, type SignatureDomain } from '../crypto/signing.js'
import {
  BadRequestSignatureError, MalformedRequestError, ReplayedNonceError, RequestExpiredError, RequestFromFutureError,
  WrongRecipientError
} from '../errors.js'
import {
  decodeDiscoverQuery, decodeRetrieveRequestPayload, encodeDiscoverQuery, encodeRetrieveRequestPayload
} from './codec.js'
import {
  DEFAULT_FRESHNESS_WINDOW_MS, DEFAULT_MAX_CLOCK_SKEW_MS, MAX_REQUEST_PAYLOAD_BYTES, REQUEST_NONCE_BYTES,
  systemClock, type Clock, type Purpose
} from './constants.js'
import { verifyCredential, type CredentialVerifierComponents, type VerifiedCredential } from './credentials.js'
import type { NonceStore } from './nonce-store.js'
import type { DiscoverQuery, RetrieveRequestPayload, SignedPayload, SignedRequest } from './types.js'

/** The doctor's side: their own Ed25519 secret key and their signed credential. */
export interface RequestSigner {
  readonly ed25519PrivateKey: Uint8Array
  readonly credential: SignedPayload
}

export interface SignOptions {
  clock?: Clock
  random?: RandomSource
}

export interface SignedRetrieveRequest {
  readonly request: SignedRequest
  readonly payload: RetrieveRequestPayload
  /** Keep these: openEnvelope checks the trailer's request hash against them. */
  readonly payloadBytes: Uint8Array
}

export interface SignedDiscoverRequest {
  readonly request: SignedRequest
  readonly query: DiscoverQuery
  readonly payloadBytes: Uint8Array
}

/** Builds and signs a retrieval request (client side). */
export function signRetrieveRequest (
  input: { tokenId: Uint8Array, purpose: Purpose, justification?: string, custodianPeerId: string },
  signer: RequestSigner, options?: SignOptions
): SignedRetrieveRequest {
  const payload: RetrieveRequestPayload = {
    tokenId: input.tokenId,
    purpose: input.purpose,
    justification: input.justification ?? '',
    nonce: (options?.random ?? systemRandom)(REQUEST_NONCE_BYTES),
    timeMs: BigInt(Math.floor((options?.clock ?? systemClock)())),
    custodianPeerId: input.custodianPeerId
  }
  const payloadBytes = encodeRetrieveRequestPayload(payload)
  const signature = signPayload('retrieveRequest', payloadBytes, signer.ed25519PrivateKey)
  return { request: { payload: payloadBytes, signature, credential: signer.credential }, payload, payloadBytes }
}

/** Builds and signs a discovery query (client side). */
export function signDiscoverRequest (
  input: { shareCode?: string, homeCountry?: string, nationalId?: string, birthDate?: string, purpose: Purpose, targetPeerId: string },
  signer: RequestSigner, options?: SignOptions
): SignedDiscoverRequest {
  const query: DiscoverQuery = {
    shareCode: input.shareCode ?? '',
    homeCountry: input.homeCountry ?? '',
    nationalId: input.nationalId ?? '',
    birthDate: input.birthDate ?? '',
    purpose: input.purpose,
    nonce: (options?.random ?? systemRandom)(REQUEST_NONCE_BYTES),
    timeMs: BigInt(Math.floor((options?.clock ?? systemClock)())),
    targetPeerId: input.targetPeerId
  }
  const payloadBytes = encodeDiscoverQuery(query)
  const signature = signPayload('discoverQuery', payloadBytes, signer.ed25519PrivateKey)
  return { request: { payload: payloadBytes, signature, credential: signer.credential }, query, payloadBytes }
}

export interface RequestVerifierComponents extends CredentialVerifierComponents {
  nonces: NonceStore
}

export interface VerifyRequestOptions {
  /** This node's peer id: the request must be addressed to it. */
  localPeerId: string
  /** The country of the peer that carried the request (its credential must be from there). */
  carrierCountry: string
  /** How old a request may be (default 2 min). */
  freshnessWindowMs?: number
  /** How far ahead of our clock a request may be (default 30 s). */
  maxClockSkewMs?: number
  signal?: AbortSignal
}

export interface VerifiedRetrieveRequest {
  readonly credential: VerifiedCredential
  readonly payload: RetrieveRequestPayload
  readonly payloadBytes: Uint8Array
  /** SHA-256 of the payload bytes (the trailer's request hash). */
  readonly requestHash: Uint8Array
}

export interface VerifiedDiscoverRequest {
  readonly credential: VerifiedCredential
  readonly query: DiscoverQuery
  readonly payloadBytes: Uint8Array
}

/** Credential, then the doctor's signature; returns the verified credential. */
async function verifySigned (
  request: SignedRequest, domain: SignatureDomain, components: RequestVerifierComponents, options: VerifyRequestOptions
): Promise<VerifiedCredential> {
  if (request.payload.byteLength === 0 || request.payload.byteLength > MAX_REQUEST_PAYLOAD_BYTES) {
    throw new MalformedRequestError(`request payload must be 1..${MAX_REQUEST_PAYLOAD_BYTES} bytes`)
  }
  const credential = await verifyCredential(request.credential, components, { expectedCountry: options.carrierCountry, signal: options.signal })
  if (request.signature.byteLength !== ED25519_SIGNATURE_BYTES ||
    !verifyPayload(domain, request.payload, request.signature, credential.credential.ed25519PublicKey)) {
    throw new BadRequestSignatureError('request signature is not by the key of its credential')
  }
  return credential
}

/** Recipient, freshness, then nonce (remembered only for a request that passed everything else). */
async function checkDelivery (
  peerId: string, timeMs: bigint, nonce: Uint8Array, credential: VerifiedCredential,
  components: RequestVerifierComponents, options: VerifyRequestOptions
): Promise<void> {
  if (peerId !== options.localPeerId) throw new WrongRecipientError(`request addressed to ${peerId}`)
  const now = (components.clock ?? systemClock)()
  const window = options.freshnessWindowMs ?? DEFAULT_FRESHNESS_WINDOW_MS
  const skew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS
  const t = Number(timeMs)
  if (t < now - window) throw new RequestExpiredError(`request is ${now - t} ms old; the window is ${window} ms`)
  if (t > now + skew) throw new RequestFromFutureError(`request is ${t - now} ms in the future`)
  // Remembered until the request could no longer pass the freshness check.
  const fresh = await components.nonces.remember(credential.credential.ed25519PublicKey, nonce, t + window,
    options.signal === undefined ? undefined : { signal: options.signal })
  if (!fresh) throw new ReplayedNonceError(`nonce ${bytesToHex(nonce)} already used`)
}

/** Custodian side: verifies a RetrieveRequest (see the module comment for the order). */
export async function verifyRetrieveRequest (
  request: SignedRequest, components: RequestVerifierComponents, options: VerifyRequestOptions
): Promise<VerifiedRetrieveRequest> {
  const credential = await verifySigned(request, 'retrieveRequest', components, options)
  const payload = decodeRetrieveRequestPayload(request.payload)
  await checkDelivery(payload.custodianPeerId, payload.timeMs, payload.nonce, credential, components, options)
  return { credential, payload, payloadBytes: request.payload, requestHash: sha256(request.payload) }
}

/** Home-country side: verifies a DiscoverRequest. */
export async function verifyDiscoverRequest (
  request: SignedRequest, components: RequestVerifierComponents, options: VerifyRequestOptions
): Promise<VerifiedDiscoverRequest> {
  const credential = await verifySigned(request, 'discoverQuery', components, options)
  const query = decodeDiscoverQuery(request.payload)
  await checkDelivery(query.targetPeerId, query.timeMs, query.nonce, credential, components, options)
  return { credential, query, payloadBytes: request.payload }
}
