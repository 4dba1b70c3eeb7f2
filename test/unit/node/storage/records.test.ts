import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  completeBlobErasures, eraseRecord, getRecord, getRecordKey, insertRecord, recordsBySubject, setRecordStatus, enqueueOutbox, outboxInState, dueOutbox,
  storedBlobBytes, InvalidStatusTransitionError, RecordExistsError, InvalidStorageValueError, type NewRecord
} from '../../../../node/storage/index.js'
import { hex, openHarness, type Harness } from './helpers.js'

let h: Harness
beforeEach(async () => { h = await openHarness() })
afterEach(async () => { await h.close() })

async function newRecord (over: Partial<NewRecord> = {}): Promise<NewRecord> {
  const blob = await h.storage.blobs.put([Buffer.from(`ciphertext ${hex(8)}`)])
  return {
    tokenId: hex(), subject: 'hr1subject', category: 'lab-result', mediaType: 'application/fhir+json; fhirVersion=4.0',
    plaintextBytes: 1000, blobHash: blob.hash, blobBytes: blob.bytes, commitment: hex(), status: 'pending',
    wrappedKey: Buffer.from(`WRAPPED-KEY-${hex(16)}`), kekId: 'kek-0000000000001-abcd', at: 1000, ...over
  }
}

describe('records', () => {
  it('stores metadata and the wrapped key, and lists a subject\'s records', async () => {
    const r = await newRecord()
    const mint = h.storage.db.transaction(() => {
      insertRecord(h.storage.db, r)
      return enqueueOutbox(h.storage.db, { kind: 'mint', tokenId: r.tokenId, payload: Buffer.from('msg'), at: 1000 })
    })()
    expect(getRecord(h.storage.db, r.tokenId)).toMatchObject({ tokenId: r.tokenId, category: 'lab-result', status: 'pending', supersedes: undefined })
    expect(getRecordKey(h.storage.db, r.tokenId)).toEqual({ wrappedKey: new Uint8Array(r.wrappedKey), kekId: r.kekId })
    expect(dueOutbox(h.storage.db, 1000, 10).map((e) => e.id)).toEqual([mint])
    const second = await newRecord({ category: 'imaging', status: 'local', at: 2000 })
    insertRecord(h.storage.db, second)
    expect(recordsBySubject(h.storage.db, 'hr1subject').map((x) => x.category)).toEqual(['lab-result', 'imaging'])
    expect(recordsBySubject(h.storage.db, 'hr1subject', { categories: ['imaging'] })).toHaveLength(1)
    expect(storedBlobBytes(h.storage.db)).toBe(r.blobBytes + second.blobBytes)
    expect(() => { insertRecord(h.storage.db, r) }).toThrow(RecordExistsError)
  })

  it('rolls back a record whose outbox entry fails in the same transaction', async () => {
    const r = await newRecord()
    expect(() => h.storage.db.transaction(() => {
      insertRecord(h.storage.db, r)
      throw new Error('crash before the mint was queued')
    })()).toThrow('crash')
    expect(getRecord(h.storage.db, r.tokenId)).toBeUndefined()
    expect(getRecordKey(h.storage.db, r.tokenId)).toBeUndefined()
  })

  it('follows the life cycle and refuses other moves', async () => {
    const r = await newRecord()
    insertRecord(h.storage.db, r)
    expect(() => setRecordStatus(h.storage.db, r.tokenId, 'superseded', 2)).toThrow(InvalidStatusTransitionError)
    setRecordStatus(h.storage.db, r.tokenId, 'active', 2)
    setRecordStatus(h.storage.db, r.tokenId, 'superseded', 3)
    expect(getRecord(h.storage.db, r.tokenId)?.status).toBe('superseded')
    expect(() => setRecordStatus(h.storage.db, r.tokenId, 'active', 4)).toThrow('cannot go from superseded to active')
  })

  it('checks ids and categories at the edge', async () => {
    await expect(async () => { insertRecord(h.storage.db, await newRecord({ tokenId: 'xyz' })) }).rejects.toThrow(InvalidStorageValueError)
    await expect(async () => { insertRecord(h.storage.db, await newRecord({ category: 'gossip' as never })) }).rejects.toThrow('unknown category')
  })

  it('erases: the key row is gone from the database file and its WAL, the blob is deleted, the chain update is queued', async () => {
    const r = await newRecord()
    insertRecord(h.storage.db, r)
    setRecordStatus(h.storage.db, r.tokenId, 'active', 2)
    const marker = Buffer.from(r.wrappedKey)
    const dbFile = join(h.home, 'node.sqlite')
    const before = Buffer.concat([await readFile(dbFile), await readFile(`${dbFile}-wal`).catch(() => Buffer.alloc(0))])
    expect(before.includes(marker)).toBe(true)

    const result = await eraseRecord(h.storage.db, h.storage.blobs, r.tokenId, { at: 5, outbox: { payload: Buffer.from('MsgSetRecordStatus ERASED') } })
    expect(result).toMatchObject({ blobDeleted: true, walTruncated: true, record: { status: 'erased' } })
    expect(getRecordKey(h.storage.db, r.tokenId)).toBeUndefined()
    expect(await h.storage.blobs.has(r.blobHash)).toBe(false)
    expect(outboxInState(h.storage.db, 'pending').map((e) => [e.kind, e.tokenId])).toEqual([['set-status', r.tokenId]])
    const wal = await readFile(`${dbFile}-wal`).catch(() => Buffer.alloc(0))
    expect(wal.byteLength).toBe(0)
    expect((await readFile(dbFile)).includes(marker)).toBe(false)
    await expect(eraseRecord(h.storage.db, h.storage.blobs, r.tokenId, { at: 6 })).rejects.toThrow(InvalidStatusTransitionError)
  })

  it('erasure is crash-safe: a blob deletion interrupted after the key is destroyed is finished from the outbox', async () => {
    const r = await newRecord()
    insertRecord(h.storage.db, r)
    // the process dies between the erasing transaction and the file's deletion
    const crashing = { ...h.storage.blobs, delete: async (): Promise<boolean> => await Promise.reject(new Error('killed')) }
    await expect(eraseRecord(h.storage.db, crashing, r.tokenId, { at: 7 })).rejects.toThrow('killed')
    expect(getRecord(h.storage.db, r.tokenId)?.status).toBe('erased')
    expect(getRecordKey(h.storage.db, r.tokenId)).toBeUndefined()
    expect(await h.storage.blobs.has(r.blobHash)).toBe(true)
    expect(outboxInState(h.storage.db, 'pending').map((e) => [e.kind, e.tokenId])).toEqual([['erase-blob', r.tokenId]])
    // the next outbox pass (at start, too) finishes it
    expect(await completeBlobErasures(h.storage.db, h.storage.blobs, 8)).toBe(1)
    expect(await h.storage.blobs.has(r.blobHash)).toBe(false)
    expect(outboxInState(h.storage.db, 'pending')).toEqual([])
    expect(await completeBlobErasures(h.storage.db, h.storage.blobs, 9)).toBe(0)
  })
})
