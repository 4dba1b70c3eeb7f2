import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  addShareCode, findSubjectByIdentity, findSubjectByShareCode, getEnrolment, insertEnrolment, revokeShareCodes, setEnrolmentCategories,
  setRestrictions, getRestrictions, isRestricted, LookupKeyTakenError, StaleRequestError, SubjectExistsError, SubjectNotEnrolledError,
  checkpointTruncate, matchEnrolledPatient, type NewEnrolment
} from '../../../../node/storage/index.js'
import { hex, openHarness, type Harness } from './helpers.js'

let h: Harness
beforeEach(async () => { h = await openHarness() })
afterEach(async () => { await h.close() })

const alice: NewEnrolment = {
  subject: 'hr1alice', homeCountry: 'DE', birthDate: '1980-04-02',
  identifiers: [{ system: 'http://fhir.de/sid/gkv/kvid-10', value: 'Q123456789' }],
  x25519PublicKey: new Uint8Array(32).fill(7), categories: ['patient-summary', 'vaccination', 'patient-summary'], at: 1
}

describe('enrolments', () => {
  it('enrols a patient and finds them by identifier and birth date, as a doctor would type them', () => {
    insertEnrolment(h.storage.db, h.storage.lookup, alice)
    expect(getEnrolment(h.storage.db, 'hr1alice')).toMatchObject({ homeCountry: 'DE', categories: ['patient-summary', 'vaccination'] })
    expect(findSubjectByIdentity(h.storage.db, h.storage.lookup, 'DE', 'q 1234-56789', '1980-04-02')).toBe('hr1alice')
    expect(findSubjectByIdentity(h.storage.db, h.storage.lookup, 'DE', 'Q123456789', '1980-04-03')).toBeUndefined()
    expect(findSubjectByIdentity(h.storage.db, h.storage.lookup, 'FR', 'Q123456789', '1980-04-02')).toBeUndefined()
    expect(() => { insertEnrolment(h.storage.db, h.storage.lookup, alice) }).toThrow(SubjectExistsError)
    expect(() => { insertEnrolment(h.storage.db, h.storage.lookup, { ...alice, subject: 'hr1mallory' }) }).toThrow(LookupKeyTakenError)
    expect(getEnrolment(h.storage.db, 'hr1mallory')).toBeUndefined()
    setEnrolmentCategories(h.storage.db, 'hr1alice', ['lab-result'], 2)
    expect(getEnrolment(h.storage.db, 'hr1alice')?.categories).toEqual(['lab-result'])
  })

  it('never writes identifiers, birth dates or share codes in clear', async () => {
    insertEnrolment(h.storage.db, h.storage.lookup, alice)
    addShareCode(h.storage.db, h.storage.lookup, 'hr1alice', 'SHARE-CODE-7731', 1)
    checkpointTruncate(h.storage.db)
    const file = await readFile(join(h.home, 'node.sqlite'))
    for (const secret of ['Q123456789', '1980-04-02', 'SHARECODE7731', 'SHARE-CODE-7731']) expect(file.includes(Buffer.from(secret)), secret).toBe(false)
  })

  it('finds by share code until it expires or is revoked', () => {
    insertEnrolment(h.storage.db, h.storage.lookup, alice)
    addShareCode(h.storage.db, h.storage.lookup, 'hr1alice', 'ab12-cd34', 10, 100)
    expect(findSubjectByShareCode(h.storage.db, h.storage.lookup, 'AB12 CD34', 50)).toBe('hr1alice')
    expect(findSubjectByShareCode(h.storage.db, h.storage.lookup, 'AB12CD34', 100)).toBeUndefined()
    expect(findSubjectByShareCode(h.storage.db, h.storage.lookup, 'short', 50)).toBeUndefined()
    expect(() => { addShareCode(h.storage.db, h.storage.lookup, 'hr1alice', 'AB12CD34', 11) }).toThrow(LookupKeyTakenError)
    addShareCode(h.storage.db, h.storage.lookup, 'hr1alice', 'EF56GH78', 12)
    expect(revokeShareCodes(h.storage.db, 'hr1alice', 60)).toBe(2)
    expect(findSubjectByShareCode(h.storage.db, h.storage.lookup, 'EF56GH78', 61)).toBeUndefined()
    expect(() => { addShareCode(h.storage.db, h.storage.lookup, 'hr1nobody', 'ZZ99ZZ99', 1) }).toThrow(SubjectNotEnrolledError)
  })

  it('gives another node\'s secret different hashes', async () => {
    const other = await openHarness()
    try {
      expect(h.storage.lookup.identifier('DE', 'Q1')).not.toEqual(other.storage.lookup.identifier('DE', 'Q1'))
      expect(h.storage.lookup.identifier('DE', 'Q1')).not.toEqual(h.storage.lookup.identifier('FR', 'Q1'))
    } finally { await other.close() }
  })
})

describe('restrictions', () => {
  it('replaces the restricted categories with each newer signed request and refuses older ones', () => {
    insertEnrolment(h.storage.db, h.storage.lookup, alice)
    setRestrictions(h.storage.db, 'hr1alice', ['mental-health', 'sexual-health'], { requestHash: hex(), signedAt: 100, at: 101 })
    expect(getRestrictions(h.storage.db, 'hr1alice')).toEqual(['mental-health', 'sexual-health'])
    expect(isRestricted(h.storage.db, 'hr1alice', 'mental-health')).toBe(true)
    setRestrictions(h.storage.db, 'hr1alice', ['genomic'], { requestHash: hex(), signedAt: 200, at: 201 })
    expect(getRestrictions(h.storage.db, 'hr1alice')).toEqual(['genomic'])
    expect(() => { setRestrictions(h.storage.db, 'hr1alice', [], { requestHash: hex(), signedAt: 200, at: 300 }) }).toThrow(StaleRequestError)
    expect(getRestrictions(h.storage.db, 'hr1alice')).toEqual(['genomic'])
    expect(() => { setRestrictions(h.storage.db, 'hr1bob', [], { requestHash: hex(), signedAt: 1, at: 1 }) }).toThrow(SubjectNotEnrolledError)
  })
})

describe('matching an ingested record to an enrolled patient', () => {
  it('finds the one subject whose identifier and birth date match, and refuses ambiguity', () => {
    insertEnrolment(h.storage.db, h.storage.lookup, alice)
    insertEnrolment(h.storage.db, h.storage.lookup, { ...alice, subject: 'hr1bob', identifiers: [{ value: 'B999' }] })
    const match = (identifiers: Array<{ value: string }>, birthDate?: string): string | undefined =>
      matchEnrolledPatient(h.storage.db, h.storage.lookup, 'DE', { identifiers, birthDate })
    expect(match([{ value: 'unknown' }, { value: 'Q123456789' }], '1980-04-02')).toBe('hr1alice')
    expect(match([{ value: 'Q123456789' }], '1980-04-03')).toBeUndefined()
    expect(match([{ value: 'Q123456789' }])).toBeUndefined()
    expect(match([{ value: 'Q123456789' }, { value: 'B999' }], '1980-04-02')).toBeUndefined()
  })
})
