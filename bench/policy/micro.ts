/**
 * `npm run bench -- policy --micro [--rounds 15]`: where the time of one Cedar evaluation goes,
 * measured against cedar-wasm directly over the same realistic mix as the main benchmark (every
 * export and import evaluation of the first 2,000 releases). Each variable is a separate case;
 * cases run interleaved in rounds and each figure is the median over rounds of process CPU time
 * per evaluation (robust to other processes on a shared machine; ratios in one run are what count).
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'
import { createPolicyEngine, type CompiledModule, type PolicyEngine, type ReleaseRequest } from '../../policies/engine/index.js'
import { cedarInputs, evaluateCedar, type CedarInputs } from '../../policies/engine/evaluate.js'
import type { PreparedSet } from '../../policies/engine/prepared.js'
import { flattenPolicies } from '../../policies/engine/flatten.js'
import { knownsKey } from '../../policies/engine/specialise.js'
import { readSchemaText, loadBundledModules } from '../../policies/files.js'
import type { PolicyAction } from '../../policies/vocabulary.js'
import { mix } from './mix.js'

interface Sample {
  readonly module: CompiledModule
  readonly action: PolicyAction
  readonly request: ReleaseRequest
  /** Before: the module's whole set, nested inputs. */
  readonly full: CedarInputs
  /** After: the set specialised for the request, flat inputs where it allows. */
  readonly set: PreparedSet
  readonly inputs: CedarInputs
  /** The specialised set's policies unflattened, with nested inputs. */
  readonly nestedSet: PreparedSet
  readonly nested: CedarInputs
  /** The whole set flattened, with flat inputs. */
  readonly flatFullSet: PreparedSet
  readonly flatFull: CedarInputs
}

/**
 * CPU microseconds per call of each case: the lowest over interleaved rounds (the round least
 * disturbed by other processes) and the median.
 */
export function measure (cases: Record<string, (i: number) => void>, calls: number, rounds: number): Map<string, { min: number, median: number }> {
  const per = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]))
  for (const f of Object.values(cases)) for (let i = 0; i < Math.min(calls, 300); i++) f(i) // warm up
  let offset = 0
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(cases)) {
      const start = process.cpuUsage()
      for (let i = 0; i < calls; i++) f(offset + i)
      const d = process.cpuUsage(start)
      per.get(name)?.push((d.user + d.system) / calls)
    }
    offset += calls
  }
  const out = new Map<string, { min: number, median: number }>()
  for (const [name, xs] of per) {
    const s = [...xs].sort((a, b) => a - b)
    out.set(name, { min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN })
  }
  return out
}

function preparse (set: PreparedSet): void {
  if (set.size === 0) return
  const r = cedar.preparsePolicySet(set.id, { staticPolicies: { ...set.policies } })
  if (r.type !== 'success') throw new Error(`preparsing ${set.id}: ${r.errors.map((e) => e.message).join('; ')}`)
}

function samplesOf (engine: PolicyEngine, requests: readonly ReleaseRequest[], time: number): Sample[] {
  const out: Sample[] = []
  const nestedSets = new Map<PreparedSet, PreparedSet>()
  const flatFullSets = new Map<CompiledModule, PreparedSet>()
  for (const request of requests) {
    for (const [action, country] of [['export', request.sourceCountry], ['import', request.destinationCountry]] as const) {
      const module = engine.get(country)
      if (module === undefined) continue
      const set = module.sets.get(knownsKey({ action, purpose: request.purpose, category: request.record.category })) as PreparedSet
      let nestedSet = nestedSets.get(set)
      if (nestedSet === undefined) {
        nestedSet = { ...set, id: `${set.id}-nested`, policies: Object.fromEntries(Object.keys(set.policies).map((id) => [id, module.full.policies[id] as PolicyJson | string])) }
        delete (nestedSet as { flat?: unknown }).flat
        preparse(nestedSet)
        nestedSets.set(set, nestedSet)
      }
      let flatFullSet = flatFullSets.get(module)
      if (flatFullSet === undefined) {
        const flat = flattenPolicies(module.full.policies as Record<string, PolicyJson>)
        if (flat === undefined) throw new Error(`${module.code}: the whole set does not flatten`)
        flatFullSet = { ...module.full, id: `${module.full.id}-flat`, policies: flat.policies, flat: flat.reads }
        preparse(flatFullSet)
        flatFullSets.set(module, flatFullSet)
      }
      out.push({
        module,
        action,
        request,
        full: cedarInputs(module, module.full, request, time),
        set,
        inputs: cedarInputs(module, set, request, time),
        nestedSet,
        nested: cedarInputs(module, nestedSet, request, time),
        flatFullSet,
        flatFull: cedarInputs(module, flatFullSet, request, time)
      })
    }
  }
  return out
}

function call (s: Sample, setId: string, inputs: CedarInputs, context: unknown = inputs.context, entities: unknown = inputs.entities): cedar.AuthorizationAnswer {
  return cedar.statefulIsAuthorized({
    principal: { type: 'Provider', id: inputs.principalId },
    action: { type: 'Action', id: s.action },
    resource: { type: 'Record', id: 'record' },
    context: context as cedar.Context,
    entities: entities as cedar.Entities,
    preparsedPolicySetId: setId
  })
}

