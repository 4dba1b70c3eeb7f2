/**
 * The wire edge of the relay protocol: protobuf bytes ↔ validated domain values. Every decoder
 * rejects what the protocol does not allow (wrong key or id lengths, unknown purposes, missing
 * fields) with the named error of the thing decoded; 64-bit fields cross through toBigInt/toLong.
 */
import { relay, toBigInt, toLong, type healthrelay } from '../../proto/index.js'
import { plain } from '../crypto/bytes.js'
import type { WrappedKeyData } from '../crypto/relay-wrap.js'
import {
  MalformedCredentialError, MalformedFrameError, MalformedHeaderError, MalformedRequestError, TranscriptMismatchError
} from '../errors.js'
import {
  MAX_JUSTIFICATION_CHARS, REQUEST_NONCE_BYTES, TOKEN_ID_BYTES, isPurpose
} from './constants.js'
import type {
  DiscoverQuery, DiscoverResult, ProviderCredential, Reason, RelayStatus, RetrieveHeader, RetrieveHeaderInit,
  RetrieveRequestPayload, TrailerPayload
} from './types.js'

const COUNTRY = /^[A-Z]{2}$/
const BIRTH_DATE = /^\d{4}-\d{2}-\d{2}$/
const EMPTY = new Uint8Array(0)

const STATUS_TO_WIRE: Record<RelayStatus, healthrelay.relay.v1.Status> = {
  OK: relay.Status.STATUS_OK,
  DENIED: relay.Status.STATUS_DENIED,
  NOT_FOUND: relay.Status.STATUS_NOT_FOUND,
  BAD_REQUEST: relay.Status.STATUS_BAD_REQUEST,
  UNAVAILABLE: relay.Status.STATUS_UNAVAILABLE,
  RATE_LIMITED: relay.Status.STATUS_RATE_LIMITED
}

export function statusToWire (status: RelayStatus): healthrelay.relay.v1.Status {
  return STATUS_TO_WIRE[status]
}

/** The domain status of a wire value, or undefined for UNSPECIFIED and unknown values. */
export function statusFromWire (value: number): RelayStatus | undefined {
  for (const [name, wire] of Object.entries(STATUS_TO_WIRE)) {
    if ((wire as number) === value) return name as RelayStatus
  }
  return undefined
}

/** Runs a protobuf decode, turning any decoder exception into `fail(message)`. */
export function decodeWith<T> (decode: () => T, fail: (message: string) => Error): T {
  try {
    return decode()
  } catch (err) {
    throw fail(`cannot decode: ${(err as Error).message}`)
  }
}

const bytesOf = (value: Uint8Array | null | undefined): Uint8Array => value == null ? EMPTY : plain(value)

// ---- credential -------------------------------------------------------------------------------

export function encodeCredentialPayload (c: ProviderCredential): Uint8Array {
  return relay.ProviderCredential.encode({
    providerId: c.providerId,
    name: c.name,
    role: c.role,
    licence: c.licence,
    country: c.country,
    ed25519PublicKey: c.ed25519PublicKey,
    x25519PublicKey: c.x25519PublicKey,
    issuedAt: toLong(c.issuedAt),
    expiresAt: toLong(c.expiresAt),
    issuerPeerId: c.issuerPeerId
  }).finish()
}

export function decodeCredentialPayload (payload: Uint8Array): ProviderCredential {
  const m = decodeWith(() => relay.ProviderCredential.decode(payload), (msg) => new MalformedCredentialError(msg))
  const c: ProviderCredential = {
    providerId: m.providerId,
    name: m.name,
    role: m.role,
    licence: m.licence,
    country: m.country,
    ed25519PublicKey: bytesOf(m.ed25519PublicKey),
    x25519PublicKey: bytesOf(m.x25519PublicKey),
    issuedAt: toBigInt(m.issuedAt),
    expiresAt: toBigInt(m.expiresAt),
    issuerPeerId: m.issuerPeerId
  }
  validateCredential(c)
  return c
}

export function validateCredential (c: ProviderCredential): void {
  const bad = (what: string): never => { throw new MalformedCredentialError(`credential ${what}`) }
  if (c.providerId === '') bad('has no provider id')
  if (!COUNTRY.test(c.country)) bad('country is not an ISO 3166-1 alpha-2 code')
  if (c.ed25519PublicKey.byteLength !== 32) bad('Ed25519 key is not 32 bytes')
  if (c.x25519PublicKey.byteLength !== 32) bad('X25519 key is not 32 bytes')
  if (c.issuerPeerId === '') bad('has no issuer peer id')
  if (c.issuedAt <= 0n || c.expiresAt <= c.issuedAt) bad('validity period is empty')
}

// ---- requests ---------------------------------------------------------------------------------

