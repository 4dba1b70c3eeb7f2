/**
 * Validation of FHIR R4 JSON as the API receives it: a Bundle (document such as an International
 * Patient Summary, collection or transaction) or a single resource.
 *
 * Leniency: errors are what would make the record unreadable or unsafe for a foreign doctor's
 * system (a strict R4 parser's refusals: missing required elements, empty values, unknown types;
 * references that resolve to nothing; more than one patient). Deviations that do not change the
 * meaning and that the node can still place without guessing (relative or missing fullUrls,
 * a document without Bundle.identifier or timestamp, IPS sections without titles, references to
 * servers outside the Bundle) are warnings: the record is accepted and stored byte for byte.
 */
import { IssueList, type FhirIssue } from './issues.js'
import { checkResource, isObject, type FoundReference } from './elements.js'
import { checkBundle } from './bundle.js'
import { parseFhirJson, type FhirLimits } from './parse.js'
import { FhirValidationError } from './errors.js'

/** A FHIR resource as parsed JSON; read fields with care, it is only shape-checked. */
export interface FhirResource {
  readonly resourceType: string
  readonly [element: string]: unknown
}

export type ValidateOptions = FhirLimits

export interface FhirValidation {
  /** No errors (there may be warnings). */
  readonly ok: boolean
  readonly issues: readonly FhirIssue[]
  readonly errors: readonly FhirIssue[]
  readonly warnings: readonly FhirIssue[]
}

/** Validates an already parsed value; never throws for bad content. */
export function validateFhirValue (value: unknown, options: ValidateOptions = {}): FhirValidation {
  const issues = new IssueList()
  if (isObject(value) && value.resourceType === 'Bundle') checkBundle(value, issues, options.maxEntries)
  else {
    const refs: FoundReference[] = []
    checkResource(value, isObject(value) && typeof value.resourceType === 'string' ? value.resourceType : '(root)', issues, refs)
    // a single resource's references point to the sender's server; nothing to resolve them against
  }
  const all = issues.items
  const errors = all.filter((i) => i.severity === 'error')
  return { ok: errors.length === 0, issues: all, errors, warnings: all.filter((i) => i.severity === 'warning') }
}

export interface ValidatedFhirRecord {
  readonly resource: FhirResource
  readonly warnings: readonly FhirIssue[]
  /** Exactly the bytes received: what is encrypted and stored, never a re-serialisation. */
  readonly bytes: Uint8Array
}

/**
 * Parses and validates a record as received. Throws FhirTooLargeError, FhirTooDeepError,
 * FhirParseError, or FhirValidationError listing every error with its location.
 */
export function validateFhirRecord (input: Uint8Array | string, options: ValidateOptions = {}): ValidatedFhirRecord {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  const value = parseFhirJson(bytes, options)
  const result = validateFhirValue(value, options)
  if (!result.ok) throw new FhirValidationError(result.issues)
  return { resource: value as FhirResource, warnings: result.warnings, bytes }
}
