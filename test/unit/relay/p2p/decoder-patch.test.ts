import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { upstreamDecode } from '../../../../relay/p2p/decoder-patch.js'

/** Noise's framing: a 2-byte big-endian length (its uint16BEDecode, which throws RangeError when short). */
const uint16 = {
  lengthDecoder: (data: Uint8ArrayList | Uint8Array): number => {
    if (data.length < 2) throw new RangeError('Could not decode int16BE')
    return data instanceof Uint8Array ? (data[0]! << 8) + data[1]! : data.getUint16(0)
  },
  encodingLength: () => 2
}

function frame (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.byteLength)
  out[0] = body.byteLength >> 8
  out[1] = body.byteLength & 0xff
  out.set(body, 2)
  return out
}

type Decoder = InstanceType<typeof LengthPrefixedDecoder>
type Decode = (decoder: Decoder, chunk: Uint8Array) => Iterable<Uint8ArrayList>
const patched: Decode = (decoder, chunk) => decoder.decode(chunk)
const upstream: Decode = (decoder, chunk) => upstreamDecode.call(decoder, chunk)
function run (decoder: Decoder, decode: Decode, chunks: Uint8Array[]): { messages: string[], error?: string } {
  const messages: string[] = []
  try {
    for (const chunk of chunks) {
      for (const m of decode(decoder, chunk)) messages.push(Buffer.from(m.subarray()).toString('hex'))
    }
  } catch (err) {
    return { messages, error: `${(err as Error).name}: ${(err as Error).message}` }
  }
  return { messages }
}

/** The stream cut at random points, including cuts inside a length prefix and empty chunks. */
function cut (bytes: Uint8Array, pieces: number): Uint8Array[] {
  const points = [...new Set(Array.from({ length: pieces }, () => Math.floor(Math.random() * (bytes.byteLength + 1))))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const p of [...points, bytes.byteLength]) { out.push(bytes.subarray(from, p)); from = p }
  return out
}

describe('LengthPrefixedDecoder with the empty-buffer break', () => {
  it('is installed on the prototype that Noise uses', () => {
    expect(Object.getOwnPropertyDescriptor(LengthPrefixedDecoder.prototype, 'decode')?.value).not.toBe(upstreamDecode)
  })

  it('yields exactly what upstream yields for any split of a stream of messages', () => {
    for (let round = 0; round < 200; round++) {
      const bodies = Array.from({ length: 1 + Math.floor(Math.random() * 6) }, () => new Uint8Array(randomBytes(Math.floor(Math.random() * 300))))
      const stream = Buffer.concat(bodies.map(frame))
      const chunks = cut(stream, Math.floor(Math.random() * 8))
      const ours = run(new LengthPrefixedDecoder(uint16), patched, chunks)
      const theirs = run(new LengthPrefixedDecoder(uint16), upstream, chunks)
      expect(ours).toEqual(theirs)
      // empty messages are skipped by both
      expect(ours.messages).toEqual(bodies.filter((b) => b.byteLength > 0).map((b) => Buffer.from(b).toString('hex')))
    }
  })

  it('uses the default varint lengths as upstream does', () => {
    for (let round = 0; round < 50; round++) {
      const bodies = Array.from({ length: 3 }, () => new Uint8Array(randomBytes(Math.floor(Math.random() * 400))))
      const stream = Buffer.concat(bodies.flatMap((b) => [Buffer.from(b.byteLength < 128 ? [b.byteLength] : [(b.byteLength & 0x7f) | 0x80, b.byteLength >> 7]), b]))
      const chunks = cut(stream, 5)
      expect(run(new LengthPrefixedDecoder(), patched, chunks))
        .toEqual(run(new LengthPrefixedDecoder(), upstream, chunks))
    }
  })

  it('fails as upstream does on an over-long message or an over-full buffer', () => {
    const long = frame(new Uint8Array(100))
    const limits = { ...uint16, maxDataLength: 50 }
    const ours = run(new LengthPrefixedDecoder(limits), patched, [long])
    expect(ours.error).toMatch(/Invalid message length/)
    expect(ours).toEqual(run(new LengthPrefixedDecoder(limits), upstream, [long]))
    const full = { ...uint16, maxBufferSize: 10 }
    const partial = frame(new Uint8Array(30)).subarray(0, 20)
    const over = run(new LengthPrefixedDecoder(full), patched, [partial])
    expect(over.error).toMatch(/Buffer length limit exceeded - 20\/10/)
    expect(over).toEqual(run(new LengthPrefixedDecoder(full), upstream, [partial]))
  })

  it('does not throw when a read ends on a message boundary', () => {
    const decoder = new LengthPrefixedDecoder({
      ...uint16,
      lengthDecoder: (data: Uint8ArrayList) => {
        if (data.byteLength === 0) throw new Error('asked for a length with nothing buffered')
        return uint16.lengthDecoder(data)
      }
    })
    expect(run(decoder, patched, [frame(Uint8Array.of(1, 2)), frame(Uint8Array.of(3))]).messages).toEqual(['0102', '03'])
  })
})
