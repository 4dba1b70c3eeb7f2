/**
 * The patient a record is about, for matching it to an enrolled patient: the Patient's identifiers
 * and birth date. These are personal data: the returned object refuses to be serialised or
 * inspected (a log call prints `[PatientMatch redacted]`), so they cannot end up in a log line.
 */
import { inspect } from 'node:util'
import { isObject, type JsonObject } from './elements.js'

export interface PatientIdentifier {
  readonly system: string | undefined
  readonly value: string
}

const REDACTED = '[PatientMatch redacted]'

export class PatientMatch {
  constructor (
    readonly identifiers: readonly PatientIdentifier[],
    /** YYYY, YYYY-MM or YYYY-MM-DD as written in the record. */
    readonly birthDate: string | undefined,
    /** Where the Patient was found, e.g. `Bundle.entry[1].resource`. */
    readonly location: string
  ) {}

  toJSON (): string { return REDACTED }
  toString (): string { return REDACTED }
  [inspect.custom] (): string { return REDACTED }
}

/**
 * Finds the record's Patient: the resource itself, the target of a document's
 * Composition.subject, or the one Patient entry of a Bundle. Undefined when there is none.
 */
export function extractPatient (record: JsonObject): PatientMatch | undefined {
  if (record.resourceType === 'Patient') return toMatch(record, 'Patient')
  if (record.resourceType !== 'Bundle' || !Array.isArray(record.entry)) return undefined
  const entries: unknown[] = record.entry
  const patients: number[] = []
  entries.forEach((e, i) => { if (isObject(e) && isObject(e.resource) && e.resource.resourceType === 'Patient') patients.push(i) })
  let index = patients.length === 1 ? patients[0] : undefined
  const first = entries[0]
  if (index === undefined && record.type === 'document' && isObject(first) && isObject(first.resource)) {
    index = subjectEntry(entries, first.resource)
  }
  if (index === undefined) return undefined
  const entry: unknown = entries[index]
  return isObject(entry) && isObject(entry.resource) ? toMatch(entry.resource, `Bundle.entry[${index}].resource`) : undefined
}

function subjectEntry (entries: unknown[], composition: JsonObject): number | undefined {
  const subject = composition.subject
  if (!isObject(subject) || typeof subject.reference !== 'string') return undefined
  const ref = subject.reference
  const i = entries.findIndex((e) => isObject(e) && isObject(e.resource) && e.resource.resourceType === 'Patient' &&
    (e.fullUrl === ref || `Patient/${String(e.resource.id)}` === ref || (typeof e.fullUrl === 'string' && e.fullUrl.endsWith(`/${ref}`))))
  return i < 0 ? undefined : i
}

function toMatch (patient: JsonObject, location: string): PatientMatch {
  const identifiers: PatientIdentifier[] = []
  if (Array.isArray(patient.identifier)) {
    for (const id of patient.identifier) {
      if (isObject(id) && typeof id.value === 'string' && id.value !== '') {
        identifiers.push({ system: typeof id.system === 'string' ? id.system : undefined, value: id.value })
      }
    }
  }
  const birthDate = typeof patient.birthDate === 'string' ? patient.birthDate : undefined
  return new PatientMatch(identifiers, birthDate, location)
}
