/**
 * Chain events over CometBFT's websocket: a `NewBlock` subscription and a `Tx` subscription, merged
 * into one bounded queue and yielded as typed `ChainEvent`s (ledger events decoded from each
 * successful tx). Ends when the signal aborts; throws when the connection fails or the consumer
 * falls more than `maxBuffered` events behind.
 */
import { toHex } from '@cosmjs/encoding'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import type { ComponentLogger } from '../../common/logger.js'
import { ChainUnavailableError, SubscriptionOverflowError } from './errors.js'
import { decodeLedgerEvents } from './events.js'
import type { ChainEvent } from './types.js'

export interface SubscribeOptions {
  signal: AbortSignal
  maxBuffered: number
  log: ComponentLogger
}

export function websocketUrl (rpcUrl: string): string {
  return rpcUrl.replace(/^http(s?):\/\//, 'ws$1://').replace(/\/+$/, '')
}

export async function * subscribeChainEvents (rpcUrl: string, options: SubscribeOptions): AsyncGenerator<ChainEvent> {
  const { signal, maxBuffered, log } = options
  if (signal.aborted) return
  let ws: Comet38Client
  try {
    ws = await Comet38Client.connect(websocketUrl(rpcUrl))
  } catch (err) {
    throw new ChainUnavailableError(`cannot subscribe at ${rpcUrl}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const queue: ChainEvent[] = []
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = (): void => { const w = wake; wake = undefined; w?.() }
  const push = (events: ChainEvent[]): void => {
    if (queue.length + events.length > maxBuffered) {
      failure ??= new SubscriptionOverflowError(`the event consumer fell more than ${maxBuffered} events behind`)
    } else {
      queue.push(...events)
    }
    notify()
  }
  const fail = (err: unknown): void => {
    failure ??= new ChainUnavailableError(`chain event subscription ended: ${typeof err === 'string' ? err : err instanceof Error ? err.message : 'connection lost'}`)
    notify()
  }
  const blocks = ws.subscribeNewBlock().subscribe({
    next: (b) => { push([{ name: 'NEW_BLOCK', height: BigInt(b.header.height), time: new Date(b.header.time.getTime()), numTxs: b.txs.length }]) },
    error: fail,
    complete: () => { fail('the websocket closed') }
  })
  const txs = ws.subscribeTx().subscribe({
    next: (t) => {
      if (t.result.code !== 0) return
      const txHash = toHex(t.hash).toUpperCase()
      push(decodeLedgerEvents(t.result.events).map((event) => ({ name: 'LEDGER_EVENT' as const, height: BigInt(t.height), txHash, event })))
    },
    error: fail,
    complete: () => { fail('the websocket closed') }
  })
  const onAbort = (): void => { notify() }
  signal.addEventListener('abort', onAbort)
  try {
    while (!signal.aborted) {
      const next = queue.shift()
      if (next !== undefined) {
        yield next
        continue
      }
      if (failure !== undefined) throw failure
      await new Promise<void>((resolve) => { wake = resolve })
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    try { blocks.unsubscribe() } catch (err) { log.debug({ err }, 'unsubscribe failed') }
    try { txs.unsubscribe() } catch (err) { log.debug({ err }, 'unsubscribe failed') }
    ws.disconnect()
    cancelReconnect(ws)
  }
}

/**
 * cosmjs's ReconnectingSocket arms its reconnect timer when its own `disconnect()` reports the
 * Disconnected status (before it marks itself disconnected), so 100 ms later it opens a fresh
 * websocket that nobody closes and that keeps the process alive. Cancel that timer.
 */
function cancelReconnect (client: Comet38Client): void {
  const socket = (client as unknown as { client?: { socket?: { reconnectTimeout?: ReturnType<typeof setTimeout> | null } } }).client?.socket
  if (socket?.reconnectTimeout !== undefined && socket.reconnectTimeout !== null) {
    clearTimeout(socket.reconnectTimeout)
    socket.reconnectTimeout = null
  }
}
