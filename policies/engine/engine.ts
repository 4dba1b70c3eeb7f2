/**
 * The policy engine: compiled modules, one active per jurisdiction, and release decisions.
 * Pure: no I/O; the clock is injected. A release decision is the source's `export` AND the
 * destination's `import`; obligations are those of the deciding permits of both, reasons those of
 * the deciding forbids. Preparsed Cedar policy sets are kept per jurisdiction and version, and
 * decisions are memoised on exactly the inputs Cedar sees (so a cached answer is the answer).
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { SchemaError } from '../errors.js'
import type { PolicyAction } from '../vocabulary.js'
import { compileModule, type CompiledModule, type ModuleFiles } from './module.js'
import { cedarInputs, evaluateCedar, type Evaluation } from './evaluate.js'
import type { PreparedSet } from './prepared.js'
import type { FlatRead } from './flatten.js'
import { allKnowns, knownsKey } from './specialise.js'
import type { ReleaseRequest } from './request.js'
import { combineSides } from './combine.js'
import { comparisonOutcomes } from './projection.js'

export const DEFAULT_DECISION_CACHE_SIZE = 65_536

export interface PolicyEngineInit {
  /** The text of policies/schema.cedarschema. */
  readonly schema: string
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly clock?: () => number
  /** Memoised evaluations kept per engine, least recently used evicted (0 turns memoisation off; default 65 536). */
  readonly cacheSize?: number
  /**
   * Evaluate with each module's set specialised for the request's action, purpose and category,
   * with flat inputs (default true; false evaluates every policy of the module with nested
   * inputs, as a reference: the decisions are the same).
   */
  readonly specialise?: boolean
}

/** Which module version decided one side of a release. */
export interface ModuleRef {
  readonly jurisdiction: string
  readonly version: string
}

/** What the custodian keeps of a decision: its inputs (metadata, no health data) and outcome. */
export interface DecisionRecord {
  /** ISO 8601 time of the decision (the engine's clock). */
  readonly time: string
  readonly request: ReleaseRequest
  readonly decision: 'allow' | 'deny'
  readonly reasons: readonly string[]
  readonly obligations: readonly string[]
  readonly modules: { readonly export: ModuleRef, readonly import: ModuleRef }
  readonly policies: { readonly export: readonly string[], readonly import: readonly string[] }
  /** Each side's own outcome, so a dry-run can replay one side through a draft. */
  readonly sides: { readonly export: SideOutcome, readonly import: SideOutcome }
}

export interface SideOutcome {
  readonly decision: 'allow' | 'deny'
  readonly reasons: readonly string[]
  readonly obligations: readonly string[]
}

export interface ReleaseDecision {
  readonly decision: 'allow' | 'deny'
  readonly reasons: readonly string[]
  readonly obligations: readonly string[]
  readonly export: Evaluation
  readonly import: Evaluation
  readonly record: DecisionRecord
}

export interface InstallResult {
  /** Active modules re-derived because their parent changed. */
  readonly rederived: readonly string[]
  /** Children that failed to re-derive over the new parent (they keep their previous form). */
  readonly failed: ReadonlyArray<{ readonly code: string, readonly error: Error }>
}

export interface DecideOptions {
  /** Evaluate with these modules instead of the active ones (dry-run, diff). */
  readonly exportModule?: CompiledModule
  readonly importModule?: CompiledModule
  /** Seconds since the epoch for `context.time` (default: the clock). */
  readonly timeSeconds?: number
}

export interface PolicyEngine {
  readonly schema: string
  /** Compiles (and preparses) a module; throws ModuleLoadError. */
  compile: (files: ModuleFiles, options?: { parent?: CompiledModule }) => CompiledModule
  /** Compiles with the active parent that `extends` names, then installs. */
  load: (files: ModuleFiles) => CompiledModule
  /** Makes a compiled module the active one of its jurisdiction (and of its members). */
  install: (module: CompiledModule) => InstallResult
  /** The active module governing a country or jurisdiction code (a member falls back to its union). */
  get: (code: string) => CompiledModule | undefined
  /** Every active module, by code. */
  modules: () => CompiledModule[]
  evaluate: (module: CompiledModule, action: PolicyAction, request: ReleaseRequest, options?: { timeSeconds?: number }) => Evaluation
  decide: (request: ReleaseRequest, options?: DecideOptions) => ReleaseDecision
  now: () => number
  /** Memo statistics since the engine was made. */
  cacheStats: () => { readonly hits: number, readonly misses: number, readonly size: number }
}

function missing (country: string, action: PolicyAction): Evaluation {
  return { jurisdiction: country, version: '', action, decision: 'deny', policies: [], reasons: [`no-${action}-module`], obligations: [], errors: [] }
}

