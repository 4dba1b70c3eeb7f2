/** Shared pieces of synthetic records: the Patient, the author, Bundles with urn:uuid fullUrls. */
import type { SeededRandom } from './random.js'
import type { SyntheticPatient } from './patients.js'

export type Json = Record<string, unknown>

export interface Entry { readonly fullUrl: string, readonly resource: Json }

/** Every generated record is dated by this, not by the clock, so that a seed fixes the bytes. */
export const DEFAULT_RECORD_DATE = '2026-01-15T10:00:00Z'

export const LOINC = 'http://loinc.org'
export const SNOMED = 'http://snomed.info/sct'
export const ATC = 'http://www.whocc.no/atc'
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10'
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode'

export function cc (system: string, code: string, display: string): Json {
  return { coding: [{ system, code, display }], text: display }
}

export function entry (rnd: SeededRandom, resource: Json): Entry {
  const id = rnd.uuid()
  return { fullUrl: `urn:uuid:${id}`, resource: { ...resource, id } }
}

export function ref (e: Entry): Json {
  return { reference: e.fullUrl }
}

export function narrative (text: string): Json {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${escaped}</div>` }
}

export function patientEntry (rnd: SeededRandom, p: SyntheticPatient): Entry {
  return entry(rnd, {
    resourceType: 'Patient',
    identifier: [{ system: p.nationalId.system, value: p.nationalId.value }],
    name: [{ family: p.familyName, given: [p.givenName] }],
    gender: p.gender,
    birthDate: p.birthDate,
    address: [{ country: p.country }]
  })
}

export function authorEntries (rnd: SeededRandom, p: SyntheticPatient): { practitioner: Entry, organization: Entry } {
  const organization = entry(rnd, {
    resourceType: 'Organization',
    name: `Synthetic Health Agency ${p.country}`,
    address: [{ country: p.country }]
  })
  const practitioner = entry(rnd, {
    resourceType: 'Practitioner',
    name: [{ family: rnd.pick(['Curie', 'Pasteur', 'Koch', 'Lister']), given: ['Dr'] }]
  })
  return { practitioner, organization }
}

export function collection (rnd: SeededRandom, date: string, entries: readonly Entry[]): Json {
  return {
    resourceType: 'Bundle',
    id: rnd.uuid(),
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${rnd.uuid()}` },
    type: 'collection',
    timestamp: date,
    entry: entries.map((e) => ({ fullUrl: e.fullUrl, resource: e.resource }))
  }
}
