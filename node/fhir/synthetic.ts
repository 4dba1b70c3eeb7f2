/**
 * Synthetic FHIR R4 records for tests and the devnet, deterministic from a seed: the same seed and
 * patient give the same bytes. Every record passes the node's validator. The patients are fake and
 * their identifiers are shaped so that they cannot be real (e.g. US SSNs starting with 9).
 */
import type { RecordCategory } from './category.js'
import { SeededRandom } from './synthetic/random.js'
import { DEFAULT_RECORD_DATE, type Json } from './synthetic/common.js'
import type { SyntheticPatient } from './synthetic/patients.js'
import { buildPatientSummary } from './synthetic/summary.js'
import { buildLabResults, buildMentalHealthNote, buildPrescriptions, buildVaccinations } from './synthetic/clinical.js'
import { buildImagingRecord, DEFAULT_IMAGING_BYTES } from './synthetic/imaging.js'

export { syntheticPatient, NATIONAL_ID_SYSTEMS, type SyntheticPatient } from './synthetic/patients.js'
export { SeededRandom, seededBytes } from './synthetic/random.js'
export { DEFAULT_RECORD_DATE } from './synthetic/common.js'
export { DEFAULT_IMAGING_BYTES } from './synthetic/imaging.js'

export interface SyntheticOptions {
  /** Distinguishes several records of one kind for one patient. Default `'0'`. */
  seed?: string
  /** The record's date (ISO 8601 dateTime); default DEFAULT_RECORD_DATE. */
  date?: string
}

export type SyntheticKind = 'patient-summary' | 'lab-result' | 'vaccination' | 'prescription' | 'mental-health' | 'imaging'

/** The category each kind derives to (what the validator's deriveCategory says of it). */
export const SYNTHETIC_KIND_CATEGORY: Readonly<Record<SyntheticKind, RecordCategory>> = {
  'patient-summary': 'patient-summary',
  'lab-result': 'lab-result',
  vaccination: 'vaccination',
  prescription: 'prescription',
  'mental-health': 'mental-health',
  imaging: 'imaging'
}

function rng (kind: string, p: SyntheticPatient, options: SyntheticOptions): SeededRandom {
  return new SeededRandom(`${kind}/${p.country}/${p.nationalId.value}/${options.seed ?? '0'}`)
}

export function syntheticPatientSummary (p: SyntheticPatient, options: SyntheticOptions = {}): Json {
  return buildPatientSummary(rng('ips', p, options), p, options.date ?? DEFAULT_RECORD_DATE)
}
export function syntheticLabResults (p: SyntheticPatient, options: SyntheticOptions = {}): Json {
  return buildLabResults(rng('lab', p, options), p, options.date ?? DEFAULT_RECORD_DATE)
}
export function syntheticVaccinations (p: SyntheticPatient, options: SyntheticOptions = {}): Json {
  return buildVaccinations(rng('vaccination', p, options), p, options.date ?? DEFAULT_RECORD_DATE)
}
export function syntheticPrescriptions (p: SyntheticPatient, options: SyntheticOptions = {}): Json {
  return buildPrescriptions(rng('prescription', p, options), p, options.date ?? DEFAULT_RECORD_DATE)
}
export function syntheticMentalHealthNote (p: SyntheticPatient, options: SyntheticOptions = {}): Json {
  return buildMentalHealthNote(rng('mental-health', p, options), p, options.date ?? DEFAULT_RECORD_DATE)
}
/** `imageBytes` of pseudo-random "pixels" (default 1 MiB); the JSON is about 4/3 of that. */
export function syntheticImagingRecord (p: SyntheticPatient, options: SyntheticOptions & { imageBytes?: number } = {}): Json {
  return buildImagingRecord(rng('imaging', p, options), p, options.date ?? DEFAULT_RECORD_DATE, options.imageBytes ?? DEFAULT_IMAGING_BYTES)
}

/** One record of `kind`. */
export function syntheticRecord (kind: SyntheticKind, p: SyntheticPatient, options: SyntheticOptions & { imageBytes?: number } = {}): Json {
  switch (kind) {
    case 'patient-summary': return syntheticPatientSummary(p, options)
    case 'lab-result': return syntheticLabResults(p, options)
    case 'vaccination': return syntheticVaccinations(p, options)
    case 'prescription': return syntheticPrescriptions(p, options)
    case 'mental-health': return syntheticMentalHealthNote(p, options)
    case 'imaging': return syntheticImagingRecord(p, options)
  }
}

export const SYNTHETIC_KINDS: readonly SyntheticKind[] = ['patient-summary', 'lab-result', 'vaccination', 'prescription', 'mental-health', 'imaging']

/** One record of each kind (or of the kinds asked) for a patient, with the category each derives to. */
export function syntheticRecordSet (p: SyntheticPatient, options: SyntheticOptions & { imageBytes?: number, kinds?: readonly SyntheticKind[] } = {}):
Array<{ kind: SyntheticKind, category: RecordCategory, record: Json }> {
  return (options.kinds ?? SYNTHETIC_KINDS).map((kind) => ({ kind, category: SYNTHETIC_KIND_CATEGORY[kind], record: syntheticRecord(kind, p, options) }))
}

/** The record as the bytes a national system would POST (compact JSON, UTF-8). */
export function fhirBytes (record: Json): Uint8Array {
  return Buffer.from(JSON.stringify(record), 'utf8')
}
