/**
 * The `deidentify` obligation for FHIR R4 (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)). Pure.
 *
 * Nothing is copied unless an allow-list names it: each resource type keeps only the listed
 * elements, each of a known shape, so narrative (`text`), extensions, attachments, notes,
 * identifiers, names, telecoms, addresses, free-text strings and resource types not listed here
 * can never leak. The 18 identifiers go as follows: names, telecoms, emails, identifiers (record,
 * plan, account, licence, device and serial numbers), URLs, photos and contacts are not on any
 * allow-list; resource ids and fullUrls are replaced by fresh sequential ones and references are
 * rewritten to them (a reference to anything outside the record is dropped); every date keeps
 * only its year (an `instant`, which FHIR does not allow to be a bare year, is dropped); an age over 89 becomes "≥ 90" and a birth year that implies one is dropped;
 * an address keeps its state and country, and a US ZIP code its first three digits unless they
 * are on the restricted list (then 000).
 */
import { RESTRICTED_ZIP3 } from './zip3-restricted.js'

type Json = Record<string, unknown>

export interface DeidentifyOptions {
  /** The time (ms since the epoch) ages are computed at. */
  readonly now: number
}

type Rule =
  | 'token' | 'bool' | 'int' | 'decimal' | 'date' | 'period' | 'codeable' | 'coding' | 'ref'
  | 'quantity' | 'age' | 'range' | 'ratio' | 'address' | 'dosage' | 'timing' | 'display' | 'system'
  | { readonly obj: Readonly<Record<string, Rule>> }

const C = 'codeable' as const
const refRange: Rule = { obj: { low: 'quantity', high: 'quantity', type: C, appliesTo: C, age: 'range' } }
const component: Rule = { obj: { code: C, valueQuantity: 'quantity', valueCodeableConcept: C, valueBoolean: 'bool', valueInteger: 'int', valueRange: 'range', valueRatio: 'ratio', dataAbsentReason: C, interpretation: C, referenceRange: refRange } }
const reaction: Rule = { obj: { substance: C, manifestation: C, severity: 'token', exposureRoute: C, onset: 'date' } }

/** Per resource type: the elements kept (everything else is dropped). */
export const ALLOW_LISTS: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  Patient: { gender: 'token', birthDate: 'date', deceasedBoolean: 'bool', deceasedDateTime: 'date', maritalStatus: C, multipleBirthBoolean: 'bool', address: 'address', communication: { obj: { language: C, preferred: 'bool' } } },
  Practitioner: { gender: 'token', qualification: { obj: { code: C } } },
  PractitionerRole: { practitioner: 'ref', organization: 'ref', code: C, specialty: C },
  Organization: { type: C },
  Composition: { status: 'token', type: C, category: C, subject: 'ref', date: 'date', confidentiality: 'token', section: { obj: { code: C, entry: 'ref', emptyReason: C, orderedBy: C } } },
  Condition: { clinicalStatus: C, verificationStatus: C, category: C, severity: C, code: C, bodySite: C, subject: 'ref', onsetDateTime: 'date', onsetAge: 'age', onsetPeriod: 'period', abatementDateTime: 'date', abatementAge: 'age', abatementPeriod: 'period', abatementBoolean: 'bool', recordedDate: 'date', stage: { obj: { summary: C, type: C } }, evidence: { obj: { code: C } } },
  AllergyIntolerance: { clinicalStatus: C, verificationStatus: C, type: 'token', category: 'token', criticality: 'token', code: C, patient: 'ref', onsetDateTime: 'date', onsetAge: 'age', onsetPeriod: 'period', recordedDate: 'date', lastOccurrence: 'date', reaction },
  Observation: { status: 'token', category: C, code: C, subject: 'ref', effectiveDateTime: 'date', effectivePeriod: 'period', valueQuantity: 'quantity', valueCodeableConcept: C, valueBoolean: 'bool', valueInteger: 'int', valueRange: 'range', valueRatio: 'ratio', valueDateTime: 'date', valuePeriod: 'period', dataAbsentReason: C, interpretation: C, bodySite: C, method: C, referenceRange: refRange, hasMember: 'ref', derivedFrom: 'ref', component },
  DiagnosticReport: { status: 'token', category: C, code: C, subject: 'ref', effectiveDateTime: 'date', effectivePeriod: 'period', result: 'ref', conclusionCode: C },
  MedicationStatement: { status: 'token', category: C, medicationCodeableConcept: C, medicationReference: 'ref', subject: 'ref', effectiveDateTime: 'date', effectivePeriod: 'period', dateAsserted: 'date', reasonCode: C, dosage: 'dosage' },
  MedicationRequest: { status: 'token', intent: 'token', category: C, priority: 'token', medicationCodeableConcept: C, medicationReference: 'ref', subject: 'ref', authoredOn: 'date', reasonCode: C, dosageInstruction: 'dosage' },
  MedicationDispense: { status: 'token', medicationCodeableConcept: C, medicationReference: 'ref', subject: 'ref', quantity: 'quantity', daysSupply: 'quantity', whenHandedOver: 'date', dosageInstruction: 'dosage' },
  Medication: { status: 'token', code: C, form: C, ingredient: { obj: { itemCodeableConcept: C, itemReference: 'ref', isActive: 'bool', strength: 'ratio' } } },
  Immunization: { status: 'token', vaccineCode: C, patient: 'ref', occurrenceDateTime: 'date', recorded: 'date', primarySource: 'bool', site: C, route: C, doseQuantity: 'quantity', reasonCode: C, protocolApplied: { obj: { targetDisease: C, doseNumberPositiveInt: 'int', seriesDosesPositiveInt: 'int' } } },
  Procedure: { status: 'token', category: C, code: C, subject: 'ref', performedDateTime: 'date', performedPeriod: 'period', bodySite: C, outcome: C, reasonCode: C },
  Flag: { status: 'token', category: C, code: C, subject: 'ref', period: 'period' },
  Device: { status: 'token', type: C },
  DeviceUseStatement: { status: 'token', subject: 'ref', device: 'ref', timingDateTime: 'date', timingPeriod: 'period', bodySite: C },
  Encounter: { status: 'token', class: 'coding', type: C, serviceType: C, priority: C, subject: 'ref', period: 'period', reasonCode: C },
  ImagingStudy: { status: 'token', modality: 'coding', subject: 'ref', started: 'date', numberOfSeries: 'int', numberOfInstances: 'int', procedureCode: C, reasonCode: C, series: { obj: { modality: 'coding', bodySite: 'coding', laterality: 'coding', numberOfInstances: 'int' } } },
  Specimen: { status: 'token', type: C, subject: 'ref', collection: { obj: { collectedDateTime: 'date', bodySite: C, method: C } } },
  Consent: { status: 'token', scope: C, category: C, patient: 'ref', dateTime: 'date', policyRule: C },
  CarePlan: { status: 'token', intent: 'token', category: C, subject: 'ref', period: 'period' },
  ClinicalImpression: { status: 'token', code: C, subject: 'ref', effectiveDateTime: 'date', date: 'date', finding: { obj: { itemCodeableConcept: C } } }
}

