/**
 * One Cedar evaluation of a compiled module (`export` or `import`) against a release request,
 * through the preparsed policy set. Fail closed: a Cedar error in any policy denies.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { Context, Entities } from '@cedar-policy/cedar-wasm/nodejs'
import type { PolicyAction } from '../vocabulary.js'
import { LIST_NAMES } from './manifest.js'
import type { CompiledModule } from './module.js'
import type { PreparedSet } from './prepared.js'
import { valueAt, type FlatRead } from './flatten.js'
import { pick } from './projection.js'
import type { ReleaseRequest } from './request.js'

/** The result of evaluating one action of one module. */
export interface Evaluation {
  /** The module's code (or the country asked for, when no module governs it). */
  readonly jurisdiction: string
  readonly version: string
  readonly action: PolicyAction
  readonly decision: 'allow' | 'deny'
  /** The deciding policies: the satisfied permits (allow) or forbids (deny). */
  readonly policies: readonly string[]
  /** `@reason`s of the deciding forbids; `no-matching-permit` when nothing permitted it. */
  readonly reasons: readonly string[]
  /** `@obligation`s of the deciding permits (allow only), sorted. */
  readonly obligations: readonly string[]
  /** Cedar evaluation errors (each also denies). */
  readonly errors: readonly string[]
}

export const NO_MATCHING_PERMIT = 'no-matching-permit'
export const POLICY_ERROR = 'policy-error'

const EMPTY_ENTITIES: Entities = []
const EXPORT_UID = { type: 'Action', id: 'export' } as const
const IMPORT_UID = { type: 'Action', id: 'import' } as const
const RECORD_UID = { type: 'Record', id: 'record' } as const

/** The full Cedar context of a request for a module (before projection). */
function fullContext (module: CompiledModule, request: ReleaseRequest, timeSeconds: number): Record<string, unknown> {
  return {
    purpose: request.purpose,
    sourceCountry: request.sourceCountry,
    destinationCountry: request.destinationCountry,
    grant: request.grant,
    emergency: request.emergency,
    justificationPresent: request.justificationPresent,
    patientUnableToConsent: request.patientUnableToConsent,
    restricted: request.restricted,
    deidentified: request.deidentified,
    hosting: request.hosting,
    secondaryUseOptOut: request.secondaryUseOptOut,
    recipient: request.recipient,
    transfers: request.transfers,
    time: timeSeconds,
    lists: module.data.lists,
    limits: module.data.limits
  }
}

function requestStrings (request: ReleaseRequest): Set<string> {
  return new Set<string>([
    request.requester.country, request.requester.role,
    request.record.category, request.record.subjectHomeCountry, request.record.custodianCountry,
    request.record.custodianRegion, request.record.origin,
    request.purpose, request.sourceCountry, request.destinationCountry,
    ...request.grant.purposes
  ])
}

/** The Cedar inputs of a request for one of a module's sets: only what its policies read. */
export interface CedarInputs {
  readonly principalId: string
  readonly context: Context
  readonly entities: Entities
}

function providerAttributes (request: ReleaseRequest): Record<string, string> {
  return { country: request.requester.country, role: request.requester.role }
}

/** Reads one flat attribute's value from a request (undefined when absent), as `valueAt` over the full context would. */
type Getter = (request: ReleaseRequest, timeSeconds: number, module: CompiledModule) => unknown

/** The request fields the full context copies as they are (./fullContext). */
const REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'purpose', 'sourceCountry', 'destinationCountry', 'grant', 'emergency', 'justificationPresent', 'patientUnableToConsent',
  'restricted', 'deidentified', 'hosting', 'secondaryUseOptOut', 'recipient', 'transfers'
])

/** The getter of a path read, compiled once: the same value `valueAt` finds in the full context, the principal or the record. */
function getter (root: 'principal' | 'resource' | 'context', path: readonly string[]): Getter {
  const [head, ...rest] = path
  if (root === 'resource') return (request) => valueAt(request.record, path)
  if (root === 'principal') {
    if (head === 'country') return rest.length === 0 ? (request) => request.requester.country : (request) => valueAt(request.requester.country, rest)
    if (head === 'role') return rest.length === 0 ? (request) => request.requester.role : (request) => valueAt(request.requester.role, rest)
    return () => undefined
  }
  if (head === undefined) return () => undefined
  if (head === 'time') return rest.length === 0 ? (_request, time) => time : (_request, time) => valueAt(time, rest)
  if (head === 'lists') return (_request, _time, module) => valueAt(module.data.lists, rest)
  if (head === 'limits') return (_request, _time, module) => valueAt(module.data.limits, rest)
  if (!REQUEST_FIELDS.has(head)) return () => undefined
  const field = head as keyof ReleaseRequest
  if (rest.length === 0) return (request) => request[field]
  if (rest.length === 1) {
    const [attr] = rest as [string]
    return (request) => {
      const v = request[field] as unknown
      return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, attr) ? (v as Record<string, unknown>)[attr] : undefined
    }
  }
  return (request) => valueAt(request[field], rest)
}

/** One step of building a set's flat context, compiled from its reads. */
type Step =
  | { readonly kind: 'path', readonly key: string, readonly pass: boolean, readonly get: Getter }
  | { readonly kind: 'list', readonly key: string, readonly of: string, readonly list: ReadonlySet<string> }
  | { readonly kind: 'value', readonly key: string, readonly of: string, readonly value: string | undefined }

