/**
 * The requester's side of a retrieval (the doctor's client: CLI, later the browser). `openEnvelope`
 * consumes the response frames as they arrive and decrypts each segment into a caller-given sink,
 * so memory stays bounded by a segment or two whatever the record's size.
 *
 * Validity is decided only at the end. What reaches the sink is UNVERIFIED until `openEnvelope`
 * resolves: the custodian's signature over the transcript, the transcript itself and the
 * commitment can only be checked after the last frame. The promise resolves only when everything
 * checked, and rejects with a named error otherwise; a caller must treat the sink's contents as
 * garbage unless it resolved. `openEnvelopeToFile` (envelope-file.ts) does that for files: it
 * writes to a temporary file and renames it into place only on success.
 *
 * Checks, in order: the header names the requested token; for a refusal, the signed trailer, then
 * RetrievalDeniedError; the wrapped key opens with the doctor's X25519 key for that token; unless
 * the content was transformed, the header's commitment is the on-chain one; every segment
 * authenticates (order, position, record, final flag); the trailer is signed by the custodian and
 * its request hash, header hash, ciphertext hash, commitment, token id and custodian peer id
 * match what was sent and received; the plaintext length and SHA-256(salt ‖ plaintext) match.
 */
import { createHash } from 'node:crypto'
import { bytesEqual, plain, sha256 } from '../crypto/bytes.js'
import { COMMITMENT_BYTES, commitmentMatches, createCommitmentHasher } from '../crypto/commitment.js'
import { unwrapFromSender } from '../crypto/relay-wrap.js'
import { MAX_SEGMENT_BYTES, MIN_SEGMENT_BYTES, createSegmentDecryptor } from '../crypto/segments.js'
import {
  CommitmentMismatchError, MalformedHeaderError, RetrievalDeniedError, TranscriptMismatchError, TruncatedEnvelopeError,
  UnexpectedFrameError
} from '../errors.js'
import { decodeRetrieveRequestPayload } from './codec.js'
import { verifyTrailer } from './trailer.js'
import type { ResponseFrame, RetrieveHeader, SignedPayload, TrailerPayload } from './types.js'

/** Where decrypted (not yet verified) plaintext goes. */
export interface PlaintextSink {
  write: (chunk: Uint8Array) => void | Promise<void>
}

export interface OpenEnvelopeOptions {
  /** The doctor's X25519 secret key (the recipient key of their credential). */
  doctorX25519PrivateKey: Uint8Array
  /** The matching public key (from the credential); optional, saves a scalar multiplication. */
  doctorX25519PublicKey?: Uint8Array
  /** The custodian peer's Ed25519 key as registered on chain. */
  custodianEd25519PublicKey: Uint8Array
  /** The token's commitment as read from the chain. */
  expectedCommitment: Uint8Array
  /** The exact RetrieveRequest payload bytes this client signed and sent. */
  requestPayloadBytes: Uint8Array
  /** Defaults to the request's custodian peer id. */
  expectedCustodianPeerId?: string
  sink: PlaintextSink
  /** Refuse a header announcing more plaintext than this. */
  maxPlaintextBytes?: bigint
  signal?: AbortSignal
}

export interface OpenedEnvelope {
  readonly header: RetrieveHeader
  readonly trailer: TrailerPayload
  readonly plaintextBytes: bigint
  /** The commitment the content matched (the on-chain one unless `contentTransformed`). */
  readonly commitment: Uint8Array
  readonly contentTransformed: boolean
}

const EMPTY_HASH = sha256(new Uint8Array(0))

function checkTranscript (
  t: TrailerPayload, expected: { requestHash: Uint8Array, headerHash: Uint8Array, ciphertextHash: Uint8Array, tokenId: Uint8Array, custodianPeerId: string, commitment: Uint8Array }
): void {
  if (!bytesEqual(t.requestHash, expected.requestHash)) throw new TranscriptMismatchError('request')
  if (!bytesEqual(t.headerHash, expected.headerHash)) throw new TranscriptMismatchError('header')
  if (!bytesEqual(t.tokenId, expected.tokenId)) throw new TranscriptMismatchError('token id')
  if (t.custodianPeerId !== expected.custodianPeerId) throw new TranscriptMismatchError('custodian peer id')
  if (!bytesEqual(t.ciphertextHash, expected.ciphertextHash)) throw new TranscriptMismatchError('ciphertext')
  if (!bytesEqual(t.commitment, expected.commitment)) throw new TranscriptMismatchError('commitment')
}

