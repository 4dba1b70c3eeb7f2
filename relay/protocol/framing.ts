/**
 * Length-prefixed framing (it-length-prefixed): an unsigned varint length, then that many bytes,
 * at most {@link MAX_FRAME_BYTES} per frame. Oversized lengths fail before any body is buffered.
 */
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import { FrameTooLargeError, MalformedFrameError } from '../errors.js'
import { MAX_FRAME_BYTES } from './constants.js'

export interface FrameOptions {
  /** Largest frame accepted or written (default and maximum: 1 MiB). */
  maxFrameBytes?: number
  signal?: AbortSignal
}

/** A byte stream as libp2p streams and HTTP bodies give it. */
export type ByteSource = AsyncIterable<Uint8Array | Uint8ArrayList> | Iterable<Uint8Array | Uint8ArrayList>

function limit (options?: FrameOptions): number {
  return Math.min(options?.maxFrameBytes ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES)
}

/** `message` with its varint length prefix, as one Uint8Array. */
export function encodeFrame (message: Uint8Array, options?: FrameOptions): Uint8Array {
  const max = limit(options)
  if (message.byteLength > max) throw new FrameTooLargeError(`frame of ${message.byteLength} bytes exceeds ${max}`)
  return lp.encode.single(message, { maxDataLength: max }).subarray()
}

/** Maps it-length-prefixed's errors to ours. */
function mapError (err: unknown, max: number): unknown {
  const name = (err as { name?: unknown } | undefined)?.name
  if (name === 'InvalidDataLengthError') return new FrameTooLargeError(`frame longer than ${max} bytes`)
  if (name === 'InvalidDataLengthLengthError' || name === 'InvalidMessageLengthError') {
    return new MalformedFrameError('invalid frame length prefix')
  }
  if (name === 'UnexpectedEOFError') return new MalformedFrameError('stream ended inside a frame')
  return err
}

/** The frames of a byte stream, one Uint8Array each. */
export async function * readFrames (source: ByteSource, options?: FrameOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const max = limit(options)
  try {
    for await (const frame of lp.decode(source, { maxDataLength: max })) {
      options?.signal?.throwIfAborted()
      yield frame.subarray()
    }
  } catch (err) {
    throw mapError(err, max)
  }
}

/** A frame as read: `wire` is its length prefix and body in one buffer, `body` a view of the latter. */
export interface WireFrame {
  readonly wire: Uint8Array
  readonly body: Uint8Array
}

/** The frames of a byte stream with their length prefixes, each joined into one buffer (one copy per frame). */
export async function * readWireFrames (source: ByteSource, options?: FrameOptions): AsyncGenerator<WireFrame, void, undefined> {
  for await (const { prefix, body } of readFrameParts(source, options)) {
    const wire = new Uint8Array(prefix.byteLength + body.byteLength)
    wire.set(prefix, 0)
    let at = prefix.byteLength
    for (const part of body) { wire.set(part, at); at += part.byteLength }
    yield { wire, body: wire.subarray(prefix.byteLength) }
  }
}

/** A frame as read, without a copy: its length prefix, and its body as the chunks it arrived in. */
export interface FrameParts {
  readonly prefix: Uint8Array
  readonly body: Uint8ArrayList
}

/**
 * The frames of a byte stream as prefix and body chunks, for a relay that passes large frames on
 * without copying them (`readWireFrames` copies each into one buffer).
 */
export async function * readFrameParts (source: ByteSource, options?: FrameOptions): AsyncGenerator<FrameParts, void, undefined> {
  const max = limit(options)
  try {
    for await (const body of lp.decode(source, { maxDataLength: max })) {
      options?.signal?.throwIfAborted()
      yield { prefix: lengthPrefix(body.byteLength), body }
    }
  } catch (err) {
    throw mapError(err, max)
  }
}

function lengthPrefix (n: number): Uint8Array {
  let size = 1
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) size++
  const out = new Uint8Array(size)
  let at = 0
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 0x80) { out[at++] = v; break }
    out[at++] = (v & 0x7f) | 0x80
  }
  return out
}