export function createPolicyEngine (init: PolicyEngineInit): PolicyEngine {
  const schema = init.schema
  const checked = cedar.checkParseSchema(schema)
  if (checked.type !== 'success') throw new SchemaError(`the shared schema does not parse: ${checked.errors.map((e) => e.message).join('; ')}`)
  const clock = init.clock ?? Date.now
  const cacheSize = init.cacheSize ?? DEFAULT_DECISION_CACHE_SIZE
  const preparsed = new Set<string>()
  const active = new Map<string, CompiledModule>()
  let members = new Map<string, string>()
  const cache = new Map<string, Evaluation>()
  let hits = 0
  let misses = 0

  const specialise = init.specialise ?? true

  const ensureSet = (set: PreparedSet): void => {
    if (set.size === 0 || preparsed.has(set.id)) return
    const r = cedar.preparsePolicySet(set.id, { staticPolicies: { ...set.policies } })
    if (r.type !== 'success') throw new SchemaError(`preparsing ${set.id} failed: ${r.errors.map((e) => e.message).join('; ')}`)
    preparsed.add(set.id)
  }

  const ready = new WeakSet<CompiledModule>()
  /** Preparses every set the engine evaluates the module with. */
  const ensurePreparsed = (m: CompiledModule): void => {
    if (ready.has(m)) return
    if (!specialise) ensureSet(m.full)
    else for (const set of new Set(m.sets.values())) ensureSet(set)
    ready.add(m)
  }

  /**
   * A Cedar error in a specialised set (which validated policies and well-formed requests never
   * meet) is reported as the whole set reports it: its messages name the attributes as written.
   */
  const settle = (m: CompiledModule, set: PreparedSet, action: PolicyAction, request: ReleaseRequest, time: number, e: Evaluation): Evaluation => {
    if (e.errors.length === 0 || set === m.full) return e
    ensureSet(m.full)
    return evaluateCedar(m, m.full, action, cedarInputs(m, m.full, request, time))
  }

  /** Each module's specialised sets by action, purpose and category (no key string built per request). */
  const setIndex = new WeakMap<CompiledModule, Map<string, Map<string, Map<string, PreparedSet>>>>()
  const indexOf = (m: CompiledModule): Map<string, Map<string, Map<string, PreparedSet>>> => {
    let index = setIndex.get(m)
    if (index === undefined) {
      index = new Map()
      for (const k of allKnowns()) {
        const set = m.sets.get(knownsKey(k))
        if (set === undefined) continue
        let byPurpose = index.get(k.action)
        if (byPurpose === undefined) index.set(k.action, byPurpose = new Map<string, Map<string, PreparedSet>>())
        let byCategory = byPurpose.get(k.purpose)
        if (byCategory === undefined) byPurpose.set(k.purpose, byCategory = new Map<string, PreparedSet>())
        byCategory.set(k.category, set)
      }
      setIndex.set(m, index)
    }
    return index
  }

  const setFor = (m: CompiledModule, action: PolicyAction, request: ReleaseRequest): PreparedSet => {
    const set = specialise ? indexOf(m).get(action)?.get(request.purpose)?.get(request.record.category) : undefined
    if (set !== undefined) return set
    ensureSet(m.full)
    return m.full
  }

  const compile = (files: ModuleFiles, options?: { parent?: CompiledModule }): CompiledModule => {
    const m = compileModule(schema, files, options?.parent)
    ensurePreparsed(m)
    return m
  }

  const rebuildMembers = (): void => {
    const next = new Map<string, string>()
    for (const m of active.values()) for (const c of m.members) if (!active.has(c)) next.set(c, m.code)
    members = next
  }

  const install = (module: CompiledModule): InstallResult => {
    ensurePreparsed(module)
    active.set(module.code, module)
    const rederived: string[] = []
    const failed: Array<{ code: string, error: Error }> = []
    for (const child of [...active.values()]) {
      if (child.manifest.extends !== module.code) continue
      try {
        const next = compile(child.files, { parent: module })
        active.set(next.code, next)
        rederived.push(next.code)
      } catch (err) {
        failed.push({ code: child.code, error: err instanceof Error ? err : new Error(String(err)) })
      }
    }
    rebuildMembers()
    cache.clear()
    return { rederived, failed }
  }

  const get = (code: string): CompiledModule | undefined => {
    const m = active.get(code)
    if (m !== undefined) return m
    const union = members.get(code)
    return union === undefined ? undefined : active.get(union)
  }

  const load = (files: ModuleFiles): CompiledModule => {
    const raw = typeof files.moduleJson === 'string' ? safeJson(files.moduleJson) : files.moduleJson
    const parentCode = typeof raw === 'object' && raw !== null ? (raw as { extends?: unknown }).extends : undefined
    const parent = typeof parentCode === 'string' ? active.get(parentCode) : undefined
    const m = compile(files, parent === undefined ? undefined : { parent })
    install(m)
    return m
  }

  const evaluate = (module: CompiledModule, action: PolicyAction, request: ReleaseRequest, options?: { timeSeconds?: number }): Evaluation => {
    ensurePreparsed(module)
    const time = options?.timeSeconds ?? Math.floor(clock() / 1000)
    const set = setFor(module, action, request)
    const inputs = cedarInputs(module, set, request, time)
    if (cacheSize <= 0) return settle(module, set, action, request, time, evaluateCedar(module, set, action, inputs))
    const context = set.flat !== undefined ? flatKey(set.flat, inputs.context, set.projection.thresholds) : compactKey(keyContext(inputs.context, set.projection.thresholds))
    const key = set.id + '\u0000' + action + '\u0000' + inputs.principalId + '\u0000' + context + '\u0000' + compactKey(inputs.entities)
    const hit = cache.get(key)
    if (hit === undefined) misses++
    else hits++
    if (hit !== undefined) {
      cache.delete(key)
      cache.set(key, hit)
      return hit
    }
    const result = settle(module, set, action, request, time, evaluateCedar(module, set, action, inputs))
    if (cache.size >= cacheSize) {
      const oldest = cache.keys().next()
      if (oldest.done !== true) cache.delete(oldest.value)
    }
    cache.set(key, result)
    return result
  }

  // the ISO time of the last decision's millisecond (many decisions share one)
  let isoMs = Number.NaN
  let iso = ''
  const isoTime = (ms: number): string => {
    if (ms !== isoMs) { iso = new Date(ms).toISOString(); isoMs = ms }
    return iso
  }

  const decide = (request: ReleaseRequest, options?: DecideOptions): ReleaseDecision => {
    const nowMs = options?.timeSeconds === undefined ? clock() : options.timeSeconds * 1000
    const timeSeconds = Math.floor(nowMs / 1000)
    const exportModule = options?.exportModule ?? get(request.sourceCountry)
    const importModule = options?.importModule ?? get(request.destinationCountry)
    const exp = exportModule === undefined ? missing(request.sourceCountry, 'export') : evaluate(exportModule, 'export', request, { timeSeconds })
    const imp = importModule === undefined ? missing(request.destinationCountry, 'import') : evaluate(importModule, 'import', request, { timeSeconds })
    const outcome = combineSides(exp, imp)
    const decision = outcome.decision
    const finalObligations = outcome.obligations
    const reasonList = outcome.reasons
    return {
      decision,
      reasons: reasonList,
      obligations: finalObligations,
      export: exp,
      import: imp,
      record: {
        time: isoTime(nowMs),
        request,
        decision,
        reasons: reasonList,
        obligations: finalObligations,
        modules: { export: { jurisdiction: exp.jurisdiction, version: exp.version }, import: { jurisdiction: imp.jurisdiction, version: imp.version } },
        policies: { export: exp.policies, import: imp.policies },
        sides: {
          export: { decision: exp.decision, reasons: exp.reasons, obligations: exp.obligations },
          import: { decision: imp.decision, reasons: imp.reasons, obligations: imp.obligations }
        }
      }
    }
  }

  return {
    schema,
    compile,
    load,
    install,
    get,
    modules: () => [...active.values()].sort((a, b) => a.code.localeCompare(b.code)),
    evaluate,
    decide,
    now: clock,
    cacheStats: () => ({ hits, misses, size: cache.size })
  }
}

