/**
 * Synthetic patient summaries (generated; no real data) with sensitive content inside: genomic
 * results (a genetics DiagnosticReport and its variant Observation), a mental-health Condition,
 * and an Observation labelled genetic only by its security label. Each sensitive resource carries
 * a marker in its display text, so that a test can check that it is absent from a released record.
 */
import { syntheticPatient, syntheticPatientSummary, type SyntheticPatient } from '../../../../node/fhir/index.js'

type Json = Record<string, unknown>

export const MARKERS = {
  genomicObservation: 'GENOMIC-MARKER-OBS',
  genomicReport: 'GENOMIC-MARKER-REPORT',
  mentalHealth: 'MH-MARKER-COND',
  labelledGenomic: 'LABELLED-MARKER-OBS'
} as const

export const IDS = {
  genomicObservation: '6f1c2a4e-0000-4000-8000-00000000a001',
  genomicReport: '6f1c2a4e-0000-4000-8000-00000000a002',
  mentalHealth: '6f1c2a4e-0000-4000-8000-00000000a003',
  labelledGenomic: '6f1c2a4e-0000-4000-8000-00000000a004'
} as const

const LOINC = 'http://loinc.org'
const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074'
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category'

const cc = (system: string, code: string, display: string): Json => ({ coding: [{ system, code, display }], text: display })

export interface SensitiveParts {
  genomic?: boolean
  mentalHealth?: boolean
  labelledGenomic?: boolean
  patient?: SyntheticPatient
}

/** A synthetic IPS document Bundle with the chosen sensitive parts added (and referenced from its Composition). */
export function summaryWithSensitive (parts: SensitiveParts): Json {
  const p = parts.patient ?? syntheticPatient('contained-sensitive', 'DE')
  const ips = syntheticPatientSummary(p)
  const entries = ips.entry as Array<{ fullUrl: string, resource: Json }>
  const patientUrl = entries.find((e) => e.resource.resourceType === 'Patient')?.fullUrl ?? ''
  const composition = entries[0]?.resource as Json
  const sections = composition.section as Json[]
  const add = (id: string, resource: Json): Json => {
    const fullUrl = `urn:uuid:${id}`
    entries.push({ fullUrl, resource: { ...resource, id } })
    return { reference: fullUrl }
  }
  const results: Json[] = []
  if (parts.genomic === true) {
    const obs = add(IDS.genomicObservation, {
      resourceType: 'Observation',
      status: 'final',
      category: [cc(OBS_CATEGORY, 'laboratory', 'Laboratory')],
      code: cc(LOINC, '69548-6', `Genetic variant assessment ${MARKERS.genomicObservation}`),
      subject: { reference: patientUrl },
      effectiveDateTime: '2025-06-01',
      valueCodeableConcept: cc(LOINC, 'LA9633-4', 'Present')
    })
    results.push(add(IDS.genomicReport, {
      resourceType: 'DiagnosticReport',
      status: 'final',
      category: [cc(V2_0074, 'GE', 'Genetics')],
      code: cc(LOINC, '81247-9', 'Master HL7 genetic variant reporting panel'),
      subject: { reference: patientUrl },
      effectiveDateTime: '2025-06-01',
      result: [obs],
      conclusion: MARKERS.genomicReport
    }))
  }
  if (parts.labelledGenomic === true) {
    results.push(add(IDS.labelledGenomic, {
      resourceType: 'Observation',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'GENETIC', display: 'genetic information' }] },
      status: 'final',
      code: cc(LOINC, '8302-2', `Body height ${MARKERS.labelledGenomic}`),
      subject: { reference: patientUrl },
      effectiveDateTime: '2025-06-01',
      valueQuantity: { value: 180, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' }
    }))
  }
  if (results.length > 0) {
    sections.push({ title: 'Results', code: cc(LOINC, '30954-2', 'Results'), text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Results</div>' }, entry: results })
  }
  if (parts.mentalHealth === true) {
    const cond = add(IDS.mentalHealth, {
      resourceType: 'Condition',
      clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
      code: cc('http://hl7.org/fhir/sid/icd-10', 'F32.1', `Moderate depressive episode ${MARKERS.mentalHealth}`),
      subject: { reference: patientUrl },
      onsetDateTime: '2024-03-01'
    })
    const problems = sections.find((s) => (s.title as string) === 'Active Problems')
    if (problems !== undefined) (problems.entry as Json[]).push(cond)
  }
  return ips
}

/**
 * `summaryWithSensitive` for `label`'s synthetic DE patient, its first resource's narrative padded
 * with at least `narrativeBytes` of text (a record of several segments), as the JSON bytes ingested.
 */
export function paddedSummary (label: string, narrativeBytes: number, parts: Omit<SensitiveParts, 'patient'> = {}): Uint8Array {
  const filler = 'synthetic narrative '
  const body = summaryWithSensitive({ ...parts, patient: syntheticPatient(label, 'DE') }) as { entry: Array<{ resource: Json }> }
  body.entry[0]!.resource.text = { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${filler.repeat(Math.ceil(narrativeBytes / filler.length))}</div>` }
  return new TextEncoder().encode(JSON.stringify(body))
}

