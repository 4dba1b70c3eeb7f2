/**
 * The node's active policy modules: at start, every module published on chain (parents first);
 * then each `PolicyPublished` event is applied at the first block at or after its effective height,
 * so a new version takes over within one block. A module that fails to load is logged and the
 * previous version stays active (fail closed: a jurisdiction without a module denies).
 */
import type { LedgerEvent, LedgerQueries } from '../../chain/client/index.js'
import type { ComponentLogger } from '../../common/logger.js'
import { createPolicyEngine, type PolicyEngine, type ModuleFiles } from '../../policies/engine/index.js'
import { readSchemaText, orderByParent } from '../../policies/files.js'
import { filesFromPublished } from '../../policies/published.js'
import type { ChainView } from './chain-view.js'

export interface PolicyRegistryComponents {
  queries: () => Pick<LedgerQueries, 'policies' | 'policy'>
  view: Pick<ChainView, 'onNewBlock' | 'onLedgerEvent'>
  logger: ComponentLogger
  clock?: () => number
}

export interface PolicyRegistry {
  readonly engine: PolicyEngine
  /** `<code>@<version>` of every active module. */
  active: () => string[]
  loaded: () => boolean
  start: () => Promise<void>
  stop: () => Promise<void>
}

export function createPolicyRegistry (components: PolicyRegistryComponents): PolicyRegistry {
  const log = components.logger.forComponent('node:policies')
  const engine = createPolicyEngine({ schema: readSchemaText(), ...(components.clock !== undefined ? { clock: components.clock } : {}) })
  const pending = new Map<string, { version: string, effectiveHeight: bigint }>()
  let isLoaded = false
  let unsubscribe: Array<() => void> = []
  let applying: Promise<void> = Promise.resolve()

  const install = (code: string, files: ModuleFiles): void => {
    try {
      const result = engine.install(engine.compile(files, { parent: parentOf(files) }))
      for (const f of result.failed) log.warn({ code: f.code, err: f.error.message }, 'a child module failed to re-derive')
      log.info({ code }, 'policy module active')
    } catch (err) {
      log.error({ code, err: err instanceof Error ? err.message : String(err) }, 'a published policy module failed to load; the previous one stays')
    }
  }
  const parentOf = (files: ModuleFiles): ReturnType<PolicyEngine['get']> => {
    const parent = (JSON.parse(typeof files.moduleJson === 'string' ? files.moduleJson : JSON.stringify(files.moduleJson)) as { extends?: string }).extends
    return parent === undefined ? undefined : engine.get(parent)
  }

  const applyDue = async (height: bigint): Promise<void> => {
    for (const [code, p] of [...pending]) {
      if (p.effectiveHeight > height) continue
      pending.delete(code)
      try {
        const policy = await components.queries().policy(code, p.version)
        if (policy !== undefined) install(code, filesFromPublished(policy))
      } catch (err) {
        log.error({ code, err: err instanceof Error ? err.message : String(err) }, 'cannot read a published policy')
        pending.set(code, p)
      }
    }
  }

  return {
    engine,
    active: () => engine.modules().map((m) => `${m.code}@${m.version}`).sort(),
    loaded: () => isLoaded,
    async start () {
      if (unsubscribe.length > 0) return
      const all = await components.queries().policies()
      const files = new Map<string, ModuleFiles>()
      for (const p of all) {
        try { files.set(p.jurisdiction, filesFromPublished(p)) } catch (err) { log.error({ code: p.jurisdiction, err: (err as Error).message }, 'unreadable published policy') }
      }
      for (const [code, f] of orderByParent(files)) install(code, f)
      isLoaded = true
      unsubscribe = [
        components.view.onLedgerEvent((e: LedgerEvent) => {
          if (e.type === 'PolicyPublished') pending.set(e.jurisdiction, { version: e.version, effectiveHeight: e.effectiveHeight })
        }),
        components.view.onNewBlock((h) => {
          if (pending.size > 0) applying = applying.then(async () => { await applyDue(h) }).catch(() => {})
        })
      ]
    },
    async stop () {
      for (const u of unsubscribe) u()
      unsubscribe = []
      await applying
    }
  }
}
