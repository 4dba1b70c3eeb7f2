// Unit tests of the relay service's small parts: the emergency rate limiter, sealing to a
// subject, the mapping of verification errors to refusals, and writing frames with
// back-pressure on a fake stream.
import { describe, it, expect } from 'vitest'
import { createRateLimiter, sealTo, openSealed, ACCESS_DETAILS_LABEL, denialOfVerifyError } from '../../../../relay/service/index.js'
import { writeFrames, type FrameStream } from '../../../../relay/service/stream-io.js'
import { generateX25519KeyPair } from '../../../../relay/crypto/index.js'
import { KeyUnwrapError, ReplayedNonceError, CredentialRevokedError } from '../../../../relay/errors.js'

describe('createRateLimiter', () => {
  it('limits each key within its window, by the longest matching prefix, and forgets old hits', () => {
    let now = 0
    const limiter = createRateLimiter([{ prefix: 'emergency:doctor:', max: 2, windowMs: 1000 }, { prefix: 'emergency:', max: 3, windowMs: 1000 }], () => now)
    expect([limiter.take('emergency:doctor:a'), limiter.take('emergency:doctor:a'), limiter.take('emergency:doctor:a')]).toEqual([true, true, false])
    expect(limiter.take('emergency:doctor:b')).toBe(true)
    expect([limiter.take('emergency:node'), limiter.take('emergency:node'), limiter.take('emergency:node'), limiter.take('emergency:node')]).toEqual([true, true, true, false])
    expect(limiter.take('other')).toBe(true)
    now = 1000
    expect(limiter.take('emergency:doctor:a')).toBe(true)
  })
})

describe('sealTo / openSealed', () => {
  it('opens only with the subject\'s key and under the same label', () => {
    const subject = generateX25519KeyPair()
    const other = generateX25519KeyPair()
    const text = new TextEncoder().encode('{"providerId":"dr-1"}')
    const sealed = sealTo(text, subject.publicKey, ACCESS_DETAILS_LABEL)
    expect(new TextDecoder().decode(openSealed(sealed, subject.privateKey, subject.publicKey, ACCESS_DETAILS_LABEL))).toBe('{"providerId":"dr-1"}')
    expect(() => openSealed(sealed, other.privateKey, other.publicKey, ACCESS_DETAILS_LABEL)).toThrow(KeyUnwrapError)
    expect(() => openSealed(sealed, subject.privateKey, subject.publicKey, 'other-kind')).toThrow(KeyUnwrapError)
    const altered = Uint8Array.from(sealed)
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1
    expect(() => openSealed(altered, subject.privateKey, subject.publicKey, ACCESS_DETAILS_LABEL)).toThrow(KeyUnwrapError)
  })
})

describe('denialOfVerifyError', () => {
  it('maps verification failures to a status and a machine-readable code, nothing else', () => {
    expect(denialOfVerifyError(new ReplayedNonceError('x'))).toMatchObject({ status: 'DENIED', reason: { code: 'replayed-nonce' } })
    expect(denialOfVerifyError(new CredentialRevokedError('x'))).toMatchObject({ status: 'DENIED', reason: { code: 'credential-revoked' } })
    expect(denialOfVerifyError(new Error('disk on fire'))).toBeUndefined()
  })
})

describe('writeFrames', () => {
  /** A stream whose transport is full after every frame until the test drains it. */
  function fakeStream (): { stream: FrameStream, sent: Uint8Array[], drain: () => void, closed: () => boolean } {
    const sent: Uint8Array[] = []
    let waiting: (() => void) | undefined
    let isClosed = false
    const stream = {
      status: 'open',
      send: (b: Uint8Array) => { sent.push(b); return false },
      onDrain: async (o?: { signal?: AbortSignal }) => { await new Promise<void>((resolve, reject) => {
        waiting = resolve
        o?.signal?.addEventListener('abort', () => { reject(o.signal?.reason as Error) }, { once: true })
      }); },
      close: async () => { isClosed = true; await Promise.resolve() },
      abort: () => undefined,
      [Symbol.asyncIterator]: () => ({ next: async () => await Promise.resolve({ done: true as const, value: undefined }) })
    } as unknown as FrameStream
    return { stream, sent, drain: () => { const w = waiting; waiting = undefined; w?.() }, closed: () => isClosed }
  }

  it('pulls the next frame only after the stream drained, then closes', async () => {
    const { stream, sent, drain, closed } = fakeStream()
    let produced = 0
    async function * frames (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 3; i++) { produced++; yield await Promise.resolve(Uint8Array.of(i)) }
    }
    const writing = writeFrames(stream, frames(), { signal: new AbortController().signal, drainTimeoutMs: 5_000 })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect([sent.length, produced]).toEqual([1, 1])
    drain()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect([sent.length, produced]).toEqual([2, 2])
    drain()
    await new Promise((resolve) => setTimeout(resolve, 10))
    drain()
    expect(await writing).toBe(3)
    expect(closed()).toBe(true)
  })

  it('gathers frames into batches of at least batchBytes, pulling no further until the stream drained', async () => {
    const { stream, sent, drain, closed } = fakeStream()
    let produced = 0
    async function * frames (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 5; i++) { produced++; yield await Promise.resolve(new Uint8Array(40).fill(i)) }
    }
    const writing = writeFrames(stream, frames(), { signal: new AbortController().signal, drainTimeoutMs: 5_000, batchBytes: 100 })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect([sent.length, produced, sent[0]?.byteLength]).toEqual([1, 3, 120])
    drain()
    await new Promise((resolve) => setTimeout(resolve, 10))
    drain()
    expect(await writing).toBe(200)
    expect(sent.map((b) => b.byteLength)).toEqual([120, 80])
    const bytes = sent.map((b) => 'subarray' in b ? Buffer.from(b.subarray()) : Buffer.from(b))
    expect(Buffer.concat(bytes).equals(Buffer.concat([0, 1, 2, 3, 4].map((i) => Buffer.alloc(40, i))))).toBe(true)
    expect(closed()).toBe(true)
  })

  it('gives up on a reader that never drains', async () => {
    const { stream } = fakeStream()
    async function * frames (): AsyncGenerator<Uint8Array> { yield await Promise.resolve(Uint8Array.of(1)) }
    await expect(writeFrames(stream, frames(), { signal: new AbortController().signal, drainTimeoutMs: 50 })).rejects.toMatchObject({ name: 'StreamTimeoutError' })
  })
})
