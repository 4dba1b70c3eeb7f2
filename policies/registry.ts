/**
 * The policy registry of a node: keeps the latest published module of each jurisdiction loaded
 * (preparsed) in a policy engine, and switches within one block of a publish. A module that fails
 * to load (bad metadata, Cedar errors, unknown obligations, failing tests, missing parent) is
 * ignored with a log line and a metric, and the previous version stays in force.
 *
 * It needs only a narrow source (`latestPolicies()`, e.g. chain/client's `queries.policies`) and
 * block notifications: `onBlock(height)` and `onPolicyPublished(...)`, or `follow(events)` over
 * chain/client's `events()`.
 */
import { Counter, type Registry as MetricsRegistry } from 'prom-client'
import { silentLogger, type ComponentLogger } from '../common/logger.js'
import { formatDiagnostic, ModuleLoadError, ParentModuleMissingError } from './errors.js'
import type { CompiledModule, ModuleFiles } from './engine/module.js'
import type { PolicyEngine } from './engine/engine.js'
import { runModuleTests } from './engine/testing.js'
import { filesFromPublished, type PublishedPolicy } from './published.js'

/** Re-read the chain's policies at least every this many blocks, even without an event. */
export const DEFAULT_REFRESH_EVERY_BLOCKS = 100

export interface PolicySource {
  /** The latest published policy of every jurisdiction. */
  latestPolicies: (options?: { signal?: AbortSignal }) => Promise<readonly PublishedPolicy[]>
}

export interface PolicyRegistryInit {
  /** Modules in force before any is published (e.g. the bundled ones), parents first. */
  readonly initial?: Iterable<ModuleFiles>
  readonly refreshEveryBlocks?: number
}

export interface PolicyRegistryComponents {
  readonly engine: PolicyEngine
  readonly source: PolicySource
  readonly logger?: ComponentLogger
  /** Where `healthrelay_policy_load_failures_total` and `healthrelay_policy_switches_total` go. */
  readonly metrics?: MetricsRegistry
  /** Called for every refused module (besides the log line and the metric). */
  readonly onLoadFailure?: (failure: PolicyLoadFailure) => void
}

export interface PolicyLoadFailure {
  readonly jurisdiction: string
  readonly version: string
  readonly reason: 'format' | 'invalid' | 'tests' | 'parent'
  readonly message: string
}

export interface ActivePolicy {
  readonly jurisdiction: string
  readonly version: string
  readonly source: 'initial' | 'chain'
  readonly effectiveHeight?: bigint
}

/** The slice of chain/client's ChainEvent the registry follows. */
export type RegistryEvent =
  | { readonly name: 'NEW_BLOCK', readonly height: bigint }
  | { readonly name: 'LEDGER_EVENT', readonly height: bigint, readonly event: { readonly type: string, readonly jurisdiction?: string, readonly version?: string, readonly effectiveHeight?: bigint } }

export interface PolicyRegistry {
  /**
   * Installs the initial modules and the chain's latest ones: those in force at `height` when it
   * is given (the chain's current height), else all of them.
   */
  start: (options?: { signal?: AbortSignal, height?: bigint }) => Promise<void>
  stop: () => Promise<void>
  /** A new block: installs every published module that is now in force. */
  onBlock: (height: bigint, options?: { signal?: AbortSignal }) => Promise<void>
  /** A PolicyPublished event: refreshes once its effective height is reached. */
  onPolicyPublished: (p: { jurisdiction: string, version: string, effectiveHeight: bigint }) => void
  /** Feeds chain events into onBlock/onPolicyPublished until they end or `signal` aborts. */
  follow: (events: AsyncIterable<RegistryEvent>, options?: { signal?: AbortSignal }) => Promise<void>
  /** What is in force now, by jurisdiction. */
  active: () => ActivePolicy[]
  readonly engine: PolicyEngine
}

