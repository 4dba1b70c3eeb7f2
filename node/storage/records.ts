/**
 * Records' metadata and their wrapped data keys. Life cycle of `status`:
 *
 *     local ──► pending ──► active ──► superseded
 *       │          │          │            │
 *       └──────────┴──────────┴────────────┴──► erased   (final)
 *
 * `local`: stored, not minted (its category is not opted in); `pending`: a mint is in the outbox;
 * `active`: minted; `superseded`: a newer version replaced it; `erased`: key and blob destroyed.
 * The wrapped key lives in its own row (`record_keys`) so that erasure deletes it outright.
 */
import type { RecordCategory } from '../fhir/category.js'
import { stmt, type Db } from './database.js'
import { InvalidStatusTransitionError, InvalidStorageValueError, RecordExistsError, RecordNotFoundError } from './errors.js'
import { category as checkCategory, hex32 } from './values.js'

export type RecordStatus = 'local' | 'pending' | 'active' | 'superseded' | 'erased'

const TRANSITIONS: Readonly<Record<RecordStatus, readonly RecordStatus[]>> = {
  local: ['pending', 'erased'],
  pending: ['active', 'erased'],
  active: ['superseded', 'erased'],
  superseded: ['erased'],
  erased: []
}

export interface NewRecord {
  readonly tokenId: string
  readonly subject: string
  readonly category: RecordCategory
  readonly mediaType: string
  readonly plaintextBytes: number
  readonly blobHash: string
  readonly blobBytes: number
  readonly commitment: string
  readonly status: 'local' | 'pending'
  readonly supersedes?: string
  /** Sensitive categories inside the record other than its own (node/fhir deriveCategory's `sensitive`). */
  readonly contains?: readonly RecordCategory[]
  /**
   * SHA-256 of the blob's ciphertext segments (the blob without its header), lower-case hex: what a
   * retrieval's signed trailer commits to. Absent: computed by the record's first full retrieval.
   */
  readonly ciphertextHash?: string
  /** The record's key block wrapped under the KEK (relay/crypto encodeWrappedSecret). */
  readonly wrappedKey: Uint8Array
  readonly kekId: string
  readonly at: number
}

export interface StoredRecord {
  readonly tokenId: string
  readonly subject: string
  readonly category: RecordCategory
  readonly mediaType: string
  readonly plaintextBytes: number
  readonly blobHash: string
  readonly blobBytes: number
  readonly commitment: string
  readonly status: RecordStatus
  readonly supersedes: string | undefined
  /** Sensitive categories inside the record other than its own; empty for rows stored before they were kept. */
  readonly contains: readonly RecordCategory[]
  /** SHA-256 of the ciphertext segments (hex); undefined for rows stored before it was kept and not yet retrieved in full. */
  readonly ciphertextHash: string | undefined
  readonly createdAt: number
  readonly updatedAt: number
}

interface Row {
  token_id: string, subject: string, category: string, media_type: string, plaintext_bytes: number, blob_hash: string
  blob_bytes: number, commitment: string, status: RecordStatus, supersedes: string | null, contains: string, ciphertext_hash: string | null, created_at: number, updated_at: number
}

