import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { deidentify, safeHarborZip, redactCategory } from '../../../policies/obligations/index.js'
import { categoryOfResource, categoryOfRecord } from '../../../policies/fhir-category.js'

const IPS_DIR = resolve(process.env.HEALTHRELAY_IPS_DIR ?? join(import.meta.dirname, '../../../../shared/fixtures/ips'))
const NOW = Date.parse('2026-11-25T12:00:00Z')
type Json = Record<string, unknown>

/** Every identifying string of a FHIR bundle: what Safe Harbor says must not survive. */
function identifiersOf (bundle: Json): Set<string> {
  const found = new Set<string>()
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v.trim().length >= 4) found.add(v.trim())
    else if (typeof v === 'number') found.add(String(v))
  }
  const strings = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(strings); return }
    if (typeof v === 'object' && v !== null) { Object.values(v).forEach(strings); return }
    add(v)
  }
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) { v.forEach((x) => { walk(x, key) }); return }
    if (typeof v === 'string') {
      if (key === 'id' || key === 'fullUrl' || key === 'lotNumber' || key === 'serialNumber' || key === 'birthDate') add(v)
      if (key === 'fullUrl') add(v.replace(/^urn:uuid:/, '').replace(/^.*\//, ''))
      // every date with a month (or finer) is an identifier under Safe Harbor
      if (/^\d{4}-\d{2}/.test(v)) add(v.slice(0, 10))
      return
    }
    if (typeof v !== 'object' || v === null) return
    const o = v as Json
    for (const [k, x] of Object.entries(o)) {
      if (k === 'identifier') { for (const id of Array.isArray(x) ? x : [x]) add((id as Json | undefined)?.value) }
      if (k === 'name' || k === 'telecom' || k === 'contact' || k === 'photo') strings(x)
      if (k === 'address') {
        for (const a of Array.isArray(x) ? x : [x]) {
          const ad = a as Json
          strings(ad.line); add(ad.city); add(ad.district); add(ad.text); add(ad.postalCode)
        }
      }
      walk(x, k)
    }
  }
  walk(bundle, '')
  // A value that the bundle also uses as a terminology code (a drug's product number, an ATC
  // code) names a product, not a person; a four-digit number cannot be told from a year, which
  // Safe Harbor keeps.
  const codes = new Set<string>()
  const collectCodes = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(collectCodes); return }
    if (typeof v !== 'object' || v === null) return
    const o = v as Json
    if (Array.isArray(o.coding)) for (const c of o.coding as Json[]) if (typeof c.code === 'string') codes.add(c.code)
    Object.values(o).forEach(collectCodes)
  }
  collectCodes(bundle)
  for (const id of found) if (codes.has(id) || /^\d{4}$/.test(id)) found.delete(id)
  return found
}

const fixtures = existsSync(IPS_DIR) ? readdirSync(IPS_DIR).filter((f) => f.endsWith('.json')).sort() : []

describe('deidentify (HIPAA Safe Harbor) on the real IPS bundles', () => {
  it('finds the fixtures folder (HEALTHRELAY_IPS_DIR)', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6)
  })

  for (const file of fixtures) {
    it(`${file}: no identifier of the input appears in the output`, () => {
      const input = JSON.parse(readFileSync(join(IPS_DIR, file), 'utf8')) as Json
      const before = JSON.stringify(input)
      const ids = identifiersOf(input)
      expect(ids.size).toBeGreaterThan(5)
      const output = deidentify(input, { now: NOW }) as Json
      expect(JSON.stringify(input)).toBe(before) // the input is not changed
      const text = JSON.stringify(output)
      const leaked = [...ids].filter((id) => text.includes(id))
      expect(leaked).toEqual([])
      // nothing that is not allow-listed: narrative, extensions, attachments, notes, identifiers
      for (const key of ['"text"', '"extension"', '"modifierExtension"', '"identifier"', '"name"', '"telecom"', '"presentedForm"', '"note"', '"contained"', '"photo"', '"conclusion"', '"valueString"', '"lotNumber"']) {
        expect(text, key).not.toContain(key)
      }
      // dates keep only their year
      expect(text).not.toMatch(/"\d{4}-\d{2}/)
      // clinical content survives: a bundle of entries with codes
      const entries = output.entry as Json[]
      expect(entries.length).toBeGreaterThan(0)
      expect(text).toMatch(/"coding"/)
      // every reference points inside the output
      const urls = new Set(entries.map((e) => e.fullUrl))
      for (const m of text.matchAll(/"reference":"([^"]+)"/g)) expect(urls.has(m[1])).toBe(true)
    })
  }
})