const AGE_CODES = new Set(['30525-0', '21612-7', '29553-5'])
const TOKEN = /^[A-Za-z0-9._:+-]{1,64}$/
/** A code system URI (terminology, never a person's). */
const SYSTEM = /^(https?:\/\/|urn:(oid|iso|uuid):)[A-Za-z0-9._:/#%+-]{1,200}$/
const US = new Set(['US', 'USA', 'UNITED STATES', 'UNITED STATES OF AMERICA'])

/** Fresh, sequential ids that say nothing about the original ones. */
function seqUuid (n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
}

function year (value: unknown): string | undefined {
  return typeof value === 'string' && /^\d{4}/.test(value) ? value.slice(0, 4) : undefined
}

/** A US ZIP code under Safe Harbor: three digits, or 000 for a restricted prefix. */
export function safeHarborZip (zip: string): string | undefined {
  const m = /^(\d{3})\d{2}/.exec(zip.trim())
  if (m === null) return undefined
  const zip3 = m[1] ?? ''
  return RESTRICTED_ZIP3.includes(zip3) ? '000' : zip3
}

class Sanitizer {
  constructor (private readonly refs: ReadonlyMap<string, string>, private readonly nowYear: number) {}

  value (rule: Rule, v: unknown): unknown {
    if (Array.isArray(v)) {
      const out = v.map((x) => this.value(rule, x)).filter((x) => x !== undefined)
      return out.length === 0 ? undefined : out
    }
    if (typeof rule === 'object') return this.object(rule.obj, v)
    switch (rule) {
      case 'token': return typeof v === 'string' && TOKEN.test(v) ? v : undefined
      case 'bool': return typeof v === 'boolean' ? v : undefined
      case 'int': return Number.isInteger(v) ? v : undefined
      case 'decimal': return typeof v === 'number' && Number.isFinite(v) ? v : undefined
      case 'date': return year(v)
      case 'period': return this.object({ start: 'date', end: 'date' }, v)
      case 'coding': return this.object({ system: 'system', code: 'token', display: 'display' }, v)
      case 'codeable': return this.object({ coding: 'coding' }, v)
      case 'ref': return this.ref(v)
      case 'quantity': return this.object({ value: 'decimal', comparator: 'token', unit: 'display', system: 'system', code: 'token' }, v)
      case 'age': return this.age(v)
      case 'range': return this.object({ low: 'age', high: 'age' }, v)
      case 'ratio': return this.object({ numerator: 'quantity', denominator: 'quantity' }, v)
      case 'address': return this.address(v)
      case 'timing': return this.object({ repeat: { obj: { frequency: 'int', period: 'decimal', periodUnit: 'token', when: 'token' } }, code: C }, v)
      case 'display': return this.display(v)
      case 'system': return typeof v === 'string' && SYSTEM.test(v) ? v : undefined
      case 'dosage': return this.object({ sequence: 'int', timing: 'timing', asNeededBoolean: 'bool', site: C, route: C, method: C, doseAndRate: { obj: { type: C, doseQuantity: 'quantity', doseRange: 'range', rateQuantity: 'quantity', rateRatio: 'ratio' } } }, v)
    }
  }

  /** A code's display or a unit: terminology text, kept when short and free of digits runs. */
  display (v: unknown): string | undefined {
    return typeof v === 'string' && v.length <= 200 && !/\d{5,}/.test(v) ? v : undefined
  }

  object (spec: Readonly<Record<string, Rule>>, v: unknown): Json | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined
    const src = v as Json
    const out: Json = {}
    for (const [key, rule] of Object.entries(spec)) {
      if (!(key in src)) continue
      const x = this.value(rule, src[key])
      if (x !== undefined) out[key] = x
    }
    return Object.keys(out).length === 0 ? undefined : out
  }

  ref (v: unknown): Json | undefined {
    if (typeof v !== 'object' || v === null) return undefined
    const reference = (v as Json).reference
    if (typeof reference !== 'string') return undefined
    const target = this.refs.get(reference) ?? this.refs.get(reference.replace(/^.*\/([A-Za-z]+\/[^/]+)$/, '$1'))
    return target === undefined ? undefined : { reference: target }
  }

  /** Ages over 89 are grouped as "90 or older". */
  age (v: unknown): Json | undefined {
    const q = this.object({ value: 'decimal', comparator: 'token', unit: 'display', system: 'system', code: 'token' }, v)
    if (q === undefined) return undefined
    const isYears = q.code === undefined || q.code === 'a' || q.unit === 'years' || q.unit === 'year'
    if (typeof q.value === 'number' && isYears && q.value > 89) return { ...q, value: 90, comparator: '>=' }
    return q
  }

  address (v: unknown): Json | undefined {
    if (typeof v !== 'object' || v === null) return undefined
    const a = v as Json
    const out: Json = {}
    const country = typeof a.country === 'string' ? a.country : undefined
    if (country !== undefined && country.length <= 60) out.country = country
    if (typeof a.state === 'string' && a.state.length <= 60) out.state = a.state
    const us = country === undefined ? false : US.has(country.trim().toUpperCase())
    if (us && typeof a.postalCode === 'string') {
      const zip = safeHarborZip(a.postalCode)
      if (zip !== undefined) out.postalCode = zip
    }
    return Object.keys(out).length === 0 ? undefined : out
  }

  resource (r: Json, newId: string): Json | undefined {
    const type = typeof r.resourceType === 'string' ? r.resourceType : ''
    const spec = ALLOW_LISTS[type]
    if (spec === undefined) return undefined
    const out: Json = { resourceType: type, id: newId, ...(this.object(spec, r) ?? {}) }
    if (type === 'Patient' && typeof out.birthDate === 'string' && this.nowYear - Number(out.birthDate) >= 90) delete out.birthDate
    const firstCode = (((r.code as Json | undefined)?.coding as Json[] | undefined)?.[0])?.code
    if (type === 'Observation' && typeof firstCode === 'string' && AGE_CODES.has(firstCode)) {
      const aged = this.age(r.valueQuantity)
      if (aged !== undefined) out.valueQuantity = aged
    }
    return out
  }
}

