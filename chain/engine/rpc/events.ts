/**
 * The events the engine publishes after each commit, in the JSON shapes of CometBFT's websocket
 * (`tendermint/event/NewBlock`, `tendermint/event/Tx`) and with the event maps that subscription
 * queries match against (`tm.event`, `tx.hash`, `tx.height`, `<type>.<key>` of every attribute).
 */
import { ExecTxResult, type Event } from 'cosmjs-types/tendermint/abci/types'
import type { CommittedBlock } from '../chain.js'
import { txHash } from '../header.js'
import { b64, blockIdJson, blockJson, finalizeJson, hexUpper, txResultJson } from './encode.js'

export interface PublishedEvent {
  /** `key` → values, for query matching. */
  readonly events: ReadonlyMap<string, readonly string[]>
  /** The `data` object, already serialised. */
  readonly dataJson: string
  /** The `events` object, already serialised. */
  readonly eventsJson: string
}

function addEvents (map: Map<string, string[]>, events: readonly Event[]): void {
  for (const e of events) {
    for (const a of e.attributes) {
      const key = `${e.type}.${a.key}`
      const list = map.get(key)
      if (list === undefined) map.set(key, [a.value])
      else list.push(a.value)
    }
  }
}

function published (map: Map<string, string[]>, data: unknown): PublishedEvent {
  return { events: map, dataJson: JSON.stringify(data), eventsJson: JSON.stringify(Object.fromEntries(map)) }
}

/** The NewBlock event of a committed block. */
export function newBlockEvent (c: CommittedBlock): PublishedEvent {
  const blockMap = new Map<string, string[]>([['tm.event', ['NewBlock']]])
  addEvents(blockMap, c.finalize.events)
  return published(blockMap, {
    type: 'tendermint/event/NewBlock',
    value: { block: blockJson(c.block), block_id: blockIdJson(c.block.id), result_finalize_block: finalizeJson(c.finalize, c.results) }
  })
}

/** One Tx event per tx of a committed block. */
export function txEvents (c: CommittedBlock): PublishedEvent[] {
  const height = c.block.header.height.toString()
  return c.block.txs.map((tx, index) => {
    const result = c.results[index] ?? ExecTxResult.fromPartial({})
    const map = new Map<string, string[]>([['tm.event', ['Tx']], ['tx.hash', [hexUpper(txHash(tx))]], ['tx.height', [height]]])
    addEvents(map, result.events)
    return published(map, {
      type: 'tendermint/event/Tx',
      value: { TxResult: { height, index, tx: b64(tx), result: txResultJson(result) } }
    })
  })
}
