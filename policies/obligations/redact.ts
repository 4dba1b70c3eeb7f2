/**
 * The `redact:<category>` obligation for FHIR R4 Bundles (pure): entries whose resource maps to
 * the category (policies/fhir-category.ts) are dropped, references to them are removed wherever
 * they appear (a Composition's section entries included), and when anything was dropped every
 * narrative (`text`) of the Bundle goes too, since a narrative may describe what was redacted.
 */
import { categoryOfResource } from '../fhir-category.js'
import type { Category } from '../vocabulary.js'

type Json = Record<string, unknown>

export interface RedactResult {
  readonly fhir: unknown
  /** How many entries were dropped. */
  readonly removed: number
}

function keysOf (entry: Json, resource: Json): string[] {
  const keys: string[] = []
  if (typeof entry.fullUrl === 'string') {
    keys.push(entry.fullUrl)
    const m = /([A-Za-z]+\/[^/]+)$/.exec(entry.fullUrl)
    if (m?.[1] !== undefined && !entry.fullUrl.startsWith('urn:')) keys.push(m[1])
  }
  if (typeof resource.resourceType === 'string' && typeof resource.id === 'string') keys.push(`${resource.resourceType}/${resource.id}`)
  return keys
}

function pointsTo (ref: string, dropped: ReadonlySet<string>): boolean {
  if (dropped.has(ref)) return true
  const m = /([A-Za-z]+\/[^/]+)$/.exec(ref)
  return m?.[1] !== undefined && dropped.has(m[1])
}

const REMOVED = Symbol('removed')

/** A copy of `v` without references to dropped entries and without narratives. */
function scrub (v: unknown, dropped: ReadonlySet<string>): unknown {
  if (Array.isArray(v)) {
    return v.map((x) => scrub(x, dropped)).filter((x) => x !== REMOVED)
  }
  if (typeof v !== 'object' || v === null) return v
  const o = v as Json
  if (typeof o.reference === 'string' && pointsTo(o.reference, dropped)) return REMOVED
  const out: Json = {}
  for (const [k, x] of Object.entries(o)) {
    if (k === 'text' && typeof x === 'object' && x !== null && 'div' in x) continue
    const y = scrub(x, dropped)
    if (y === REMOVED) continue
    out[k] = y
  }
  return out
}

/**
 * Drops from a Bundle every entry whose resource `drop` selects, then removes the references to
 * them and (when anything went) every narrative: the mechanism behind `redact:<category>`, shared
 * with the node's own labelling (node/fhir/redact.ts). Not a Bundle or nothing selected: unchanged.
 */
export function dropBundleEntries (bundle: Json, drop: (resource: Json) => boolean): RedactResult {
  const entries = Array.isArray(bundle.entry) ? bundle.entry as unknown[] : []
  const dropped = new Set<string>()
  const kept: unknown[] = []
  for (const e of entries) {
    const r = typeof e === 'object' && e !== null ? (e as Json).resource : undefined
    if (typeof r === 'object' && r !== null && drop(r as Json)) {
      for (const k of keysOf(e as Json, r as Json)) dropped.add(k)
    } else {
      kept.push(e)
    }
  }
  const removed = entries.length - kept.length
  if (removed === 0) return { fhir: bundle, removed: 0 }
  return { fhir: scrub({ ...bundle, entry: kept }, dropped), removed }
}

/** Drops the entries of a category from a Bundle (a lone resource of the category gives `undefined`). */
export function redactCategory (fhir: unknown, category: Category): RedactResult {
  if (typeof fhir !== 'object' || fhir === null) return { fhir, removed: 0 }
  const root = fhir as Json
  if (root.resourceType !== 'Bundle') {
    return categoryOfResource(root) === category ? { fhir: undefined, removed: 1 } : { fhir, removed: 0 }
  }
  return dropBundleEntries(root, (r) => categoryOfResource(r) === category)
}