function toRecord (r: Row): StoredRecord {
  return {
    tokenId: r.token_id,
    subject: r.subject,
    category: checkCategory(r.category),
    mediaType: r.media_type,
    plaintextBytes: r.plaintext_bytes,
    blobHash: r.blob_hash,
    blobBytes: r.blob_bytes,
    commitment: r.commitment,
    status: r.status,
    supersedes: r.supersedes ?? undefined,
    contains: containsOf(r.contains),
    ciphertextHash: r.ciphertext_hash ?? undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

/** The stored `contains` column; an unknown category is refused (fail closed), never dropped. */
function containsOf (text: string): RecordCategory[] {
  const v = JSON.parse(text) as unknown
  if (!Array.isArray(v)) throw new InvalidStorageValueError('records.contains must be a JSON array')
  return v.map((c) => checkCategory(String(c)))
}

/** Inserts a record and its wrapped key (call inside the transaction that also fills the outbox). */
export function insertRecord (db: Db, r: NewRecord): void {
  hex32('tokenId', r.tokenId)
  hex32('blobHash', r.blobHash)
  hex32('commitment', r.commitment)
  checkCategory(r.category)
  const contains = [...new Set(r.contains ?? [])].map(checkCategory).filter((c) => c !== r.category)
  if (r.supersedes !== undefined) hex32('supersedes', r.supersedes)
  if (r.ciphertextHash !== undefined) hex32('ciphertextHash', r.ciphertextHash)
  if (getRecord(db, r.tokenId) !== undefined) throw new RecordExistsError(`record ${r.tokenId} exists`)
  db.transaction(() => {
    stmt(db, `INSERT INTO records (token_id, subject, category, media_type, plaintext_bytes, blob_hash, blob_bytes,
      commitment, status, supersedes, contains, ciphertext_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(r.tokenId, r.subject, r.category, r.mediaType, r.plaintextBytes, r.blobHash, r.blobBytes, r.commitment,
        r.status, r.supersedes ?? null, JSON.stringify(contains), r.ciphertextHash ?? null, r.at, r.at)
    stmt(db, 'INSERT INTO record_keys (token_id, wrapped_key, kek_id) VALUES (?, ?, ?)')
      .run(r.tokenId, Buffer.from(r.wrappedKey), r.kekId)
  })()
}

export function getRecord (db: Db, tokenId: string): StoredRecord | undefined {
  const row = stmt<[string], Row>(db, 'SELECT * FROM records WHERE token_id = ?').get(tokenId)
  return row === undefined ? undefined : toRecord(row)
}

export function requireRecord (db: Db, tokenId: string): StoredRecord {
  const r = getRecord(db, tokenId)
  if (r === undefined) throw new RecordNotFoundError(`no record ${tokenId}`)
  return r
}

export interface RecordQuery {
  readonly statuses?: readonly RecordStatus[]
  readonly categories?: readonly RecordCategory[]
}

/** A subject's records, oldest first, optionally filtered by status and category. */
export function recordsBySubject (db: Db, subject: string, query: RecordQuery = {}): StoredRecord[] {
  const rows = stmt<[string], Row>(db, 'SELECT * FROM records WHERE subject = ? ORDER BY created_at, token_id').all(subject)
  return rows.map(toRecord).filter((r) =>
    (query.statuses === undefined || query.statuses.includes(r.status)) &&
    (query.categories === undefined || query.categories.includes(r.category)))
}

/** Moves a record along its life cycle; throws InvalidStatusTransitionError for any other move. */
export function setRecordStatus (db: Db, tokenId: string, status: RecordStatus, at: number): StoredRecord {
  return db.transaction(() => {
    const r = requireRecord(db, tokenId)
    if (!TRANSITIONS[r.status].includes(status)) {
      throw new InvalidStatusTransitionError(`record ${tokenId} cannot go from ${r.status} to ${status}`)
    }
    stmt(db, 'UPDATE records SET status = ?, updated_at = ? WHERE token_id = ?').run(status, at, tokenId)
    return { ...r, status, updatedAt: at }
  })()
}

/**
 * Keeps the ciphertext hash of a record stored before it was kept, once a full read of its blob
 * `blobHash` computed it. Only fills an empty column of a row that still points at that blob (a
 * kept hash is never replaced); returns whether it was written.
 */
export function setCiphertextHash (db: Db, tokenId: string, blobHash: string, ciphertextHash: string): boolean {
  hex32('ciphertextHash', ciphertextHash)
  const info = stmt(db, 'UPDATE records SET ciphertext_hash = ? WHERE token_id = ? AND blob_hash = ? AND ciphertext_hash IS NULL')
    .run(ciphertextHash, tokenId, blobHash)
  return info.changes > 0
}

export interface WrappedRecordKey {
  readonly wrappedKey: Uint8Array
  readonly kekId: string
}

/** The record's wrapped key; undefined once erased. */
export function getRecordKey (db: Db, tokenId: string): WrappedRecordKey | undefined {
  const row = stmt<[string], { wrapped_key: Buffer, kek_id: string }>(db, 'SELECT wrapped_key, kek_id FROM record_keys WHERE token_id = ?').get(tokenId)
  return row === undefined ? undefined : { wrappedKey: new Uint8Array(row.wrapped_key), kekId: row.kek_id }
}

/** Replaces a wrap after a KEK rotation (rewrapToCurrent). */
export function replaceRecordKey (db: Db, tokenId: string, key: WrappedRecordKey): void {
  const info = stmt(db, 'UPDATE record_keys SET wrapped_key = ?, kek_id = ? WHERE token_id = ?').run(Buffer.from(key.wrappedKey), key.kekId, tokenId)
  if (info.changes === 0) throw new RecordNotFoundError(`no key for record ${tokenId}`)
}

/** Token ids whose key is wrapped under `kekId` (to re-wrap after a rotation). */
export function recordsWrappedUnder (db: Db, kekId: string, limit = 1000): string[] {
  return stmt<[string, number], { token_id: string }>(db, 'SELECT token_id FROM record_keys WHERE kek_id = ? LIMIT ?').all(kekId, limit).map((r) => r.token_id)
}

/** Bytes of ciphertext held for records not erased (for the stored-bytes metric). */
export function storedBlobBytes (db: Db): number {
  const row = stmt<[], { n: number | null }>(db, "SELECT SUM(blob_bytes) AS n FROM records WHERE status != 'erased'").get()
  return row?.n ?? 0
}

/** Whether a record other than `exceptTokenId`, not erased, still uses the blob. */
export function blobInUse (db: Db, blobHash: string, exceptTokenId?: string): boolean {
  const row = stmt<[string, string], { n: number }>(db,
    "SELECT COUNT(*) AS n FROM records WHERE blob_hash = ? AND status != 'erased' AND token_id != ?").get(blobHash, exceptTokenId ?? '')
  return (row?.n ?? 0) > 0
}
