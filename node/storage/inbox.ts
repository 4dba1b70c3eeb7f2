/**
 * Patients' inboxes: notifications for the patient (`notify-patient` obligations, emergency
 * accesses, grants made by the custodian on paper consent). The body is the caller's JSON; keep
 * it to what the patient's client needs (or seal it to the patient's X25519 key).
 */
import { stmt, type Db } from './database.js'

export interface InboxMessage {
  readonly id: number
  readonly subject: string
  readonly kind: string
  readonly body: unknown
  readonly createdAt: number
  readonly readAt: number | undefined
}

interface Row { id: number, subject: string, kind: string, body: string, created_at: number, read_at: number | null }

export function addInboxMessage (db: Db, m: { subject: string, kind: string, body: unknown, at: number }): number {
  return Number(stmt(db, 'INSERT INTO inbox (subject, kind, body, created_at) VALUES (?, ?, ?, ?)')
    .run(m.subject, m.kind, JSON.stringify(m.body ?? null), m.at).lastInsertRowid)
}

/** A subject's messages after `afterId` (for paging), oldest first. */
export function inboxMessages (db: Db, subject: string, options: { afterId?: number, limit?: number, unreadOnly?: boolean } = {}): InboxMessage[] {
  const rows = stmt<[string, number, number], Row>(db, 'SELECT * FROM inbox WHERE subject = ? AND id > ? ORDER BY id LIMIT ?')
    .all(subject, options.afterId ?? 0, options.limit ?? 100)
  return rows.filter((r) => options.unreadOnly !== true || r.read_at === null).map((r) => ({
    id: r.id, subject: r.subject, kind: r.kind, body: JSON.parse(r.body) as unknown, createdAt: r.created_at, readAt: r.read_at ?? undefined
  }))
}

/** Marks a subject's messages up to `upToId` read; returns how many changed. */
export function markInboxRead (db: Db, subject: string, upToId: number, at: number): number {
  return stmt(db, 'UPDATE inbox SET read_at = ? WHERE subject = ? AND id <= ? AND read_at IS NULL').run(at, subject, upToId).changes
}
