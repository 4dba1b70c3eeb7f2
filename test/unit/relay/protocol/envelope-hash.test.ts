// writeEnvelope with the ciphertext hash known beforehand (the stored record's, kept at ingestion):
// signed as given without hashing the segments again; the requester recomputes it from the
// segments it received, so a hash that is not theirs is rejected.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openEnvelope, readResponseFrames, writeEnvelope } from '../../../../relay/protocol/index.js'
import { TranscriptMismatchError } from '../../../../relay/errors.js'
import { DE_CUSTODIAN_PEER, clock, makeWorld, okHeader, openOptions, signRequest, storeRecord, chunked, decodeAll, type StoredRecord, type World } from './fixtures.js'
import type { SignedRetrieveRequest } from '../../../../relay/protocol/index.js'

const sha256 = (parts: Uint8Array[]): Uint8Array => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest())

async function respondWithHash (world: World, record: StoredRecord, request: SignedRetrieveRequest, ciphertextHash: Uint8Array, segments: Iterable<Uint8Array> = record.segments): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const f of writeEnvelope({
    header: okHeader(world, record), segments, ciphertextHash, requestPayloadBytes: request.payloadBytes,
    custodianPeerId: DE_CUSTODIAN_PEER, custodianEd25519PrivateKey: world.custodian.privateKey, clock
  })) out.push(f)
  return out
}

describe('writeEnvelope with a precomputed ciphertext hash', () => {
  it('signs the given hash; the requester accepts it when it is the hash of the segments sent', async () => {
    const world = makeWorld()
    const record = await storeRecord(new TextEncoder().encode('a'.repeat(1000)))
    const request = signRequest(world, record)
    const frames = await respondWithHash(world, record, request, sha256(record.segments))
    const trailer = (await decodeAll(frames)).at(-1)
    expect(trailer?.kind).toBe('trailer')
    const chunks: Uint8Array[] = []
    const opened = await openEnvelope(readResponseFrames(chunked(frames)), openOptions(world, record, request, chunks))
    expect(Buffer.concat(chunks).toString()).toBe('a'.repeat(1000))
    expect(opened.header.status).toBe('OK')
  })

  it('does not hash the segments again: a hash that is not theirs is signed as given and the requester rejects it', async () => {
    const world = makeWorld()
    const record = await storeRecord(new TextEncoder().encode('b'.repeat(1000)))
    const request = signRequest(world, record)
    // the segments as stored, but the hash of other content (e.g. a stale or altered stored hash)
    const other = sha256([new TextEncoder().encode('other ciphertext')])
    const frames = await respondWithHash(world, record, request, other)
    const written = await decodeAll(frames)
    expect(written.filter((f) => f.kind === 'segment')).toHaveLength(record.segments.length)
    await expect(openEnvelope(readResponseFrames(chunked(frames)), openOptions(world, record, request, []))).rejects.toBeInstanceOf(TranscriptMismatchError)
  })

  it('segments altered after the hash was kept are rejected (fail closed)', async () => {
    const world = makeWorld()
    const record = await storeRecord(new TextEncoder().encode('c'.repeat(1000)))
    const request = signRequest(world, record)
    const kept = sha256(record.segments)
    const altered = record.segments.map((s, i) => { if (i !== 1) return s; const t = new Uint8Array(s); t[3] = t[3]! ^ 1; return t })
    const frames = await respondWithHash(world, record, request, kept, altered)
    await expect(openEnvelope(readResponseFrames(chunked(frames)), openOptions(world, record, request, []))).rejects.toThrow()
  })
})