describe('deidentify rules', () => {
  const patient = (extra: Json): Json => ({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:p1', resource: { resourceType: 'Patient', id: 'p1', ...extra } }] })
  const outPatient = (b: Json): Json => ((deidentify(b, { now: NOW }) as Json).entry as Json[])[0]!.resource as Json

  it('ZIP codes: three digits, 000 for a restricted prefix, nothing outside the US', () => {
    expect(safeHarborZip('02139')).toBe('021')
    expect(safeHarborZip('03601-1234')).toBe('000')
    expect(safeHarborZip('8932')).toBeUndefined()
    const p = outPatient(patient({ address: [{ line: ['1 Main St'], city: 'Cambridge', state: 'MA', postalCode: '02139', country: 'US' }, { city: 'Lyon', postalCode: '69001', country: 'FR' }] }))
    expect(p.address).toEqual([{ country: 'US', state: 'MA', postalCode: '021' }, { country: 'FR' }])
  })

  it('dates to the year; a birth year that implies an age over 89 is dropped; ages over 89 grouped', () => {
    expect(outPatient(patient({ birthDate: '1980-05-17' })).birthDate).toBe('1980')
    expect(outPatient(patient({ birthDate: '1930-05-17' })).birthDate).toBeUndefined()
    const b: Json = { resourceType: 'Bundle', type: 'collection', entry: [
      { fullUrl: 'urn:uuid:c1', resource: { resourceType: 'Condition', id: 'c1', code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }], text: 'Hypertension (Dr. House)' }, onsetAge: { value: 93, unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' }, recordedDate: '2020-03-04T10:00:00Z' } },
      { fullUrl: 'urn:uuid:o1', resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '30525-0' }] }, valueQuantity: { value: 95, unit: 'years', code: 'a' } } }
    ] }
    const out = (deidentify(b, { now: NOW }) as Json).entry as Json[]
    const id: unknown = expect.any(String)
    expect(out[0]!.resource).toEqual({ resourceType: 'Condition', id, code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] }, onsetAge: { value: 90, comparator: '>=', unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' }, recordedDate: '2020' })
    expect((out[1]!.resource as Json).valueQuantity).toEqual({ value: 90, comparator: '>=', unit: 'years', code: 'a' })
  })

  it('resource types without an allow-list are dropped, as are references to them', () => {
    const b: Json = { resourceType: 'Bundle', type: 'collection', entry: [
      { fullUrl: 'urn:uuid:x', resource: { resourceType: 'Claim', id: 'x', patient: { reference: 'urn:uuid:p' } } },
      { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', id: 'p', gender: 'female' } },
      { fullUrl: 'urn:uuid:o', resource: { resourceType: 'Observation', id: 'o', status: 'final', subject: { reference: 'urn:uuid:p', display: 'Jane Doe' }, derivedFrom: [{ reference: 'urn:uuid:x' }] } }
    ] }
    const out = deidentify(b, { now: NOW }) as Json
    const entries = out.entry as Json[]
    expect(entries.map((e) => (e.resource as Json).resourceType)).toEqual(['Patient', 'Observation'])
    expect((entries[1]!.resource as Json).subject).toEqual({ reference: entries[0]!.fullUrl })
    expect((entries[1]!.resource as Json).derivedFrom).toBeUndefined()
  })
})

describe('redact:<category> and the FHIR category mapping', () => {
  const bundle: Json = { resourceType: 'Bundle', type: 'document', entry: [
    { fullUrl: 'urn:uuid:comp', resource: { resourceType: 'Composition', id: 'comp', text: { status: 'generated', div: '<div>Depression, lisinopril</div>' }, section: [
      { title: 'Problems', text: { status: 'generated', div: '<div>Depression</div>' }, entry: [{ reference: 'urn:uuid:dep' }, { reference: 'urn:uuid:htn' }] },
      { title: 'Medications', entry: [{ reference: 'urn:uuid:med' }] }] } },
    { fullUrl: 'urn:uuid:pat', resource: { resourceType: 'Patient', id: 'pat' } },
    { fullUrl: 'urn:uuid:dep', resource: { resourceType: 'Condition', id: 'dep', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F32.1' }] } } },
    { fullUrl: 'urn:uuid:htn', resource: { resourceType: 'Condition', id: 'htn', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }] } } },
    { fullUrl: 'urn:uuid:med', resource: { resourceType: 'MedicationStatement', id: 'med' } },
    { fullUrl: 'urn:uuid:aud', resource: { resourceType: 'Condition', id: 'aud', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F10.2' }] } } }
  ] }

  it('maps resources to categories', () => {
    const entries = bundle.entry as Json[]
    expect(entries.map((e) => categoryOfResource(e.resource))).toEqual(['patient-summary', null, 'mental-health', 'patient-summary', 'prescription', 'substance-use'])
    expect(categoryOfResource({ resourceType: 'Observation', category: [{ coding: [{ code: 'laboratory' }] }] })).toBe('lab-result')
    expect(categoryOfResource({ resourceType: 'DiagnosticReport', category: [{ coding: [{ code: 'GE' }] }] })).toBe('genomic')
    expect(categoryOfResource({ resourceType: 'Immunization' })).toBe('vaccination')
    expect(categoryOfResource({ resourceType: 'Claim' })).toBe('other')
    expect(categoryOfRecord(bundle)).toBe('patient-summary')
  })

  it('drops the category\'s entries, references to them and every narrative', () => {
    const { fhir, removed } = redactCategory(bundle, 'mental-health')
    expect(removed).toBe(1)
    const text = JSON.stringify(fhir)
    expect(text).not.toContain('urn:uuid:dep')
    expect(text).not.toContain('Depression')
    expect(text).toContain('urn:uuid:htn')
    expect(text).toContain('urn:uuid:aud') // substance use is its own category
    const untouched = redactCategory(bundle, 'genomic')
    expect(untouched).toEqual({ fhir: bundle, removed: 0 })
  })

  it('works on every fixture bundle: nothing of the category is left', () => {
    for (const file of fixtures) {
      const input = JSON.parse(readFileSync(join(IPS_DIR, file), 'utf8')) as Json
      const { fhir } = redactCategory(input, 'lab-result')
      for (const e of (fhir as Json).entry as Json[]) expect(categoryOfResource(e.resource)).not.toBe('lab-result')
    }
  })
})