const compiledReads = new WeakMap<readonly FlatRead[], readonly Step[]>()

function stepsOf (reads: readonly FlatRead[]): readonly Step[] {
  let steps = compiledReads.get(reads)
  if (steps === undefined) {
    steps = reads.map((read): Step => {
      if ('of' in read) return read.list !== undefined ? { kind: 'list', key: read.key, of: read.of, list: read.list } : { kind: 'value', key: read.key, of: read.of, value: read.value }
      return { kind: 'path', key: read.key, pass: read.pass, get: getter(read.root, read.path) }
    })
    compiledReads.set(reads, steps)
  }
  return steps
}

export function cedarInputs (module: CompiledModule, set: PreparedSet, request: ReleaseRequest, timeSeconds: number): CedarInputs {
  const p = set.projection
  const principalId = p.usesEntityIds ? request.requester.id : 'requester'
  if (set.flat !== undefined) {
    const context: Record<string, unknown> = {}
    let hidden: Record<string, unknown> | undefined
    for (const step of stepsOf(set.flat)) {
      if (step.kind === 'path') {
        const value = step.get(request, timeSeconds, module)
        if (value === undefined) continue
        if (step.pass) context[step.key] = value
        else (hidden ??= {})[step.key] = value
        continue
      }
      // path reads come first, so the value tested is in place
      const v = step.of in context ? context[step.of] : hidden?.[step.of]
      if (step.kind === 'list') { if (v !== undefined) context[step.key] = typeof v === 'string' && step.list.has(v) }
      else if (Array.isArray(v)) context[step.key] = v.includes(step.value)
    }
    return { principalId, context: context as Context, entities: EMPTY_ENTITIES }
  }
  const context = pick(fullContext(module, request, timeSeconds), p.context) as Record<string, unknown>
  const listTree = p.context.lists
  if (listTree !== undefined) {
    const names = listTree === true ? LIST_NAMES : Object.keys(listTree)
    const strings = p.filterableLists.size > 0 ? requestStrings(request) : undefined
    const lists: Record<string, readonly string[]> = {}
    for (const name of names) {
      const all = module.data.lists[name as keyof typeof module.data.lists] ?? []
      lists[name] = strings !== undefined && p.filterableLists.has(name) ? all.filter((x) => strings.has(x)) : all
    }
    context.lists = lists
  }
  const entities: Entities = []
  const principalAttrs = pick(providerAttributes(request), p.principal) as Record<string, string>
  if (Object.keys(principalAttrs).length > 0) entities.push({ uid: { type: 'Provider', id: principalId }, attrs: principalAttrs, parents: [] })
  const resourceAttrs = pick(request.record, p.resource) as Record<string, string>
  if (Object.keys(resourceAttrs).length > 0) entities.push({ uid: { type: 'Record', id: 'record' }, attrs: resourceAttrs, parents: [] })
  return { principalId, context: context as Context, entities }
}

/** The obligations of one deciding permit, distinct and sorted (a fresh array each time). */
function soleObligations (module: CompiledModule, id: string): string[] {
  const list = module.policies.get(id)?.obligations
  if (list === undefined || list.length === 0) return []
  if (list.length === 1) return [list[0] as string]
  return [...new Set(list)].sort()
}

/**
 * Evaluates one action of a module with one of its sets, which must be preparsed. A set without
 * policies is Cedar's answer to any request without asking it: deny, nothing deciding, no error.
 */
export function evaluateCedar (module: CompiledModule, set: PreparedSet, action: PolicyAction, inputs: CedarInputs): Evaluation {
  const base = { jurisdiction: module.code, version: module.version, action }
  if (set.size === 0) return { ...base, decision: 'deny', policies: [], reasons: [NO_MATCHING_PERMIT], obligations: [], errors: [] }
  const answer = cedar.statefulIsAuthorized({
    principal: { type: 'Provider', id: inputs.principalId },
    action: action === 'export' ? EXPORT_UID : IMPORT_UID,
    resource: RECORD_UID,
    context: inputs.context,
    entities: inputs.entities,
    preparsedPolicySetId: set.id
  })
  if (answer.type === 'failure') {
    return { ...base, decision: 'deny', policies: [], reasons: [POLICY_ERROR], obligations: [], errors: answer.errors.map((e) => e.message) }
  }
  const { decision, diagnostics } = answer.response
  const errors = diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`)
  const policies = diagnostics.reason.length < 2 ? diagnostics.reason : [...diagnostics.reason].sort()
  if (errors.length > 0) {
    return { ...base, decision: 'deny', policies: diagnostics.errors.map((e) => e.policyId).sort(), reasons: [POLICY_ERROR], obligations: [], errors }
  }
  if (decision === 'allow') {
    if (policies.length === 1) return { ...base, decision, policies, reasons: [], obligations: soleObligations(module, policies[0] as string), errors }
    const obligations = new Set<string>()
    for (const id of policies) for (const o of module.policies.get(id)?.obligations ?? []) obligations.add(o)
    return { ...base, decision, policies, reasons: [], obligations: [...obligations].sort(), errors }
  }
  const reasons = new Set<string>()
  for (const id of policies) {
    const r = module.policies.get(id)?.reason
    if (r !== undefined) reasons.add(r)
  }
  return { ...base, decision, policies, reasons: reasons.size === 0 ? [NO_MATCHING_PERMIT] : [...reasons].sort(), obligations: [], errors }
}
