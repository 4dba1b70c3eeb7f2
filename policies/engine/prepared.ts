/**
 * The policy sets of a module as Cedar evaluates them, prepared once when the module is compiled:
 * the whole set, and one set per action × purpose × category holding only the policies that can
 * matter for such a request, each with what is known of such a request folded in
 * (./specialise.ts), and flat inputs where its policies allow (./flatten.ts). Identical sets are
 * shared; each has its own id for preparsing.
 */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { flattenPolicies, type FlatRead } from './flatten.js'
import { projectPolicies, type Projection } from './projection.js'
import { allKnowns, knownsKey, mayApply, residual } from './specialise.js'

export interface PreparedSet {
  /** Id of the preparsed Cedar policy set. */
  readonly id: string
  /** The policies as Cedar gets them (JSON, or the text when JSON cannot carry a number exactly), by id. */
  readonly policies: Readonly<Record<string, PolicyJson | string>>
  /** How many policies (0: Cedar denies every request, so it need not be asked). */
  readonly size: number
  /** What the policies read (before flattening): a memo key's thresholds, the nested inputs. */
  readonly projection: Projection
  /** The flat attributes to pass; undefined when the set takes nested inputs (context and entities). */
  readonly flat?: readonly FlatRead[]
}

/**
 * `cedarPolicies`: the module's policies as Cedar gets them; `evaluated`: the JSON form of each
 * (what the text form parses to); `projection`: the projection of all of them.
 */
export function prepareSets (
  policySetId: string,
  cedarPolicies: Readonly<Record<string, PolicyJson | string>>,
  evaluated: Readonly<Record<string, PolicyJson>>,
  projection: Projection
): { full: PreparedSet, sets: Map<string, PreparedSet> } {
  const full: PreparedSet = { id: policySetId, policies: cedarPolicies, size: Object.keys(cedarPolicies).length, projection }
  const ids = Object.keys(cedarPolicies)
  const byPolicies = new Map<string, PreparedSet>()
  const sets = new Map<string, PreparedSet>()
  // a policy's residual depends only on the known values it reads: computed once per those
  const reads = new Map<string, { action: boolean, purpose: boolean, category: boolean }>()
  for (const id of ids) {
    const json = evaluated[id] as PolicyJson
    const text = JSON.stringify(json)
    reads.set(id, { action: json.action.op !== 'All' || text.includes('"Var":"action"'), purpose: text.includes('"purpose"'), category: text.includes('"category"') })
  }
  const residuals = new Map<string, { tag: string, policy: PolicyJson | string } | undefined>()
  const tagOf = new Map<string, string>()
  for (const k of allKnowns()) {
    // each policy as Cedar needs it for such requests (a policy Cedar gets as text, for a 64-bit
    // literal, is kept whole when it may apply)
    const kept: Record<string, PolicyJson | string> = {}
    const keptEvaluated: Record<string, PolicyJson> = {}
    const tags: string[] = []
    for (const id of ids) {
      const r = reads.get(id) as { action: boolean, purpose: boolean, category: boolean }
      const cacheKey = `${id}\u0000${r.action ? k.action : ''}\u0000${r.purpose ? k.purpose : ''}\u0000${r.category ? k.category : ''}`
      let entry = residuals.get(cacheKey)
      if (!residuals.has(cacheKey)) {
        entry = undefined
        const json = evaluated[id] as PolicyJson
        const text = cedarPolicies[id]
        const policy = typeof text === 'string' ? (mayApply(json, k) ? text : undefined) : residual(json, k)
        if (policy !== undefined) {
          // the same residual under other known values gets the same tag, so equal sets are shared
          const content = `${id}\u0000${JSON.stringify(policy)}`
          let tag = tagOf.get(content)
          if (tag === undefined) { tag = `${id}#${tagOf.size}`; tagOf.set(content, tag) }
          entry = { tag, policy }
        }
        residuals.set(cacheKey, entry)
      }
      if (entry === undefined) continue
      kept[id] = entry.policy
      keptEvaluated[id] = typeof entry.policy === 'string' ? evaluated[id] as PolicyJson : entry.policy
      tags.push(entry.tag)
    }
    const signature = tags.join('\n')
    let set = byPolicies.get(signature)
    if (set === undefined) {
      const id = `${policySetId}~${bytesToHex(sha256(utf8ToBytes(JSON.stringify(kept)))).slice(0, 16)}`
      const size = Object.keys(kept).length
      const subProjection = projectPolicies(Object.values(keptEvaluated))
      const textual = Object.values(kept).some((p) => typeof p === 'string')
      const flat = textual ? undefined : flattenPolicies(keptEvaluated)
      set = flat === undefined
        ? { id, policies: kept, size, projection: subProjection }
        : { id, policies: flat.policies, size, projection: subProjection, flat: flat.reads }
      byPolicies.set(signature, set)
    }
    sets.set(knownsKey(k), set)
  }
  return { full, sets }
}
