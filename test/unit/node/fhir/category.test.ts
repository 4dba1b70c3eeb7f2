import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  deriveCategory, examineFhirRecord, extractPatient, fhirBytes, fhirMediaType, FHIR_JSON_MEDIA_TYPE, syntheticPatient,
  syntheticRecord, UnsupportedMediaTypeError, SYNTHETIC_KIND_CATEGORY, type SyntheticKind
} from '../../../../node/fhir/index.js'

const patient = syntheticPatient('c', 'FR')

describe('deriveCategory', () => {
  it('derives the category of every synthetic kind', () => {
    for (const kind of Object.keys(SYNTHETIC_KIND_CATEGORY) as SyntheticKind[]) {
      const record = syntheticRecord(kind, patient, { imageBytes: 1024 })
      expect(deriveCategory(record).category, kind).toBe(SYNTHETIC_KIND_CATEGORY[kind])
    }
  })

  it('labels mixed content by its most protective sensitive part', () => {
    const labs = syntheticRecord('lab-result', patient) as { entry: Array<{ fullUrl: string, resource: unknown }> }
    labs.entry.push({
      fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
      resource: { resourceType: 'Condition', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F10.2' }] }, subject: { reference: labs.entry[5]!.fullUrl } }
    })
    const d = deriveCategory(labs)
    expect(d.category).toBe('substance-use')
    expect(d.sensitive).toEqual(['substance-use'])
  })

  it('keeps an IPS a patient summary and reports its sensitive content', () => {
    const ips = syntheticRecord('patient-summary', patient) as { entry: Array<{ resource: Record<string, unknown> }> }
    ips.entry[4]!.resource.code = { coding: [{ system: 'http://snomed.info/sct', code: '86406008', display: 'HIV infection' }] }
    expect(deriveCategory(ips)).toMatchObject({ category: 'patient-summary', sensitive: ['sexual-health'] })
  })

  it('reads security labels and resource types of single resources', () => {
    expect(deriveCategory({ resourceType: 'Consent' }).category).toBe('consent-form')
    expect(deriveCategory({ resourceType: 'Immunization' }).category).toBe('vaccination')
    expect(deriveCategory({ resourceType: 'MolecularSequence' }).category).toBe('genomic')
    expect(deriveCategory({ resourceType: 'Observation', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'ETH' }] } }).category).toBe('substance-use')
    // the policy engine's mapping (policies/fhir-category.ts) decides per resource
    expect(deriveCategory({ resourceType: 'Observation', category: [{ coding: [{ code: 'vital-signs' }] }] }).category).toBe('patient-summary')
    expect(deriveCategory({ resourceType: 'Claim' }).category).toBe('other')
    // a security label or a code the mapping does not know only ever adds protection
    expect(deriveCategory({ resourceType: 'DocumentReference', meta: { security: [{ code: 'PSY' }] } }).category).toBe('mental-health')
    expect(deriveCategory({ resourceType: 'Condition', code: { coding: [{ system: 'http://snomed.info/sct', code: '86406008' }] } }).category).toBe('sexual-health')
  })

  it('calls a Bundle of several ordinary categories other, and says which', () => {
    const d = deriveCategory({
      resourceType: 'Bundle', type: 'collection',
      entry: [{ resource: { resourceType: 'Immunization' } }, { resource: { resourceType: 'MedicationRequest' } }]
    })
    expect(d).toMatchObject({ category: 'other', reason: 'mixed content (prescription, vaccination)' })
  })
})

describe('extractPatient', () => {
  it('finds the identifiers and birth date, and never serialises them', () => {
    const m = extractPatient(syntheticRecord('patient-summary', patient))
    expect(m?.identifiers).toEqual([patient.nationalId])
    expect(m?.birthDate).toBe(patient.birthDate)
    expect(m?.location).toBe('Bundle.entry[1].resource')
    expect(JSON.stringify({ m })).not.toContain(patient.nationalId.value)
    expect(inspect(m)).not.toContain(patient.nationalId.value)
    expect(String(m)).toBe('[PatientMatch redacted]')
  })

  it('finds a lone Patient resource and nothing in a Bundle without one', () => {
    expect(extractPatient({ resourceType: 'Patient', birthDate: '1990' })?.birthDate).toBe('1990')
    expect(extractPatient({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Immunization' } }] })).toBeUndefined()
  })
})

describe('media type', () => {
  it('accepts FHIR R4 JSON content types and refuses others with 415', () => {
    expect(fhirMediaType('application/fhir+json')).toBe(FHIR_JSON_MEDIA_TYPE)
    expect(fhirMediaType('application/fhir+json; charset=UTF-8; fhirVersion=4.0')).toBe(FHIR_JSON_MEDIA_TYPE)
    expect(() => fhirMediaType('application/fhir+xml')).toThrow(UnsupportedMediaTypeError)
    expect(() => fhirMediaType('application/fhir+json; fhirVersion=5.0')).toThrow('fhirVersion 5.0 is not accepted')
    expect(() => fhirMediaType(undefined)).toThrow('Content-Type is missing')
    try { fhirMediaType('text/plain') } catch (e) { expect((e as UnsupportedMediaTypeError).status).toBe(415) }
  })

  it('examineFhirRecord checks, validates and derives in one call', () => {
    const r = examineFhirRecord(fhirBytes(syntheticRecord('vaccination', patient)), { contentType: 'application/fhir+json' })
    expect(r.category.category).toBe('vaccination')
    expect(r.mediaType).toBe(FHIR_JSON_MEDIA_TYPE)
    expect(r.patient?.identifiers[0]?.value).toBe(patient.nationalId.value)
  })
})
