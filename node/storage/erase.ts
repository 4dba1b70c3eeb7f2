/**
 * Erasure of a record (DESIGN.md §5): in one transaction the wrapped data key row is deleted
 * (`secure_delete` overwrites it in the database file), the record is marked `erased`, and the
 * chain status change is put in the outbox when given; then the blob is wiped and deleted (unless
 * another live record shares it) and the WAL is checkpointed with TRUNCATE so no copy of the key
 * stays in the write-ahead log. A crash after the transaction leaves a blob that nothing can
 * decrypt, which `sweepOrphanBlobs` removes.
 */
import type { Db } from './database.js'
import { checkpointTruncate } from './database.js'
import type { BlobStore } from './blobs.js'
import { blobInUse, requireRecord, setRecordStatus, type StoredRecord } from './records.js'
import { stmt } from './database.js'
import { enqueueOutbox, type OutboxKind } from './outbox.js'

export interface EraseOptions {
  readonly at: number
  /** The chain message marking the token ERASED, queued atomically with the key's destruction (minted records). */
  readonly outbox?: { readonly kind?: OutboxKind, readonly payload: Uint8Array }
}

export interface EraseResult {
  readonly record: StoredRecord
  readonly blobDeleted: boolean
  readonly outboxId: number | undefined
  /** False when a concurrent reader delayed the WAL truncation (it completes at the next checkpoint). */
  readonly walTruncated: boolean
}

export async function eraseRecord (db: Db, blobs: BlobStore, tokenId: string, options: EraseOptions): Promise<EraseResult> {
  const { record, outboxId } = db.transaction(() => {
    requireRecord(db, tokenId)
    stmt(db, 'DELETE FROM record_keys WHERE token_id = ?').run(tokenId)
    const erased = setRecordStatus(db, tokenId, 'erased', options.at)
    const id = options.outbox === undefined
      ? undefined
      : enqueueOutbox(db, { kind: options.outbox.kind ?? 'set-status', tokenId, payload: options.outbox.payload, at: options.at })
    return { record: erased, outboxId: id }
  })()
  const blobDeleted = blobInUse(db, record.blobHash, tokenId) ? false : await blobs.delete(record.blobHash)
  const walTruncated = checkpointTruncate(db)
  return { record, blobDeleted, outboxId, walTruncated }
}

/**
 * Deletes blobs that no live record uses and that are older than `olderThan` (ms since epoch):
 * leftovers of an erasure interrupted by a crash, or of an ingestion that failed after writing its
 * blob. The age guard keeps it off blobs whose record is being inserted right now.
 */
export async function sweepOrphanBlobs (db: Db, blobs: BlobStore, olderThan: number): Promise<string[]> {
  const removed: string[] = []
  for await (const blob of blobs.list()) {
    if (blob.modifiedAt >= olderThan || blobInUse(db, blob.hash)) continue
    if (await blobs.delete(blob.hash)) removed.push(blob.hash)
  }
  return removed
}
