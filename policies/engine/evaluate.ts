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
import { valueAt } from './flatten.js'
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

export function cedarInputs (module: CompiledModule, set: PreparedSet, request: ReleaseRequest, timeSeconds: number): CedarInputs {
  const p = set.projection
  const principalId = p.usesEntityIds ? request.requester.id : 'requester'
  if (set.flat !== undefined) {
    const full = fullContext(module, request, timeSeconds)
    const principal = providerAttributes(request)
    const context: Record<string, unknown> = {}
    const hidden: Record<string, unknown> = {}
    for (const read of set.flat) {
      if ('of' in read) {
        // path reads come first, so the value tested is in place
        const v = read.of in context ? context[read.of] : hidden[read.of]
        if (read.list !== undefined) { if (v !== undefined) context[read.key] = typeof v === 'string' && read.list.has(v) }
        else if (Array.isArray(v)) context[read.key] = v.includes(read.value)
        continue
      }
      const value = valueAt(read.root === 'context' ? full : read.root === 'principal' ? principal : request.record, read.path)
      if (value !== undefined) (read.pass ? context : hidden)[read.key] = value
    }
    return { principalId, context: context as Context, entities: [] }
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

/**
 * Evaluates one action of a module with one of its sets, which must be preparsed. A set without
 * policies is Cedar's answer to any request without asking it: deny, nothing deciding, no error.
 */
export function evaluateCedar (module: CompiledModule, set: PreparedSet, action: PolicyAction, inputs: CedarInputs): Evaluation {
  const base = { jurisdiction: module.code, version: module.version, action }
  if (set.size === 0) return { ...base, decision: 'deny', policies: [], reasons: [NO_MATCHING_PERMIT], obligations: [], errors: [] }
  const answer = cedar.statefulIsAuthorized({
    principal: { type: 'Provider', id: inputs.principalId },
    action: { type: 'Action', id: action },
    resource: { type: 'Record', id: 'record' },
    context: inputs.context,
    entities: inputs.entities,
    preparsedPolicySetId: set.id
  })
  if (answer.type === 'failure') {
    return { ...base, decision: 'deny', policies: [], reasons: [POLICY_ERROR], obligations: [], errors: answer.errors.map((e) => e.message) }
  }
  const { decision, diagnostics } = answer.response
  const errors = diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`)
  const policies = [...diagnostics.reason].sort()
  if (errors.length > 0) {
    return { ...base, decision: 'deny', policies: diagnostics.errors.map((e) => e.policyId).sort(), reasons: [POLICY_ERROR], obligations: [], errors }
  }
  if (decision === 'allow') {
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
