/**
 * Patients' restrictions (EHDS Art. 8): categories the patient hides. Set by a patient-signed
 * request (checked by the caller); the request's hash and signing time are kept, and a request
 * signed no later than the one applied is refused, so a replayed or delayed request cannot undo a
 * newer choice.
 */
import type { RecordCategory } from '../fhir/category.js'
import { isRecordCategory } from '../fhir/category.js'
import { stmt, type Db } from './database.js'
import { StaleRequestError } from './errors.js'
import { requireEnrolment } from './enrolments.js'
import { category as checkCategory } from './values.js'

export interface RestrictionRequest {
  /** Hex SHA-256 of the signed request bytes. */
  readonly requestHash: string
  /** The time the patient signed it (Unix ms, from the request). */
  readonly signedAt: number
  readonly at: number
}

/** Replaces the subject's restricted categories with `categories`. */
export function setRestrictions (db: Db, subject: string, categories: readonly RecordCategory[], request: RestrictionRequest): void {
  const wanted = [...new Set(categories.map(checkCategory))]
  db.transaction(() => {
    requireEnrolment(db, subject)
    const last = stmt<[string], { signed_at: number }>(db, 'SELECT signed_at FROM restriction_requests WHERE subject = ?').get(subject)
    if (last !== undefined && request.signedAt <= last.signed_at) {
      throw new StaleRequestError('a restriction request signed no later than the one already applied')
    }
    stmt(db, 'DELETE FROM restrictions WHERE subject = ?').run(subject)
    for (const c of wanted) stmt(db, 'INSERT INTO restrictions (subject, category) VALUES (?, ?)').run(subject, c)
    stmt(db, `INSERT INTO restriction_requests (subject, request_hash, signed_at, applied_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (subject) DO UPDATE SET request_hash = excluded.request_hash, signed_at = excluded.signed_at, applied_at = excluded.applied_at`)
      .run(subject, request.requestHash, request.signedAt, request.at)
  })()
}

export function getRestrictions (db: Db, subject: string): RecordCategory[] {
  return stmt<[string], { category: string }>(db, 'SELECT category FROM restrictions WHERE subject = ? ORDER BY category')
    .all(subject).map((r) => r.category).filter(isRecordCategory)
}

export function isRestricted (db: Db, subject: string, category: RecordCategory): boolean {
  return stmt<[string, string], { n: number }>(db, 'SELECT COUNT(*) AS n FROM restrictions WHERE subject = ? AND category = ?')
    .get(subject, category)?.n === 1
}
