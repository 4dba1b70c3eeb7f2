import { describe, it, expect } from 'vitest'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  BLOB_HEADER_BYTES, decodeBlobHeader, decryptSegments, encryptSegments, generateRecordKeys, openBlob, readBlobFile,
  sealBlob, splitSegments, writeBlobFile, type SegmentParams
} from '../../../../relay/crypto/index.js'

function params (recordId: Uint8Array = randomBytes(32), segmentBytes = 32): SegmentParams {
  const keys = generateRecordKeys()
  return { key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId, segmentBytes }
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const c of source) out.push(new Uint8Array(c))
  return out
}

/** Plaintext fed in uneven chunks, as a network or a file gives it. */
function * pieces (data: Uint8Array, size = 7): Generator<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, i + size)
}

describe('segmented record encryption', () => {
  it('round-trips records of every length around the segment boundaries', async () => {
    const p = params()
    for (const n of [0, 1, 31, 32, 33, 63, 64, 65, 96, 1000]) {
      const data = randomBytes(n)
      const segments = await collect(encryptSegments(pieces(data), p))
      expect(segments).toHaveLength(Math.max(1, Math.ceil(n / 32)))
      for (const s of segments.slice(0, -1)) expect(s.byteLength).toBe(32 + 16)
      const back = Buffer.concat(await collect(decryptSegments(segments, p)))
      expect(back.equals(data)).toBe(true)
    }
  })

  it('detects a flipped bit in any segment, and releases nothing of that segment', async () => {
    const p = params()
    const data = randomBytes(100)
    const segments = await collect(encryptSegments([data], p))
    for (let i = 0; i < segments.length; i++) {
      const altered = segments.map((s) => new Uint8Array(s))
      altered[i]![0]! ^= 0x80
      const released: Uint8Array[] = []
      await expect((async () => { for await (const c of decryptSegments(altered, p)) released.push(c) })())
        .rejects.toMatchObject({ name: 'TamperedSegmentError', segmentIndex: i })
      expect(Buffer.concat(released).equals(data.subarray(0, i * 32))).toBe(true)
    }
  })

  it('detects truncation (last segment dropped), an empty stream and a segment after the final one', async () => {
    const p = params()
    const segments = await collect(encryptSegments([randomBytes(100)], p))
    await expect(collect(decryptSegments(segments.slice(0, -1), p))).rejects.toMatchObject({ name: 'TruncatedRecordError' })
    await expect(collect(decryptSegments([], p))).rejects.toMatchObject({ name: 'TruncatedRecordError' })
    const other = await collect(encryptSegments([randomBytes(10)], { ...p }))
    await expect(collect(decryptSegments([...segments, other[0]!], p))).rejects.toMatchObject({ name: 'MalformedSegmentError' })
  })

  it('detects reordering and splicing between positions and between records under the same key', async () => {
    const p = params()
    const data = randomBytes(128)
    const segments = await collect(encryptSegments([data], p))
    const swapped = [segments[1]!, segments[0]!, ...segments.slice(2)]
    await expect(collect(decryptSegments(swapped, p))).rejects.toMatchObject({ name: 'TamperedSegmentError', segmentIndex: 0 })
    const otherRecord = { ...p, recordId: randomBytes(32) }
    const foreign = await collect(encryptSegments([data], otherRecord))
    const spliced = [segments[0]!, foreign[1]!, ...segments.slice(2)]
    await expect(collect(decryptSegments(spliced, p))).rejects.toMatchObject({ name: 'TamperedSegmentError', segmentIndex: 1 })
    // The same record opened as another record fails at once.
    await expect(collect(decryptSegments(segments, otherRecord))).rejects.toMatchObject({ name: 'TamperedSegmentError', segmentIndex: 0 })
  })

  it('rejects segments of impossible lengths', async () => {
    const p = params()
    const segments = await collect(encryptSegments([randomBytes(100)], p))
    await expect(collect(decryptSegments([segments[0]!.subarray(0, 10)], p))).rejects.toMatchObject({ name: 'MalformedSegmentError' })
    await expect(collect(decryptSegments([new Uint8Array(100), segments[0]!], p))).rejects.toMatchObject({ name: 'MalformedSegmentError' })
  })

  it('refuses unusable parameters', async () => {
    await expect(collect(encryptSegments([], { ...params(), key: new Uint8Array(16) }))).rejects.toMatchObject({ name: 'InvalidKeyError' })
    await expect(collect(encryptSegments([], { ...params(), segmentBytes: 8 }))).rejects.toMatchObject({ name: 'InvalidKeyError' })
    await expect(collect(encryptSegments([], { ...params(), recordId: new Uint8Array(0) }))).rejects.toMatchObject({ name: 'InvalidKeyError' })
  })

  it('splits a concatenated ciphertext stream back into segments', async () => {
    const p = params()
    const data = randomBytes(200)
    const segments = await collect(encryptSegments([data], p))
    const resplit = await collect(splitSegments(pieces(Buffer.concat(segments), 11), 32))
    expect(resplit.map((s) => Buffer.from(s).toString('hex'))).toEqual(segments.map((s) => Buffer.from(s).toString('hex')))
  })
})

