/** One call for ingestion: check the Content-Type, parse, validate, derive category, find the patient. */
import { validateFhirRecord, type FhirResource, type ValidateOptions } from './validate.js'
import { deriveCategory, type CategoryDerivation } from './category.js'
import { extractPatient, type PatientMatch } from './patient.js'
import { fhirMediaType, FHIR_JSON_MEDIA_TYPE } from './media-type.js'
import type { FhirIssue } from './issues.js'

export interface ExaminedRecord {
  /** Exactly the bytes received. */
  readonly bytes: Uint8Array
  readonly resource: FhirResource
  readonly warnings: readonly FhirIssue[]
  readonly category: CategoryDerivation
  /** Identifiers and birth date of the record's Patient, when it has one (never log them). */
  readonly patient: PatientMatch | undefined
  readonly mediaType: string
}

export interface ExamineOptions extends ValidateOptions {
  /** The request's Content-Type; checked when given. */
  contentType?: string
}

/** Throws the errors of fhirMediaType and validateFhirRecord. */
export function examineFhirRecord (input: Uint8Array | string, options: ExamineOptions = {}): ExaminedRecord {
  const mediaType = options.contentType === undefined ? FHIR_JSON_MEDIA_TYPE : fhirMediaType(options.contentType)
  const { resource, warnings, bytes } = validateFhirRecord(input, options)
  return { bytes, resource, warnings, category: deriveCategory(resource), patient: extractPatient(resource), mediaType }
}