/** Consumes the response frames; see the module comment for what is verified and when. */
export async function openEnvelope (frames: AsyncIterable<ResponseFrame> | Iterable<ResponseFrame>, options: OpenEnvelopeOptions): Promise<OpenedEnvelope> {
  const request = decodeRetrieveRequestPayload(options.requestPayloadBytes)
  const requestHash = sha256(options.requestPayloadBytes)
  const custodianPeerId = options.expectedCustodianPeerId ?? request.custodianPeerId
  const iterator = (Symbol.asyncIterator in frames ? frames[Symbol.asyncIterator]() : frames[Symbol.iterator]())
  const next = async (): Promise<ResponseFrame | undefined> => {
    options.signal?.throwIfAborted()
    const r = await iterator.next()
    return r.done === true ? undefined : r.value
  }
  const expectEnd = async (): Promise<void> => {
    const extra = await next()
    if (extra !== undefined) throw new UnexpectedFrameError(`${extra.kind} frame after the trailer`)
  }

  try {
    const first = await next()
    if (first === undefined) throw new TruncatedEnvelopeError('empty response')
    if (first.kind !== 'header') throw new UnexpectedFrameError(`${first.kind} frame before the header`)
    const header = first.header
    const headerHash = sha256(first.bytes)
    if (!bytesEqual(header.tokenId, request.tokenId)) throw new TranscriptMismatchError('token id', 'the header is for another token')

    if (header.status !== 'OK') {
      const trailerFrame = await next()
      if (trailerFrame === undefined) throw new TruncatedEnvelopeError('refusal without a signed trailer')
      if (trailerFrame.kind !== 'trailer') throw new UnexpectedFrameError(`${trailerFrame.kind} frame after a refusal header`)
      const t = verifyTrailer(trailerFrame.trailer, options.custodianEd25519PublicKey)
      checkTranscript(t, { requestHash, headerHash, ciphertextHash: EMPTY_HASH, tokenId: request.tokenId, custodianPeerId, commitment: header.commitment })
      await expectEnd()
      throw new RetrievalDeniedError(header.status, header.reason)
    }

    if (header.wrappedKey === undefined) throw new MalformedHeaderError('the header carries no wrapped key')
    if (header.segmentBytes < MIN_SEGMENT_BYTES || header.segmentBytes > MAX_SEGMENT_BYTES) {
      throw new MalformedHeaderError(`segment size ${header.segmentBytes} out of range`)
    }
    if (header.commitment.byteLength !== COMMITMENT_BYTES) throw new MalformedHeaderError('the header carries no commitment')
    if (options.maxPlaintextBytes !== undefined && header.plaintextBytes > options.maxPlaintextBytes) {
      throw new MalformedHeaderError(`the record announces ${header.plaintextBytes} bytes, more than the ${options.maxPlaintextBytes} accepted`)
    }
    if (!header.contentTransformed && !commitmentMatches(options.expectedCommitment, header.commitment)) {
      throw new CommitmentMismatchError('the header\'s commitment is not the one on chain')
    }
    const keys = unwrapFromSender(header.wrappedKey, request.tokenId, options.doctorX25519PrivateKey, options.doctorX25519PublicKey)
    const decryptor = createSegmentDecryptor({
      key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId: request.tokenId, segmentBytes: header.segmentBytes
    })
    const commitment = createCommitmentHasher(keys.commitmentSalt)
    const ciphertextHash = createHash('sha256')
    let plaintextBytes = 0n
    const emit = async (chunk: Uint8Array): Promise<void> => {
      plaintextBytes += BigInt(chunk.byteLength)
      if (plaintextBytes > header.plaintextBytes) throw new TranscriptMismatchError('plaintext length', 'more plaintext than the header announced')
      commitment.update(chunk)
      await options.sink.write(chunk)
    }

    let trailer: SignedPayload | undefined
    for (let frame = await next(); frame !== undefined; frame = await next()) {
      if (frame.kind === 'segment') {
        ciphertextHash.update(frame.bytes)
        const out = decryptor.push(frame.bytes)
        if (out !== undefined) await emit(out)
      } else if (frame.kind === 'trailer') {
        trailer = frame.trailer
        break
      } else {
        throw new UnexpectedFrameError('a second header frame')
      }
    }
    if (trailer === undefined) throw new TruncatedEnvelopeError('response ended before the trailer')
    await emit(decryptor.finish())

    const t = verifyTrailer(trailer, options.custodianEd25519PublicKey)
    checkTranscript(t, {
      requestHash, headerHash, ciphertextHash: plain(ciphertextHash.digest()), tokenId: request.tokenId, custodianPeerId, commitment: header.commitment
    })
    if (plaintextBytes !== header.plaintextBytes) throw new TranscriptMismatchError('plaintext length')
    const computed = commitment.digest()
    if (!commitmentMatches(header.commitment, computed)) throw new CommitmentMismatchError('the content does not match its commitment')
    await expectEnd()
    return { header, trailer: t, plaintextBytes, commitment: computed, contentTransformed: header.contentTransformed }
  } finally {
    // Stop the producer (a network stream) whatever happened; its own errors are not ours.
    try {
      await iterator.return?.()
    } catch {
      // the stream was already failing; the error that matters was thrown above
    }
  }
}
