/**
 * The engine's mempool: bounded (txs and bytes), first come first served, duplicates rejected (in
 * the pool or among recently committed txs), admission through the application's CheckTx (NEW),
 * and after every commit a RECHECK of what is left, dropping the txs that no longer pass.
 */
import { CheckTxType, type ResponseCheckTx } from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from '../app/application.js'
import { MempoolFullError, TxInMempoolError, TxTooLargeError } from './errors.js'
import { txHash } from './header.js'

export interface MempoolInit {
  /** Most txs held at once (default 10 000). */
  maxTxs?: number
  /** Most bytes held at once (default 64 MiB). */
  maxBytes?: number
  /** Largest tx admitted (default 1 MiB, CometBFT's default). */
  maxTxBytes?: number
  /** How many committed tx hashes are remembered to reject re-submissions (default 20 000). */
  cacheSize?: number
}

export const DEFAULT_MEMPOOL_MAX_TXS = 10_000
export const DEFAULT_MEMPOOL_MAX_BYTES = 64 * 1024 * 1024
export const DEFAULT_MAX_TX_BYTES = 1024 * 1024
export const DEFAULT_CACHE_SIZE = 20_000

export interface MempoolTx {
  readonly tx: Uint8Array
  readonly hash: Uint8Array
  readonly key: string
  readonly addedAt: number
}

export class Mempool {
  private readonly txs = new Map<string, MempoolTx>()
  private readonly committed = new Set<string>()
  private bytes = 0
  readonly maxTxs: number
  readonly maxBytes: number
  readonly maxTxBytes: number
  private readonly cacheSize: number

  constructor (private readonly app: Pick<AbciApplication, 'checkTx'>, init: MempoolInit = {}) {
    this.maxTxs = init.maxTxs ?? DEFAULT_MEMPOOL_MAX_TXS
    this.maxBytes = init.maxBytes ?? DEFAULT_MEMPOOL_MAX_BYTES
    this.maxTxBytes = init.maxTxBytes ?? DEFAULT_MAX_TX_BYTES
    this.cacheSize = init.cacheSize ?? DEFAULT_CACHE_SIZE
  }

  get size (): number { return this.txs.size }
  get sizeBytes (): number { return this.bytes }

  /** Runs CheckTx (NEW) and admits the tx when it passes; throws when the pool itself refuses. */
  add (tx: Uint8Array): { hash: Uint8Array, response: ResponseCheckTx } {
    if (tx.length > this.maxTxBytes) throw new TxTooLargeError(`tx too large: ${tx.length} bytes, at most ${this.maxTxBytes}`)
    if (tx.length === 0) throw new TxTooLargeError('tx is empty')
    const hash = txHash(tx)
    const key = Buffer.from(hash).toString('hex')
    if (this.txs.has(key) || this.committed.has(key)) throw new TxInMempoolError('tx already exists in cache')
    if (this.txs.size >= this.maxTxs || this.bytes + tx.length > this.maxBytes) {
      throw new MempoolFullError(`mempool is full: number of txs ${this.txs.size} (max: ${this.maxTxs}), total txs bytes ${this.bytes} (max: ${this.maxBytes})`)
    }
    const response = this.app.checkTx({ tx, type: CheckTxType.NEW })
    if (response.code === 0) {
      this.txs.set(key, { tx, hash, key, addedAt: performance.now() })
      this.bytes += tx.length
    }
    return { hash, response }
  }

  /** The oldest txs, up to `maxTxs` and `maxBytes` in total. */
  reap (maxTxs: number, maxBytes: number): MempoolTx[] {
    const out: MempoolTx[] = []
    let bytes = 0
    for (const entry of this.txs.values()) {
      if (out.length >= maxTxs || bytes + entry.tx.length > maxBytes) break
      out.push(entry)
      bytes += entry.tx.length
    }
    return out
  }

  /** Removes the txs of a committed block, remembers them, and rechecks the rest. Returns the dropped ones. */
  update (committedTxs: readonly Uint8Array[], recheck: boolean): MempoolTx[] {
    for (const tx of committedTxs) {
      const key = Buffer.from(txHash(tx)).toString('hex')
      const entry = this.txs.get(key)
      if (entry !== undefined) {
        this.txs.delete(key)
        this.bytes -= entry.tx.length
      }
      this.remember(key)
    }
    const dropped: MempoolTx[] = []
    if (!recheck) return dropped
    for (const entry of [...this.txs.values()]) {
      const res = this.app.checkTx({ tx: entry.tx, type: CheckTxType.RECHECK })
      if (res.code !== 0) {
        this.txs.delete(entry.key)
        this.bytes -= entry.tx.length
        dropped.push(entry)
      }
    }
    return dropped
  }

  has (hash: Uint8Array): boolean {
    return this.txs.has(Buffer.from(hash).toString('hex'))
  }

  clear (): void {
    this.txs.clear()
    this.bytes = 0
  }

  private remember (key: string): void {
    this.committed.add(key)
    if (this.committed.size > this.cacheSize) {
      const oldest = this.committed.values().next().value
      if (oldest !== undefined) this.committed.delete(oldest)
    }
  }
}
