/**
 * A validation finding with a FHIRPath-like location (`Bundle.entry[3].resource.status`).
 * Errors reject the record; warnings are reported and the record is accepted.
 */
export type FhirIssueSeverity = 'error' | 'warning'

export type FhirIssueCode =
  | 'structure' // not an object, wrong JSON type, resourceType missing
  | 'required' // a 1..1 or 1..* element of R4 is missing
  | 'empty' // "", null, [] or {} where FHIR JSON forbids them
  | 'invalid-value' // a value of the wrong form (id, date, uri, code)
  | 'unknown-resource-type' // not an R4 resource type
  | 'not-accepted' // an R4 resource type or Bundle type the node does not take as a health record
  | 'unresolved-reference' // a reference that no entry of the Bundle satisfies
  | 'external-reference' // an absolute reference to something outside the Bundle
  | 'full-url' // a Bundle.entry.fullUrl that is missing, relative or duplicated
  | 'patient' // zero or several patients where one is needed
  | 'document' // a rule of FHIR documents (first entry a Composition, identifier, timestamp)
  | 'limit' // too many entries

export interface FhirIssue {
  readonly severity: FhirIssueSeverity
  readonly code: FhirIssueCode
  /** FHIRPath-like location, e.g. `Bundle.entry[3].resource.status`. */
  readonly location: string
  readonly message: string
}

/** `Bundle.entry[3].resource.status: required` */
export function formatIssue (issue: FhirIssue): string {
  return `${issue.location}: ${issue.message}${issue.severity === 'warning' ? ' (warning)' : ''}`
}

/** Collects issues while a validator walks a resource. */
export class IssueList {
  readonly items: FhirIssue[] = []
  error (code: FhirIssueCode, location: string, message: string): void {
    this.items.push({ severity: 'error', code, location, message })
  }

  warning (code: FhirIssueCode, location: string, message: string): void {
    this.items.push({ severity: 'warning', code, location, message })
  }

  get errorCount (): number {
    return this.items.filter((i) => i.severity === 'error').length
  }
}
