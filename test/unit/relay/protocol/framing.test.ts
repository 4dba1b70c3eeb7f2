import { describe, it, expect } from 'vitest'
import { randomBytes } from 'node:crypto'
import * as lp from 'it-length-prefixed'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  MAX_FRAME_BYTES, decodeRequestFrame, discoverResponseBytes, encodeFrame, encodeResponseFrame, readDiscoverResponse,
  readFrames, readRequestFrame, readResponseFrames, requestFrameBytes, segmentFrameBytes, segmentFrameHead, readWireFrames,
  readFrameParts, isSegmentFrame
} from '../../../../relay/protocol/index.js'
import { chunked, makeWorld, respond, signRequest, storeRecord } from './fixtures.js'

async function drain<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of source) out.push(x)
  return out
}

describe('framing', () => {
  it('round-trips frames up to 1 MiB across arbitrary chunking', async () => {
    const frames = [randomBytes(0), randomBytes(1), randomBytes(300), randomBytes(MAX_FRAME_BYTES)]
    const wire = frames.map((f) => encodeFrame(f))
    const back = await drain(readFrames(chunked(wire, 4093)))
    expect(back.map((b) => Buffer.from(b).toString('hex'))).toEqual(frames.map((f) => f.toString('hex')))
  })

  it('writes a segment frame exactly as the generic encoder does, within the frame limit', () => {
    for (const n of [0, 1, 127, 128, 16_383, 16_384, 65_552, 512 * 1024 + 16, MAX_FRAME_BYTES - 5]) {
      const segment = randomBytes(n)
      const generic = encodeFrame(encodeResponseFrame({ kind: 'segment', bytes: segment }))
      expect(Buffer.from(segmentFrameBytes(segment)).equals(Buffer.from(generic))).toBe(true)
      // the head alone, then the segment unchanged (the custodian's zero-copy form)
      expect(Buffer.concat([segmentFrameHead(n), segment]).equals(Buffer.from(generic))).toBe(true)
    }
    expect(() => segmentFrameBytes(new Uint8Array(MAX_FRAME_BYTES - 3))).toThrow(expect.objectContaining({ name: 'FrameTooLargeError' }))
    expect(() => segmentFrameHead(MAX_FRAME_BYTES - 3)).toThrow(expect.objectContaining({ name: 'FrameTooLargeError' }))
  })

  it('reads frames with their length prefixes as written, across arbitrary chunking', async () => {
    const frames = [randomBytes(0), randomBytes(1), randomBytes(127), randomBytes(128), randomBytes(70_000), randomBytes(MAX_FRAME_BYTES)]
    const wire = frames.map((f) => encodeFrame(f))
    const back = await drain(readWireFrames(chunked(wire, 4093)))
    expect(back.map((b) => Buffer.from(b.wire).toString('hex'))).toEqual(wire.map((f) => Buffer.from(f).toString('hex')))
    expect(back.map((b) => Buffer.from(b.body).toString('hex'))).toEqual(frames.map((f) => f.toString('hex')))
    await expect(drain(readWireFrames([lp.encode.single(new Uint8Array(MAX_FRAME_BYTES + 1)).subarray()]))).rejects.toMatchObject({ name: 'FrameTooLargeError' })
  })

  it('refuses to write or read a frame over 1 MiB, before buffering its body', async () => {
    expect(() => encodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(expect.objectContaining({ name: 'FrameTooLargeError' }))
    // Only the length prefix of a 2 GiB frame arrives: refused at once.
    const prefix = lp.encode.single(new Uint8Array(0)).subarray()
    const hugeLength = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x08)
    await expect(drain(readFrames([prefix, hugeLength]))).rejects.toMatchObject({ name: 'FrameTooLargeError' })
    const justOver = lp.encode.single(new Uint8Array(MAX_FRAME_BYTES + 1)).subarray()
    await expect(drain(readFrames([justOver]))).rejects.toMatchObject({ name: 'FrameTooLargeError' })
    await expect(drain(readFrames([encodeFrame(new Uint8Array(100))], { maxFrameBytes: 50 }))).rejects.toMatchObject({ name: 'FrameTooLargeError' })
  })

  it('reports malformed frames: endless varint, stream ending inside a frame, bytes that are no message', async () => {
    await expect(drain(readFrames([new Uint8Array(16).fill(0xff)]))).rejects.toMatchObject({ name: 'MalformedFrameError' })
    const frame = encodeFrame(randomBytes(100))
    await expect(drain(readFrames([frame.subarray(0, 50)]))).rejects.toMatchObject({ name: 'MalformedFrameError' })
    await expect(drain(readResponseFrames([encodeFrame(Uint8Array.of(0x0a, 0xff, 0x01))]))).rejects.toMatchObject({ name: 'MalformedFrameError' })
    expect(() => decodeRequestFrame(Uint8Array.of(0x12, 0x05, 0x01))).toThrow(expect.objectContaining({ name: 'MalformedFrameError' }))
    // A well-formed frame of no known kind.
    expect(() => decodeRequestFrame(Uint8Array.of(0x28, 0x01))).toThrow(expect.objectContaining({ name: 'MalformedFrameError' }))
  })
})

