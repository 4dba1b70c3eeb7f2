/**
 * ABCI socket framing of CometBFT 0.38: each message is an unsigned varint length followed by that
 * many bytes of protobuf (`tendermint.abci.Request` or `Response`). CometBFT ≤ 0.34 used a signed
 * (zig-zag) varint; this is not that.
 */
import { encodingLength, encodeUint8Array, decodeUint8Array } from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { AbciFrameError } from './errors.js'

/** Largest frame accepted (a FinalizeBlock carries a whole block; CometBFT's default block is 21 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024
const MAX_VARINT_BYTES = 10

/** Length-prefixes one message. */
export function encodeFrame (message: Uint8Array): Uint8Array {
  const out = new Uint8Array(encodingLength(message.length) + message.length)
  encodeUint8Array(message.length, out, 0)
  out.set(message, out.length - message.length)
  return out
}

/**
 * Accumulates bytes as they arrive (TCP splits and merges frames anywhere) and returns each
 * complete message once. Throws AbciFrameError on a malformed or oversized length.
 */
export class FrameDecoder {
  private readonly buffer = new Uint8ArrayList()

  constructor (private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received but not yet part of a complete frame. */
  get pending (): number {
    return this.buffer.byteLength
  }

  push (chunk: Uint8Array): Uint8Array[] {
    this.buffer.append(chunk)
    const frames: Uint8Array[] = []
    for (;;) {
      const header = this.readHeader()
      if (header === undefined) break
      const { length, headerBytes } = header
      if (this.buffer.byteLength < headerBytes + length) break
      frames.push(this.buffer.subarray(headerBytes, headerBytes + length))
      this.buffer.consume(headerBytes + length)
    }
    return frames
  }

  private readHeader (): { length: number, headerBytes: number } | undefined {
    const available = Math.min(this.buffer.byteLength, MAX_VARINT_BYTES)
    let end = -1
    for (let i = 0; i < available; i++) {
      if ((this.buffer.get(i) & 0x80) === 0) { end = i; break }
    }
    if (end === -1) {
      if (available >= MAX_VARINT_BYTES) throw new AbciFrameError('malformed frame length: varint longer than 10 bytes')
      return undefined
    }
    const length = decodeUint8Array(this.buffer.subarray(0, end + 1), 0)
    if (!Number.isSafeInteger(length) || length > this.maxFrameBytes) {
      throw new AbciFrameError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`)
    }
    return { length, headerBytes: end + 1 }
  }
}
