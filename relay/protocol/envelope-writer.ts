/**
 * The custodian's side of a retrieval response: the header frame, the stored ciphertext segments
 * as they are, and the trailer it signs over the transcript, as length-prefixed frames ready for a
 * libp2p stream or an HTTP body. A refusal is a header and a signed trailer, no segments.
 */
import { createHash } from 'node:crypto'
import { plain, sha256 } from '../crypto/bytes.js'
import { encodeRetrieveHeader } from './codec.js'
import { systemClock, type Clock } from './constants.js'
import { encodeResponseFrame, segmentFrameHead } from './frames.js'
import { encodeFrame } from './framing.js'
import { signTrailer } from './trailer.js'
import type { RetrieveHeaderInit } from './types.js'

export interface EnvelopeWriterInit {
  header: RetrieveHeaderInit
  /** The ciphertext segments as stored (blob segments); omitted for a refusal. */
  segments?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  /**
   * SHA-256 of the concatenated `segments`, when the custodian already knows it (the stored record's,
   * computed once at ingestion): signed as is, the segments are not hashed again. It must be the
   * hash of exactly the bytes streamed; a requester recomputes it and rejects a mismatch. Omitted
   * (content transformed for this retrieval, or not known): computed while streaming.
   */
  ciphertextHash?: Uint8Array
  /** The exact RetrieveRequest payload bytes that were verified. */
  requestPayloadBytes: Uint8Array
  custodianPeerId: string
  custodianEd25519PrivateKey: Uint8Array
  clock?: Clock
}

/** The response as length-prefixed frames; a segment's frame comes as two chunks, its head and the segment. */
export async function * writeEnvelope (init: EnvelopeWriterInit, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array, void, undefined> {
  const headerBytes = encodeRetrieveHeader(init.header)
  yield encodeFrame(encodeResponseFrame({ kind: 'header', bytes: headerBytes }))
  const segments = init.header.status === 'OK' ? init.segments : undefined
  const known = segments === undefined ? undefined : init.ciphertextHash
  // hashed here only when not known (a refusal: the hash of no bytes)
  const hash = known === undefined ? createHash('sha256') : undefined
  if (segments !== undefined) {
    for await (const segment of segments) {
      options?.signal?.throwIfAborted()
      hash?.update(segment)
      // the frame's head, then the segment as read: no copy of the ciphertext (a reader of these
      // chunks sees the same bytes as from one buffer per frame)
      yield segmentFrameHead(segment.byteLength)
      yield segment
    }
  }
  const trailer = signTrailer({
    requestHash: sha256(init.requestPayloadBytes),
    headerHash: sha256(headerBytes),
    ciphertextHash: hash === undefined ? known ?? new Uint8Array(0) : plain(hash.digest()),
    commitment: init.header.commitment ?? new Uint8Array(0),
    tokenId: init.header.tokenId,
    custodianPeerId: init.custodianPeerId,
    timeMs: BigInt(Math.floor((init.clock ?? systemClock)()))
  }, init.custodianEd25519PrivateKey)
  yield encodeFrame(encodeResponseFrame({ kind: 'trailer', trailer }))
}