describe('blob files', () => {
  it('writes a blob durably with mode 0600, reads its segments as stored and decrypts them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hr-blob-'))
    try {
      const p = params(randomBytes(32), 64)
      const data = randomBytes(1000)
      const path = join(dir, 'blob')
      const written = await writeBlobFile(path, pieces(data, 100), p)
      const file = await readFile(path)
      expect(written.bytes).toBe(file.byteLength)
      expect(written.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect((await stat(path)).mode & 0o777).toBe(0o600)
      expect(file.byteLength).toBe(BLOB_HEADER_BYTES + 1000 + 16 * Math.ceil(1000 / 64))

      const blob = await readBlobFile(path)
      expect(blob.header.segmentBytes).toBe(64)
      expect(Buffer.from(blob.header.noncePrefix).equals(p.noncePrefix)).toBe(true)
      const stored = await collect(blob.segments())
      const back = Buffer.concat(await collect(decryptSegments(stored, p)))
      expect(back.equals(data)).toBe(true)
      const viaStream = Buffer.concat(await collect(openBlob(pieces(file, 13), p)))
      expect(viaStream.equals(data)).toBe(true)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('detects a flipped header byte, a truncated file and a foreign header', async () => {
    const p = params(randomBytes(32), 64)
    const data = randomBytes(300)
    const blob = Buffer.concat(await collect(sealBlob([data], p)))
    expect(decodeBlobHeader(blob).segmentBytes).toBe(64)
    for (let i = 0; i < BLOB_HEADER_BYTES; i++) {
      const altered = Buffer.from(blob)
      altered[i]! ^= 0x01
      const failure = await collect(openBlob([altered], p)).then(() => undefined, (err: unknown) => err as Error)
      expect(failure?.name, `header byte ${i}`).toMatch(/^(InvalidBlobHeaderError|TamperedSegmentError|MalformedSegmentError|TruncatedRecordError)$/)
    }
    // The final segment (44 bytes of plaintext + 16) cut off: the one before is not final.
    await expect(collect(openBlob([blob.subarray(0, blob.byteLength - 60)], p))).rejects.toMatchObject({ name: 'TruncatedRecordError' })
    // Cut anywhere else: the last piece does not authenticate.
    await expect(collect(openBlob([blob.subarray(0, blob.byteLength - 80)], p))).rejects.toMatchObject({ name: 'TamperedSegmentError' })
    await expect(collect(openBlob([blob.subarray(0, 10)], p))).rejects.toMatchObject({ name: 'InvalidBlobHeaderError' })
    await expect(collect(openBlob([Buffer.from('{"resourceType":"Bundle"} not a blob at all')], p))).rejects.toMatchObject({ name: 'InvalidBlobHeaderError' })
  })

  it('leaves no temporary file when the plaintext source fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hr-blob-'))
    try {
      await writeFile(join(dir, 'keep'), 'x')
      async function * failing (): AsyncGenerator<Uint8Array> {
        yield randomBytes(100)
        await Promise.resolve()
        throw new Error('source failed')
      }
      await expect(writeBlobFile(join(dir, 'blob'), failing(), params())).rejects.toThrow('source failed')
      const { readdir } = await import('node:fs/promises')
      expect(await readdir(dir)).toEqual(['keep'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
