import { describe, it, expect } from 'vitest'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  computeCommitment, generateEd25519KeyPair, generateRecordKeys, generateX25519KeyPair, wrapToRecipient
} from '../../../../relay/crypto/index.js'
import { openEnvelope, openEnvelopeToFile, signTrailer, decodeTrailerPayload } from '../../../../relay/protocol/index.js'
import { HealthrelayError } from '../../../../common/errors.js'
import {
  chunked, decodeAll, encodeAll, makeWorld, okHeader, openOptions, readResponseFrames, respond, signRequest, storeRecord,
  DE_CUSTODIAN_PEER
} from './fixtures.js'

const fhir = new TextEncoder().encode(JSON.stringify({
  resourceType: 'Bundle', type: 'document', entry: Array.from({ length: 8 }, (_, i) => ({ resource: { resourceType: 'Condition', id: `c${i}` } }))
}))

async function open (world: ReturnType<typeof makeWorld>, record: Awaited<ReturnType<typeof storeRecord>>, request: ReturnType<typeof signRequest>, frames: Uint8Array[]) {
  const chunks: Uint8Array[] = []
  const result = await openEnvelope(readResponseFrames(chunked(frames)), openOptions(world, record, request, chunks))
  return { result, plaintext: Buffer.concat(chunks) }
}

