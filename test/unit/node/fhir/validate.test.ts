import { describe, expect, it } from 'vitest'
import {
  FhirParseError, FhirTooDeepError, FhirTooLargeError, FhirValidationError, formatIssue, syntheticPatient,
  syntheticPatientSummary, syntheticLabResults, fhirBytes, validateFhirRecord, validateFhirValue
} from '../../../../node/fhir/index.js'

const patient = syntheticPatient('v', 'DE')
const clone = <T>(v: T): T => structuredClone(v)
const messages = (v: unknown): string[] => validateFhirValue(v).issues.map(formatIssue)
type Bundle = { entry: Array<{ fullUrl?: string, resource: Record<string, unknown> }> } & Record<string, unknown>

describe('validateFhirValue', () => {
  it('accepts a synthetic IPS document without warnings', () => {
    const r = validateFhirValue(syntheticPatientSummary(patient))
    expect(r.ok).toBe(true)
    expect(r.issues).toEqual([])
  })

  it('names a missing required element with its FHIRPath location', () => {
    const b = clone(syntheticLabResults(patient)) as Bundle
    delete b.entry[1]!.resource.status
    expect(messages(b)).toEqual(['Bundle.entry[1].resource.status: required'])
  })

  it('checks required elements nested in backbone elements and choice types', () => {
    const r = { resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/1' }, reaction: [{ severity: 'mild' }] }
    expect(messages(r)).toEqual(['AllergyIntolerance.reaction[0].manifestation: required'])
    const m = { resourceType: 'MedicationStatement', status: 'active', subject: { reference: 'Patient/1' } }
    expect(messages(m)).toEqual(['MedicationStatement.medication[x]: required'])
    const ok = { ...m, medicationReference: { reference: 'Medication/2' } }
    expect(validateFhirValue(ok).ok).toBe(true)
  })

  it('accepts a required primitive carried only by its extension', () => {
    const o = { resourceType: 'Observation', code: { text: 'x' }, _status: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } }
    expect(validateFhirValue(o).ok).toBe(true)
  })

  it('refuses unknown and non-record resource types', () => {
    expect(messages({ resourceType: 'Patientt' })).toEqual(["Patientt.resourceType: 'Patientt' is not a FHIR R4 resource type"])
    expect(messages({ resourceType: 'ValueSet', status: 'active' })).toEqual(["ValueSet.resourceType: 'ValueSet' is not accepted in a health record"])
    expect(messages([1])).toEqual(['(root): expected a FHIR resource (a JSON object with a resourceType)'])
  })

  it('refuses empty strings, nulls, empty arrays and objects', () => {
    const p = { resourceType: 'Patient', gender: '', name: [], address: [{}], birthDate: null }
    expect(messages(p)).toEqual([
      'Patient.gender: an empty string is not a valid FHIR value (omit the element instead)',
      'Patient.name: an empty array is not valid in FHIR JSON (omit the element instead)',
      'Patient.address[0]: an empty object is not valid in FHIR JSON (omit the element instead)',
      'Patient.birthDate: null is not a valid FHIR JSON value (omit the element instead)'
    ])
  })

  it('allows nulls in a primitive array aligned with its _ extensions', () => {
    const p = { resourceType: 'Patient', name: [{ given: ['A', null], _given: [null, { extension: [{ url: 'http://x', valueString: 'y' }] }] }] }
    expect(validateFhirValue(p).ok).toBe(true)
  })

  it('checks ids and birth dates', () => {
    expect(messages({ resourceType: 'Patient', id: 'a b', birthDate: '12/03/1980' })).toEqual([
      'Patient.id: an id is 1 to 64 characters of A-Z, a-z, 0-9, - and .',
      'Patient.birthDate: expected a date YYYY, YYYY-MM or YYYY-MM-DD'
    ])
  })

  it('reports a reference that resolves to nothing inside the Bundle', () => {
    const b = clone(syntheticLabResults(patient)) as Bundle
    ;(b.entry[1]!.resource as { subject: unknown }).subject = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }
    ;(b.entry[2]!.resource as { subject: unknown }).subject = { reference: 'Patient/nobody' }
    expect(messages(b)).toEqual([
      "Bundle.entry[1].resource.subject.reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' does not resolve inside the Bundle (no entry has this fullUrl)",
      "Bundle.entry[2].resource.subject.reference: 'Patient/nobody' does not resolve inside the Bundle (no entry has this fullUrl or is a Patient with id 'nobody')"
    ])
  })

  it('resolves relative references against RESTful fullUrls, and contained ones by #id', () => {
    const b = {
      resourceType: 'Bundle', type: 'collection',
      entry: [
        { fullUrl: 'https://fhir.example.org/r4/Patient/p1', resource: { resourceType: 'Patient', id: 'p1' } },
        {
          fullUrl: 'https://fhir.example.org/r4/Observation/o1',
          resource: {
            resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 't' }, subject: { reference: 'Patient/p1' },
            contained: [{ resourceType: 'Practitioner', id: 'doc' }], performer: [{ reference: '#doc' }, { reference: '#ghost' }]
          }
        }
      ]
    }
    expect(messages(b)).toEqual(["Bundle.entry[1].resource.performer[1].reference: '#ghost' names no contained resource"])
  })

  it('accepts conditional references only in transactions', () => {
    const entry = { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Condition', subject: { reference: 'Patient?identifier=x|1' } } }
    expect(validateFhirValue({ resourceType: 'Bundle', type: 'transaction', entry: [{ ...entry, request: { method: 'POST', url: 'Condition' } }] }).ok).toBe(true)
    expect(messages({ resourceType: 'Bundle', type: 'collection', entry: [entry] })).toEqual([
      "Bundle.entry[0].resource.subject.reference: 'Patient?identifier=x|1' is a conditional reference, allowed only in a transaction Bundle"
    ])
    expect(messages({ resourceType: 'Bundle', type: 'transaction', entry: [entry] })).toEqual(['Bundle.entry[0].request: required in a transaction Bundle'])
  })

  it('refuses duplicate fullUrls, two patients, other Bundle types and nested Bundles', () => {
    const p = { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient' } }
    expect(messages({ resourceType: 'Bundle', type: 'collection', entry: [p, p] })).toEqual([
      "Bundle.entry[1].fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111' is also the fullUrl of Bundle.entry[0]",
      'Bundle.entry: 2 Patient resources (entries 0, 1); a record is about one patient'
    ])
    expect(messages({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Bundle', type: 'collection' } }] })).toEqual([
      "Bundle.type: 'searchset' is not accepted; a record is a document, collection, transaction Bundle",
      'Bundle.entry[0].resource.resourceType: a Bundle inside a Bundle is not accepted'
    ])
  })

  it('requires a document to start with its Composition and warns about a missing identifier', () => {
    const b = clone(syntheticPatientSummary(patient)) as Bundle
    delete b.identifier
    const r = validateFhirValue(b)
    expect(r.ok).toBe(true)
    expect(r.warnings.map(formatIssue)).toEqual([
      'Bundle.identifier: a document Bundle should have an identifier (R4 bdl-9); the record is identified by its token instead (warning)'
    ])
    b.entry.reverse()
    expect(validateFhirValue(b).errors.map(formatIssue)).toContain('Bundle.entry[0].resource: the first entry of a document Bundle must be its Composition')
  })

  it('treats missing required elements of contained resources as warnings', () => {
    const o = { resourceType: 'Observation', status: 'final', code: { text: 't' }, contained: [{ resourceType: 'ServiceRequest', id: 'sr', status: 'completed', intent: 'order' }] }
    const r = validateFhirValue(o)
    expect(r.ok).toBe(true)
    expect(r.warnings.map(formatIssue)).toEqual(['Observation.contained[0].subject: required (in a contained resource) (warning)'])
  })
})

describe('validateFhirRecord', () => {
  it('returns the exact bytes it was given', () => {
    const bytes = fhirBytes(syntheticPatientSummary(patient))
    expect(validateFhirRecord(bytes).bytes).toBe(bytes)
  })

  it('throws a FhirValidationError whose message lists every error', () => {
    const err = (() => { try { validateFhirRecord('{"resourceType":"Observation"}') } catch (e) { return e } })()
    expect(err).toBeInstanceOf(FhirValidationError)
    expect((err as FhirValidationError).status).toBe(400)
    expect((err as Error).message).toBe('the FHIR record has 2 errors:\n  - Observation.status: required\n  - Observation.code: required')
  })

  it('enforces size and depth limits before parsing, and refuses bad JSON without quoting it', () => {
    expect(() => validateFhirRecord('{"resourceType":"Patient"}', { maxBytes: 10 })).toThrow(FhirTooLargeError)
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`
    expect(() => validateFhirRecord(deep)).toThrow(FhirTooDeepError)
    // brackets inside strings do not count
    expect(validateFhirRecord(JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: '['.repeat(500) } })).resource.resourceType).toBe('Patient')
    const bad = (() => { try { validateFhirRecord('{"resourceType": "Patient", "secret-value": }') } catch (e) { return e as Error } })()
    expect(bad).toBeInstanceOf(FhirParseError)
    expect(bad?.message).not.toContain('secret-value')
    expect(() => validateFhirRecord(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow('not valid UTF-8')
  })
})

describe('Bundle entries', () => {
  it('applies the FHIR JSON rules to an entry\'s own elements', () => {
    const entry = { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient' }, search: {}, request: { method: 'POST', url: '' } }
    expect(validateFhirValue({ resourceType: 'Bundle', type: 'transaction', entry: [entry] }).errors.map(formatIssue)).toEqual([
      'Bundle.entry[0].search: an empty object is not valid in FHIR JSON (omit the element instead)',
      'Bundle.entry[0].request.url: an empty string is not a valid FHIR value (omit the element instead)'
    ])
  })
})