function addRefKeys (refs: Map<string, string>, entry: Json, resource: Json, target: string): void {
  if (typeof entry.fullUrl === 'string') {
    refs.set(entry.fullUrl, target)
    const m = /([A-Za-z]+\/[^/]+)$/.exec(entry.fullUrl)
    if (m?.[1] !== undefined && !entry.fullUrl.startsWith('urn:')) refs.set(m[1], target)
  }
  if (typeof resource.resourceType === 'string' && typeof resource.id === 'string') refs.set(`${resource.resourceType}/${resource.id}`, target)
}

/**
 * A de-identified copy of a FHIR R4 Bundle or resource (the input is not changed). Resource
 * types without an allow-list are dropped from a Bundle; a lone resource of such a type gives
 * `undefined`.
 */
export function deidentify (fhir: unknown, options: DeidentifyOptions): unknown {
  const nowYear = new Date(options.now).getUTCFullYear()
  if (typeof fhir !== 'object' || fhir === null) return undefined
  const root = fhir as Json
  if (root.resourceType !== 'Bundle') {
    return new Sanitizer(new Map(), nowYear).resource(root, seqUuid(1))
  }
  const entries = Array.isArray(root.entry) ? root.entry as Json[] : []
  const refs = new Map<string, string>()
  const plan: Array<{ resource: Json, id: string }> = []
  let n = 0
  for (const e of entries) {
    const resource = e.resource
    if (typeof resource !== 'object' || resource === null) continue
    const r = resource as Json
    if (ALLOW_LISTS[String(r.resourceType)] === undefined) continue
    const id = seqUuid(++n)
    addRefKeys(refs, e, r, `urn:uuid:${id}`)
    plan.push({ resource: r, id })
  }
  const s = new Sanitizer(refs, nowYear)
  const out: Json = { resourceType: 'Bundle' }
  if (typeof root.type === 'string' && TOKEN.test(root.type)) out.type = root.type
  out.entry = plan
    .map(({ resource, id }) => ({ fullUrl: `urn:uuid:${id}`, resource: s.resource(resource, id) }))
    .filter((e) => e.resource !== undefined)
  return out
}
