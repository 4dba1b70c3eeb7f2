/**
 * Checks of a Bundle: its type, its entries, their fullUrls, document rules, one patient, and that
 * every reference resolves inside it, following R4's rules for resolving references in Bundles
 * (http://hl7.org/fhir/R4/bundle.html#references) with one leniency: a relative `Type/id` that
 * those rules cannot place resolves to the entry whose resource has that type and id, with a warning.
 */
import type { IssueList } from './issues.js'
import { checkJsonRules, checkResource, clip, isObject, type FoundReference, type JsonObject } from './elements.js'
import { ACCEPTED_BUNDLE_TYPES, R4_RESOURCE_TYPES } from './resource-types.js'
import { DEFAULT_MAX_ENTRIES } from './parse.js'

const UUID_URN = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const OID_URN = /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/
/** [base]/[type]/[id] with an optional /_history/[vid], as in R4's RESTful URL regex. */
const RESTFUL = /^((?:https?:\/\/)?.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/
export const IPS_COMPOSITION_LOINC = '60591-5'

const ENTRY_SKIP: ReadonlySet<string> = new Set(['resource'])

interface EntryInfo {
  index: number
  fullUrl: string | undefined
  type: string | undefined
  id: string | undefined
}

/** Validates `bundle` (already known to be a Bundle object); appends issues. */
export function checkBundle (bundle: JsonObject, issues: IssueList, maxEntries = DEFAULT_MAX_ENTRIES): void {
  const type = bundle.type
  if (type === undefined) issues.error('required', 'Bundle.type', 'required')
  else if (typeof type !== 'string' || !ACCEPTED_BUNDLE_TYPES.has(type)) {
    issues.error('not-accepted', 'Bundle.type', `${typeof type === 'string' ? `'${clip(type)}'` : JSON.stringify(type)} is not accepted; a record is a ` +
      `${[...ACCEPTED_BUNDLE_TYPES].join(', ')} Bundle`)
  }
  const refs: FoundReference[] = []
  checkResource(bundle, 'Bundle', issues, refs, true)
  const rawEntries = bundle.entry
  if (rawEntries === undefined) {
    issues.error('required', 'Bundle.entry', 'a record Bundle needs at least one entry')
    return
  }
  if (!Array.isArray(rawEntries)) {
    issues.error('structure', 'Bundle.entry', 'expected an array')
    return
  }
  if (rawEntries.length > maxEntries) {
    issues.error('limit', 'Bundle.entry', `${rawEntries.length} entries; the limit is ${maxEntries}`)
    return
  }
  if (rawEntries.length === 0) issues.error('empty', 'Bundle.entry', 'an empty array is not valid in FHIR JSON (omit the element instead)')
  const entries: EntryInfo[] = []
  const perEntryRefs: FoundReference[][] = []
  rawEntries.forEach((entry, index) => {
    const found: FoundReference[] = []
    entries.push(checkEntry(entry, index, type, issues, found))
    perEntryRefs.push(found)
  })
  checkFullUrls(entries, type, issues)
  checkPatients(entries, issues)
  if (type === 'document') checkDocument(bundle, rawEntries, issues)
  // the Bundle's own references (e.g. Bundle.signature.who) resolve like an entry's without a fullUrl
  entries.push({ index: -1, fullUrl: undefined, type: undefined, id: undefined })
  perEntryRefs.push(refs)
  resolveReferences(entries, perEntryRefs, type === 'transaction', issues)
}

function checkEntry (entry: unknown, index: number, bundleType: unknown, issues: IssueList,
  found: FoundReference[]): EntryInfo {
  const loc = `Bundle.entry[${index}]`
  const info: EntryInfo = { index, fullUrl: undefined, type: undefined, id: undefined }
  if (!isObject(entry)) {
    issues.error('structure', loc, 'expected an object')
    return info
  }
  if (typeof entry.fullUrl === 'string' && entry.fullUrl !== '') info.fullUrl = entry.fullUrl
  const request = entry.request
  if (bundleType === 'transaction') {
    if (!isObject(request)) issues.error('required', `${loc}.request`, 'required in a transaction Bundle')
    else {
      if (request.method === undefined) issues.error('required', `${loc}.request.method`, 'required')
      if (request.url === undefined) issues.error('required', `${loc}.request.url`, 'required')
    }
  }
  const isDelete = isObject(request) && request.method === 'DELETE'
  if (entry.resource === undefined) {
    if (!isDelete) issues.error('required', `${loc}.resource`, 'required')
  } else {
    info.type = checkResource(entry.resource, `${loc}.resource`, issues, found)
    const r = entry.resource
    if (isObject(r) && typeof r.id === 'string') info.id = r.id
  }
  // the entry's own elements (fullUrl, request, search): the FHIR JSON rules on values
  checkJsonRules(entry, loc, issues, ENTRY_SKIP)
  return info
}

function checkFullUrls (entries: EntryInfo[], bundleType: unknown, issues: IssueList): void {
  const seen = new Map<string, number>()
  for (const e of entries) {
    const loc = `Bundle.entry[${e.index}].fullUrl`
    const f = e.fullUrl
    if (f === undefined) {
      if (bundleType !== 'transaction' && e.type !== undefined) {
        issues.warning('full-url', loc, 'missing: other entries can reach this entry only by its type and id')
      }
      continue
    }
    const previous = seen.get(f)
    if (previous !== undefined) {
      issues.error('full-url', loc, `'${clip(f)}' is also the fullUrl of Bundle.entry[${previous}]`)
    } else seen.set(f, e.index)
    if (f.startsWith('urn:uuid:')) {
      if (!UUID_URN.test(f)) issues.error('invalid-value', loc, `'${clip(f)}' is not a urn:uuid: followed by a UUID`)
    } else if (f.startsWith('urn:oid:')) {
      if (!OID_URN.test(f)) issues.warning('invalid-value', loc, `'${clip(f)}' is not a urn:oid: followed by an OID (digits and dots)`)
    } else if (!ABSOLUTE.test(f)) {
      issues.warning('full-url', loc, `'${clip(f)}' is not an absolute URL (R4 requires one); resolved as a relative Type/id`)
    } else {
      const m = RESTFUL.exec(f)
      if (m !== null && e.type !== undefined && (m[2] !== e.type || (e.id !== undefined && m[3] !== e.id))) {
        issues.warning('full-url', loc, `'${clip(f)}' does not end with the entry's ${e.type}/${e.id ?? '(no id)'}`)
      }
    }
  }
}

function checkPatients (entries: EntryInfo[], issues: IssueList): void {
  const patients = entries.filter((e) => e.type === 'Patient')
  if (patients.length > 1) {
    issues.error('patient', 'Bundle.entry', `${patients.length} Patient resources (entries ` +
      `${patients.map((p) => p.index).join(', ')}); a record is about one patient`)
  }
}

function checkDocument (bundle: JsonObject, rawEntries: unknown[], issues: IssueList): void {
  const first = rawEntries[0]
  const composition = isObject(first) && isObject(first.resource) ? first.resource : undefined
  if (composition?.resourceType !== 'Composition') {
    issues.error('document', 'Bundle.entry[0].resource', 'the first entry of a document Bundle must be its Composition')
    return
  }
  if (!isObject(bundle.identifier)) {
    issues.warning('document', 'Bundle.identifier', 'a document Bundle should have an identifier (R4 bdl-9); ' +
      'the record is identified by its token instead')
  }
  if (bundle.timestamp === undefined) issues.warning('document', 'Bundle.timestamp', 'a document Bundle should have a timestamp (R4 bdl-10)')
  if (isIpsComposition(composition) && Array.isArray(composition.section)) {
    composition.section.forEach((s, i) => {
      if (isObject(s) && s.title === undefined) {
        issues.warning('document', `Bundle.entry[0].resource.section[${i}].title`, 'an IPS section should have a title')
      }
    })
  }
}

/** True when a Composition's type is LOINC 60591-5, "Patient summary Document". */
export function isIpsComposition (composition: JsonObject): boolean {
  const type = composition.type
  if (!isObject(type) || !Array.isArray(type.coding)) return false
  return type.coding.some((c) => isObject(c) && c.code === IPS_COMPOSITION_LOINC &&
    (c.system === undefined || c.system === 'http://loinc.org'))
}

function resolveReferences (entries: EntryInfo[], perEntryRefs: FoundReference[][], transaction: boolean, issues: IssueList): void {
  const byFullUrl = new Map<string, EntryInfo>()
  const byTypeId = new Map<string, EntryInfo>()
  for (const e of entries) {
    if (e.fullUrl !== undefined) byFullUrl.set(e.fullUrl, e)
    if (e.type !== undefined && e.id !== undefined) byTypeId.set(`${e.type}/${e.id}`, e)
  }
  entries.forEach((entry, i) => {
    for (const r of perEntryRefs[i] ?? []) resolveOne(entry, r, byFullUrl, byTypeId, transaction, issues)
  })
}

function resolveOne (entry: EntryInfo, r: FoundReference, byFullUrl: Map<string, EntryInfo>,
  byTypeId: Map<string, EntryInfo>, transaction: boolean, issues: IssueList): void {
  const ref = r.reference
  if (byFullUrl.has(ref)) return
  if (ref.includes('?') && !ABSOLUTE.test(ref)) {
    if (!transaction) issues.error('unresolved-reference', r.location, `'${clip(ref)}' is a conditional reference, allowed only in a transaction Bundle`)
    return
  }
  if (ABSOLUTE.test(ref)) {
    if (ref.startsWith('urn:')) issues.error('unresolved-reference', r.location, `'${clip(ref)}' does not resolve inside the Bundle (no entry has this fullUrl)`)
    else issues.warning('external-reference', r.location, `'${clip(ref)}' points outside the Bundle`)
    return
  }
  const m = RESTFUL.exec(ref)
  if (m === null || m[1] !== undefined || !R4_RESOURCE_TYPES.has(m[2] ?? '')) {
    issues.error('invalid-value', r.location, `'${clip(ref)}' is not a reference of the form Type/id, an absolute URL or a urn`)
    return
  }
  const typeId = `${m[2]}/${m[3]}`
  const base = entry.fullUrl === undefined ? undefined : RESTFUL.exec(entry.fullUrl)?.[1]
  if (base !== undefined && /^https?:\/\//.test(base) && byFullUrl.has(`${base}${typeId}`)) return
  if (byFullUrl.has(typeId)) return // relative fullUrls (already warned about)
  if (byTypeId.has(typeId)) {
    issues.warning('unresolved-reference', r.location, `'${clip(ref)}' resolved by resource type and id; ` +
      'by the R4 rules it needs the entries\' fullUrls to share a RESTful base')
    return
  }
  issues.error('unresolved-reference', r.location, `'${clip(ref)}' does not resolve inside the Bundle ` +
    `(no entry has this fullUrl or is a ${m[2]} with id '${clip(m[3] ?? '')}')`)
}
