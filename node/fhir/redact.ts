/**
 * `redact:<category>` as the custodian applies it before a release: every resource the node's
 * labelling (category.ts `categoriesOfResource`: the policy engine's per-resource mapping plus
 * security labels and the extra sensitive codes of sensitive.ts) puts in the category is removed,
 * so that what was labelled at ingestion is exactly what is redacted at release.
 *
 * In a Bundle, an entry goes when its resource, or a resource it contains, is of the category;
 * references to a removed entry are removed wherever they appear (a Composition's section entries
 * included), and once anything was removed every narrative (`text` with a `div`) goes too, since a
 * narrative may describe what was removed. The result is checked: if any resource of the category
 * is still there, or the whole record is of the category (a lone resource), redaction is
 * impossible and RedactionImpossibleError is thrown, so that the release is denied (fail closed).
 */
import type { RecordCategory } from './category.js'
import { categoriesOfResource, resourcesOf } from './category.js'
import { isObject, type JsonObject } from './elements.js'
import { RedactionImpossibleError } from './errors.js'
import { dropBundleEntries } from '../../policies/obligations/redact.js'

export interface RedactionResult {
  readonly fhir: JsonObject
  /** How many Bundle entries were removed. */
  readonly removed: number
}

function isOf (r: JsonObject, category: RecordCategory): boolean {
  return categoriesOfResource(r).includes(category) ||
    (Array.isArray(r.contained) && r.contained.some((c) => isObject(c) && categoriesOfResource(c).includes(category)))
}

/** Removes the resources of `category` from a FHIR record; throws RedactionImpossibleError when it cannot. */
export function redactRecordCategory (fhir: unknown, category: RecordCategory): RedactionResult {
  if (!isObject(fhir)) throw new RedactionImpossibleError(category, 'the record is not a FHIR resource')
  let out: JsonObject = fhir
  let removed = 0
  if (fhir.resourceType === 'Bundle' && Array.isArray(fhir.entry)) {
    const r = dropBundleEntries(fhir, (resource) => isOf(resource, category))
    out = r.fhir as JsonObject
    removed = r.removed
  }
  for (const r of resourcesOf(out)) {
    if (categoriesOfResource(r).includes(category)) {
      throw new RedactionImpossibleError(category, out === fhir && fhir.resourceType !== 'Bundle'
        ? 'the record is itself of that category'
        : 'a resource of that category could not be separated from the rest')
    }
  }
  return { fhir: out, removed }
}