export function encodeRetrieveRequestPayload (p: RetrieveRequestPayload): Uint8Array {
  validateRetrieveRequestPayload(p)
  return relay.RetrieveRequestPayload.encode({
    tokenId: p.tokenId,
    purpose: p.purpose,
    justification: p.justification,
    nonce: p.nonce,
    timeMs: toLong(p.timeMs),
    custodianPeerId: p.custodianPeerId
  }).finish()
}

export function decodeRetrieveRequestPayload (payload: Uint8Array): RetrieveRequestPayload {
  const m = decodeWith(() => relay.RetrieveRequestPayload.decode(payload), (msg) => new MalformedRequestError(msg))
  const purpose = m.purpose
  if (!isPurpose(purpose)) throw new MalformedRequestError(`unknown purpose ${JSON.stringify(purpose)}`)
  const p: RetrieveRequestPayload = {
    tokenId: bytesOf(m.tokenId),
    purpose,
    justification: m.justification,
    nonce: bytesOf(m.nonce),
    timeMs: toBigInt(m.timeMs),
    custodianPeerId: m.custodianPeerId
  }
  validateRetrieveRequestPayload(p)
  return p
}

function validateRequestCommon (purpose: string, nonce: Uint8Array, timeMs: bigint, peerId: string): void {
  if (!isPurpose(purpose)) throw new MalformedRequestError(`unknown purpose ${JSON.stringify(purpose)}`)
  if (nonce.byteLength !== REQUEST_NONCE_BYTES) throw new MalformedRequestError(`nonce must be ${REQUEST_NONCE_BYTES} bytes`)
  if (timeMs <= 0n) throw new MalformedRequestError('request has no time')
  if (peerId === '') throw new MalformedRequestError('request names no recipient peer')
}

export function validateRetrieveRequestPayload (p: RetrieveRequestPayload): void {
  validateRequestCommon(p.purpose, p.nonce, p.timeMs, p.custodianPeerId)
  if (p.tokenId.byteLength !== TOKEN_ID_BYTES) throw new MalformedRequestError(`token id must be ${TOKEN_ID_BYTES} bytes`)
  if (p.justification.length > MAX_JUSTIFICATION_CHARS) throw new MalformedRequestError('justification too long')
  if (p.purpose === 'emergency' && p.justification.trim() === '') {
    throw new MalformedRequestError('an emergency request needs a justification')
  }
}

export function encodeDiscoverQuery (q: DiscoverQuery): Uint8Array {
  validateDiscoverQuery(q)
  return relay.DiscoverQuery.encode({
    shareCode: q.shareCode,
    homeCountry: q.homeCountry,
    nationalId: q.nationalId,
    birthDate: q.birthDate,
    purpose: q.purpose,
    nonce: q.nonce,
    timeMs: toLong(q.timeMs),
    targetPeerId: q.targetPeerId
  }).finish()
}

export function decodeDiscoverQuery (payload: Uint8Array): DiscoverQuery {
  const m = decodeWith(() => relay.DiscoverQuery.decode(payload), (msg) => new MalformedRequestError(msg))
  const purpose = m.purpose
  if (!isPurpose(purpose)) throw new MalformedRequestError(`unknown purpose ${JSON.stringify(purpose)}`)
  const q: DiscoverQuery = {
    shareCode: m.shareCode,
    homeCountry: m.homeCountry,
    nationalId: m.nationalId,
    birthDate: m.birthDate,
    purpose,
    nonce: bytesOf(m.nonce),
    timeMs: toBigInt(m.timeMs),
    targetPeerId: m.targetPeerId
  }
  validateDiscoverQuery(q)
  return q
}

export function validateDiscoverQuery (q: DiscoverQuery): void {
  validateRequestCommon(q.purpose, q.nonce, q.timeMs, q.targetPeerId)
  const byCode = q.shareCode !== ''
  const byIdentity = q.homeCountry !== '' || q.nationalId !== '' || q.birthDate !== ''
  if (byCode === byIdentity) {
    throw new MalformedRequestError('a discovery names either a share code or home country + national id + birth date')
  }
  if (byIdentity && (!COUNTRY.test(q.homeCountry) || q.nationalId === '' || !BIRTH_DATE.test(q.birthDate))) {
    throw new MalformedRequestError('a discovery by identity needs a home country code, a national id and a YYYY-MM-DD birth date')
  }
}

// ---- response header and trailer ----------------------------------------------------------------

function reasonToWire (r: Reason | undefined): healthrelay.relay.v1.Reason.$Properties | null {
  return r === undefined ? null : { code: r.code, jurisdiction: r.jurisdiction, policyId: r.policyId, message: r.message }
}

function reasonFromWire (r: healthrelay.relay.v1.Reason.$Properties | null | undefined): Reason | undefined {
  if (r == null) return undefined
  return { code: r.code ?? '', jurisdiction: r.jurisdiction ?? '', policyId: r.policyId ?? '', message: r.message ?? '' }
}

