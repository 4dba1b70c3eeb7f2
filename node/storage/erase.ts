/**
 * Erasure of a record (DESIGN.md §5): in one transaction the wrapped data key row is deleted
 * (`secure_delete` overwrites it in the database file), the record is marked `erased`, the chain
 * status change is put in the outbox when given, and so is the blob's deletion (outbox kind
 * `erase-blob`, payload the blob hash: a local step, confirmed at height 0); then the blob is
 * deleted (unless another live record shares it), that entry confirmed, and the WAL checkpointed
 * with TRUNCATE so no copy of the key stays in the write-ahead log. A crash after the transaction
 * leaves the `erase-blob` entry pending: `completeBlobErasures` (the outbox worker runs it on each
 * pass, so at start too) finishes it.
 */
import type { Db } from './database.js'
import { checkpointTruncate } from './database.js'
import type { BlobStore } from './blobs.js'
import { blobInUse, requireRecord, setRecordStatus, type StoredRecord } from './records.js'
import { stmt } from './database.js'
import { dueOutbox, enqueueOutbox, markOutboxConfirmed, type OutboxKind } from './outbox.js'

/** Outbox kind of a blob deletion owed by an erasure (local; no chain message). */
export const ERASE_BLOB_OUTBOX_KIND = 'erase-blob'

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
  const { record, outboxId, blobEntry } = db.transaction(() => {
    requireRecord(db, tokenId)
    stmt(db, 'DELETE FROM record_keys WHERE token_id = ?').run(tokenId)
    const erased = setRecordStatus(db, tokenId, 'erased', options.at)
    const id = options.outbox === undefined
      ? undefined
      : enqueueOutbox(db, { kind: options.outbox.kind ?? 'set-status', tokenId, payload: options.outbox.payload, at: options.at })
    const blob = enqueueOutbox(db, { kind: ERASE_BLOB_OUTBOX_KIND, tokenId, payload: new TextEncoder().encode(erased.blobHash), at: options.at })
    return { record: erased, outboxId: id, blobEntry: blob }
  })()
  const blobDeleted = await deleteUnusedBlob(db, blobs, record.blobHash)
  markOutboxConfirmed(db, [blobEntry], 0n, options.at)
  const walTruncated = checkpointTruncate(db)
  return { record, blobDeleted, outboxId, walTruncated }
}

async function deleteUnusedBlob (db: Db, blobs: BlobStore, blobHash: string): Promise<boolean> {
  return blobInUse(db, blobHash) ? false : await blobs.delete(blobHash)
}

/**
 * Finishes the blob deletions that erasures owe (outbox kind `erase-blob`): those a crash
 * interrupted between the erasing transaction and the file's deletion. Returns how many it
 * completed.
 */
export async function completeBlobErasures (db: Db, blobs: BlobStore, at: number, limit = 100): Promise<number> {
  const due = dueOutbox(db, Number.MAX_SAFE_INTEGER, limit, ERASE_BLOB_OUTBOX_KIND)
  for (const e of due) {
    await deleteUnusedBlob(db, blobs, new TextDecoder().decode(e.payload))
    markOutboxConfirmed(db, [e.id], 0n, at)
  }
  if (due.length > 0) checkpointTruncate(db)
  return due.length
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
