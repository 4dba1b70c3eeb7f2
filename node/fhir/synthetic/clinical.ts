/** Synthetic lab results, vaccinations, prescriptions and a mental-health note (collection Bundles). */
import type { SeededRandom } from './random.js'
import type { SyntheticPatient } from './patients.js'
import { ACT_CODE, ATC, ICD10, LOINC, authorEntries, cc, collection, entry, patientEntry, ref, type Json } from './common.js'

const LABS = [
  { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', unit: 'g/dL', low: 11, high: 17 },
  { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL', low: 70, high: 140 },
  { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 1, high: 2 },
  { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', low: 4, high: 9 }
]

export function buildLabResults (rnd: SeededRandom, p: SyntheticPatient, date: string): Json {
  const patient = patientEntry(rnd, p)
  const { practitioner, organization } = authorEntries(rnd, p)
  const observations = LABS.map((lab) => entry(rnd, {
    resourceType: 'Observation',
    status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', 'Laboratory')],
    code: cc(LOINC, lab.code, lab.display),
    subject: ref(patient),
    effectiveDateTime: date,
    performer: [ref(organization)],
    valueQuantity: { value: lab.low + rnd.int((lab.high - lab.low) * 10) / 10, unit: lab.unit, system: 'http://unitsofmeasure.org', code: lab.unit }
  }))
  const report = entry(rnd, {
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
    code: cc(LOINC, '24323-8', 'Comprehensive metabolic 2000 panel - Serum or Plasma'),
    subject: ref(patient),
    effectiveDateTime: date,
    issued: date,
    performer: [ref(practitioner)],
    result: observations.map(ref)
  })
  return collection(rnd, date, [report, ...observations, patient, practitioner, organization])
}

const VACCINES = [
  { code: 'J07BB02', display: 'influenza, inactivated, split virus or surface antigen' },
  { code: 'J07BX03', display: 'covid-19 vaccines' },
  { code: 'J07AM51', display: 'tetanus toxoid, combinations with diphtheria toxoid' },
  { code: 'J07BC01', display: 'hepatitis B, purified antigen' }
]

export function buildVaccinations (rnd: SeededRandom, p: SyntheticPatient, date: string): Json {
  const patient = patientEntry(rnd, p)
  const { practitioner, organization } = authorEntries(rnd, p)
  const immunizations = VACCINES.map((v, i) => entry(rnd, {
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: cc(ATC, v.code, v.display),
    patient: ref(patient),
    occurrenceDateTime: `${String(2015 + i * 2)}-${String(1 + rnd.int(12)).padStart(2, '0')}-10`,
    performer: [{ actor: ref(practitioner) }],
    protocolApplied: [{ doseNumberPositiveInt: 1 + rnd.int(3) }]
  }))
  return collection(rnd, date, [...immunizations, patient, practitioner, organization])
}

const DRUGS = [
  { code: 'C09AA03', display: 'lisinopril', dose: '10 mg once daily' },
  { code: 'C10AA05', display: 'atorvastatin', dose: '20 mg at night' },
  { code: 'N02BE01', display: 'paracetamol', dose: '500 mg up to four times daily' }
]

export function buildPrescriptions (rnd: SeededRandom, p: SyntheticPatient, date: string): Json {
  const patient = patientEntry(rnd, p)
  const { practitioner, organization } = authorEntries(rnd, p)
  const requests = DRUGS.map((d) => entry(rnd, {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: cc(ATC, d.code, d.display),
    subject: ref(patient),
    authoredOn: date,
    requester: ref(practitioner),
    dosageInstruction: [{ text: d.dose }],
    dispenseRequest: { numberOfRepeatsAllowed: rnd.int(4) }
  }))
  return collection(rnd, date, [...requests, patient, practitioner, organization])
}

const PSY_LABEL = { system: ACT_CODE, code: 'PSY', display: 'psychiatry disorder information sensitivity' }

export function buildMentalHealthNote (rnd: SeededRandom, p: SyntheticPatient, date: string): Json {
  const patient = patientEntry(rnd, p)
  const { practitioner, organization } = authorEntries(rnd, p)
  const condition = entry(rnd, {
    resourceType: 'Condition',
    meta: { security: [PSY_LABEL] },
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
    code: cc(ICD10, 'F32.1', 'Moderate depressive episode'),
    subject: ref(patient),
    recordedDate: date
  })
  const text = `Synthetic progress note. Mood improving on current treatment; next review in ${2 + rnd.int(6)} weeks.`
  const note = entry(rnd, {
    resourceType: 'DocumentReference',
    meta: { security: [PSY_LABEL] },
    status: 'current',
    type: cc(LOINC, '11506-3', 'Progress note'),
    subject: ref(patient),
    date,
    author: [ref(practitioner)],
    custodian: ref(organization),
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(text, 'utf8').toString('base64') } }],
    context: { related: [ref(condition)] }
  })
  return collection(rnd, date, [note, condition, patient, practitioner, organization])
}
