/**
 * Stream helpers with back-pressure and time-outs on a libp2p 3 stream: write frames only as the
 * stream drains (never more than one frame queued beyond the transport's buffer), and read the
 * request frame within a time limit.
 */
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { readRequestFrame, type RequestFrame } from '../protocol/index.js'
import { StreamTimeoutError } from './errors.js'
import { timeoutSignal } from '../../common/abort.js'

/** Minimal slice of a libp2p stream used here (eases fakes in tests). */
export type FrameStream = Pick<Stream, 'send' | 'onDrain' | 'close' | 'abort' | 'status'> & AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>

/** Reads the request frame; aborts the stream when it does not arrive within `timeoutMs`. */
export async function readRequestWithin (stream: FrameStream, timeoutMs: number, signal: AbortSignal): Promise<RequestFrame> {
  const timer = setTimeout(() => { stream.abort(new StreamTimeoutError(`no request frame within ${timeoutMs} ms`)) }, timeoutMs)
  const onAbort = (): void => { stream.abort(new StreamTimeoutError('stopped while reading the request')) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await readRequestFrame(stream as AsyncIterable<Uint8Array>, { signal })
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Frames handed to the stream in one `send` (the yamux stream's initial window): a 64 KiB segment
 * frame alone is a little more than one Noise message (65 519 bytes of plaintext), so sent one by
 * one every frame costs two Noise messages, two cipher set-ups and two socket writes; four frames
 * in one send cost five.
 */
export const DEFAULT_WRITE_BATCH_BYTES = 256 * 1024

/**
 * Writes `frames` (each already length-prefixed) in order, waiting for the stream to drain when
 * the transport says it is full; the producer is pulled one frame at a time, so a record is never
 * buffered whole. With `batchBytes`, frames are gathered (by reference, no copy) until that many
 * bytes or the end before one `send`: the producer runs at most one batch ahead of the transport.
 * A drain that takes longer than `drainTimeoutMs` aborts with StreamTimeoutError.
 */
export async function writeFrames (
  stream: FrameStream, frames: AsyncIterable<Uint8Array>, options: { signal: AbortSignal, drainTimeoutMs: number, batchBytes?: number }
): Promise<number> {
  const batchBytes = options.batchBytes ?? 0
  let bytes = 0
  let batch: Uint8Array[] = []
  let batched = 0
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const data = batch.length === 1 && batch[0] !== undefined ? batch[0] : new Uint8ArrayList(...batch)
    batch = []
    batched = 0
    if (!stream.send(data)) {
      const drain = AbortSignal.any([options.signal, timeoutSignal(options.drainTimeoutMs)])
      try {
        await stream.onDrain({ signal: drain })
      } catch (err) {
        options.signal.throwIfAborted()
        throw new StreamTimeoutError(`the reader did not drain within ${options.drainTimeoutMs} ms`, { cause: err })
      }
    }
  }
  for await (const frame of frames) {
    options.signal.throwIfAborted()
    bytes += frame.byteLength
    batch.push(frame)
    batched += frame.byteLength
    if (batched >= batchBytes) await flush()
  }
  options.signal.throwIfAborted()
  await flush()
  await stream.close({ signal: AbortSignal.any([options.signal, timeoutSignal(options.drainTimeoutMs)]) })
  return bytes
}