describe('openEnvelope', () => {
  it('round-trips a record relayed as stored: decrypts, checks signature, transcript and commitment', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    expect(record.segments.length).toBeGreaterThan(3)
    const request = signRequest(world, record)
    const { result, plaintext } = await open(world, record, request, await respond(world, record, request))
    expect(plaintext.equals(fhir)).toBe(true)
    expect(result.plaintextBytes).toBe(BigInt(fhir.byteLength))
    expect(Buffer.from(result.commitment).equals(record.commitment)).toBe(true)
    expect(result.header.category).toBe('patient-summary')
    expect(result.header.obligations).toEqual(['audit'])
    expect(result.trailer.custodianPeerId).toBe(DE_CUSTODIAN_PEER)
  })

  it('round-trips an empty record and a record of exactly whole segments', async () => {
    const world = makeWorld()
    for (const body of [new Uint8Array(0), randomBytes(64 * 3)]) {
      const record = await storeRecord(body, 64)
      const request = signRequest(world, record)
      const { plaintext } = await open(world, record, request, await respond(world, record, request))
      expect(plaintext.equals(body)).toBe(true)
    }
  })

  it('rejects each tampered segment', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const frames = await decodeAll(await respond(world, record, request))
    for (let i = 1; i < frames.length - 1; i++) {
      const altered = frames.map((f, j) => {
        if (j !== i || f.kind !== 'segment') return f
        const bytes = new Uint8Array(f.bytes)
        bytes[bytes.byteLength >> 1]! ^= 0x01
        return { kind: 'segment' as const, bytes }
      })
      await expect(open(world, record, request, encodeAll(altered))).rejects.toMatchObject({ name: 'TamperedSegmentError', segmentIndex: i - 1 })
    }
  })

  it('rejects a response whose last segment was dropped (trailer kept)', async () => {
    const world = makeWorld()
    const record = await storeRecord(randomBytes(64 * 4), 64)
    const request = signRequest(world, record)
    const frames = await decodeAll(await respond(world, record, request))
    const dropped = [...frames.slice(0, -2), frames.at(-1)!]
    await expect(open(world, record, request, encodeAll(dropped))).rejects.toMatchObject({ name: 'TruncatedRecordError' })
  })

  it('rejects a stream cut before the trailer, and delivers nothing as valid', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const frames = await respond(world, record, request)
    await expect(open(world, record, request, frames.slice(0, -1))).rejects.toMatchObject({ name: 'TruncatedEnvelopeError' })
    // cut inside a frame
    const bytes = Buffer.concat(frames)
    await expect(open(world, record, request, [bytes.subarray(0, bytes.byteLength - 5)])).rejects.toMatchObject({ name: 'MalformedFrameError' })
  })

  it('rejects reordered segments', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const frames = await decodeAll(await respond(world, record, request))
    const swapped = [...frames]
    ;[swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!]
    await expect(open(world, record, request, encodeAll(swapped))).rejects.toMatchObject({ name: 'TamperedSegmentError', segmentIndex: 0 })
  })

  it('rejects a segment spliced from another record under the same key, or at another position', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    // Same data key and nonce prefix, other token id: only the AAD binding tells them apart.
    const other = await storeRecord(fhir, 64)
    const twin = await (async () => {
      const { encryptSegments } = await import('../../../../relay/crypto/index.js')
      const segs: Uint8Array[] = []
      for await (const s of encryptSegments([fhir], { key: record.keys.dataKey, noncePrefix: record.keys.noncePrefix, recordId: other.tokenId, segmentBytes: 64 })) segs.push(s)
      return segs
    })()
    const request = signRequest(world, record)
    const frames = await decodeAll(await respond(world, record, request))
    const spliced = frames.map((f, j) => j === 2 ? { kind: 'segment' as const, bytes: twin[1]! } : f)
    await expect(open(world, record, request, encodeAll(spliced))).rejects.toMatchObject({ name: 'TamperedSegmentError', segmentIndex: 1 })
    const moved = frames.map((f, j) => j === 3 && frames[1]!.kind === 'segment' ? frames[1]! : f)
    await expect(open(world, record, request, encodeAll(moved))).rejects.toMatchObject({ name: 'TamperedSegmentError' })
  })

  it('rejects every single-bit change of the header', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const frames = await decodeAll(await respond(world, record, request))
    const header = frames[0]!
    if (header.kind !== 'header') throw new Error('first frame is not the header')
    const names = new Set<string>()
    for (let i = 0; i < header.bytes.byteLength; i++) {
      const bytes = new Uint8Array(header.bytes)
      bytes[i]! ^= 0x04
      let decoded
      try {
        decoded = await decodeAll(encodeAll([{ kind: 'header', bytes, header: header.header }]))
      } catch (err) {
        names.add((err as Error).name)
        continue
      }
      const altered = [decoded[0]!, ...frames.slice(1)]
      const failure = await open(world, record, request, encodeAll(altered)).then(() => undefined, (err: unknown) => err)
      expect(failure, `byte ${i}`).toBeInstanceOf(HealthrelayError)
      names.add((failure as Error).name)
    }
    expect(names.has('TranscriptMismatchError')).toBe(true)
  })

  it('rejects a trailer signed by another key, or altered after signing', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const forged = await respond(world, record, request, undefined, generateEd25519KeyPair().privateKey)
    await expect(open(world, record, request, forged)).rejects.toMatchObject({ name: 'ForgedTrailerError' })

    const frames = await decodeAll(await respond(world, record, request))
    const last = frames.at(-1)!
    if (last.kind !== 'trailer') throw new Error('last frame is not the trailer')
    for (let i = 0; i < last.trailer.payload.byteLength; i++) {
      const payload = new Uint8Array(last.trailer.payload)
      payload[i]! ^= 0x01
      const altered = [...frames.slice(0, -1), { kind: 'trailer' as const, trailer: { payload, signature: last.trailer.signature } }]
      await expect(open(world, record, request, encodeAll(altered))).rejects.toMatchObject({ name: 'ForgedTrailerError' })
    }
    const unsigned = [...frames.slice(0, -1), { kind: 'trailer' as const, trailer: { payload: last.trailer.payload, signature: new Uint8Array(0) } }]
    await expect(open(world, record, request, encodeAll(unsigned))).rejects.toMatchObject({ name: 'ForgedTrailerError' })
  })

  it('rejects a correctly signed trailer over another transcript (e.g. another request)', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const otherRequest = signRequest(world, record)
    const frames = await decodeAll(await respond(world, record, otherRequest))
    await expect(open(world, record, request, encodeAll(frames))).rejects.toMatchObject({ name: 'TranscriptMismatchError', field: 'request' })
    // A trailer re-signed by the custodian but naming a ciphertext hash of nothing.
    const last = frames.at(-1)!
    if (last.kind !== 'trailer') throw new Error('no trailer')
    const goodFrames = await decodeAll(await respond(world, record, request))
    const good = goodFrames.at(-1)!
    if (good.kind !== 'trailer') throw new Error('no trailer')
    const t = decodeTrailerPayload(good.trailer.payload)
    const resigned = signTrailer({ ...t, ciphertextHash: new Uint8Array(32) }, world.custodian.privateKey)
    const altered = [...goodFrames.slice(0, -1), { kind: 'trailer' as const, trailer: resigned }]
    await expect(open(world, record, request, encodeAll(altered))).rejects.toMatchObject({ name: 'TranscriptMismatchError', field: 'ciphertext' })
  })

  it('rejects content that does not match the commitment on chain', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const frames = await respond(world, record, request)
    const chunks: Uint8Array[] = []
    await expect(openEnvelope(readResponseFrames(chunked(frames)), {
      ...openOptions(world, record, request, chunks), expectedCommitment: new Uint8Array(32).fill(9)
    })).rejects.toMatchObject({ name: 'CommitmentMismatchError' })
    expect(chunks).toHaveLength(0)
    // A custodian announcing the on-chain commitment over other content (same key and salt).
    const liar = await storeRecord(new TextEncoder().encode('{"resourceType":"Bundle","entry":[]}'), 64, record.tokenId)
    const forgedRecord = { ...liar, keys: { ...liar.keys, commitmentSalt: record.keys.commitmentSalt } }
    const lieFrames = await respond(world, forgedRecord, request, okHeader(world, forgedRecord, { commitment: record.commitment }))
    await expect(open(world, record, request, lieFrames)).rejects.toMatchObject({ name: 'CommitmentMismatchError' })
  })

  it('accepts transformed content against the new commitment the custodian signed', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const redacted = new TextEncoder().encode('{"resourceType":"Bundle","entry":[]}')
    const transformed = await storeRecord(redacted, 64, record.tokenId)
    const request = signRequest(world, record)
    const frames = await respond(world, transformed, request, okHeader(world, transformed, { contentTransformed: true, obligations: ['redact:mental-health'] }))
    const chunks: Uint8Array[] = []
    const result = await openEnvelope(readResponseFrames(chunked(frames)), openOptions(world, record, request, chunks))
    expect(Buffer.concat(chunks).equals(redacted)).toBe(true)
    expect(result.contentTransformed).toBe(true)
    expect(Buffer.from(result.commitment).equals(transformed.commitment)).toBe(true)
  })

  it('reports a signed refusal with its reason', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const reason = { code: 'policy-denied', jurisdiction: 'DE', policyId: 'de-export-genomic', message: 'genomic data stays in DE' }
    const frames = await respond(world, record, request, { status: 'DENIED', tokenId: record.tokenId, reason })
    await expect(open(world, record, request, frames)).rejects.toMatchObject({ name: 'RetrievalDeniedError', relayStatus: 'DENIED', reason })
    const forged = await respond(world, record, request, { status: 'DENIED', tokenId: record.tokenId, reason }, generateEd25519KeyPair().privateKey)
    await expect(open(world, record, request, forged)).rejects.toMatchObject({ name: 'ForgedTrailerError' })
  })

  it('rejects a key wrapped to someone else or for another token', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const toOther = okHeader(world, record, { wrappedKey: wrapToRecipient(record.keys, record.tokenId, generateX25519KeyPair().publicKey) })
    await expect(open(world, record, request, await respond(world, record, request, toOther))).rejects.toMatchObject({ name: 'KeyUnwrapError' })
    const otherToken = okHeader(world, record, { wrappedKey: wrapToRecipient(record.keys, randomBytes(32), world.doctorX.publicKey) })
    await expect(open(world, record, request, await respond(world, record, request, otherToken))).rejects.toMatchObject({ name: 'KeyUnwrapError' })
  })

  it('openEnvelopeToFile writes the file only when everything verified', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hr-envelope-'))
    try {
      const world = makeWorld()
      const record = await storeRecord(fhir, 64)
      const request = signRequest(world, record)
      const opts = { ...openOptions(world, record, request, []) }
      const { sink: _sink, ...fileOpts } = opts
      const out = join(dir, 'record.json')
      await openEnvelopeToFile(readResponseFrames(chunked(await respond(world, record, request))), out, fileOpts)
      expect((await readFile(out)).equals(fhir)).toBe(true)

      const bad = join(dir, 'bad.json')
      const forged = await respond(world, record, request, undefined, generateEd25519KeyPair().privateKey)
      await expect(openEnvelopeToFile(readResponseFrames(chunked(forged)), bad, fileOpts)).rejects.toMatchObject({ name: 'ForgedTrailerError' })
      expect((await readdir(dir)).sort()).toEqual(['record.json'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('rejects a header for another token', async () => {
    const world = makeWorld()
    const record = await storeRecord(fhir, 64)
    const other = await storeRecord(fhir, 64)
    const request = signRequest(world, record)
    const frames = await respond(world, other, signRequest(world, other))
    await expect(open(world, record, request, frames)).rejects.toMatchObject({ name: 'TranscriptMismatchError', field: 'token id' })
    expect(computeCommitment(generateRecordKeys().commitmentSalt, fhir)).toHaveLength(32)
  })
})
