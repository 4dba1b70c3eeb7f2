/**
 * Segmented record encryption: AES-256-GCM over fixed-size plaintext segments, so a record streams
 * in and out with memory bounded by a segment or two, and any truncation, reordering or splicing
 * (between records or positions) fails authentication.
 *
 * Segment `i` of a record (0-based), with data key `K` (32 bytes), nonce prefix `P` (8 bytes) and
 * record id `R` (the token id, 1..255 bytes):
 *
 *     nonce_i = P ‖ u32be(i)                                                     (12 bytes)
 *     aad_i   = "healthrelay/record-segment/v1" ‖ u8(len R) ‖ R ‖ u32be(i) ‖ u8(final_i)
 *     seg_i   = AES-256-GCM(K, nonce_i, aad_i, plaintext_i) ‖ tag_i(16)
 *
 * Every segment but the last carries exactly `segmentBytes` of plaintext and `final = 0`; the last
 * carries 0..segmentBytes bytes and `final = 1` (an empty record is one empty final segment).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { concatBytes, lengthPrefixed8, plain, u32be, utf8 } from './bytes.js'
import {
  InvalidKeyError, MalformedSegmentError, TamperedSegmentError, TrailingSegmentError, TruncatedRecordError
} from '../errors.js'

export const DATA_KEY_BYTES = 32
export const NONCE_PREFIX_BYTES = 8
export const GCM_NONCE_BYTES = 12
export const GCM_TAG_BYTES = 16
/**
 * Default plaintext bytes per segment (512 KiB; 64 KiB before 2026-11-26, and each blob's header
 * records its own). Fewer, larger segments mean fewer frames, Noise messages and GCM calls per byte:
 * a 100 MB retrieval in bench/relay went from 594–683 ms to 510–569 ms.
 */
export const DEFAULT_SEGMENT_BYTES = 512 * 1024
export const MIN_SEGMENT_BYTES = 16
/** Largest segment size; a segment plus its framing stays far below the 1 MiB frame limit. */
export const MAX_SEGMENT_BYTES = 512 * 1024
/** The segment index is a uint32. */
export const MAX_SEGMENTS = 0x1_0000_0000
export const SEGMENT_AAD_LABEL = 'healthrelay/record-segment/v1'

const AAD_LABEL = utf8(SEGMENT_AAD_LABEL)

/** What segment encryption of one record needs. */
export interface SegmentParams {
  /** The record's data key (32 bytes). */
  readonly key: Uint8Array
  /** The record's random nonce prefix (8 bytes). */
  readonly noncePrefix: Uint8Array
  /** The id the segments are bound to (the token id). */
  readonly recordId: Uint8Array
  /** Plaintext bytes per segment. */
  readonly segmentBytes: number
}

export interface StreamOptions {
  signal?: AbortSignal
}

/** Throws unless `params` are usable. */
export function checkSegmentParams (params: SegmentParams): void {
  if (params.key.byteLength !== DATA_KEY_BYTES) throw new InvalidKeyError(`data key must be ${DATA_KEY_BYTES} bytes`)
  if (params.noncePrefix.byteLength !== NONCE_PREFIX_BYTES) throw new InvalidKeyError(`nonce prefix must be ${NONCE_PREFIX_BYTES} bytes`)
  if (params.recordId.byteLength < 1 || params.recordId.byteLength > 255) throw new InvalidKeyError('record id must be 1..255 bytes')
  checkSegmentBytes(params.segmentBytes)
}

/** Throws unless `n` is an allowed segment size. */
export function checkSegmentBytes (n: number): void {
  if (!Number.isInteger(n) || n < MIN_SEGMENT_BYTES || n > MAX_SEGMENT_BYTES) {
    throw new InvalidKeyError(`segment size must be an integer in ${MIN_SEGMENT_BYTES}..${MAX_SEGMENT_BYTES}`)
  }
}

/** The 12-byte GCM nonce of segment `index`: prefix ‖ u32be(index). */
export function segmentNonce (noncePrefix: Uint8Array, index: number): Uint8Array {
  return concatBytes(noncePrefix, u32be(index))
}

/** The additional authenticated data of segment `index`. */
export function segmentAad (recordId: Uint8Array, index: number, final: boolean): Uint8Array {
  return concatBytes(AAD_LABEL, lengthPrefixed8(recordId), u32be(index), Uint8Array.of(final ? 1 : 0))
}

/** Encrypts one segment; returns ciphertext ‖ tag. */
export function encryptSegment (params: SegmentParams, index: number, final: boolean, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', params.key, segmentNonce(params.noncePrefix, index), { authTagLength: GCM_TAG_BYTES })
  cipher.setAAD(segmentAad(params.recordId, index, final))
  const head = cipher.update(plaintext)
  const tail = cipher.final()
  return concatBytes(head, tail, cipher.getAuthTag())
}

