/** records.contains (schema version 2): the sensitive categories inside a record, kept with its local metadata. */
import { describe, expect, it } from 'vitest'
import {
  getRecord, insertRecord, migrate, openDatabase, STORAGE_COMPONENT, STORAGE_MIGRATIONS, InvalidStorageValueError
} from '../../../../node/storage/index.js'

import { repeatedHex as hex, rowRecord as newRecord } from './helpers.js'

describe('records.contains', () => {
  it('rows stored before version 2 read back with none; new rows keep theirs (without the record\'s own category)', () => {
    const db = openDatabase(':memory:')
    migrate(db, STORAGE_COMPONENT, STORAGE_MIGRATIONS.slice(0, 1))
    db.prepare(`INSERT INTO records (token_id, subject, category, media_type, plaintext_bytes, blob_hash, blob_bytes, commitment, status, created_at, updated_at)
      VALUES (?, 'hr1old', 'patient-summary', 'application/fhir+json', 1, ?, 1, ?, 'active', 1, 1)`).run(hex('a'), hex('b'), hex('c'))
    expect(migrate(db, STORAGE_COMPONENT, STORAGE_MIGRATIONS)).toEqual([2, 3])
    expect(getRecord(db, hex('a'))?.contains).toEqual([])
    insertRecord(db, newRecord('d', { contains: ['genomic', 'mental-health', 'genomic', 'patient-summary'] }))
    expect(getRecord(db, hex('d'))?.contains).toEqual(['genomic', 'mental-health'])
    insertRecord(db, newRecord('e'))
    expect(getRecord(db, hex('e'))?.contains).toEqual([])
    db.close()
  })

  it('refuses an unknown category, at insertion and when read (fail closed)', () => {
    const db = openDatabase(':memory:')
    migrate(db, STORAGE_COMPONENT, STORAGE_MIGRATIONS)
    expect(() => { insertRecord(db, newRecord('f', { contains: ['astrology' as 'genomic'] })) }).toThrow(InvalidStorageValueError)
    insertRecord(db, newRecord('a'))
    db.prepare('UPDATE records SET contains = ? WHERE token_id = ?').run('["astrology"]', hex('a'))
    expect(() => getRecord(db, hex('a'))).toThrow(InvalidStorageValueError)
    expect(() => db.prepare('UPDATE records SET contains = ? WHERE token_id = ?').run('not json', hex('a'))).toThrow()
    db.close()
  })
})