export async function micro (rounds: number): Promise<void> {
  const schema = readSchemaText()
  const before = createPolicyEngine({ schema, cacheSize: 0, specialise: false })
  const after = createPolicyEngine({ schema, cacheSize: 0 })
  await loadBundledModules(before)
  await loadBundledModules(after)
  const time = Math.floor(Date.now() / 1000)
  const samples = samplesOf(after, mix(2000), time)
  const n = samples.length
  const at = (i: number): Sample => samples[i % n] as Sample
  for (const m of after.modules()) preparse(m.full)
  cedar.preparsePolicySet('micro-empty', { staticPolicies: {} })
  cedar.preparsePolicySet('micro-minimal', { staticPolicies: { a: 'permit (principal, action, resource) when { context.purpose == "treatment" };' } })
  const written = new Map<CompiledModule, string>()
  for (const m of after.modules()) {
    const id = `micro-written-${m.policySetId}`
    cedar.preparsePolicySet(id, { staticPolicies: Object.fromEntries([...m.policies.values()].map((p) => [p.id, p.text])) })
    written.set(m, id)
  }
  const dataContexts = samples.map((s) => ({ ...s.full.context, lists: s.module.data.lists, limits: s.module.data.limits }))

  const avg = (f: (s: Sample) => number): number => samples.reduce((t, s) => t + f(s), 0) / n
  const bytes = (x: CedarInputs): number => JSON.stringify({ c: x.context, e: x.entities }).length
  const empty = samples.filter((s) => s.set.size === 0).length
  console.log(`micro-benchmark: ${n} evaluations of the mix, ${rounds} interleaved rounds of 250 per case, process CPU µs per evaluation`)
  console.log(`  before: ${avg((s) => s.module.full.size).toFixed(1)} policies and ${Math.round(avg((s) => bytes(s.full)))} bytes of inputs (${avg((s) => s.full.entities.length).toFixed(1)} entities) per evaluation`)
  console.log(`  after:  ${avg((s) => s.set.size).toFixed(1)} policies and ${Math.round(avg((s) => bytes(s.inputs)))} bytes of inputs (${avg((s) => s.inputs.entities.length).toFixed(1)} entities, ${avg((s) => Object.keys(s.inputs.context).length).toFixed(1)} flat attributes) per evaluation; ${(100 * empty / n).toFixed(1)} % of evaluations have no policy left (Cedar's answer is known: deny)`)

  const cases: Record<string, (i: number) => void> = {
    'before: engine.evaluate, cold': (i) => { const s = at(i); before.evaluate(s.module, s.action, s.request, { timeSeconds: time }) },
    'before: Cedar, whole set, nested inputs': (i) => { const s = at(i); call(s, s.module.full.id, s.full) },
    'before: Cedar, empty set, nested inputs': (i) => { const s = at(i); call(s, 'micro-empty', s.full) },
    'before: Cedar, policies as written, lists in context': (i) => { const s = at(i); call(s, written.get(s.module) as string, s.full, dataContexts[i % n]) },
    'Cedar, empty set, no inputs (fixed cost of a call)': (i) => { call(at(i), 'micro-empty', at(i).full, {}, []) },
    'Cedar, minimal (one policy, one attribute)': (i) => { call(at(i), 'micro-minimal', at(i).full, { purpose: 'treatment' }, []) },
    'TS: build inputs, whole set nested (cedarInputs)': (i) => { const s = at(i); cedarInputs(s.module, s.module.full, s.request, time) },
    'TS: build inputs, specialised set flat (cedarInputs)': (i) => { const s = at(i); cedarInputs(s.module, s.set, s.request, time) },
    'TS: JSON.stringify of the call (after)': (i) => { const s = at(i); JSON.stringify({ p: s.inputs.principalId, c: s.inputs.context, e: s.inputs.entities, id: s.set.id }) },
    'flattening only: Cedar, whole set, flat inputs': (i) => { const s = at(i); call(s, s.flatFullSet.id, s.flatFull) },
    'specialising only: Cedar, specialised set, nested inputs': (i) => { const s = at(i); if (s.set.size > 0) call(s, s.nestedSet.id, s.nested) },
    'after: Cedar, empty set, flat inputs': (i) => { const s = at(i); call(s, 'micro-empty', s.inputs) },
    'after: Cedar, specialised set, flat inputs': (i) => { const s = at(i); if (s.set.size > 0) call(s, s.set.id, s.inputs) },
    'after: evaluateCedar (Cedar + annotations)': (i) => { const s = at(i); evaluateCedar(s.module, s.set, s.action, s.inputs) },
    'after: engine.evaluate, cold': (i) => { const s = at(i); after.evaluate(s.module, s.action, s.request, { timeSeconds: time }) }
  }
  const r = measure(cases, 250, rounds)
  console.log(`  ${''.padEnd(60)} ${'lowest'.padStart(8)} ${'median'.padStart(8)}`)
  for (const [name, us] of r) console.log(`  ${name.padEnd(60)} ${us.min.toFixed(1).padStart(8)} ${us.median.toFixed(1).padStart(8)} µs`)
}
