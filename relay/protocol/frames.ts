/**
 * The frames of a relay stream. The requester writes one RequestFrame; the custodian answers a
 * retrieval with ResponseFrames in the order header → segments → trailer (and a discovery with one
 * DiscoverResponse frame). Readers here enforce that order and the frame size limit.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { relay, type healthrelay } from '../../proto/index.js'
import { plain } from '../crypto/bytes.js'
import { FrameTooLargeError, MalformedFrameError, TruncatedEnvelopeError, UnexpectedFrameError } from '../errors.js'
import { MAX_FRAME_BYTES } from './constants.js'
import { decodeDiscoverResponse, decodeRetrieveHeader, decodeWith, encodeDiscoverResponse } from './codec.js'
import { encodeFrame, readFrames, type ByteSource, type FrameOptions } from './framing.js'
import type { DiscoverResult, RequestFrame, ResponseFrame, SignedPayload, SignedRequest } from './types.js'

const EMPTY = new Uint8Array(0)

function signedRequestToWire (r: SignedRequest): healthrelay.relay.v1.RetrieveRequest.$Properties {
  return { payload: r.payload, signature: r.signature, credential: { payload: r.credential.payload, signature: r.credential.signature } }
}

function signedRequestFromWire (r: healthrelay.relay.v1.RetrieveRequest.$Properties | healthrelay.relay.v1.DiscoverRequest.$Properties | null | undefined): SignedRequest {
  const payload = r?.payload
  const signature = r?.signature
  const credential = r?.credential
  if (payload == null || signature == null || credential?.payload == null || credential.signature == null) {
    throw new MalformedFrameError('request without payload, signature or credential')
  }
  return {
    payload: plain(payload),
    signature: plain(signature),
    credential: { payload: plain(credential.payload), signature: plain(credential.signature) }
  }
}

/** RequestFrame protobuf bytes (without length prefix). */
export function encodeRequestFrame (frame: RequestFrame): Uint8Array {
  return frame.kind === 'retrieve'
    ? relay.RequestFrame.encode({ retrieve: signedRequestToWire(frame.request) }).finish()
    : relay.RequestFrame.encode({ discover: signedRequestToWire(frame.request) }).finish()
}

export function decodeRequestFrame (bytes: Uint8Array): RequestFrame {
  const m = decodeWith(() => relay.RequestFrame.decode(bytes), (msg) => new MalformedFrameError(msg))
  if (m.kind === 'retrieve') return { kind: 'retrieve', request: signedRequestFromWire(m.retrieve) }
  if (m.kind === 'discover') return { kind: 'discover', request: signedRequestFromWire(m.discover) }
  throw new MalformedFrameError('request frame of no known kind')
}

/** ResponseFrame protobuf bytes (without length prefix). */
export function encodeResponseFrame (frame: { kind: 'header', bytes: Uint8Array } | { kind: 'segment', bytes: Uint8Array } | { kind: 'trailer', trailer: SignedPayload }): Uint8Array {
  switch (frame.kind) {
    case 'header': return relay.ResponseFrame.encode({ header: frame.bytes }).finish()
    case 'segment': return relay.ResponseFrame.encode({ segment: frame.bytes }).finish()
    case 'trailer': return relay.ResponseFrame.encode({ trailer: { payload: frame.trailer.payload, signature: frame.trailer.signature } }).finish()
  }
}

function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n = Math.floor(n / 128); len++ }
  return len
}

function writeVarint (out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) { out[at++] = (n & 0x7f) | 0x80; n = Math.floor(n / 128) }
  out[at++] = n
  return at
}

/**
 * The bytes before a segment in its length-prefixed ResponseFrame (the frame's length, field 2's
 * tag, the segment's length): `segmentFrameHead(s)` followed by `s` is exactly
 * `encodeFrame(encodeResponseFrame({ kind: 'segment', bytes: s }))`, so a writer can send the
 * segment as it is, with no copy.
 */
export function segmentFrameHead (segmentLength: number, options?: FrameOptions): Uint8Array {
  const inner = 1 + varintLength(segmentLength) + segmentLength
  const max = Math.min(options?.maxFrameBytes ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES)
  if (inner > max) throw new FrameTooLargeError(`frame of ${inner} bytes exceeds ${max}`)
  const out = new Uint8Array(varintLength(inner) + 1 + varintLength(segmentLength))
  let at = writeVarint(out, 0, inner)
  out[at++] = 0x12
  writeVarint(out, at, segmentLength)
  return out
}

