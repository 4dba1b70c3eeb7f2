/** records.ciphertext_hash (schema version 3): the SHA-256 of a record's ciphertext segments, kept with its row. */
import { describe, expect, it } from 'vitest'
import {
  getRecord, insertRecord, migrate, openDatabase, setCiphertextHash, STORAGE_COMPONENT, STORAGE_MIGRATIONS, InvalidStorageValueError
} from '../../../../node/storage/index.js'

import { repeatedHex as hex, rowRecord as newRecord } from './helpers.js'

describe('records.ciphertext_hash', () => {
  it('rows stored before version 3 read back without one; new rows keep theirs', () => {
    const db = openDatabase(':memory:')
    migrate(db, STORAGE_COMPONENT, STORAGE_MIGRATIONS.slice(0, 2))
    insertOld(db, hex('a'))
    expect(migrate(db, STORAGE_COMPONENT, STORAGE_MIGRATIONS)).toEqual([3])
    expect(getRecord(db, hex('a'))?.ciphertextHash).toBeUndefined()
    insertRecord(db, newRecord('d', { ciphertextHash: hex('e') }))
    expect(getRecord(db, hex('d'))?.ciphertextHash).toBe(hex('e'))
    insertRecord(db, newRecord('f'))
    expect(getRecord(db, hex('f'))?.ciphertextHash).toBeUndefined()
    db.close()
  })

  it('fills an empty column once, for the blob it was computed from; never replaces a kept hash', () => {
    const db = openDatabase(':memory:')
    migrate(db, STORAGE_COMPONENT, STORAGE_MIGRATIONS)
    insertRecord(db, newRecord('a'))
    expect(setCiphertextHash(db, hex('a'), hex('9'), hex('1'))).toBe(false) // another blob
    expect(getRecord(db, hex('a'))?.ciphertextHash).toBeUndefined()
    expect(setCiphertextHash(db, hex('a'), hex('b'), hex('1'))).toBe(true)
    expect(setCiphertextHash(db, hex('a'), hex('b'), hex('2'))).toBe(false)
    expect(getRecord(db, hex('a'))?.ciphertextHash).toBe(hex('1'))
    expect(setCiphertextHash(db, hex('7'), hex('b'), hex('1'))).toBe(false) // no such record
    db.close()
  })

  it('refuses a value that is not a 32-byte hash in lower-case hex', () => {
    const db = openDatabase(':memory:')
    migrate(db, STORAGE_COMPONENT, STORAGE_MIGRATIONS)
    expect(() => { insertRecord(db, newRecord('a', { ciphertextHash: 'AB'.repeat(32) })) }).toThrow(InvalidStorageValueError)
    insertRecord(db, newRecord('a'))
    expect(() => setCiphertextHash(db, hex('a'), hex('b'), 'abc')).toThrow(InvalidStorageValueError)
    expect(() => db.prepare('UPDATE records SET ciphertext_hash = ? WHERE token_id = ?').run('abc', hex('a'))).toThrow()
    db.close()
  })
})

function insertOld (db: ReturnType<typeof openDatabase>, tokenId: string): void {
  db.prepare(`INSERT INTO records (token_id, subject, category, media_type, plaintext_bytes, blob_hash, blob_bytes, commitment, status, created_at, updated_at)
    VALUES (?, 'hr1old', 'patient-summary', 'application/fhir+json', 1, ?, 1, ?, 'active', 1, 1)`).run(tokenId, hex('b'), hex('c'))
}
