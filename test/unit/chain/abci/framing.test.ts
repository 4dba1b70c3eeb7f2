import { describe, it, expect } from 'vitest'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { FrameDecoder, encodeFrame } from '../../../../chain/abci/framing.js'
import { AbciFrameError } from '../../../../chain/abci/errors.js'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

// Byte sequences written out by hand from the ABCI 2.0 specification (CometBFT 0.38
// proto/tendermint/abci/types.proto field numbers) and the socket protocol: unsigned varint length,
// then the protobuf message. Request.echo = field 1, Request.flush = 2, Request.info = 3;
// Response.exception = 1, Response.echo = 2, Response.flush = 3.
describe('ABCI framing against the specification', () => {
  it('reads RequestEcho{"hello"} and RequestFlush', () => {
    const wire = hex('09 0a07 0a05 68656c6c6f' + '02 1200')
    const frames = new FrameDecoder().push(wire)
    expect(frames).toHaveLength(2)
    expect(Request.decode(frames[0]!).echo?.message).toBe('hello')
    expect(Request.decode(frames[1]!).flush).toEqual({})
  })

  it('writes ResponseEcho and ResponseFlush byte for byte', () => {
    expect(toHex(encodeFrame(Response.encode(Response.fromPartial({ echo: { message: 'hello' } })).finish())))
      .toBe('09' + '1207' + '0a05' + '68656c6c6f')
    expect(toHex(encodeFrame(Response.encode(Response.fromPartial({ flush: {} })).finish()))).toBe('021a00')
  })

  it('uses an unsigned (not zig-zag) varint for lengths above 127', () => {
    const message = 'a'.repeat(200)
    // RequestEcho: 0a c801 <200 bytes> = 203 bytes; Request: 0a cb01 <203> = 206 bytes; 206 = 0xce 0x01
    const frame = encodeFrame(Request.encode(Request.fromPartial({ echo: { message } })).finish())
    expect(toHex(frame.subarray(0, 8))).toBe('ce010acb010ac801')
    // a signed (zig-zag) varint would have written 412 = 0x9c 0x03
    expect(toHex(frame.subarray(0, 2))).not.toBe('9c03')
  })

  it('reassembles frames split at every byte boundary', () => {
    const wire = Buffer.concat([
      encodeFrame(Request.encode(Request.fromPartial({ echo: { message: 'x'.repeat(300) } })).finish()),
      encodeFrame(Request.encode(Request.fromPartial({ info: { version: '0.38.17', blockVersion: 11n, p2pVersion: 8n, abciVersion: '2.0.0' } })).finish()),
      encodeFrame(Request.encode(Request.fromPartial({ flush: {} })).finish())
    ])
    for (let cut = 1; cut < wire.length; cut += 7) {
      const d = new FrameDecoder()
      const frames = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))]
      expect(frames.map((f) => Object.keys(Request.decode(f)).find((k) => Request.decode(f)[k as keyof Request] !== undefined)))
        .toEqual(['echo', 'info', 'flush'])
      expect(d.pending).toBe(0)
    }
    const d = new FrameDecoder()
    const one: Uint8Array[] = []
    for (const byte of wire) one.push(...d.push(Uint8Array.of(byte)))
    expect(one).toHaveLength(3)
    expect(Request.decode(one[1]!).info?.version).toBe('0.38.17')
  })

  it('refuses an oversized or malformed length', () => {
    expect(() => new FrameDecoder(1024).push(hex('ff ff 01'))).toThrow(AbciFrameError)
    expect(() => new FrameDecoder().push(hex('ff ff ff ff ff ff ff ff ff ff ff'))).toThrow(/varint/)
  })
})
