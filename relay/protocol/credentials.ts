/**
 * Provider credentials: a country's node signs a short-lived credential over a doctor's own
 * Ed25519 and X25519 public keys; a custodian verifies it against the issuer's registered key,
 * its validity period, the country of the peer that carried it and the revocations on chain.
 */
import { bytesEqual, bytesToHex } from '../crypto/bytes.js'
import { credentialId, ed25519PublicKey, signPayload, verifyPayload, ED25519_SIGNATURE_BYTES } from '../crypto/signing.js'
import {
  BadSignatureError, CredentialCountryMismatchError, CredentialExpiredError, CredentialNotYetValidError,
  CredentialRevokedError, MalformedCredentialError, UnknownIssuerError
} from '../errors.js'
import { decodeCredentialPayload, encodeCredentialPayload, validateCredential } from './codec.js'
import {
  CREDENTIAL_CLOCK_SKEW_SECONDS, DEFAULT_CREDENTIAL_TTL_SECONDS, MAX_CREDENTIAL_BYTES, MAX_CREDENTIAL_TTL_SECONDS,
  systemClock, type Clock
} from './constants.js'
import type { SignatureCache } from './signature-cache.js'
import type { ProviderCredential, SignedPayload } from './types.js'

/** A registered node's signing key and country, as the chain records them. */
export interface IssuerKey {
  readonly country: string
  readonly ed25519PublicKey: Uint8Array
}

/** Looks up registered nodes by peer id (backed by the chain's node registry). */
export interface IssuerDirectory {
  /** The node registered under `peerId`, or undefined when none is. */
  issuerKey: (peerId: string, options?: { signal?: AbortSignal }) => Promise<IssuerKey | undefined>
}

/** Revocations on chain (`MsgRevokeCredential`), by credential id. */
export interface RevocationList {
  isRevoked: (credentialId: Uint8Array, options?: { signal?: AbortSignal }) => Promise<boolean>
}

export interface CredentialVerifierComponents {
  issuers: IssuerDirectory
  revocations: RevocationList
  clock?: Clock
  /** Remembers issuer signatures already checked (optional; see signature-cache.ts). */
  signatureCache?: SignatureCache
}

export interface VerifyCredentialOptions {
  /** The country of the peer that carried the credential; the credential must be from it. */
  expectedCountry?: string
  /** Longest validity period accepted (default 7 days). */
  maxTtlSeconds?: number
  signal?: AbortSignal
}

export interface VerifiedCredential {
  /** SHA-256 of the payload bytes. */
  readonly id: Uint8Array
  readonly idHex: string
  readonly credential: ProviderCredential
  readonly signed: SignedPayload
}

export interface CredentialInit {
  readonly providerId: string
  readonly name: string
  readonly role: string
  readonly licence: string
  readonly country: string
  readonly ed25519PublicKey: Uint8Array
  readonly x25519PublicKey: Uint8Array
  /** Default 24 h. */
  readonly ttlSeconds?: number
}

/** The issuing node: its registered peer id and the Ed25519 secret key registered with it. */
export interface CredentialIssuer {
  readonly peerId: string
  readonly ed25519PrivateKey: Uint8Array
}

/** Builds and signs a credential. */
export function issueCredential (init: CredentialInit, issuer: CredentialIssuer, options?: { clock?: Clock }): VerifiedCredential {
  const now = BigInt(Math.floor((options?.clock ?? systemClock)() / 1000))
  const ttl = init.ttlSeconds ?? DEFAULT_CREDENTIAL_TTL_SECONDS
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_CREDENTIAL_TTL_SECONDS) {
    throw new MalformedCredentialError(`credential lifetime must be 1..${MAX_CREDENTIAL_TTL_SECONDS} seconds`)
  }
  const credential: ProviderCredential = {
    providerId: init.providerId,
    name: init.name,
    role: init.role,
    licence: init.licence,
    country: init.country,
    ed25519PublicKey: init.ed25519PublicKey,
    x25519PublicKey: init.x25519PublicKey,
    issuedAt: now,
    expiresAt: now + BigInt(ttl),
    issuerPeerId: issuer.peerId
  }
  validateCredential(credential)
  const payload = encodeCredentialPayload(credential)
  const signature = signPayload('credential', payload, issuer.ed25519PrivateKey)
  const id = credentialId(payload)
  return { id, idHex: bytesToHex(id), credential, signed: { payload, signature } }
}

/**
 * Verifies a credential, in order: shape and size, issuer registered, issuer's signature over the
 * exact payload bytes, issuer's country = credential's country = `expectedCountry`, validity
 * period against the clock, and last (it is I/O) revocation.
 *
 * The payload is decoded before its signature is checked, only to read the issuer's peer id (the
 * key to check against depends on it); nothing else in it is used before the check passes.
 */
export async function verifyCredential (
  signed: SignedPayload, components: CredentialVerifierComponents, options?: VerifyCredentialOptions
): Promise<VerifiedCredential> {
  if (signed.payload.byteLength === 0 || signed.payload.byteLength > MAX_CREDENTIAL_BYTES) {
    throw new MalformedCredentialError(`credential payload must be 1..${MAX_CREDENTIAL_BYTES} bytes`)
  }
  if (signed.signature.byteLength !== ED25519_SIGNATURE_BYTES) throw new BadSignatureError('credential signature is not 64 bytes')
  const io = options?.signal === undefined ? undefined : { signal: options.signal }
  const unverified = decodeCredentialPayload(signed.payload)
  const issuer = await components.issuers.issuerKey(unverified.issuerPeerId, io)
  if (issuer === undefined) throw new UnknownIssuerError(`credential issuer ${unverified.issuerPeerId} is not a registered node`)
  const cache = components.signatureCache
  if (cache?.has(issuer.ed25519PublicKey, signed.payload, signed.signature) !== true) {
    if (!verifyPayload('credential', signed.payload, signed.signature, issuer.ed25519PublicKey)) {
      throw new BadSignatureError('credential signature is not its issuer\'s')
    }
    cache?.add(issuer.ed25519PublicKey, signed.payload, signed.signature)
  }
  const credential = unverified
  if (credential.country !== issuer.country) {
    throw new CredentialCountryMismatchError(`credential of ${credential.country} issued by a node of ${issuer.country}`)
  }
  if (options?.expectedCountry !== undefined && credential.country !== options.expectedCountry) {
    throw new CredentialCountryMismatchError(`credential of ${credential.country} presented through a node of ${options.expectedCountry}`)
  }
  const now = BigInt(Math.floor((components.clock ?? systemClock)() / 1000))
  const maxTtl = BigInt(options?.maxTtlSeconds ?? MAX_CREDENTIAL_TTL_SECONDS)
  if (credential.issuedAt > now + BigInt(CREDENTIAL_CLOCK_SKEW_SECONDS)) throw new CredentialNotYetValidError('credential issued in the future')
  if (credential.expiresAt - credential.issuedAt > maxTtl) throw new CredentialNotYetValidError('credential valid for longer than allowed')
  if (now >= credential.expiresAt) throw new CredentialExpiredError('credential expired')
  const id = credentialId(signed.payload)
  if (await components.revocations.isRevoked(id, io)) throw new CredentialRevokedError('credential revoked')
  return { id, idHex: bytesToHex(id), credential, signed }
}

/** True when `secretKey` is the private half of the credential's Ed25519 key (a doctor's key file check). */
export function credentialMatchesKey (credential: ProviderCredential, ed25519SecretKey: Uint8Array): boolean {
  return bytesEqual(ed25519PublicKey(ed25519SecretKey), credential.ed25519PublicKey)
}