describe('request and response frames', () => {
  it('carries a signed request as its exact bytes', async () => {
    const world = makeWorld()
    const record = await storeRecord(randomBytes(10))
    const signed = signRequest(world, record)
    const frame = await readRequestFrame(chunked([requestFrameBytes({ kind: 'retrieve', request: signed.request })], 5))
    expect(frame.kind).toBe('retrieve')
    expect(Buffer.from(frame.request.payload).equals(signed.payloadBytes)).toBe(true)
    expect(Buffer.from(frame.request.signature).equals(signed.request.signature)).toBe(true)
    expect(Buffer.from(frame.request.credential.payload).equals(world.credential.signed.payload)).toBe(true)
    await expect(readRequestFrame([])).rejects.toMatchObject({ name: 'MalformedFrameError' })
  })

  it('reads frames as prefix and body chunks without joining them, and tells segment frames by their bytes', async () => {
    const world = makeWorld()
    const record = await storeRecord(randomBytes(300), 64)
    const wire = await respond(world, record, signRequest(world, record))
    const parts = await drain(readFrameParts(chunked(wire, 29)))
    expect(parts.map((p) => Buffer.concat([p.prefix, p.body.subarray()]).toString('hex'))).toEqual(wire.map((f) => Buffer.from(f).toString('hex')))
    expect(parts.some((p) => [...p.body].length > 1)).toBe(true) // bodies spanning chunks stay in pieces
    expect(parts.map((p) => isSegmentFrame(p.body))).toEqual([false, true, true, true, true, true, false])
    for (const n of [0, 1, 127, 128, 70_000]) {
      const body = encodeResponseFrame({ kind: 'segment', bytes: randomBytes(n) })
      expect(isSegmentFrame(new Uint8ArrayList(body.subarray(0, 3), body.subarray(3)))).toBe(true)
      // a length that does not match the body, or a body cut inside the length: not a clean segment
      expect(isSegmentFrame(new Uint8ArrayList(body.subarray(0, body.byteLength - 1)))).toBe(false)
      expect(isSegmentFrame(new Uint8ArrayList(Uint8Array.of(...body.subarray(0, body.byteLength), 0)))).toBe(false)
    }
    expect(isSegmentFrame(new Uint8ArrayList(Uint8Array.of(0x12, 0x80)))).toBe(false)
    expect(isSegmentFrame(new Uint8ArrayList(encodeResponseFrame({ kind: 'header', bytes: randomBytes(10) })))).toBe(false)
  })

  it('enforces the order header → segments → trailer → end', async () => {
    const world = makeWorld()
    const record = await storeRecord(randomBytes(200), 64)
    const request = signRequest(world, record)
    const wire = await respond(world, record, request)
    expect((await drain(readResponseFrames(wire))).map((f) => f.kind)).toEqual(['header', 'segment', 'segment', 'segment', 'segment', 'trailer'])
    await expect(drain(readResponseFrames(wire.slice(1)))).rejects.toMatchObject({ name: 'UnexpectedFrameError' })
    await expect(drain(readResponseFrames([wire[0]!, wire[0]!, ...wire.slice(1)]))).rejects.toMatchObject({ name: 'UnexpectedFrameError' })
    await expect(drain(readResponseFrames([...wire, wire[1]!]))).rejects.toMatchObject({ name: 'UnexpectedFrameError' })
    await expect(drain(readResponseFrames(wire.slice(0, -1)))).rejects.toMatchObject({ name: 'TruncatedEnvelopeError' })
    await expect(drain(readResponseFrames([]))).rejects.toMatchObject({ name: 'TruncatedEnvelopeError' })
    const denied = await respond(world, record, request, { status: 'DENIED', tokenId: record.tokenId })
    const withSegment = [denied[0]!, encodeFrame(encodeResponseFrame({ kind: 'segment', bytes: new Uint8Array(20) })), denied[1]!]
    await expect(drain(readResponseFrames(withSegment))).rejects.toMatchObject({ name: 'UnexpectedFrameError' })
  })

  it('carries a discovery response', async () => {
    const tokens = [{ tokenId: new Uint8Array(randomBytes(32)), custodian: 'DE' }]
    const result = await readDiscoverResponse([discoverResponseBytes({ status: 'OK', subject: 'hr1subject', tokens })])
    expect(result).toEqual({ status: 'OK', subject: 'hr1subject', tokens })
    await expect(readDiscoverResponse([discoverResponseBytes({ status: 'OK', subject: 's', tokens: [{ tokenId: new Uint8Array(3), custodian: 'DE' }] })]))
      .rejects.toMatchObject({ name: 'MalformedFrameError' })
  })
})
