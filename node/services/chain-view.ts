/**
 * The node's view of the chain: follows `ChainClient.events()` (blocks and ledger events), tells
 * block and event listeners in order, and polls the RPC's height to know how far behind its view
 * is. `assertFresh()` is the release guard: it throws ChainLagError while the view lags more than
 * `maxLagBlocks` or the chain has not answered for `unreachableAfterMs`.
 */
import type { ChainClient, ChainEvent, LedgerEvent } from '../../chain/client/index.js'
import type { ComponentLogger } from '../../common/logger.js'
import { ChainLagError } from '../errors.js'

export const DEFAULT_HEIGHT_POLL_MS = 1_000
export const DEFAULT_UNREACHABLE_AFTER_MS = 10_000
const RESUBSCRIBE_MS = 1_000

export interface ChainViewInit {
  maxLagBlocks: number
  pollIntervalMs?: number
  unreachableAfterMs?: number
  now?: () => number
}

export interface ChainViewComponents {
  chain: Pick<ChainClient, 'events' | 'height'>
  logger: ComponentLogger
}

export interface ChainViewStatus {
  readonly viewHeight: bigint
  readonly chainHeight: bigint
  readonly lag: bigint
  readonly reachable: boolean
  readonly fresh: boolean
}

export interface ChainView {
  start: () => Promise<void>
  stop: () => Promise<void>
  status: () => ChainViewStatus
  assertFresh: () => void
  onNewBlock: (listener: (height: bigint) => void) => () => void
  onLedgerEvent: (listener: (event: LedgerEvent, height: bigint) => void) => () => void
}

export function createChainView (init: ChainViewInit, components: ChainViewComponents): ChainView {
  const log = components.logger.forComponent('node:chain-view')
  const now = init.now ?? Date.now
  const blockListeners = new Set<(h: bigint) => void>()
  const eventListeners = new Set<(e: LedgerEvent, h: bigint) => void>()
  let viewHeight = 0n
  let chainHeight = 0n
  let lastAnswer = 0
  let controller: AbortController | undefined
  let follower: Promise<void> | undefined
  let timer: ReturnType<typeof setInterval> | undefined

  const emit = (ev: ChainEvent): void => {
    if (ev.name === 'NEW_BLOCK') {
      if (ev.height > viewHeight) viewHeight = ev.height
      if (ev.height > chainHeight) chainHeight = ev.height
      lastAnswer = now()
      for (const l of blockListeners) { try { l(ev.height) } catch (err) { log.error({ err: String(err) }, 'block listener failed') } }
    } else {
      for (const l of eventListeners) { try { l(ev.event, ev.height) } catch (err) { log.error({ err: String(err) }, 'event listener failed') } }
    }
  }

  const follow = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        for await (const ev of components.chain.events({ signal })) emit(ev)
      } catch (err) {
        if (signal.aborted) return
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'chain event stream ended; resubscribing')
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, RESUBSCRIBE_MS)
        signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
      })
    }
  }

  const poll = async (): Promise<void> => {
    try {
      const h = await components.chain.height()
      if (h > chainHeight) chainHeight = h
      lastAnswer = now()
    } catch (err) {
      log.debug({ err: err instanceof Error ? err.message : String(err) }, 'chain height poll failed')
    }
  }

  const status = (): ChainViewStatus => {
    const reachable = lastAnswer > 0 && now() - lastAnswer <= (init.unreachableAfterMs ?? DEFAULT_UNREACHABLE_AFTER_MS)
    const lag = chainHeight > viewHeight ? chainHeight - viewHeight : 0n
    return { viewHeight, chainHeight, lag, reachable, fresh: reachable && viewHeight > 0n && lag <= BigInt(init.maxLagBlocks) }
  }

  return {
    async start () {
      if (controller !== undefined) return
      controller = new AbortController()
      await poll()
      viewHeight = chainHeight
      follower = follow(controller.signal).catch((err: unknown) => { log.error({ err: String(err) }, 'chain follower failed') })
      timer = setInterval(() => { poll().catch(() => {}) }, init.pollIntervalMs ?? DEFAULT_HEIGHT_POLL_MS)
      timer.unref()
    },
    async stop () {
      if (controller === undefined) return
      controller.abort()
      clearInterval(timer)
      await follower
      controller = undefined
    },
    status,
    assertFresh () {
      const s = status()
      if (!s.reachable) throw new ChainLagError('the chain is unreachable: releases are refused until it answers')
      if (!s.fresh) throw new ChainLagError(`this node's view of the chain lags ${s.lag} blocks (more than ${init.maxLagBlocks}): releases are refused`)
    },
    onNewBlock (l) { blockListeners.add(l); return () => { blockListeners.delete(l) } },
    onLedgerEvent (l) { eventListeners.add(l); return () => { eventListeners.delete(l) } }
  }
}
