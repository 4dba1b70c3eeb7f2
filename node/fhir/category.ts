/**
 * The category of a record (DESIGN.md §3), derived from its content. The policy engine decides on
 * categories, so a record that mixes content is labelled by its most sensitive part: a Bundle with
 * a mental-health condition among lab results is `mental-health`, never `lab-result`. The one
 * exception is an IPS document, which is `patient-summary` by definition (it is what crosses
 * borders); its sensitive content is reported in `sensitive` for the caller to weigh.
 *
 * The policy engine is to export the canonical FHIR→category mapping (policies/fhir-category.ts);
 * until it exists this module holds the node's own.
 */
import { isObject, type JsonObject } from './elements.js'
import { isIpsComposition } from './bundle.js'
import { sensitiveCategoryOf, codingsOf } from './sensitive.js'

export const RECORD_CATEGORIES = [
  'patient-summary', 'lab-result', 'imaging', 'prescription', 'vaccination', 'consent-form',
  'genomic', 'mental-health', 'sexual-health', 'substance-use', 'other'
] as const
export type RecordCategory = typeof RECORD_CATEGORIES[number]

/** Sensitive categories, most protective first: the winner when a record mixes several. */
export const SENSITIVE_PRECEDENCE: readonly RecordCategory[] = ['substance-use', 'sexual-health', 'mental-health', 'genomic']

export function isRecordCategory (s: string): s is RecordCategory {
  return (RECORD_CATEGORIES as readonly string[]).includes(s)
}

export interface CategoryDerivation {
  readonly category: RecordCategory
  /** Sensitive categories found anywhere in the record (also when the category is patient-summary). */
  readonly sensitive: readonly RecordCategory[]
  /** Why, in words an operator can check (no clinical values). */
  readonly reason: string
}

/** Resource types that say nothing about the category (context, people, money). */
const NEUTRAL = new Set(['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location',
  'HealthcareService', 'Encounter', 'EpisodeOfCare', 'Provenance', 'Claim', 'ExplanationOfBenefit',
  'Coverage', 'Medication', 'Device', 'Specimen', 'RelatedPerson', 'CareTeam', 'Substance', 'Composition',
  'List', 'Binary', 'Appointment', 'Task', 'Communication', 'Basic'])

const IMAGING_DR_CATEGORIES = new Set(['RAD', 'CT', 'MR', 'NMR', 'US', 'XR', 'RX', 'NMS', 'VUS', 'CUS', 'imaging'])
const LAB_DR_CATEGORIES = new Set(['LAB', 'HM', 'CH', 'MB', 'SR', 'SP', 'CP', 'BLB', 'MCB', 'VR', 'TX', 'HLA',
  'IMM', 'MYC', 'PAR', 'SE', 'OSL', 'laboratory'])
const IMAGING_DOC_LOINC = new Set(['18748-4', '18726-0', '18782-3', '24627-2', '30954-2'])
const LAB_DOC_LOINC = new Set(['11502-2', '26436-6'])
const CONSENT_DOC_LOINC = new Set(['59284-0', '64292-6', '57016-8'])

/** The category one resource points to, or undefined when it is neutral. */
export function categoryOfResource (r: JsonObject): RecordCategory | undefined {
  const sensitive = sensitiveCategoryOf(r)
  if (sensitive !== undefined) return sensitive
  const type = r.resourceType
  if (typeof type !== 'string' || NEUTRAL.has(type)) return undefined
  switch (type) {
    case 'Immunization': case 'ImmunizationRecommendation': case 'ImmunizationEvaluation':
      return 'vaccination'
    case 'MedicationRequest': case 'MedicationStatement': case 'MedicationDispense': case 'MedicationAdministration':
      return 'prescription'
    case 'ImagingStudy': case 'Media':
      return 'imaging'
    case 'Consent':
      return 'consent-form'
    case 'DiagnosticReport': case 'Observation': {
      const codes = codingsOf(r.category).map((c) => c.code)
      if (codes.some((c) => IMAGING_DR_CATEGORIES.has(c))) return 'imaging'
      if (codes.some((c) => LAB_DR_CATEGORIES.has(c))) return 'lab-result'
      return 'other'
    }
    case 'DocumentReference': {
      const loinc = codingsOf(r.type).map((c) => c.code)
      if (loinc.some((c) => CONSENT_DOC_LOINC.has(c))) return 'consent-form'
      if (loinc.some((c) => IMAGING_DOC_LOINC.has(c)) || hasImageAttachment(r)) return 'imaging'
      if (loinc.some((c) => LAB_DOC_LOINC.has(c))) return 'lab-result'
      return 'other'
    }
    default:
      return 'other'
  }
}

function hasImageAttachment (r: JsonObject): boolean {
  if (!Array.isArray(r.content)) return false
  return r.content.some((c) => isObject(c) && isObject(c.attachment) && typeof c.attachment.contentType === 'string' &&
    /^(image\/|application\/dicom)/.test(c.attachment.contentType))
}

/** Derives the category of a validated record (a Bundle or a single resource). */
export function deriveCategory (record: JsonObject): CategoryDerivation {
  const resources = resourcesOf(record)
  const found = new Set<RecordCategory>()
  for (const r of resources) {
    const c = categoryOfResource(r)
    if (c !== undefined) found.add(c)
  }
  const sensitive = SENSITIVE_PRECEDENCE.filter((c) => found.has(c))
  const composition = record.resourceType === 'Bundle' && record.type === 'document' ? resources[0] : undefined
  if (composition?.resourceType === 'Composition' && isIpsComposition(composition)) {
    return { category: 'patient-summary', sensitive, reason: 'a document Bundle whose Composition is a Patient summary Document (LOINC 60591-5)' }
  }
  const first = sensitive[0]
  if (first !== undefined) {
    return { category: first, sensitive, reason: `contains ${sensitive.join(', ')} content (security labels or codes); the most protective category applies` }
  }
  const specific = [...found].filter((c) => c !== 'other')
  const only = specific[0]
  if (specific.length === 1 && only !== undefined) {
    return { category: only, sensitive, reason: `every clinical resource is ${only}` }
  }
  if (specific.length > 1) {
    return { category: 'other', sensitive, reason: `mixed content (${specific.sort().join(', ')})` }
  }
  return { category: 'other', sensitive, reason: 'no content of a specific category' }
}

/** The resources of a record: a Bundle's entries in order (and their contained ones), or the resource. */
export function resourcesOf (record: JsonObject): JsonObject[] {
  const top = record.resourceType === 'Bundle' && Array.isArray(record.entry)
    ? record.entry.flatMap((e) => isObject(e) && isObject(e.resource) ? [e.resource] : [])
    : [record]
  return top.flatMap((r) => [r, ...(Array.isArray(r.contained) ? r.contained.filter(isObject) : [])])
}