export function encodeRetrieveHeader (h: RetrieveHeaderInit): Uint8Array {
  return relay.RetrieveHeader.encode({
    status: statusToWire(h.status),
    reason: reasonToWire(h.reason),
    obligations: [...(h.obligations ?? [])],
    category: h.category ?? '',
    mediaType: h.mediaType ?? '',
    wrappedKey: h.wrappedKey === undefined
      ? null
      : { ephemeralPublicKey: h.wrappedKey.ephemeralPublicKey, nonce: h.wrappedKey.nonce, ciphertext: h.wrappedKey.ciphertext },
    plaintextBytes: toLong(h.plaintextBytes ?? 0n, true),
    segmentBytes: h.segmentBytes ?? 0,
    commitment: h.commitment ?? EMPTY,
    contentTransformed: h.contentTransformed ?? false,
    retentionDays: h.retentionDays ?? 0,
    policyVersions: [...(h.policyVersions ?? [])],
    tokenId: h.tokenId
  }).finish()
}

export function decodeRetrieveHeader (bytes: Uint8Array): RetrieveHeader {
  const m = decodeWith(() => relay.RetrieveHeader.decode(bytes), (msg) => new MalformedHeaderError(msg))
  const status = statusFromWire(m.status)
  if (status === undefined) throw new MalformedHeaderError(`unknown status ${m.status}`)
  const w = m.wrappedKey
  const wrappedKey: WrappedKeyData | undefined = w == null
    ? undefined
    : { ephemeralPublicKey: bytesOf(w.ephemeralPublicKey), nonce: bytesOf(w.nonce), ciphertext: bytesOf(w.ciphertext) }
  const header: RetrieveHeader = {
    status,
    obligations: m.obligations,
    category: m.category,
    mediaType: m.mediaType,
    plaintextBytes: toBigInt(m.plaintextBytes),
    segmentBytes: m.segmentBytes,
    commitment: bytesOf(m.commitment),
    contentTransformed: m.contentTransformed,
    retentionDays: m.retentionDays,
    policyVersions: m.policyVersions,
    tokenId: bytesOf(m.tokenId)
  }
  const reason = reasonFromWire(m.reason)
  return {
    ...header,
    ...(reason === undefined ? {} : { reason }),
    ...(wrappedKey === undefined ? {} : { wrappedKey })
  }
}

export function encodeTrailerPayload (t: TrailerPayload): Uint8Array {
  return relay.TrailerPayload.encode({
    requestHash: t.requestHash,
    headerHash: t.headerHash,
    ciphertextHash: t.ciphertextHash,
    commitment: t.commitment,
    tokenId: t.tokenId,
    custodianPeerId: t.custodianPeerId,
    timeMs: toLong(t.timeMs)
  }).finish()
}

export function decodeTrailerPayload (payload: Uint8Array): TrailerPayload {
  const m = decodeWith(() => relay.TrailerPayload.decode(payload), () => new TranscriptMismatchError('trailer', 'the trailer payload does not decode'))
  const t: TrailerPayload = {
    requestHash: bytesOf(m.requestHash),
    headerHash: bytesOf(m.headerHash),
    ciphertextHash: bytesOf(m.ciphertextHash),
    commitment: bytesOf(m.commitment),
    tokenId: bytesOf(m.tokenId),
    custodianPeerId: m.custodianPeerId,
    timeMs: toBigInt(m.timeMs)
  }
  if (t.requestHash.byteLength !== 32 || t.headerHash.byteLength !== 32 || t.ciphertextHash.byteLength !== 32) {
    throw new TranscriptMismatchError('trailer', 'the trailer lacks a transcript hash')
  }
  return t
}

// ---- discovery response -----------------------------------------------------------------------

export function encodeDiscoverResponse (r: DiscoverResult): Uint8Array {
  return relay.DiscoverResponse.encode({
    status: statusToWire(r.status),
    reason: reasonToWire(r.reason),
    subject: r.subject,
    tokens: r.tokens.map((t) => ({ tokenId: t.tokenId, custodian: t.custodian }))
  }).finish()
}

export function decodeDiscoverResponse (bytes: Uint8Array): DiscoverResult {
  const m = decodeWith(() => relay.DiscoverResponse.decode(bytes), (msg) => new MalformedFrameError(msg))
  const status = statusFromWire(m.status)
  if (status === undefined) throw new MalformedFrameError(`unknown status ${m.status}`)
  const tokens = m.tokens.map((t) => ({ tokenId: bytesOf(t.tokenId), custodian: t.custodian ?? '' }))
  if (tokens.some((t) => t.tokenId.byteLength !== TOKEN_ID_BYTES)) throw new MalformedFrameError('a discovered token id is not 32 bytes')
  const reason = reasonFromWire(m.reason)
  return { status, subject: m.subject, tokens, ...(reason === undefined ? {} : { reason }) }
}
