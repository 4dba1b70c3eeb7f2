/**
 * The ciphertext hash kept with a record (schema version 3): computed once at ingestion over the
 * blob's segments, exactly as the record source streams them for a retrieval; for a record stored
 * before it was kept, computed by the first full read and kept only then (never from a partial read,
 * never from a blob that no longer matches its content address). Real SQLite, real blob files.
 */
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../../common/logger.js'
import { BLOB_HEADER_BYTES, DEFAULT_SEGMENT_BYTES, createMemoryKeyProvider, generateEd25519KeyPair, generateX25519KeyPair, hexToBytes, type KeyProvider } from '../../../../relay/crypto/index.js'
import { createRecordSource } from '../../../../node/relay-adapters/records.js'
import { createRecordService, type RecordService } from '../../../../node/services/records.js'
import { getRecord, setRecordStatus } from '../../../../node/storage/index.js'
import type { RecordSource } from '../../../../relay/service/ports.js'
import { openHarness, type Harness } from '../storage/helpers.js'
import { paddedSummary } from './fixtures.js'

const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** A summary of three default segments or more (the partial-read case needs several). */
const largeSummary = (label: string): Uint8Array => paddedSummary(label, 3 * DEFAULT_SEGMENT_BYTES)

describe('ciphertext hash kept with a record', () => {
  let h: Harness
  let kek: KeyProvider
  let service: RecordService
  let source: RecordSource
  const subject = 'hr1hashsubject'

  beforeEach(async () => {
    h = await openHarness()
    kek = createMemoryKeyProvider()
    service = createRecordService({
      storage: h.storage, kek, country: 'DE', custodianX25519: generateX25519KeyPair().publicKey,
      enrollOnChain: async () => { await Promise.resolve() }, logger: silentLogger()
    })
    await service.enrol({
      subject, publicKey: generateEd25519KeyPair().publicKey, x25519PublicKey: generateX25519KeyPair().publicKey,
      birthDate: '1980-02-29', identifiers: [{ value: 'ID-HASH-1' }], categories: ['patient-summary']
    })
    source = createRecordSource({ storage: h.storage, keys: kek })
  })
  afterEach(async () => { await h.close() })

  const ingestActive = async (label: string): Promise<string> => {
    const r = await service.ingest(largeSummary(label), { contentType: 'application/fhir+json', subject })
    setRecordStatus(h.storage.db, r.tokenId, 'active', Date.now())
    return r.tokenId
  }
  const streamed = async (tokenId: string): Promise<Buffer> => {
    const held = await source.get(hexToBytes(tokenId))
    const parts: Uint8Array[] = []
    for await (const s of source.segments(held!)) parts.push(new Uint8Array(s))
    return Buffer.concat(parts)
  }
  const blobFile = async (tokenId: string): Promise<Buffer> => await readFile(h.storage.blobs.path(getRecord(h.storage.db, tokenId)!.blobHash))

  it('ingestion keeps the SHA-256 of the segments exactly as a retrieval streams them (the blob without its header)', async () => {
    const tokenId = await ingestActive('hash-ingest')
    const row = getRecord(h.storage.db, tokenId)!
    const segments = await streamed(tokenId)
    expect(segments.byteLength).toBeGreaterThan(3 * 65_536)
    expect(row.ciphertextHash).toBe(sha256hex(segments))
    expect(row.ciphertextHash).toBe(sha256hex((await blobFile(tokenId)).subarray(BLOB_HEADER_BYTES)))
    const held = await source.get(hexToBytes(tokenId))
    expect(Buffer.from(held!.ciphertextHash!).toString('hex')).toBe(row.ciphertextHash)
  })

  it('a record stored before the hash was kept: a partial read keeps nothing, the first full read keeps it', async () => {
    const tokenId = await ingestActive('hash-old')
    const expected = getRecord(h.storage.db, tokenId)!.ciphertextHash
    h.storage.db.prepare('UPDATE records SET ciphertext_hash = NULL WHERE token_id = ?').run(tokenId)
    const held = await source.get(hexToBytes(tokenId))
    expect(held!.ciphertextHash).toBeUndefined()
    // a retrieval that stops after the first segment (requester gone, stream aborted)
    for await (const s of source.segments(held!)) { expect(s.byteLength).toBeGreaterThan(0); break }
    const aborted = new AbortController()
    const partial = source.segments(held!, { signal: aborted.signal })[Symbol.asyncIterator]()
    await partial.next()
    aborted.abort()
    // segments already read may still come; the next read fails, before the end
    let failed: unknown
    for (let i = 0; i < 16 && failed === undefined; i++) {
      const step = await partial.next().catch((err: unknown) => { failed = err; return undefined })
      expect(step?.done ?? false).toBe(false)
    }
    expect(failed).toBeInstanceOf(Error)
    expect(getRecord(h.storage.db, tokenId)!.ciphertextHash).toBeUndefined()
    // a full read
    const segments = await streamed(tokenId)
    expect(getRecord(h.storage.db, tokenId)!.ciphertextHash).toBe(sha256hex(segments))
    expect(getRecord(h.storage.db, tokenId)!.ciphertextHash).toBe(expected)
    expect(Buffer.from((await source.get(hexToBytes(tokenId)))!.ciphertextHash!).toString('hex')).toBe(expected)
  })

  it('a record stored before the hash was kept whose blob was altered on disk: nothing is kept', async () => {
    const tokenId = await ingestActive('hash-altered')
    h.storage.db.prepare('UPDATE records SET ciphertext_hash = NULL WHERE token_id = ?').run(tokenId)
    const file = await blobFile(tokenId)
    file[BLOB_HEADER_BYTES + 70_000] = file[BLOB_HEADER_BYTES + 70_000]! ^ 0xff
    await writeFile(h.storage.blobs.path(getRecord(h.storage.db, tokenId)!.blobHash), file)
    await streamed(tokenId)
    expect(getRecord(h.storage.db, tokenId)!.ciphertextHash).toBeUndefined()
  })
})
