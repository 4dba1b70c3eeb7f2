/** RecordSource and RestrictionCheck over node/storage (SQLite rows, blob files) and the KeyProvider. */
import { createHash } from 'node:crypto'
import { encodeBlobHeader, readBlobFile } from '../../relay/crypto/blob.js'
import { bytesToHex, hexToBytes } from '../../relay/crypto/bytes.js'
import { decodeWrappedSecret, type KeyProvider } from '../../relay/crypto/key-provider.js'
import { decodeRecordKeys } from '../../relay/crypto/record-keys.js'
import type { HeldRecord, RecordSource, RestrictionCheck } from '../../relay/service/ports.js'
import type { Storage } from '../storage/storage.js'
import { getRecord, getRecordKey, recordsBySubject, setCiphertextHash, type StoredRecord } from '../storage/records.js'
import { isRestricted } from '../storage/restrictions.js'
import { isRecordCategory } from '../fhir/category.js'

/** Statuses a record may be served in (minted and current). */
const SERVABLE = new Set(['active'])
const SEGMENT_SIZE_CACHE = 4096

export function createRecordSource (components: { storage: Pick<Storage, 'db' | 'blobs'>, keys: KeyProvider }): RecordSource {
  const { storage, keys } = components
  const segmentSizes = new Map<string, number>()
  const segmentBytesOf = async (blobHash: string): Promise<number> => {
    const known = segmentSizes.get(blobHash)
    if (known !== undefined) return known
    const size = (await readBlobFile(storage.blobs.path(blobHash))).header.segmentBytes
    if (segmentSizes.size >= SEGMENT_SIZE_CACHE) segmentSizes.delete(segmentSizes.keys().next().value as string)
    segmentSizes.set(blobHash, size)
    return size
  }
  const held = async (r: StoredRecord): Promise<HeldRecord & { blobHash: string }> => ({
    tokenId: hexToBytes(r.tokenId),
    subject: r.subject,
    category: r.category,
    mediaType: r.mediaType,
    plaintextBytes: BigInt(r.plaintextBytes),
    commitment: hexToBytes(r.commitment),
    segmentBytes: await segmentBytesOf(r.blobHash),
    blobHash: r.blobHash,
    ...(r.ciphertextHash === undefined ? {} : { ciphertextHash: hexToBytes(r.ciphertextHash) }),
    // the sensitive categories inside it: each is decided (and redacted when denied) at release
    ...(r.contains.length === 0 ? {} : { contains: r.contains })
  })
  const rowOf = (record: HeldRecord): StoredRecord => {
    const r = getRecord(storage.db, bytesToHex(record.tokenId))
    if (r === undefined || !SERVABLE.has(r.status)) throw new Error('the record is no longer held')
    return r
  }
  return {
    get: async (tokenId) => {
      if (tokenId.byteLength !== 32) return undefined
      const r = getRecord(storage.db, bytesToHex(tokenId))
      if (r === undefined || !SERVABLE.has(r.status)) return undefined
      return await held(r)
    },
    segments: async function * (record, options) {
      const row = rowOf(record)
      const blob = await readBlobFile(storage.blobs.path(row.blobHash))
      if (row.ciphertextHash !== undefined) {
        yield * blob.segments(options)
        return
      }
      // stored before the hash was kept (schema version 3): this read computes it, and it is kept
      // only when every segment was read and the whole file still matches its content address (a
      // blob altered on disk leaves the column empty; its requester rejects it either way)
      const segmentsHash = createHash('sha256')
      const fileHash = createHash('sha256').update(encodeBlobHeader(blob.header))
      for await (const segment of blob.segments(options)) {
        segmentsHash.update(segment)
        fileHash.update(segment)
        yield segment
      }
      if (fileHash.digest('hex') !== row.blobHash) return
      try {
        setCiphertextHash(storage.db, row.tokenId, row.blobHash, segmentsHash.digest('hex'))
      } catch {
        // not kept this time (e.g. the database is busy): the next full read computes it again
      }
    },
    keys: async (record, options) => {
      const wrapped = getRecordKey(storage.db, bytesToHex(record.tokenId))
      if (wrapped === undefined) throw new Error('the record has no key (erased)')
      return decodeRecordKeys(await keys.unwrap(decodeWrappedSecret(wrapped.wrappedKey), record.tokenId, options))
    },
    bySubject: async (subject) => {
      const rows = recordsBySubject(storage.db, subject, { statuses: ['active'] })
      return await Promise.all(rows.map(held))
    }
  }
}

export function createRestrictionCheck (components: { storage: Pick<Storage, 'db'> }): RestrictionCheck {
  return {
    // an unknown record is asked about too (subject ""), so both take the same path
    isRestricted: async (subject, category) => await Promise.resolve(isRestricted(components.storage.db, subject, isRecordCategory(category) ? category : 'other') && subject !== '')
  }
}
