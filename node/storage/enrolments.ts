/**
 * Enrolled patients: their chain subject, home country, X25519 key (sealed metadata and access
 * details are encrypted to it), the categories they make available across borders, and the
 * hashed keys they can be found by (national identifiers, birth date, share codes).
 */
import { isRecordCategory, type RecordCategory } from '../fhir/category.js'
import { stmt, type Db } from './database.js'
import { LookupKeyTakenError, SubjectExistsError, SubjectNotEnrolledError } from './errors.js'
import type { LookupHasher } from './lookup.js'
import { category as checkCategory, country as checkCountry, parseJsonArray } from './values.js'

export interface NewEnrolment {
  readonly subject: string
  readonly homeCountry: string
  readonly birthDate: string
  /** National identifiers (value, and system when known). */
  readonly identifiers: ReadonlyArray<{ readonly system?: string, readonly value: string }>
  readonly x25519PublicKey: Uint8Array
  /** The patient's secp256k1 key (compressed), to check their signed requests. */
  readonly chainPublicKey?: Uint8Array
  readonly categories: readonly RecordCategory[]
  readonly at: number
}

export interface Enrolment {
  readonly subject: string
  readonly homeCountry: string
  readonly x25519PublicKey: Uint8Array
  readonly chainPublicKey: Uint8Array | undefined
  readonly categories: readonly RecordCategory[]
  readonly createdAt: number
  readonly updatedAt: number
}

interface Row {
  subject: string, home_country: string, x25519_public_key: Buffer, chain_public_key: Buffer | null, categories: string
  created_at: number, updated_at: number
}

function toEnrolment (r: Row): Enrolment {
  return {
    subject: r.subject,
    homeCountry: r.home_country,
    x25519PublicKey: new Uint8Array(r.x25519_public_key),
    chainPublicKey: r.chain_public_key === null ? undefined : new Uint8Array(r.chain_public_key),
    categories: parseJsonArray(r.categories).filter(isRecordCategory),
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

function sortedCategories (categories: readonly RecordCategory[]): string {
  return JSON.stringify([...new Set(categories.map(checkCategory))].sort())
}

export function insertEnrolment (db: Db, hasher: LookupHasher, e: NewEnrolment): void {
  checkCountry(e.homeCountry)
  db.transaction(() => {
    if (getEnrolment(db, e.subject) !== undefined) throw new SubjectExistsError(`subject ${e.subject} is already enrolled`)
    stmt(db, `INSERT INTO enrolments (subject, home_country, birth_date_hash, x25519_public_key, chain_public_key, categories,
      created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(e.subject, e.homeCountry, hasher.birthDate(e.birthDate), Buffer.from(e.x25519PublicKey),
        e.chainPublicKey === undefined ? null : Buffer.from(e.chainPublicKey), sortedCategories(e.categories), e.at, e.at)
    for (const id of e.identifiers) addIdentifier(db, hasher, e.subject, e.homeCountry, id)
  })()
}

function addIdentifier (db: Db, hasher: LookupHasher, subject: string, country: string, id: { system?: string, value: string }): void {
  const hash = hasher.identifier(country, id.value)
  const owner = stmt<[Buffer], { subject: string }>(db, 'SELECT subject FROM subject_identifiers WHERE id_hash = ?').get(hash)
  if (owner !== undefined && owner.subject !== subject) throw new LookupKeyTakenError('this national identifier belongs to another enrolled subject')
  if (owner === undefined) stmt(db, 'INSERT INTO subject_identifiers (id_hash, subject, system) VALUES (?, ?, ?)').run(hash, subject, id.system ?? null)
}

export function getEnrolment (db: Db, subject: string): Enrolment | undefined {
  const row = stmt<[string], Row>(db, 'SELECT * FROM enrolments WHERE subject = ?').get(subject)
  return row === undefined ? undefined : toEnrolment(row)
}

export function requireEnrolment (db: Db, subject: string): Enrolment {
  const e = getEnrolment(db, subject)
  if (e === undefined) throw new SubjectNotEnrolledError(`subject ${subject} is not enrolled here`)
  return e
}

/** Replaces the categories a patient makes available across borders. */
export function setEnrolmentCategories (db: Db, subject: string, categories: readonly RecordCategory[], at: number): void {
  const info = stmt(db, 'UPDATE enrolments SET categories = ?, updated_at = ? WHERE subject = ?').run(sortedCategories(categories), at, subject)
  if (info.changes === 0) throw new SubjectNotEnrolledError(`subject ${subject} is not enrolled here`)
}

/**
 * The subject enrolled with this identifier in `country`, when the birth date matches too
 * (discovery by identity, and matching an ingested Bundle's Patient). Undefined otherwise: the
 * caller cannot tell a wrong birth date from an unknown identifier.
 */
export function findSubjectByIdentity (db: Db, hasher: LookupHasher, country: string, identifier: string, birthDate: string): string | undefined {
  const row = stmt<[Buffer, Buffer, string], { subject: string }>(db, `SELECT e.subject FROM subject_identifiers i
    JOIN enrolments e ON e.subject = i.subject WHERE i.id_hash = ? AND e.birth_date_hash = ? AND e.home_country = ?`)
    .get(hasher.identifier(country, identifier), hasher.birthDate(birthDate), country)
  return row?.subject
}

/** Stores a share code (hashed) for a subject; `expiresAt` undefined means no expiry. */
export function addShareCode (db: Db, hasher: LookupHasher, subject: string, code: string, at: number, expiresAt?: number): void {
  requireEnrolment(db, subject)
  const hash = hasher.shareCode(code)
  const owner = stmt<[Buffer], { subject: string }>(db, 'SELECT subject FROM share_codes WHERE code_hash = ?').get(hash)
  if (owner !== undefined) throw new LookupKeyTakenError('this share code is already in use')
  stmt(db, 'INSERT INTO share_codes (code_hash, subject, created_at, expires_at) VALUES (?, ?, ?, ?)').run(hash, subject, at, expiresAt ?? null)
}

/** The subject a share code belongs to, if it is neither revoked nor expired at `now`. */
export function findSubjectByShareCode (db: Db, hasher: LookupHasher, code: string, now: number): string | undefined {
  let hash: Buffer
  try {
    hash = hasher.shareCode(code)
  } catch {
    return undefined
  }
  const row = stmt<[Buffer, number], { subject: string }>(db, `SELECT subject FROM share_codes WHERE code_hash = ?
    AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`).get(hash, now)
  return row?.subject
}

/** Revokes every share code of a subject (e.g. the patient lost their phone). */
export function revokeShareCodes (db: Db, subject: string, at: number): number {
  return stmt(db, 'UPDATE share_codes SET revoked_at = ? WHERE subject = ? AND revoked_at IS NULL').run(at, subject).changes
}

/**
 * The enrolled subject an ingested record's Patient is (node/fhir `extractPatient`): the one
 * subject that any of the identifiers finds in `country` with the same birth date. Undefined when
 * none matches or when the identifiers point to different subjects (ambiguous: never guess).
 */
export function matchEnrolledPatient (db: Db, hasher: LookupHasher, country: string,
  patient: { readonly identifiers: ReadonlyArray<{ readonly value: string }>, readonly birthDate: string | undefined }): string | undefined {
  if (patient.birthDate === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate)) return undefined
  const found = new Set<string>()
  for (const id of patient.identifiers) {
    const subject = findSubjectByIdentity(db, hasher, country, id.value, patient.birthDate)
    if (subject !== undefined) found.add(subject)
  }
  return found.size === 1 ? [...found][0] : undefined
}
