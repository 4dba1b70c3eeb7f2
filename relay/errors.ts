/**
 * Named errors of the relay's crypto and wire layers (`relay/crypto`, `relay/protocol`), one class
 * per condition, told apart by `.name`. Integrity failures (a tampered, truncated or mis-signed
 * response) extend {@link RelayIntegrityError}; failures of a doctor's credential or request extend
 * the HTTP-shaped classes of `common/errors.ts` so the API maps them without a table.
 */
import {
  HealthrelayError, InvalidInputError, UnauthorizedError, ForbiddenError, UnavailableError
} from '../common/errors.js'

// ---- integrity of stored or relayed records -------------------------------------------------

/** Data from a peer or from disk failed an integrity check: never use it. Maps to 502. */
export class RelayIntegrityError extends HealthrelayError {
  override name = 'RelayIntegrityError'
  override readonly status: number = 502
  override readonly expose: boolean = true
}

/** A ciphertext segment failed authentication: altered, reordered or spliced from elsewhere. */
export class TamperedSegmentError extends RelayIntegrityError {
  override name = 'TamperedSegmentError'
  constructor (readonly segmentIndex: number, message?: string) {
    super(message ?? `ciphertext segment ${segmentIndex} failed authentication`)
  }
}

/** A segment of a length no segment of this record can have. */
export class MalformedSegmentError extends RelayIntegrityError {
  override name = 'MalformedSegmentError'
}

/** The record ended before its final segment (segments were dropped at the end). */
export class TruncatedRecordError extends RelayIntegrityError {
  override name = 'TruncatedRecordError'
}

/** A response stream ended before its signed trailer. */
export class TruncatedEnvelopeError extends TruncatedRecordError {
  override name = 'TruncatedEnvelopeError'
}

/** Data after a record's final segment. */
export class TrailingSegmentError extends RelayIntegrityError {
  override name = 'TrailingSegmentError'
}

/** A blob file whose header is not one this code writes. */
export class InvalidBlobHeaderError extends RelayIntegrityError {
  override name = 'InvalidBlobHeaderError'
}

/** A key wrapped to this recipient does not open (wrong recipient, altered, or bound elsewhere). */
export class KeyUnwrapError extends RelayIntegrityError {
  override name = 'KeyUnwrapError'
}

/** The trailer's signature is not the custodian's over those exact bytes. */
export class ForgedTrailerError extends RelayIntegrityError {
  override name = 'ForgedTrailerError'
}

/** The signed trailer does not describe the transcript received (`field` names the mismatch). */
export class TranscriptMismatchError extends RelayIntegrityError {
  override name = 'TranscriptMismatchError'
  constructor (readonly field: string, message?: string) {
    super(message ?? `the signed trailer does not match the received ${field}`)
  }
}

/** The decrypted content does not match the commitment it is checked against. */
export class CommitmentMismatchError extends RelayIntegrityError {
  override name = 'CommitmentMismatchError'
}

/** A response header that cannot be used (missing key, bad sizes, another token). */
export class MalformedHeaderError extends RelayIntegrityError {
  override name = 'MalformedHeaderError'
}

/** A frame out of the order header → segments → trailer, or after the trailer. */
export class UnexpectedFrameError extends RelayIntegrityError {
  override name = 'UnexpectedFrameError'
}

/** The custodian refused (signed header with a status other than OK). */
export class RetrievalDeniedError extends HealthrelayError {
  override name = 'RetrievalDeniedError'
  override readonly status: number = 403
  override readonly expose: boolean = true
  constructor (
    readonly relayStatus: string,
    readonly reason: { readonly code: string, readonly jurisdiction: string, readonly policyId: string, readonly message: string } | undefined
  ) {
    super(`retrieval refused: ${relayStatus}${reason === undefined ? '' : ` (${reason.code}${reason.message === '' ? '' : `: ${reason.message}`})`}`)
  }
}

// ---- keys at rest ------------------------------------------------------------------------------

/** A key of the wrong length or an unusable point (e.g. a low-order X25519 key). */
export class InvalidKeyError extends InvalidInputError {
  override name = 'InvalidKeyError'
}

/** A data key wrapped under a key-encryption key this provider does not hold. */
export class UnknownKeyIdError extends HealthrelayError {
  override name = 'UnknownKeyIdError'
}

/** A data key wrapped at rest does not unwrap (altered, or bound to another record). */
export class KekUnwrapError extends HealthrelayError {
  override name = 'KekUnwrapError'
}

/** A key file or key directory that is unreadable, malformed or readable by others. */
export class KeyStoreError extends HealthrelayError {
  override name = 'KeyStoreError'
}

// ---- frames -----------------------------------------------------------------------------------

/** A frame longer than the protocol allows (1 MiB). */
export class FrameTooLargeError extends InvalidInputError {
  override name = 'FrameTooLargeError'
}

/** Bytes that are not a length-prefixed protobuf frame of the expected type. */
export class MalformedFrameError extends InvalidInputError {
  override name = 'MalformedFrameError'
}

// ---- credentials ------------------------------------------------------------------------------

/** A credential that does not decode or lacks a required field. */
export class MalformedCredentialError extends InvalidInputError {
  override name = 'MalformedCredentialError'
}

/** The credential names an issuer that is not a registered node. */
export class UnknownIssuerError extends ForbiddenError {
  override name = 'UnknownIssuerError'
}

/** The credential's signature is not its issuer's. */
export class BadSignatureError extends ForbiddenError {
  override name = 'BadSignatureError'
}

export class CredentialExpiredError extends ForbiddenError {
  override name = 'CredentialExpiredError'
}

/** Issued in the future (beyond the allowed clock skew) or valid for longer than allowed. */
export class CredentialNotYetValidError extends ForbiddenError {
  override name = 'CredentialNotYetValidError'
}

export class CredentialRevokedError extends ForbiddenError {
  override name = 'CredentialRevokedError'
}

/** The credential's country is not its issuer's, or not the country of the peer that carried it. */
export class CredentialCountryMismatchError extends ForbiddenError {
  override name = 'CredentialCountryMismatchError'
}

// ---- doctor-signed requests ---------------------------------------------------------------------

/** A request payload that does not decode or fails validation. */
export class MalformedRequestError extends InvalidInputError {
  override name = 'MalformedRequestError'
}

/** The request's signature is not by the key in its credential. */
export class BadRequestSignatureError extends UnauthorizedError {
  override name = 'BadRequestSignatureError'
}

/** The request's time is older than the freshness window. */
export class RequestExpiredError extends UnauthorizedError {
  override name = 'RequestExpiredError'
}

/** The request's time is further in the future than the allowed clock skew. */
export class RequestFromFutureError extends UnauthorizedError {
  override name = 'RequestFromFutureError'
}

/** The request's nonce was already used. */
export class ReplayedNonceError extends UnauthorizedError {
  override name = 'ReplayedNonceError'
}

/** The request is addressed to another peer. */
export class WrongRecipientError extends ForbiddenError {
  override name = 'WrongRecipientError'
}

/** The nonce store holds its maximum of unexpired nonces; fail closed instead of forgetting. */
export class NonceStoreFullError extends UnavailableError {
  override name = 'NonceStoreFullError'
}
