/** A synthetic International Patient Summary (a document Bundle). */
import type { SeededRandom } from './random.js'
import type { SyntheticPatient } from './patients.js'
import { ATC, LOINC, SNOMED, authorEntries, cc, entry, narrative, patientEntry, ref, type Entry, type Json } from './common.js'

const CONDITIONS = [
  { code: '38341003', display: 'Hypertensive disorder' },
  { code: '44054006', display: 'Diabetes mellitus type 2' },
  { code: '195967001', display: 'Asthma' }
]
const MEDICATIONS = [
  { code: 'C09AA03', display: 'lisinopril' },
  { code: 'A10BA02', display: 'metformin' },
  { code: 'R03AC02', display: 'salbutamol' }
]
const ALLERGIES = [
  { code: '91936005', display: 'Allergy to penicillin' },
  { code: '91935009', display: 'Allergy to peanut' }
]

function section (title: string, loinc: string, entries: readonly Entry[]): Json {
  return {
    title,
    code: cc(LOINC, loinc, title),
    text: narrative(`${title}: ${entries.length} item(s)`),
    entry: entries.map(ref)
  }
}

export function buildPatientSummary (rnd: SeededRandom, p: SyntheticPatient, date: string): Json {
  const patient = patientEntry(rnd, p)
  const { practitioner, organization } = authorEntries(rnd, p)
  const day = date.slice(0, 10)
  const condition = rnd.pick(CONDITIONS)
  const medication = MEDICATIONS[CONDITIONS.indexOf(condition)] ?? MEDICATIONS[0]
  const allergy = rnd.pick(ALLERGIES)
  const conditionEntry = entry(rnd, {
    resourceType: 'Condition',
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
    code: cc(SNOMED, condition.code, condition.display),
    subject: ref(patient),
    onsetDateTime: `${String(2010 + rnd.int(14))}-0${String(1 + rnd.int(9))}-15`
  })
  const medicationEntry = entry(rnd, {
    resourceType: 'MedicationStatement',
    status: 'active',
    medicationCodeableConcept: cc(ATC, medication?.code ?? 'C09AA03', medication?.display ?? 'lisinopril'),
    subject: ref(patient),
    effectivePeriod: { start: day },
    dosage: [{ text: 'one tablet daily' }]
  })
  const allergyEntry = entry(rnd, {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
    code: cc(SNOMED, allergy.code, allergy.display),
    patient: ref(patient),
    reaction: [{ manifestation: [cc(SNOMED, '271807003', 'Eruption of skin')] }]
  })
  const composition = entry(rnd, {
    resourceType: 'Composition',
    status: 'final',
    type: cc(LOINC, '60591-5', 'Patient summary Document'),
    subject: ref(patient),
    date,
    author: [ref(practitioner)],
    custodian: ref(organization),
    title: `Patient Summary of ${p.givenName} ${p.familyName}`,
    section: [
      section('Active Problems', '11450-4', [conditionEntry]),
      section('Medication Summary', '10160-0', [medicationEntry]),
      section('Allergies and Intolerances', '48765-2', [allergyEntry])
    ]
  })
  const entries = [composition, patient, practitioner, organization, conditionEntry, medicationEntry, allergyEntry]
  return {
    resourceType: 'Bundle',
    id: rnd.uuid(),
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${rnd.uuid()}` },
    type: 'document',
    timestamp: date,
    entry: entries.map((e) => ({ fullUrl: e.fullUrl, resource: e.resource }))
  }
}