export function createPolicyRegistry (init: PolicyRegistryInit, components: PolicyRegistryComponents): PolicyRegistry {
  const { engine, source } = components
  const log = (components.logger ?? silentLogger()).forComponent('policies:registry')
  const refreshEvery = BigInt(init.refreshEveryBlocks ?? DEFAULT_REFRESH_EVERY_BLOCKS)
  const failures = components.metrics === undefined
    ? undefined
    : (components.metrics.getSingleMetric('healthrelay_policy_load_failures_total') as Counter<'jurisdiction' | 'reason'> | undefined) ??
      new Counter({ name: 'healthrelay_policy_load_failures_total', help: 'Published policy modules refused at load (the previous version stays in force)', labelNames: ['jurisdiction', 'reason'] as const, registers: [components.metrics] })
  const switches = components.metrics === undefined
    ? undefined
    : (components.metrics.getSingleMetric('healthrelay_policy_switches_total') as Counter<'jurisdiction'> | undefined) ??
      new Counter({ name: 'healthrelay_policy_switches_total', help: 'Policy modules put in force from the chain', labelNames: ['jurisdiction'] as const, registers: [components.metrics] })

  const state = new Map<string, ActivePolicy>()
  const refused = new Set<string>()
  const pending = new Map<string, bigint>()
  let lastRefresh = -1n
  let started = false
  let shutdown = new AbortController()
  let refreshing: Promise<void> | undefined

  const fail = (f: PolicyLoadFailure): void => {
    refused.add(`${f.jurisdiction}@${f.version}`)
    log.error({ jurisdiction: f.jurisdiction, version: f.version, reason: f.reason, problems: f.message }, `published policy module ${f.jurisdiction} ${f.version} refused (${f.reason}); the previous version stays in force`)
    failures?.inc({ jurisdiction: f.jurisdiction, reason: f.reason })
    components.onLoadFailure?.(f)
  }

  const compileFor = (files: ModuleFiles, parentCode: string | undefined): CompiledModule => {
    if (parentCode === undefined) return engine.compile(files)
    const parent = engine.get(parentCode)
    if (parent === undefined || parent.code !== parentCode) throw new ParentModuleMissingError(`extends ${parentCode}, which is not in force`)
    return engine.compile(files, { parent })
  }

  const installPublished = (p: PublishedPolicy): void => {
    const key = `${p.jurisdiction}@${p.version}`
    let files: ModuleFiles
    try { files = filesFromPublished(p) } catch (err) {
      fail({ jurisdiction: p.jurisdiction, version: p.version, reason: 'format', message: err instanceof Error ? err.message : String(err) }); return
    }
    let module: CompiledModule
    try {
      module = compileFor(files, (JSON.parse(files.moduleJson as string) as { extends?: string }).extends)
    } catch (err) {
      if (err instanceof ParentModuleMissingError) { fail({ jurisdiction: p.jurisdiction, version: p.version, reason: 'parent', message: err.message }); return }
      const message = err instanceof ModuleLoadError ? err.diagnostics.map(formatDiagnostic).join('\n') : (err instanceof Error ? err.message : String(err))
      fail({ jurisdiction: p.jurisdiction, version: p.version, reason: 'invalid', message }); return
    }
    const report = runModuleTests(engine, module)
    if (report.failed > 0) {
      const message = report.results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.problems.join('; ')}`).join('\n')
      fail({ jurisdiction: p.jurisdiction, version: p.version, reason: 'tests', message }); return
    }
    const result = engine.install(module)
    for (const f of result.failed) log.error({ jurisdiction: f.code, parent: p.jurisdiction, problems: f.error.message }, `module ${f.code} does not load over ${key}; it keeps its previous form`)
    state.set(p.jurisdiction, { jurisdiction: p.jurisdiction, version: p.version, source: 'chain', effectiveHeight: p.effectiveHeight })
    switches?.inc({ jurisdiction: p.jurisdiction })
    log.info({ jurisdiction: p.jurisdiction, version: p.version, effectiveHeight: p.effectiveHeight.toString(), rederived: result.rederived }, `policy module ${key} in force`)
  }

  const refresh = async (height: bigint | undefined, options?: { signal?: AbortSignal }): Promise<void> => {
    const published = await source.latestPolicies(options)
    // parents before children: a module whose parent is also being installed waits for it
    const order = [...published].sort((a, b) => rank(a) - rank(b) || a.jurisdiction.localeCompare(b.jurisdiction))
    for (const p of order) {
      if (options?.signal?.aborted === true) return
      const key = `${p.jurisdiction}@${p.version}`
      const current = state.get(p.jurisdiction)
      if (current?.source === 'chain' && current.version === p.version) continue
      if (refused.has(key)) continue
      if (height !== undefined && p.effectiveHeight > height) { pending.set(p.jurisdiction, p.effectiveHeight); continue }
      pending.delete(p.jurisdiction)
      installPublished(p)
    }
    if (height !== undefined) lastRefresh = height
  }

  const serialised = async (height: bigint | undefined, options?: { signal?: AbortSignal }): Promise<void> => {
    while (refreshing !== undefined) await refreshing.catch(() => undefined)
    refreshing = refresh(height, options)
    try { await refreshing } finally { refreshing = undefined }
  }

  const registry: PolicyRegistry = {
    engine,
    start: async (options) => {
      if (started) return
      shutdown = new AbortController()
      for (const files of init.initial ?? []) {
        const m = engine.load(files)
        state.set(m.code, { jurisdiction: m.code, version: m.version, source: 'initial' })
      }
      started = true
      await serialised(options?.height, { signal: options?.signal ?? shutdown.signal })
    },
    stop: async () => {
      if (!started) return
      started = false
      shutdown.abort()
      await refreshing?.catch(() => undefined)
    },
    onBlock: async (height, options) => {
      if (!started) return
      const due = [...pending.values()].some((h) => h <= height) || lastRefresh < 0n || height - lastRefresh >= refreshEvery
      if (!due) return
      await serialised(height, { signal: options?.signal ?? shutdown.signal })
    },
    onPolicyPublished: (p) => {
      if (!refused.has(`${p.jurisdiction}@${p.version}`)) pending.set(p.jurisdiction, p.effectiveHeight)
    },
    follow: async (events, options) => {
      for await (const e of events) {
        if (options?.signal?.aborted === true || !started) return
        if (e.name === 'LEDGER_EVENT' && e.event.type === 'PolicyPublished' && e.event.jurisdiction !== undefined && e.event.version !== undefined && e.event.effectiveHeight !== undefined) {
          registry.onPolicyPublished({ jurisdiction: e.event.jurisdiction, version: e.event.version, effectiveHeight: e.event.effectiveHeight })
        } else if (e.name === 'NEW_BLOCK') {
          try {
            await registry.onBlock(e.height, options)
          } catch (err) {
            log.warn({ height: e.height.toString(), err: err instanceof Error ? err.message : String(err) }, 'could not read the chain\'s policies; will retry on the next block')
          }
        }
      }
    },
    active: () => [...state.values()].sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction))
  }
  return registry
}

/** Modules without a parent first. */
function rank (p: PublishedPolicy): number {
  try {
    const meta = JSON.parse(p.metadataJson) as { module?: { extends?: unknown } }
    return typeof meta.module?.extends === 'string' ? 1 : 0
  } catch { return 0 }
}
