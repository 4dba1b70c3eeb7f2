/**
 * One Cedar call per release: the export side's set and the import side's set joined into one
 * preparsed set, each policy under a side-prefixed id, each side's flat attributes under a
 * side-prefixed name (so the two contexts cannot collide), and every forbid turned into a permit,
 * so that Cedar reports every satisfied policy of both sides (a satisfied forbid would hide the
 * satisfied permits). Each side's answer is then Cedar's rule over its own policies: deny with
 * the satisfied forbids if any, else allow with the satisfied permits if any, else deny.
 *
 * Joined only when exact: both sets flat (no entities) and non-empty, no policy reading the
 * action (the action is one per call), the same principal id for both sides. Any error or failure
 * in the joined call sends the release back to two calls, which report errors as they always did.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { Context, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'
import type { PreparedSet } from './prepared.js'

/** The most joined sets preparsed per engine (cedar-wasm cannot free one); beyond, two calls. */
export const MAX_JOINED_SETS = 2048

export interface JoinedSet {
  readonly id: string
  /** By joined id: the side (0 export, 1 import), the policy's own id, whether it was a forbid. */
  readonly policies: ReadonlyMap<string, { readonly side: 0 | 1, readonly id: string, readonly forbid: boolean }>
}

const PREFIX = ['e:', 'i:'] as const

type Node = Record<string, unknown>

/** The policy reading `context.<prefix + name>` for each flat attribute it reads; undefined when it reads the action. */
function rename (e: unknown, prefix: string): unknown {
  if (Array.isArray(e)) return e.map((x) => rename(x, prefix))
  if (typeof e !== 'object' || e === null) return e
  const node = e as Node
  const out: Node = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'Value') { out[k] = v; continue }
    if ((k === '.' || k === 'has') && typeof v === 'object' && v !== null) {
      const { left, attr } = v as { left?: unknown, attr?: unknown }
      const onContext = typeof left === 'object' && left !== null && (left as Node).Var === 'context' && Object.keys(left).length === 1
      if (onContext && typeof attr === 'string') { out[k] = { ...(v as Node), attr: prefix + attr }; continue }
      if (onContext) throw new NotJoinable()
    }
    if (k === 'Record' && typeof v === 'object' && v !== null) {
      out[k] = Object.fromEntries(Object.entries(v as Node).map(([name, x]) => [name, rename(x, prefix)]))
      continue
    }
    if (k === 'Var' && v === 'context') throw new NotJoinable()
    out[k] = rename(v, prefix)
  }
  return out
}

class NotJoinable extends Error {}

function joinable (set: PreparedSet): boolean {
  if (set.flat === undefined || set.size === 0) return false
  for (const p of Object.values(set.policies)) {
    if (typeof p === 'string') return false
    if ((p.action as { op?: unknown }).op !== 'All') return false
    if (JSON.stringify(p.conditions).includes('"Var":"action"')) return false
  }
  return true
}

/** The joined set of two sets, preparsed; undefined when they cannot be joined exactly. */
export function joinSets (exp: PreparedSet, imp: PreparedSet): JoinedSet | undefined {
  if (!joinable(exp) || !joinable(imp)) return undefined
  const staticPolicies: Record<string, PolicyJson> = {}
  const policies = new Map<string, { side: 0 | 1, id: string, forbid: boolean }>()
  try {
    for (const side of [0, 1] as const) {
      const set = side === 0 ? exp : imp
      for (const [id, p] of Object.entries(set.policies)) {
        const json = p as PolicyJson
        const joinedId = PREFIX[side] + id
        staticPolicies[joinedId] = { ...json, effect: 'permit', conditions: json.conditions.map((c) => ({ ...c, body: rename(c.body, PREFIX[side]) as typeof c.body })) }
        policies.set(joinedId, { side, id, forbid: json.effect === 'forbid' })
      }
    }
  } catch (err) {
    if (err instanceof NotJoinable) return undefined
    throw err
  }
  const id = `${exp.id}+${imp.id}`
  const r = cedar.preparsePolicySet(id, { staticPolicies })
  if (r.type !== 'success') return undefined
  return { id, policies }
}

/** Both sides' flat contexts as one, each attribute under its side's prefix. */
export function joinContexts (exp: Context, imp: Context): Context {
  const out: Record<string, unknown> = {}
  for (const k in exp) out[PREFIX[0] + k] = (exp as Record<string, unknown>)[k]
  for (const k in imp) out[PREFIX[1] + k] = (imp as Record<string, unknown>)[k]
  return out as Context
}

/** Each side's decision and deciding policies from the joined answer's satisfied policies (undefined: an id it does not know). */
export function splitAnswer (joined: JoinedSet, satisfied: readonly string[]): [Side, Side] | undefined {
  const forbids: [string[], string[]] = [[], []]
  const permits: [string[], string[]] = [[], []]
  for (const joinedId of satisfied) {
    const p = joined.policies.get(joinedId)
    if (p === undefined) return undefined
    ;(p.forbid ? forbids : permits)[p.side].push(p.id)
  }
  const side = (s: 0 | 1): Side => forbids[s].length > 0
    ? { decision: 'deny', reason: forbids[s] }
    : permits[s].length > 0 ? { decision: 'allow', reason: permits[s] } : { decision: 'deny', reason: [] }
  return [side(0), side(1)]
}

export interface Side {
  readonly decision: 'allow' | 'deny'
  readonly reason: string[]
}