/**
 * A memo key of Cedar inputs: their values in order, without attribute names (the projection,
 * and so the names and their order, is fixed per policy set, which the key also names).
 */
function compactKey (v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v)
  if (Array.isArray(v)) return '[' + v.map(compactKey).join(',') + ']'
  if (typeof v === 'object' && v !== null) {
    let out = '{'
    for (const k in v) out += compactKey((v as Record<string, unknown>)[k]) + ';'
    return out + '}'
  }
  return String(v)
}

/** The context as a memo key sees it: numbers read only against thresholds become their outcomes. */
function keyContext (context: Record<string, unknown>, thresholds: CompiledModule['projection']['thresholds']): Record<string, unknown> {
  if (thresholds.size === 0) return context
  const out: Record<string, unknown> = { ...context }
  for (const [path, list] of thresholds) {
    const parts = path.split('.')
    let src: unknown = context
    let dst: Record<string, unknown> = out
    for (let i = 0; i < parts.length; i++) {
      const k = parts[i] ?? ''
      if (typeof src !== 'object' || src === null) break
      const v = (src as Record<string, unknown>)[k]
      if (i === parts.length - 1) { dst[k] = comparisonOutcomes(v, list); break }
      const copy = { ...(v as Record<string, unknown>) }
      dst[k] = copy
      dst = copy
      src = v
    }
  }
  return out
}

/** The memo key of flat inputs: each attribute in the set's order (a threshold's path is its name). */
function flatKey (reads: readonly FlatRead[], context: Record<string, unknown>, thresholds: CompiledModule['projection']['thresholds']): string {
  let out = ''
  for (const { key } of reads) {
    if (!(key in context)) { out += '\u0001;'; continue }
    const list = thresholds.get(key)
    out += (list === undefined ? compactKey(context[key]) : comparisonOutcomes(context[key], list)) + ';'
  }
  return out
}

function safeJson (text: string): unknown {
  try { return JSON.parse(text) as unknown } catch { return undefined }
}
