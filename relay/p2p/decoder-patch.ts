/**
 * One change to libp2p's `LengthPrefixedDecoder` (@libp2p/utils), the decoder Noise runs over every
 * transport message: stop when the buffer is empty instead of asking the length decoder.
 *
 * Upstream asks its length decoder for the next length even when every byte has been consumed; the
 * decoder answers with a thrown `RangeError`, which the loop catches as "wait for more bytes". A read
 * that ends on a message boundary (nearly every read of a bulk transfer) so builds an Error with its
 * stack trace: about 30 µs each, 50 ms of the 900 ms a 100 MB retrieval took across two nodes
 * (bench/relay/profile.ts with RELAY_PROFILE). It is the pattern ChainSafe/lodestar#3467 found in
 * mplex. Every length decoder throws `RangeError` on zero bytes, so breaking first behaves the same
 * without the exception. The loop below is upstream's (7.x) with that one line added.
 *
 * Imported for its effect by relay/p2p/host.ts; test/unit/relay/p2p/decoder-patch.test.ts checks it
 * against upstream's method on the same inputs (split points, several messages per chunk, limits).
 */
import { InvalidParametersError } from '@libp2p/interface'
import { InvalidMessageLengthError, LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

interface DecoderFields {
  buffer: Uint8ArrayList
  maxBufferSize: number
  maxDataLength: number
  lengthDecoder: (data: Uint8ArrayList) => number
  encodingLength: (length: number) => number
}

type Decode = (this: LengthPrefixedDecoder, buf: Uint8Array | Uint8ArrayList) => Generator<Uint8ArrayList, void, unknown>
const UPSTREAM = Symbol.for('healthrelay.LengthPrefixedDecoder.upstreamDecode')
const proto = LengthPrefixedDecoder.prototype as unknown as { decode: Decode, [UPSTREAM]?: Decode }

/** Upstream's method (for the equivalence test). */
export const upstreamDecode: Decode = proto[UPSTREAM] ?? proto.decode

function * decode (this: DecoderFields, buf: Uint8Array | Uint8ArrayList): Generator<Uint8ArrayList, void, unknown> {
  this.buffer.append(buf)
  if (this.buffer.byteLength > this.maxBufferSize) {
    throw new InvalidParametersError(`Buffer length limit exceeded - ${this.buffer.byteLength}/${this.maxBufferSize}`)
  }
  while (true) {
    if (this.buffer.byteLength === 0) break // the one change: no length to read, so no RangeError to catch
    let dataLength: number
    try {
      dataLength = this.lengthDecoder(this.buffer)
    } catch (err) {
      if (err instanceof RangeError) break
      throw err
    }
    if (dataLength < 0 || dataLength > this.maxDataLength) {
      throw new InvalidMessageLengthError('Invalid message length')
    }
    const lengthLength = this.encodingLength(dataLength)
    const chunkLength = lengthLength + dataLength
    if (this.buffer.byteLength >= chunkLength) {
      const message = this.buffer.sublist(lengthLength, chunkLength)
      this.buffer.consume(chunkLength)
      if (message.byteLength > 0) yield message
    } else {
      break
    }
  }
}

if (proto[UPSTREAM] === undefined) {
  proto[UPSTREAM] = proto.decode
  proto.decode = decode as unknown as Decode
}
