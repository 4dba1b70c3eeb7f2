/**
 * Which record category (DESIGN.md §3) a FHIR R4 resource belongs to. The daemon uses the same
 * function to label a record at ingestion and `redact:<category>` uses it to drop entries, so the
 * two can never disagree.
 *
 * How a resource maps (first rule that matches):
 * - `MolecularSequence`; an Observation or DiagnosticReport coded as genetics (category `GE`,
 *   LOINC 81247-9, 69548-6, 48018-6, 51969-4, 55232-3, 81290-9) → `genomic`
 * - a Condition (or an Observation/Procedure) coded ICD-10 F10–F19 or with a SNOMED CT code in
 *   the substance-use list → `substance-use`; ICD-10 F (other), or SNOMED CT mental-disorder
 *   codes → `mental-health`; ICD-10 A50–A64, B20–B24, Z21, O00–O08 (sexually transmitted
 *   infections, HIV, pregnancy with abortive outcome) → `sexual-health`
 * - `Immunization`, `ImmunizationRecommendation` → `vaccination`
 * - `MedicationRequest`, `MedicationStatement`, `MedicationDispense`, `MedicationAdministration`,
 *   `Medication` → `prescription`
 * - `ImagingStudy`, `Media`; an Observation or DiagnosticReport with category `imaging`/`RAD` →
 *   `imaging`
 * - an Observation with category `laboratory`, a DiagnosticReport with category `LAB` (or a v2-0074
 *   laboratory section code), `Specimen` → `lab-result`
 * - `Consent` → `consent-form`
 * - `Composition`, `AllergyIntolerance`, `Condition`, `Procedure`, `Flag`, `Device`,
 *   `DeviceUseStatement`, `CarePlan`, `ClinicalImpression`, `Encounter`, other Observations
 *   (vital signs, social history, …) → `patient-summary`
 * - supporting resources that describe people and places rather than care (`Patient`,
 *   `Practitioner`, `PractitionerRole`, `Organization`, `Location`, `RelatedPerson`,
 *   `Provenance`) → `null`: they belong to no category and are never redacted by one
 * - anything else (e.g. `Claim`, `ExplanationOfBenefit`, `DocumentReference`) → `other`
 */
import type { Category } from './vocabulary.js'

type Json = Record<string, unknown>

const SUPPORTING = new Set(['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'RelatedPerson', 'Provenance'])
const SUMMARY = new Set(['Composition', 'AllergyIntolerance', 'Condition', 'Procedure', 'Flag', 'Device', 'DeviceUseStatement', 'CarePlan', 'ClinicalImpression', 'Encounter', 'Observation', 'DiagnosticReport'])
const PRESCRIPTION = new Set(['MedicationRequest', 'MedicationStatement', 'MedicationDispense', 'MedicationAdministration', 'Medication'])
const GENETIC_LOINC = new Set(['81247-9', '69548-6', '48018-6', '51969-4', '55232-3', '81290-9'])
const SUBSTANCE_SNOMED = new Set(['66590003', '7200002', '191816009', '26416006', '228388006', '361055000', '5602001', '75544000'])
const MENTAL_SNOMED = new Set(['35489007', '13746004', '58214004', '197480006', '69322001', '47505003', '74732009'])

function codings (value: unknown): Array<{ system: string, code: string }> {
  const out: Array<{ system: string, code: string }> = []
  const list = Array.isArray(value) ? value : [value]
  for (const cc of list) {
    if (typeof cc !== 'object' || cc === null) continue
    const coding = (cc as Json).coding
    if (!Array.isArray(coding)) continue
    for (const c of coding) {
      if (typeof c !== 'object' || c === null) continue
      const { system, code } = c as Json
      if (typeof code === 'string') out.push({ system: typeof system === 'string' ? system : '', code })
    }
  }
  return out
}

const isIcd10 = (system: string): boolean => /icd-?10/i.test(system)
const isSnomed = (system: string): boolean => /snomed/i.test(system)
const isLoinc = (system: string): boolean => /loinc/i.test(system)

/** The sensitive category a code names, if any. */
function sensitiveCategoryOfCodes (codes: ReadonlyArray<{ system: string, code: string }>): Category | undefined {
  for (const { system, code } of codes) {
    const c = code.toUpperCase()
    if (isIcd10(system)) {
      if (/^F1[0-9]/.test(c)) return 'substance-use'
      if (/^F/.test(c)) return 'mental-health'
      if (/^(A5[0-9]|A6[0-4]|B2[0-4]|Z21|O0[0-8])/.test(c)) return 'sexual-health'
    }
    if (isSnomed(system)) {
      if (SUBSTANCE_SNOMED.has(code)) return 'substance-use'
      if (MENTAL_SNOMED.has(code)) return 'mental-health'
    }
    if (isLoinc(system) && GENETIC_LOINC.has(code)) return 'genomic'
  }
  return undefined
}

/** The category of a FHIR R4 resource; `null` for supporting resources (people, places). */
export function categoryOfResource (resource: unknown): Category | null {
  if (typeof resource !== 'object' || resource === null) return 'other'
  const r = resource as Json
  const type = typeof r.resourceType === 'string' ? r.resourceType : ''
  if (SUPPORTING.has(type)) return null
  if (type === 'MolecularSequence') return 'genomic'
  const categoryCodes = codings(r.category).map((c) => c.code.toLowerCase())
  if ((type === 'Observation' || type === 'DiagnosticReport') && categoryCodes.includes('ge')) return 'genomic'
  const sensitive = sensitiveCategoryOfCodes(codings(r.code))
  if (sensitive !== undefined && (type === 'Condition' || type === 'Observation' || type === 'Procedure' || type === 'DiagnosticReport' || type === 'Flag')) return sensitive
  if (type === 'Immunization' || type === 'ImmunizationRecommendation') return 'vaccination'
  if (PRESCRIPTION.has(type)) return 'prescription'
  if (type === 'ImagingStudy' || type === 'Media') return 'imaging'
  if ((type === 'Observation' || type === 'DiagnosticReport') && (categoryCodes.includes('imaging') || categoryCodes.includes('rad'))) return 'imaging'
  if (type === 'Specimen') return 'lab-result'
  if ((type === 'Observation' || type === 'DiagnosticReport') && (categoryCodes.includes('laboratory') || categoryCodes.includes('lab'))) return 'lab-result'
  if (type === 'Consent') return 'consent-form'
  if (SUMMARY.has(type)) return 'patient-summary'
  return 'other'
}

/** The category of a whole record: a document Bundle is a patient summary, else its first entry's. */
export function categoryOfRecord (fhir: unknown): Category {
  if (typeof fhir !== 'object' || fhir === null) return 'other'
  const r = fhir as Json
  if (r.resourceType !== 'Bundle') return categoryOfResource(r) ?? 'other'
  if (r.type === 'document') return 'patient-summary'
  const entries = Array.isArray(r.entry) ? r.entry as Json[] : []
  for (const e of entries) {
    const c = categoryOfResource(e.resource)
    if (c !== null) return c
  }
  return 'other'
}
