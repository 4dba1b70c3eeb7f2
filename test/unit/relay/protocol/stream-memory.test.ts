// A 50 MB record through the whole streaming path — encrypted to a blob file, read back segment by
// segment, relayed as frames, opened by the requester — with the process's memory growth measured.
// This asserts a memory bound (streamed, never buffered whole), not a timing.
import { describe, it, expect } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  DEFAULT_SEGMENT_BYTES, commitmentOfStream, generateRecordKeys, readBlobFile, wrapToRecipient, writeBlobFile
} from '../../../../relay/crypto/index.js'
import { openEnvelope, readResponseFrames, writeEnvelope } from '../../../../relay/protocol/index.js'
import { DE_CUSTODIAN_PEER, clock, makeWorld, signRequest } from './fixtures.js'

const TOTAL = 50 * 1024 * 1024
const CHUNK = 100 * 1024
const LIMIT = 64 * 1024 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** 50 MB of plaintext, produced chunk by chunk (never held whole). */
async function * plaintext (): AsyncGenerator<Uint8Array> {
  const block = randomBytesSeeded()
  for (let off = 0, i = 0; off < TOTAL; off += CHUNK, i++) {
    const chunk = new Uint8Array(Math.min(CHUNK, TOTAL - off))
    chunk.set(block.subarray(0, chunk.byteLength))
    new DataView(chunk.buffer).setUint32(0, i)
    await Promise.resolve()
    yield chunk
  }
}
let seeded: Uint8Array | undefined
function randomBytesSeeded (): Uint8Array {
  seeded ??= new Uint8Array(randomBytes(CHUNK))
  return seeded
}

describe('streaming memory bound', () => {
  it('relays and opens a 50 MB record with RSS growth below 64 MB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hr-50mb-'))
    try {
      gc()  // baseline before any of the 50 MB passes
      const baseline = process.memoryUsage()
      let peakRss = baseline.rss
      let peakHeap = baseline.heapUsed
      const sample = (): void => {
        const m = process.memoryUsage()
        peakRss = Math.max(peakRss, m.rss)
        peakHeap = Math.max(peakHeap, m.heapUsed)
      }
      const world = makeWorld()
      const tokenId = new Uint8Array(randomBytes(32))
      const keys = generateRecordKeys()
      const expectedSha = createHash('sha256')
      async function * sampled (): AsyncGenerator<Uint8Array> {
        for await (const c of plaintext()) { sample(); yield c }
      }
      for await (const c of sampled()) expectedSha.update(c)
      const commitment = await commitmentOfStream(keys.commitmentSalt, sampled())


      // Custodian: ingest into a blob file.
      const path = join(dir, 'blob')
      const params = { key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId: tokenId, segmentBytes: DEFAULT_SEGMENT_BYTES }
      const written = await writeBlobFile(path, sampled(), params)
      expect(written.bytes).toBeGreaterThan(TOTAL)

      // Custodian relays the stored segments; requester opens them as they stream.
      const record = { tokenId, plaintext: new Uint8Array(0), keys, segmentBytes: DEFAULT_SEGMENT_BYTES, segments: [], commitment }
      const request = signRequest(world, record)
      const blob = await readBlobFile(path)
      const wire = writeEnvelope({
        header: {
          status: 'OK', tokenId, category: 'imaging', mediaType: 'application/dicom',
          wrappedKey: wrapToRecipient(keys, tokenId, world.doctorX.publicKey),
          plaintextBytes: BigInt(TOTAL), segmentBytes: DEFAULT_SEGMENT_BYTES, commitment
        },
        segments: blob.segments(),
        requestPayloadBytes: request.payloadBytes,
        custodianPeerId: DE_CUSTODIAN_PEER,
        custodianEd25519PrivateKey: world.custodian.privateKey,
        clock
      })
      const got = createHash('sha256')
      let chunks = 0
      const result = await openEnvelope(readResponseFrames(wire), {
        doctorX25519PrivateKey: world.doctorX.privateKey,
        custodianEd25519PublicKey: world.custodian.publicKey,
        expectedCommitment: commitment,
        requestPayloadBytes: request.payloadBytes,
        sink: { write: (c) => { got.update(c); if (++chunks % 16 === 0) sample() } }
      })
      sample()
      expect(result.plaintextBytes).toBe(BigInt(TOTAL))
      expect(got.digest('hex')).toBe(expectedSha.digest('hex'))

      const rssGrowth = peakRss - baseline.rss
      const heapGrowth = peakHeap - baseline.heapUsed
      console.log(`50 MB relay: peak RSS growth ${(rssGrowth / 2 ** 20).toFixed(1)} MiB, peak heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB`)
      expect(rssGrowth).toBeLessThan(LIMIT)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
