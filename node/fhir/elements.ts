/**
 * Checks of one resource: its type, its id, the elements R4 requires, the FHIR JSON rules on
 * values ("", null, [] and {} are never valid), contained resources and `#` references. References
 * to other resources are collected for the Bundle to resolve.
 */
import type { IssueList } from './issues.js'
import { R4_RESOURCE_TYPES, REQUIRED_ELEMENTS, isAcceptedResourceType } from './resource-types.js'

export type JsonObject = Record<string, unknown>

/** A reference found in a resource, with where it is. */
export interface FoundReference {
  readonly location: string
  readonly reference: string
}

export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/
export const DATE_PATTERN = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/

export function isObject (v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Checks a resource at `location`; returns its type when it has a usable one. `allowBundle` is true
 * only for the top-level value.
 */
export function checkResource (value: unknown, location: string, issues: IssueList, refs: FoundReference[],
  allowBundle = false): string | undefined {
  return checkOne(value, location, issues, refs, allowBundle, true)
}

function checkOne (value: unknown, location: string, issues: IssueList, refs: FoundReference[],
  allowBundle: boolean, resolveHash: boolean): string | undefined {
  if (!isObject(value)) {
    issues.error('structure', location, 'expected a FHIR resource (a JSON object with a resourceType)')
    return undefined
  }
  const type = value.resourceType
  if (typeof type !== 'string' || type === '') {
    issues.error('structure', `${location}.resourceType`, 'required')
    return undefined
  }
  if (!R4_RESOURCE_TYPES.has(type)) {
    issues.error('unknown-resource-type', `${location}.resourceType`, `'${clip(type)}' is not a FHIR R4 resource type`)
    return undefined
  }
  if (type === 'Bundle' ? !allowBundle : !isAcceptedResourceType(type)) {
    issues.error('not-accepted', `${location}.resourceType`, type === 'Bundle'
      ? 'a Bundle inside a Bundle is not accepted'
      : `'${type}' is not accepted in a health record`)
    return undefined
  }
  if (value.id !== undefined && (typeof value.id !== 'string' || !ID_PATTERN.test(value.id))) {
    issues.error('invalid-value', `${location}.id`, 'an id is 1 to 64 characters of A-Z, a-z, 0-9, - and .')
  }
  // a contained resource is a fragment of its container, which gives it its context (subject,
  // patient): missing required elements there are warnings, not errors
  const contained = !resolveHash
  for (const path of REQUIRED_ELEMENTS[type] ?? []) checkRequired(value, location, path.split('.'), issues, contained)
  if (type === 'Patient' && typeof value.birthDate === 'string' && !DATE_PATTERN.test(value.birthDate)) {
    issues.error('invalid-value', `${location}.birthDate`, 'expected a date YYYY, YYYY-MM or YYYY-MM-DD')
  }
  const containedIds = new Set<string>()
  const own: FoundReference[] = []
  if (Array.isArray(value.contained)) {
    value.contained.forEach((c, i) => {
      const loc = `${location}.contained[${i}]`
      // a contained resource's `#x` references name its container's contained resources
      checkOne(c, loc, issues, own, false, false)
      if (isObject(c) && typeof c.id === 'string') containedIds.add(c.id)
      else issues.error('required', `${loc}.id`, 'required (contained resources are referenced by id)')
    })
  }
  walkElements(value, location, issues, own, type === 'Bundle' ? BUNDLE_SKIP : RESOURCE_SKIP)
  for (const r of own) {
    if (resolveHash && r.reference.startsWith('#')) {
      const id = r.reference.slice(1)
      if (id !== '' && !containedIds.has(id)) {
        issues.error('unresolved-reference', r.location, `'${clip(r.reference)}' names no contained resource`)
      }
    } else refs.push(r)
  }
  return type
}

const RESOURCE_SKIP = new Set(['resourceType', 'contained'])
const BUNDLE_SKIP = new Set(['resourceType', 'entry'])

function checkRequired (obj: JsonObject, location: string, parts: string[], issues: IssueList, lenient: boolean): void {
  const [head, ...rest] = parts
  if (head === undefined) return
  if (rest.length === 0) {
    if (isPresent(obj, head)) return
    if (lenient) issues.warning('required', `${location}.${head}`, 'required (in a contained resource)')
    else issues.error('required', `${location}.${head}`, 'required')
    return
  }
  const v = obj[head]
  if (Array.isArray(v)) {
    v.forEach((item, i) => { if (isObject(item)) checkRequired(item, `${location}.${head}[${i}]`, rest, issues, lenient) })
  } else if (isObject(v)) checkRequired(v, `${location}.${head}`, rest, issues, lenient)
}

function isPresent (obj: JsonObject, name: string): boolean {
  if (name.endsWith('[x]')) {
    const prefix = name.slice(0, -3)
    return Object.keys(obj).some((k) => k.length > prefix.length && k.startsWith(prefix) &&
      /[A-Z]/.test(k.charAt(prefix.length)) && obj[k] !== null)
  }
  // a primitive may be present only as its extension (`_status`, e.g. a data-absent-reason)
  return (obj[name] !== undefined && obj[name] !== null) || isObject(obj[`_${name}`])
}

/** Walks element values for the FHIR JSON rules and collects `reference`s. */
function walkElements (obj: JsonObject, location: string, issues: IssueList, refs: FoundReference[],
  skip: ReadonlySet<string>): void {
  for (const [key, v] of Object.entries(obj)) {
    if (skip.has(key)) continue
    const loc = `${location}.${key}`
    if (key === 'div' && typeof v === 'string') continue // XHTML narrative
    if (key === 'reference' && typeof v === 'string' && v !== '') refs.push({ location: loc, reference: v })
    checkValue(v, loc, issues, refs, key.startsWith('_') || Array.isArray(obj[`_${key}`]))
  }
}

function checkValue (v: unknown, loc: string, issues: IssueList, refs: FoundReference[], nullsAllowedInArray: boolean): void {
  if (v === null) {
    issues.error('empty', loc, 'null is not a valid FHIR JSON value (omit the element instead)')
  } else if (typeof v === 'string') {
    if (v === '') issues.error('empty', loc, 'an empty string is not a valid FHIR value (omit the element instead)')
  } else if (Array.isArray(v)) {
    if (v.length === 0) issues.error('empty', loc, 'an empty array is not valid in FHIR JSON (omit the element instead)')
    v.forEach((item, i) => {
      if (item === null && nullsAllowedInArray) return
      checkValue(item, `${loc}[${i}]`, issues, refs, false)
    })
  } else if (isObject(v)) {
    if (Object.keys(v).length === 0) issues.error('empty', loc, 'an empty object is not valid in FHIR JSON (omit the element instead)')
    else walkElements(v, loc, issues, refs, NOTHING)
  }
}

const NOTHING: ReadonlySet<string> = new Set()

/** The FHIR JSON rules on values for elements that are not a resource (e.g. a Bundle entry's own). */
export function checkJsonRules (obj: JsonObject, location: string, issues: IssueList, skip: ReadonlySet<string>): void {
  walkElements(obj, location, issues, [], skip)
}

/** Shortens a value quoted in a message (values are the caller's own input, kept short). */
export function clip (s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`
}
