import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  fhirBytes, syntheticImagingRecord, syntheticPatient, syntheticRecord, validateFhirRecord, deriveCategory,
  SYNTHETIC_KIND_CATEGORY, type SyntheticKind
} from '../../../../node/fhir/index.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('synthetic FHIR', () => {
  it('makes the same patient and the same bytes from the same seed, and others from another', () => {
    expect(syntheticPatient('alice', 'DE')).toEqual(syntheticPatient('alice', 'DE'))
    expect(syntheticPatient('alice', 'DE')).not.toEqual(syntheticPatient('bob', 'DE'))
    const p = syntheticPatient('alice', 'DE')
    for (const kind of Object.keys(SYNTHETIC_KIND_CATEGORY) as SyntheticKind[]) {
      const a = fhirBytes(syntheticRecord(kind, p, { imageBytes: 4096 }))
      expect(sha(a), kind).toBe(sha(fhirBytes(syntheticRecord(kind, p, { imageBytes: 4096 }))))
      expect(sha(a), kind).not.toBe(sha(fhirBytes(syntheticRecord(kind, p, { imageBytes: 4096, seed: '1' }))))
    }
  })

  it('makes patients of the requested country with fictitious identifiers', () => {
    const us = syntheticPatient('x', 'US')
    expect(us.country).toBe('US')
    expect(us.nationalId).toMatchObject({ system: 'http://hl7.org/fhir/sid/us-ssn' })
    expect(us.nationalId.value).toMatch(/^9\d{8}$/)
    expect(syntheticPatient('x', 'DE').nationalId.value).toMatch(/^[A-Z]\d{9}$/)
    expect(syntheticPatient('x', 'SE', { givenName: 'Greta' }).givenName).toBe('Greta')
  })

  it('passes the validator without warnings, for every kind and several countries', () => {
    for (const country of ['DE', 'FR', 'US', 'SE']) {
      const p = syntheticPatient(`v-${country}`, country)
      for (const kind of Object.keys(SYNTHETIC_KIND_CATEGORY) as SyntheticKind[]) {
        const r = validateFhirRecord(fhirBytes(syntheticRecord(kind, p, { imageBytes: 1000 })))
        expect(r.warnings, `${country} ${kind}`).toEqual([])
      }
    }
  })

  it('makes an imaging record of tens of MB that validates as imaging', () => {
    const p = syntheticPatient('big', 'DE')
    const bytes = fhirBytes(syntheticImagingRecord(p, { imageBytes: 24 * 1024 * 1024 }))
    expect(bytes.length).toBeGreaterThan(32 * 1024 * 1024)
    const r = validateFhirRecord(bytes)
    expect(deriveCategory(r.resource).category).toBe('imaging')
  })
})

describe('syntheticRecordSet', () => {
  it('gives one record of each kind with the category it derives to', async () => {
    const { syntheticRecordSet } = await import('../../../../node/fhir/index.js')
    const set = syntheticRecordSet(syntheticPatient('set', 'US'), { imageBytes: 2048 })
    expect(set.map((s) => s.kind)).toEqual(['patient-summary', 'lab-result', 'vaccination', 'prescription', 'mental-health', 'imaging'])
    for (const s of set) expect(deriveCategory(s.record).category).toBe(s.category)
  })
})
