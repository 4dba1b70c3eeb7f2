/**
 * Access events waiting to go on chain in a `MsgRecordAccess` batch. A batcher takes queued events,
 * builds one message, and in one transaction adds it to the outbox and assigns the events to it
 * (`assignAccessBatch`). When the outbox entry is confirmed the events are dropped
 * (`completeAccessBatch`); if it fails for good they return to the queue (`requeueAccessBatch`).
 */
import { stmt, type Db } from './database.js'
import { enqueueOutbox, type OutboxKind } from './outbox.js'

export interface QueuedAccessEvent {
  readonly id: number
  readonly tokenId: string
  readonly subject: string
  /** The encoded event (public part and details sealed to the subject), opaque here. */
  readonly event: Uint8Array
  readonly at: number
}

interface Row { id: number, token_id: string, subject: string, event: Buffer, at: number }

export function enqueueAccessEvent (db: Db, e: { tokenId: string, subject: string, event: Uint8Array, at: number }): number {
  return Number(stmt(db, 'INSERT INTO access_queue (token_id, subject, event, at) VALUES (?, ?, ?, ?)')
    .run(e.tokenId, e.subject, Buffer.from(e.event), e.at).lastInsertRowid)
}

/** Events not yet in a batch, oldest first. */
export function queuedAccessEvents (db: Db, limit: number): QueuedAccessEvent[] {
  return stmt<[number], Row>(db, 'SELECT id, token_id, subject, event, at FROM access_queue WHERE batch IS NULL ORDER BY id LIMIT ?')
    .all(limit).map((r) => ({ id: r.id, tokenId: r.token_id, subject: r.subject, event: new Uint8Array(r.event), at: r.at }))
}

/** Atomically: an outbox entry for the batch's message, and the events assigned to it. Returns the outbox id. */
export function assignAccessBatch (db: Db, eventIds: readonly number[], message: { payload: Uint8Array, at: number, kind?: OutboxKind }): number {
  return db.transaction(() => {
    const outboxId = enqueueOutbox(db, { kind: message.kind ?? 'record-access', payload: message.payload, at: message.at })
    for (const id of eventIds) stmt(db, 'UPDATE access_queue SET batch = ? WHERE id = ? AND batch IS NULL').run(outboxId, id)
    return outboxId
  })()
}

/** The batch is on chain: its events leave the queue. */
export function completeAccessBatch (db: Db, outboxId: number): number {
  return stmt(db, 'DELETE FROM access_queue WHERE batch = ?').run(outboxId).changes
}

/** The batch will not make it: its events go back to the queue. */
export function requeueAccessBatch (db: Db, outboxId: number): number {
  return stmt(db, 'UPDATE access_queue SET batch = NULL WHERE batch = ?').run(outboxId).changes
}

/** Events waiting (queued or in a batch not yet confirmed). */
export function accessQueueDepth (db: Db): number {
  return stmt<[], { n: number }>(db, 'SELECT COUNT(*) AS n FROM access_queue').get()?.n ?? 0
}
