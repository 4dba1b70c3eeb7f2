/**
 * A peer registry backed by the chain: reloads the full node list from `source` on every block
 * notification (coalescing bursts), fails closed when a load fails, and retries on a timer while
 * it is not `ready`. A node removed by governance leaves the set at the first block after its
 * removal, and the host hangs it up on that change.
 */
import type { ComponentLogger } from '../../common/logger.js'
import { BaseRegistry, type RegisteredNode } from './registry.js'
import { errorMessage, raceSignal } from './abort.js'
import { timeoutSignal } from '../../common/abort.js'

/** Where the registered nodes come from (the daemon backs it with the chain client's `Nodes`). */
export interface NodeSource {
  listNodes: (options?: { signal?: AbortSignal }) => Promise<readonly RegisteredNode[]>
}

/** New-block notifications (the daemon backs it with the chain client's NewBlock subscription). */
export interface BlockNotifier {
  onNewBlock: (listener: (height: bigint) => void) => () => void
}

export interface ChainPeerRegistryInit {
  /** Time-out of one `listNodes` call. @default 5000 */
  refreshTimeoutMs?: number
  /** Retry period while the registry is `loading` or `unavailable`. @default 2000 */
  retryIntervalMs?: number
}

export interface ChainPeerRegistryComponents {
  source: NodeSource
  blocks?: BlockNotifier
  logger: ComponentLogger
}

export const DEFAULT_REGISTRY_REFRESH_TIMEOUT_MS = 5_000
export const DEFAULT_REGISTRY_RETRY_INTERVAL_MS = 2_000

export class ChainPeerRegistry extends BaseRegistry {
  readonly #source: NodeSource
  readonly #blocks?: BlockNotifier
  readonly #log: ComponentLogger
  readonly #timeoutMs: number
  readonly #retryMs: number
  #unsubscribe?: () => void
  #controller?: AbortController
  #inFlight?: Promise<void>
  #again = false
  #retry?: ReturnType<typeof setTimeout>
  #running = false

  constructor (components: ChainPeerRegistryComponents, init: ChainPeerRegistryInit = {}) {
    super()
    this.#source = components.source
    this.#blocks = components.blocks
    this.#log = components.logger.forComponent('relay:p2p:registry')
    this.#timeoutMs = init.refreshTimeoutMs ?? DEFAULT_REGISTRY_REFRESH_TIMEOUT_MS
    this.#retryMs = init.retryIntervalMs ?? DEFAULT_REGISTRY_RETRY_INTERVAL_MS
  }

  /** Subscribes to blocks and makes a first load (a failed load leaves it `unavailable`). */
  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    this.#controller = new AbortController()
    this.#unsubscribe = this.#blocks?.onNewBlock(() => {
      this.refresh().catch((err: unknown) => { this.#log.error({ err: errorMessage(err) }, 'registry refresh failed') })
    })
    await this.refresh()
  }

  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    clearTimeout(this.#retry)
    this.#controller?.abort()
    await this.#inFlight?.catch(() => {})
  }

  /**
   * Reloads now. Concurrent calls share the load in flight and cause at most one more load after
   * it, so a burst of blocks costs two queries. Never throws: a failure sets `unavailable`.
   */
  async refresh (): Promise<void> {
    if (!this.#running) return
    if (this.#inFlight !== undefined) {
      this.#again = true
      return this.#inFlight
    }
    this.#inFlight = this.#loop().finally(() => { this.#inFlight = undefined })
    return this.#inFlight
  }

  async #loop (): Promise<void> {
    do {
      this.#again = false
      await this.#loadOnce()
    } while (this.#again && this.#running)
  }

  async #loadOnce (): Promise<void> {
    const parent = this.#controller?.signal
    if (parent === undefined || parent.aborted) return
    clearTimeout(this.#retry)
    try {
      const signal = AbortSignal.any([parent, timeoutSignal(this.#timeoutMs)])
      // the source may ignore the signal: the time-out must bite anyway
      const nodes = await raceSignal(this.#source.listNodes({ signal }), signal)
      const change = this.replace(nodes)
      for (const bad of this.rejected) {
        this.#log.warn({ peerId: bad.peerId, err: bad.error.message }, 'ignoring invalid registered node')
      }
      if (change.added.length + change.removed.length + change.updated.length > 0) {
        this.#log.info({ nodes: this.nodes().length, added: change.added.length, removed: change.removed.length, updated: change.updated.length }, 'peer registry changed')
      }
    } catch (err) {
      if (parent.aborted) return
      const previous = this.state
      this.fail()
      if (previous !== 'unavailable') {
        this.#log.error({ err: errorMessage(err) }, 'peer registry unreadable: denying all peers until it loads')
      }
      this.#retry = setTimeout(() => {
        this.refresh().catch(() => {})
      }, this.#retryMs)
      this.#retry.unref?.()
    }
  }
}

