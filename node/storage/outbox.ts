/**
 * The outbox: chain transactions the node owes (mints, status changes, access batches). An entry
 * is written in the same SQLite transaction as the state it announces (a record row and its mint),
 * so after a crash at any point either both exist or neither. States:
 *
 *     pending ──submit──► submitted ──included──► confirmed
 *        ▲                    │
 *        └──── retry ─────────┤ (rejected or not included: back to pending, attempts + 1)
 *                             └──► failed (given up; needs an operator)
 *
 * After a restart, `submitted` entries are checked against the chain by their tx hash before any
 * resubmission.
 */
import { stmt, type Db } from './database.js'

export type OutboxKind = 'mint' | 'set-status' | 'enroll' | 'record-access' | (string & {})
export type OutboxState = 'pending' | 'submitted' | 'confirmed' | 'failed'

export interface OutboxEntry {
  readonly id: number
  readonly kind: OutboxKind
  readonly tokenId: string | undefined
  /** The message to send (e.g. an encoded Msg), opaque here. */
  readonly payload: Uint8Array
  readonly state: OutboxState
  readonly attempts: number
  readonly txHash: string | undefined
  readonly height: bigint | undefined
  readonly lastError: string | undefined
  readonly createdAt: number
  readonly updatedAt: number
  readonly nextAttemptAt: number
}

interface Row {
  id: number, kind: string, token_id: string | null, payload: Buffer, state: OutboxState, attempts: number, tx_hash: string | null
  height: number | bigint | null, last_error: string | null, created_at: number, updated_at: number, next_attempt_at: number
}

function toEntry (r: Row): OutboxEntry {
  return {
    id: r.id,
    kind: r.kind,
    tokenId: r.token_id ?? undefined,
    payload: new Uint8Array(r.payload),
    state: r.state,
    attempts: r.attempts,
    txHash: r.tx_hash ?? undefined,
    height: r.height === null ? undefined : BigInt(r.height),
    lastError: r.last_error ?? undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    nextAttemptAt: r.next_attempt_at
  }
}

/** Adds a pending entry; returns its id. Call inside the transaction that changes the state it announces. */
export function enqueueOutbox (db: Db, entry: { kind: OutboxKind, tokenId?: string, payload: Uint8Array, at: number }): number {
  const info = stmt(db, `INSERT INTO outbox (kind, token_id, payload, state, created_at, updated_at, next_attempt_at)
    VALUES (?, ?, ?, 'pending', ?, ?, ?)`).run(entry.kind, entry.tokenId ?? null, Buffer.from(entry.payload), entry.at, entry.at, entry.at)
  return Number(info.lastInsertRowid)
}

export function getOutboxEntry (db: Db, id: number): OutboxEntry | undefined {
  const row = stmt<[number], Row>(db, 'SELECT * FROM outbox WHERE id = ?').get(id)
  return row === undefined ? undefined : toEntry(row)
}

/** Pending entries due at `now`, oldest first (optionally of one kind), for a batch of at most `limit`. */
export function dueOutbox (db: Db, now: number, limit: number, kind?: OutboxKind): OutboxEntry[] {
  const rows = kind === undefined
    ? stmt<[number, number], Row>(db, "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?").all(now, limit)
    : stmt<[number, string, number], Row>(db, "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? AND kind = ? ORDER BY id LIMIT ?").all(now, kind, limit)
  return rows.map(toEntry)
}

/** Entries in a state (e.g. `submitted` after a restart), oldest first. */
export function outboxInState (db: Db, state: OutboxState, limit = 1000): OutboxEntry[] {
  return stmt<[string, number], Row>(db, 'SELECT * FROM outbox WHERE state = ? ORDER BY id LIMIT ?').all(state, limit).map(toEntry)
}

function update (db: Db, ids: readonly number[], sql: string, params: (row: number) => unknown[]): void {
  db.transaction(() => { for (const id of ids) stmt(db, sql).run(...params(id)) })()
}

/** The entries went out in the transaction `txHash`. */
export function markOutboxSubmitted (db: Db, ids: readonly number[], txHash: string, at: number): void {
  update(db, ids, "UPDATE outbox SET state = 'submitted', tx_hash = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending'",
    (id) => [txHash, at, id])
}

/** The transaction was included at `height`. */
export function markOutboxConfirmed (db: Db, ids: readonly number[], height: bigint, at: number): void {
  update(db, ids, "UPDATE outbox SET state = 'confirmed', height = ?, last_error = NULL, updated_at = ? WHERE id = ? AND state IN ('pending', 'submitted')",
    (id) => [height, at, id])
}

/** Back to pending, to be tried again at `nextAttemptAt`. */
export function markOutboxRetry (db: Db, ids: readonly number[], error: string, nextAttemptAt: number, at: number): void {
  update(db, ids, "UPDATE outbox SET state = 'pending', tx_hash = NULL, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'submitted')",
    (id) => [error, nextAttemptAt, at, id])
}

export function markOutboxFailed (db: Db, ids: readonly number[], error: string, at: number): void {
  update(db, ids, "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'submitted')",
    (id) => [error, at, id])
}

/** Entries not yet confirmed or failed (the outbox-depth metric). */
export function outboxDepth (db: Db): number {
  return stmt<[], { n: number }>(db, "SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'submitted')").get()?.n ?? 0
}

/** Deletes confirmed entries older than `before` (housekeeping). */
export function pruneConfirmedOutbox (db: Db, before: number): number {
  return stmt(db, "DELETE FROM outbox WHERE state = 'confirmed' AND updated_at < ? AND id NOT IN (SELECT batch FROM access_queue WHERE batch IS NOT NULL)").run(before).changes
}
