/** Machine-readable refusal reasons, and the mapping from verification errors to them. */
import type { Reason } from '../protocol/index.js'
import type { Denial } from './ports.js'

export function reason (code: string, jurisdiction: string, policyId: string, message: string): Reason {
  return { code, jurisdiction, policyId, message }
}

/** Verification errors (by name) → status and reason code. */
const BY_NAME: Readonly<Record<string, { status: Denial['status'], code: string }>> = {
  MalformedRequestError: { status: 'BAD_REQUEST', code: 'malformed-request' },
  MalformedCredentialError: { status: 'BAD_REQUEST', code: 'malformed-credential' },
  WrongRecipientError: { status: 'BAD_REQUEST', code: 'wrong-recipient' },
  BadRequestSignatureError: { status: 'DENIED', code: 'bad-request-signature' },
  BadSignatureError: { status: 'DENIED', code: 'bad-credential-signature' },
  UnknownIssuerError: { status: 'DENIED', code: 'unknown-issuer' },
  CredentialCountryMismatchError: { status: 'DENIED', code: 'credential-country-mismatch' },
  CredentialExpiredError: { status: 'DENIED', code: 'credential-expired' },
  CredentialNotYetValidError: { status: 'DENIED', code: 'credential-not-yet-valid' },
  CredentialRevokedError: { status: 'DENIED', code: 'credential-revoked' },
  RequestExpiredError: { status: 'DENIED', code: 'request-expired' },
  RequestFromFutureError: { status: 'DENIED', code: 'request-from-future' },
  ReplayedNonceError: { status: 'DENIED', code: 'replayed-nonce' },
  NonceStoreFullError: { status: 'UNAVAILABLE', code: 'nonce-store-full' }
}

/** The refusal for a failed verifyRetrieveRequest/verifyDiscoverRequest; undefined for other errors. */
export function denialOfVerifyError (err: unknown): Denial | undefined {
  if (!(err instanceof Error)) return undefined
  const m = BY_NAME[err.name]
  if (m === undefined) return undefined
  return { status: m.status, reason: reason(m.code, '', '', err.message) }
}
