/** Named errors of FHIR parsing and validation. Every message is safe to show to the API caller. */
import { InvalidInputError } from '../../common/errors.js'
import type { FhirIssue } from './issues.js'
import { formatIssue } from './issues.js'

/** The body is not a FHIR R4 record the node accepts; `issues` lists every error and warning. */
export class FhirValidationError extends InvalidInputError {
  override name = 'FhirValidationError'
  readonly issues: readonly FhirIssue[]
  constructor (issues: readonly FhirIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error')
    const shown = errors.slice(0, MAX_LISTED)
    const more = errors.length - shown.length
    super(`the FHIR record has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n` +
      shown.map((i) => `  - ${formatIssue(i)}`).join('\n') +
      (more > 0 ? `\n  … and ${more} more` : ''))
    this.issues = issues
  }
}

const MAX_LISTED = 50

/** The body is larger than the configured limit (checked before parsing). */
export class FhirTooLargeError extends InvalidInputError {
  override name = 'FhirTooLargeError'
  override readonly status: number = 413
  constructor (readonly size: number, readonly limit: number) {
    super(`the FHIR record is ${size} bytes; the limit is ${limit} bytes`)
  }
}

/** The JSON nests deeper than the configured limit (checked before parsing). */
export class FhirTooDeepError extends InvalidInputError {
  override name = 'FhirTooDeepError'
  constructor (readonly limit: number, readonly offset: number) {
    super(`the JSON nests deeper than ${limit} levels (at byte ${offset})`)
  }
}

/** The body is not UTF-8 JSON. */
export class FhirParseError extends InvalidInputError {
  override name = 'FhirParseError'
}

/** The Content-Type is not FHIR R4 JSON. */
export class UnsupportedMediaTypeError extends InvalidInputError {
  override name = 'UnsupportedMediaTypeError'
  override readonly status: number = 415
}

/** `redact:<category>` cannot be applied to this record (the release is then denied, fail closed). */
export class RedactionImpossibleError extends InvalidInputError {
  override name = 'RedactionImpossibleError'
  constructor (readonly category: string, why: string) {
    super(`cannot redact ${category}: ${why}`)
  }
}