/** A segment's length-prefixed ResponseFrame in one buffer (`segmentFrameHead` and the segment). */
export function segmentFrameBytes (segment: Uint8Array, options?: FrameOptions): Uint8Array {
  const head = segmentFrameHead(segment.byteLength, options)
  const out = new Uint8Array(head.byteLength + segment.byteLength)
  out.set(head, 0)
  out.set(segment, head.byteLength)
  return out
}

/**
 * Whether a ResponseFrame body is a segment frame (field 2 and nothing else), checked on its bytes
 * as they arrived, without joining or decoding them: a relay passing segments on needs only that.
 */
export function isSegmentFrame (body: Uint8ArrayList): boolean {
  if (body.byteLength < 2 || body.get(0) !== 0x12) return false
  let length = 0
  let at = 1
  for (let shift = 1; ; shift *= 128) {
    if (at >= body.byteLength || at > 5) return false
    const b = body.get(at++)
    length += (b & 0x7f) * shift
    if (b < 0x80) break
  }
  return length === body.byteLength - at
}

/** Decodes one ResponseFrame; a header frame's RetrieveHeader is decoded too (its bytes kept as sent). */
export function decodeResponseFrame (bytes: Uint8Array): ResponseFrame {
  const m = decodeWith(() => relay.ResponseFrame.decode(bytes), (msg) => new MalformedFrameError(msg))
  switch (m.kind) {
    case 'header': {
      const raw = plain(m.header ?? EMPTY)
      return { kind: 'header', bytes: raw, header: decodeRetrieveHeader(raw) }
    }
    case 'segment': return { kind: 'segment', bytes: plain(m.segment ?? EMPTY) }
    case 'trailer': return { kind: 'trailer', trailer: { payload: plain(m.trailer?.payload ?? EMPTY), signature: plain(m.trailer?.signature ?? EMPTY) } }
    default: throw new MalformedFrameError('response frame of no known kind')
  }
}

/** Length-prefixed request frame, ready to write on a stream. */
export function requestFrameBytes (frame: RequestFrame, options?: FrameOptions): Uint8Array {
  return encodeFrame(encodeRequestFrame(frame), options)
}

/**
 * Reads the single request frame a requester writes first, then stops iterating the source (a
 * requester writes nothing after its request). For a libp2p 3 stream that only detaches the
 * iterator's listeners; the stream stays open for the response.
 */
export async function readRequestFrame (source: ByteSource, options?: FrameOptions): Promise<RequestFrame> {
  for await (const frame of readFrames(source, options)) {
    return decodeRequestFrame(frame)
  }
  throw new MalformedFrameError('stream ended before the request frame')
}

/**
 * The typed frames of a retrieval response, checking the order: one header, then segments (only
 * when the header's status is OK), then one trailer, then the end of the stream. A stream that
 * ends before the trailer throws TruncatedEnvelopeError.
 */
export async function * readResponseFrames (source: ByteSource, options?: FrameOptions): AsyncGenerator<ResponseFrame, void, undefined> {
  let state: 'start' | 'body' | 'done' = 'start'
  let ok = false
  for await (const bytes of readFrames(source, options)) {
    const frame = decodeResponseFrame(bytes)
    if (state === 'done') throw new UnexpectedFrameError(`${frame.kind} frame after the trailer`)
    if (state === 'start') {
      if (frame.kind !== 'header') throw new UnexpectedFrameError(`${frame.kind} frame before the header`)
      ok = frame.header.status === 'OK'
      state = 'body'
    } else if (frame.kind === 'header') {
      throw new UnexpectedFrameError('a second header frame')
    } else if (frame.kind === 'segment' && !ok) {
      throw new UnexpectedFrameError('segment frame after a refusal header')
    } else if (frame.kind === 'trailer') {
      state = 'done'
    }
    yield frame
  }
  if (state !== 'done') throw new TruncatedEnvelopeError(state === 'start' ? 'empty response stream' : 'response stream ended before the trailer')
}

/** Length-prefixed DiscoverResponse frame, ready to write on a stream. */
export function discoverResponseBytes (result: DiscoverResult, options?: FrameOptions): Uint8Array {
  return encodeFrame(encodeDiscoverResponse(result), options)
}

/** Reads the single DiscoverResponse frame of a discovery stream. */
export async function readDiscoverResponse (source: ByteSource, options?: FrameOptions): Promise<DiscoverResult> {
  for await (const frame of readFrames(source, options)) {
    return decodeDiscoverResponse(frame)
  }
  throw new TruncatedEnvelopeError('stream ended before the discovery response')
}
