/**
 * The category of a record (DESIGN.md §3), derived from its content.
 *
 * Per resource, the node uses the policy engine's mapping (policies/fhir-category.ts
 * `categoryOfResource`), the same one `redact:<category>` uses, so labelling and redaction agree.
 * Two additions make the record's label only ever more protective than that mapping:
 * sensitive security labels (HL7 v3 ActCode in meta.security) and a few more sensitive codes
 * (sensitive.ts).
 *
 * A record that mixes content is labelled by its most sensitive part: a Bundle with a
 * mental-health condition among lab results is `mental-health`, never `lab-result`. The one
 * exception is an IPS document, which is `patient-summary` by definition (it is what crosses
 * borders); its sensitive content is reported in `sensitive` for the caller to weigh. Otherwise a
 * record whose clinical resources share one category gets it, and a mix of ordinary categories is
 * `other`.
 */
import { categoryOfResource as policyCategoryOfResource } from '../../policies/fhir-category.js'
import { CATEGORIES, isCategory, type Category } from '../../policies/vocabulary.js'
import { isObject, type JsonObject } from './elements.js'
import { isIpsComposition } from './bundle.js'
import { sensitiveCategoryOf } from './sensitive.js'

export const RECORD_CATEGORIES = CATEGORIES
export type RecordCategory = Category

/** Sensitive categories, most protective first: the winner when a record mixes several. */
export const SENSITIVE_PRECEDENCE: readonly RecordCategory[] = ['substance-use', 'sexual-health', 'mental-health', 'genomic']

export function isRecordCategory (s: string): s is RecordCategory {
  return isCategory(s)
}

export interface CategoryDerivation {
  readonly category: RecordCategory
  /** Sensitive categories found anywhere in the record (also when the category is patient-summary). */
  readonly sensitive: readonly RecordCategory[]
  /** Why, in words an operator can check (no clinical values). */
  readonly reason: string
}

/**
 * The categories one resource points to: the policy mapping's (none for people and places) and,
 * when different, a sensitive one from its security labels or codes.
 */
export function categoriesOfResource (r: JsonObject): RecordCategory[] {
  const out: RecordCategory[] = []
  const base = policyCategoryOfResource(r)
  if (base !== null) out.push(base)
  const extra = sensitiveCategoryOf(r)
  if (extra !== undefined && extra !== base) out.push(extra)
  return out
}

/** Derives the category of a validated record (a Bundle or a single resource). */
export function deriveCategory (record: JsonObject): CategoryDerivation {
  const resources = resourcesOf(record)
  const found = new Set<RecordCategory>()
  for (const r of resources) for (const c of categoriesOfResource(r)) found.add(c)
  const sensitive = SENSITIVE_PRECEDENCE.filter((c) => found.has(c))
  const composition = record.resourceType === 'Bundle' && record.type === 'document' ? resources[0] : undefined
  if (composition?.resourceType === 'Composition' && isIpsComposition(composition)) {
    return { category: 'patient-summary', sensitive, reason: 'a document Bundle whose Composition is a Patient summary Document (LOINC 60591-5)' }
  }
  const first = sensitive[0]
  if (first !== undefined) {
    return { category: first, sensitive, reason: `contains ${sensitive.join(', ')} content (codes or security labels); the most protective category applies` }
  }
  const specific = [...found].filter((c) => c !== 'other')
  const only = specific[0]
  if (specific.length === 1 && only !== undefined) {
    return { category: only, sensitive, reason: `every clinical resource is ${only}` }
  }
  if (specific.length > 1) {
    return { category: 'other', sensitive, reason: `mixed content (${specific.sort().join(', ')})` }
  }
  return { category: 'other', sensitive, reason: 'no content of a specific category' }
}

/** The resources of a record: a Bundle's entries in order (and their contained ones), or the resource. */
export function resourcesOf (record: JsonObject): JsonObject[] {
  const top = record.resourceType === 'Bundle' && Array.isArray(record.entry)
    ? record.entry.flatMap((e) => isObject(e) && isObject(e.resource) ? [e.resource] : [])
    : [record]
  return top.flatMap((r) => [r, ...(Array.isArray(r.contained) ? r.contained.filter(isObject) : [])])
}
