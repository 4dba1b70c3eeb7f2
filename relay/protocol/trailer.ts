/**
 * The custodian's signed trailer: a TrailerPayload over the transcript (the request, the header
 * as sent, the ciphertext, the commitment, the token, the custodian, the time), signed with the
 * custodian peer's registered Ed25519 key.
 */
import { ED25519_SIGNATURE_BYTES, signPayload, verifyPayload } from '../crypto/signing.js'
import { ForgedTrailerError } from '../errors.js'
import { decodeTrailerPayload, encodeTrailerPayload } from './codec.js'
import type { SignedPayload, TrailerPayload } from './types.js'

/** Largest trailer payload a requester accepts. */
export const MAX_TRAILER_PAYLOAD_BYTES = 1024

export function signTrailer (payload: TrailerPayload, custodianEd25519PrivateKey: Uint8Array): SignedPayload {
  const bytes = encodeTrailerPayload(payload)
  return { payload: bytes, signature: signPayload('trailer', bytes, custodianEd25519PrivateKey) }
}

/**
 * Checks the custodian's signature over the exact trailer bytes, then decodes them. Throws
 * ForgedTrailerError for a missing or wrong signature.
 */
export function verifyTrailer (trailer: SignedPayload, custodianEd25519PublicKey: Uint8Array): TrailerPayload {
  if (trailer.payload.byteLength === 0 || trailer.payload.byteLength > MAX_TRAILER_PAYLOAD_BYTES ||
    trailer.signature.byteLength !== ED25519_SIGNATURE_BYTES ||
    !verifyPayload('trailer', trailer.payload, trailer.signature, custodianEd25519PublicKey)) {
    throw new ForgedTrailerError('the trailer is not signed by the custodian')
  }
  return decodeTrailerPayload(trailer.payload)
}