/** Opens one segment, or returns undefined when it does not authenticate under these inputs. */
export function tryDecryptSegment (params: SegmentParams, index: number, final: boolean, segment: Uint8Array): Uint8Array | undefined {
  if (segment.byteLength < GCM_TAG_BYTES) return undefined
  const body = segment.subarray(0, segment.byteLength - GCM_TAG_BYTES)
  const tag = segment.subarray(segment.byteLength - GCM_TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', params.key, segmentNonce(params.noncePrefix, index), { authTagLength: GCM_TAG_BYTES })
  decipher.setAAD(segmentAad(params.recordId, index, final))
  decipher.setAuthTag(tag)
  const head = decipher.update(body)
  try {
    const tail = decipher.final()
    return tail.byteLength === 0 ? plain(head) : concatBytes(head, tail)
  } catch {
    return undefined
  }
}

/**
 * Encrypts a plaintext stream (chunks of any size) into ciphertext segments, one per yielded
 * item. Holds at most one segment plus one input chunk.
 */
export async function * encryptSegments (
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, params: SegmentParams, options?: StreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
  checkSegmentParams(params)
  const size = params.segmentBytes
  const pending = new Uint8ArrayList()
  let index = 0
  for await (const chunk of source) {
    options?.signal?.throwIfAborted()
    pending.append(chunk)
    // Strictly more than one segment buffered: the first one is certainly not the last.
    while (pending.byteLength > size) {
      if (index >= MAX_SEGMENTS - 1) throw new RangeError('record exceeds the maximum number of segments')
      yield encryptSegment(params, index++, false, pending.subarray(0, size))
      pending.consume(size)
    }
  }
  yield encryptSegment(params, index, true, pending.subarray())
}

/**
 * The decrypting side as a state machine, for callers that learn where the record ends from
 * something else than the end of an iterable (a trailer frame). `push` returns the plaintext of
 * the previous segment, now known not to be the last; `finish` opens the held one as final.
 */
export interface SegmentDecryptor {
  push: (segment: Uint8Array) => Uint8Array | undefined
  finish: () => Uint8Array
  /** Segments received so far. */
  readonly segments: number
}

export function createSegmentDecryptor (params: SegmentParams): SegmentDecryptor {
  checkSegmentParams(params)
  const full = params.segmentBytes + GCM_TAG_BYTES
  let held: Uint8Array | undefined
  let index = 0
  let finished = false

  const open = (segment: Uint8Array, i: number, final: boolean): Uint8Array => {
    const out = tryDecryptSegment(params, i, final, segment)
    if (out !== undefined) return out
    if (final && segment.byteLength === full && tryDecryptSegment(params, i, false, segment) !== undefined) {
      throw new TruncatedRecordError(`the record ends after segment ${i}, which is not its final segment`)
    }
    throw new TamperedSegmentError(i)
  }

  return {
    get segments () { return index + (held === undefined ? 0 : 1) },
    push (segment: Uint8Array): Uint8Array | undefined {
      if (finished) throw new TrailingSegmentError('segment after the final segment')
      if (segment.byteLength < GCM_TAG_BYTES || segment.byteLength > full) {
        throw new MalformedSegmentError(`segment of ${segment.byteLength} bytes; expected ${GCM_TAG_BYTES}..${full}`)
      }
      let out: Uint8Array | undefined
      if (held !== undefined) {
        if (held.byteLength !== full) throw new MalformedSegmentError(`short segment ${index} is not the last`)
        if (index >= MAX_SEGMENTS - 1) throw new MalformedSegmentError('too many segments')
        out = open(held, index, false)
        index++
      }
      held = segment
      return out
    },
    finish (): Uint8Array {
      if (finished) throw new TrailingSegmentError('record already finished')
      finished = true
      if (held === undefined) throw new TruncatedRecordError('the record has no segments')
      const out = open(held, index, true)
      held = undefined
      index++
      return out
    }
  }
}

/**
 * Decrypts a stream of ciphertext segments (exactly one segment per item) into plaintext. A
 * segment's plaintext is yielded only after its tag checked; the final flag of the last segment
 * proves nothing was cut off. Holds at most two segments.
 */
export async function * decryptSegments (
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, params: SegmentParams, options?: StreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
  const decryptor = createSegmentDecryptor(params)
  for await (const segment of source) {
    options?.signal?.throwIfAborted()
    const out = decryptor.push(segment)
    if (out !== undefined) yield out
  }
  yield decryptor.finish()
}

/**
 * Cuts a byte stream of concatenated ciphertext segments (a blob file's body) into segments of
 * `segmentBytes + 16` bytes; the last may be shorter.
 */
export async function * splitSegments (
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, segmentBytes: number, options?: StreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
  checkSegmentBytes(segmentBytes)
  const full = segmentBytes + GCM_TAG_BYTES
  const pending = new Uint8ArrayList()
  for await (const chunk of source) {
    options?.signal?.throwIfAborted()
    pending.append(chunk)
    while (pending.byteLength >= full) {
      yield pending.subarray(0, full)
      pending.consume(full)
    }
  }
  if (pending.byteLength > 0) yield pending.subarray()
}
