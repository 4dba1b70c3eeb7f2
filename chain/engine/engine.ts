/**
 * The embedded single-validator engine: opens `<home>/data/chain.sqlite` (WAL, a separate read
 * connection), builds the application through the factory it is given, handshakes, then commits a
 * block every `blockTimeMs` (sooner when the mempool holds `blockTxThreshold` txs) and serves the
 * CometBFT RPC. Startable: `start()`/`stop()` are safe to call twice.
 */
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { ExecTxResult, type ResponseCheckTx } from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from '../app/application.js'
import { CHAIN_DB_FILE, openChainDatabases } from '../app/database.js'
import type { ComponentLogger } from '../../common/logger.js'
import { silentLogger } from '../../common/logger.js'
import { Chain, type CommittedBlock } from './chain.js'
import { BroadcastTimeoutError, EngineStoppedError, InvalidParamsError, UpgradeHaltError } from './errors.js'
import { readGenesis, readValidatorKey } from './genesis.js'
import { txHash as txHashOf } from './header.js'
import { Mempool, type MempoolInit } from './mempool.js'
import { hrMatch } from './query.js'
import { newBlockEvent, txEvents } from './rpc/events.js'
import { JsonRpcDispatcher } from './rpc/jsonrpc.js'
import { createMethods, type BroadcastCommitResult } from './rpc/methods.js'
import { createRpcServer, type RpcServer } from './rpc/server.js'
import { BlockStoreReader, createSchema } from './store.js'

import { DEFAULT_RPC_LISTEN, DEFAULT_BLOCK_TIME_MS, DEFAULT_BLOCK_TX_THRESHOLD } from '../defaults.js'

export { DEFAULT_RPC_LISTEN, DEFAULT_BLOCK_TIME_MS, DEFAULT_BLOCK_TX_THRESHOLD }
export const DEFAULT_MAX_BLOCK_TXS = 2000
export const DEFAULT_MAX_BLOCK_BYTES = 8 * 1024 * 1024
export const DEFAULT_BROADCAST_COMMIT_TIMEOUT_MS = 10_000
export { CHAIN_DB_FILE }

export interface EngineInit {
  /** The chain home: `genesis.json`, `config/priv_validator_key.json`, `data/chain.sqlite`. */
  home: string
  /** `host:port` of the RPC (default 127.0.0.1:26657; port 0 picks a free port). */
  rpcListen?: string
  /** Milliseconds between blocks (default 500). */
  blockTimeMs?: number
  /** A block is made at once when the mempool holds this many txs (default 1000). */
  blockTxThreshold?: number
  /** Most txs in one block (default 2000). */
  maxBlockTxs?: number
  /** Most tx bytes in one block (default 8 MiB). */
  maxBlockBytes?: number
  /** Make a block every `blockTimeMs` even without txs (default true, as CometBFT). */
  createEmptyBlocks?: boolean
  mempool?: MempoolInit
  /** How long `broadcast_tx_commit` waits for inclusion (default 10 s). */
  broadcastCommitTimeoutMs?: number
  /** Name reported by `status` (default "healthrelay-engine"). */
  moniker?: string
}

/** What the application factory receives: the write and read connections and a logger. */
export interface AppDeps {
  db: Database.Database
  readDb: Database.Database
  logger: ComponentLogger
}

export type AppFactory = (deps: AppDeps) => AbciApplication

export interface EngineComponents {
  createApp: AppFactory
  logger?: ComponentLogger
}

export interface EngineHalt {
  readonly height: bigint
  readonly reason: string
  /** True for a clean stop at the upgrade height. */
  readonly upgrade: boolean
}

export interface Engine {
  start: () => Promise<void>
  stop: () => Promise<void>
  /** `http://host:port` of the RPC (after start). */
  readonly rpcUrl: string
  readonly chainId: string
  /** Height of the last committed block. */
  height: () => bigint
  /** Set once block production stopped for good (upgrade height or an application failure). */
  readonly halted: EngineHalt | undefined
  /** Called after every committed block; returns an unsubscribe function. */
  onBlock: (listener: (block: CommittedBlock) => void) => () => void
  /** Called once when the engine halts. */
  onHalt: (listener: (halt: EngineHalt) => void) => () => void
}

interface Waiter { resolve: (r: { result: ExecTxResult, height: bigint }) => void, reject: (err: Error) => void, timer: NodeJS.Timeout }

export function parseHostPort (value: string): { host: string, port: number } {
  const m = /^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.replace(/^tcp:\/\//, ''))
  if (m === null || Number(m[2] ?? '0') > 65535) throw new InvalidParamsError(`not a host:port: ${value}`)
  const [, host = '', port = '0'] = m
  return { host: host.replace(/^\[|\]$/g, ''), port: Number(port) }
}

export function createEngine (init: EngineInit, components: EngineComponents): Engine {
  const baseLog = components.logger ?? silentLogger()
  const log = baseLog.forComponent('chain:engine')
  const blockTimeMs = init.blockTimeMs ?? DEFAULT_BLOCK_TIME_MS
  const threshold = init.blockTxThreshold ?? DEFAULT_BLOCK_TX_THRESHOLD
  const createEmptyBlocks = init.createEmptyBlocks ?? true
  const listen = parseHostPort(init.rpcListen ?? DEFAULT_RPC_LISTEN)
  const genesis = readGenesis(init.home)
  const validator = readValidatorKey(init.home)

  let db: Database.Database | undefined
  let readDb: Database.Database | undefined
  let app: AbciApplication | undefined
  let chain: Chain | undefined
  let mempool: Mempool | undefined
  let server: RpcServer | undefined
  let timer: NodeJS.Timeout | undefined
  let running = false
  let halted: EngineHalt | undefined
  let rpcUrl = ''
  let rpcAddress = ''
  const waiters = new Map<string, Waiter>()
  const blockListeners = new Set<(b: CommittedBlock) => void>()
  const haltListeners = new Set<(h: EngineHalt) => void>()

  const ensureLive = (): { chain: Chain, mempool: Mempool } => {
    if (!running || chain === undefined || mempool === undefined) throw new EngineStoppedError('the engine is not running')
    if (halted !== undefined) throw new EngineStoppedError(`the chain has halted at height ${halted.height}: ${halted.reason}`)
    return { chain, mempool }
  }

  const schedule = (delay: number): void => {
    if (!running || halted !== undefined) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(tick, delay)
  }

  const halt = (err: unknown): void => {
    const upgrade = err instanceof UpgradeHaltError
    halted = { height: chain?.current.height ?? 0n, reason: err instanceof Error ? err.message : String(err), upgrade }
    if (upgrade) log.info({ height: halted.height.toString() }, halted.reason)
    else log.error({ err }, 'block production stopped: the application failed')
    for (const w of waiters.values()) { clearTimeout(w.timer); w.reject(new EngineStoppedError(`the chain halted: ${halted.reason}`)) }
    waiters.clear()
    for (const l of haltListeners) l(halted)
  }

  const produce = (): void => {
    if (chain === undefined) return
    let committed: CommittedBlock
    try {
      committed = chain.produceBlock(Date.now())
    } catch (err) {
      halt(err)
      return
    }
    const { block, results } = committed
    block.txs.forEach((tx, i) => {
      const key = Buffer.from(txHashOf(tx)).toString('hex')
      const w = waiters.get(key)
      if (w !== undefined) {
        waiters.delete(key)
        clearTimeout(w.timer)
        w.resolve({ result: results[i] ?? ExecTxResult.fromPartial({}), height: block.header.height })
      }
    })
    if (server?.wants('NewBlock') === true) server.publish(newBlockEvent(committed))
    if (server?.wants('Tx') === true) for (const t of txEvents(committed)) server.publish(t)
    for (const l of blockListeners) {
      try { l(committed) } catch (err) { log.warn({ err }, 'a block listener failed') }
    }
  }

  const tick = (): void => {
    timer = undefined
    if (!running || halted !== undefined || mempool === undefined) return
    const started = performance.now()
    if (mempool.size > 0 || createEmptyBlocks) produce()
    // the cadence counts from the start of a block, so making it does not stretch the block time
    schedule(mempool.size >= threshold ? 0 : Math.max(0, blockTimeMs - (performance.now() - started)))
  }

  const admitted = (): void => {
    if (mempool !== undefined && mempool.size >= threshold) schedule(0)
  }

  const broadcastSync = (tx: Uint8Array): { hash: Uint8Array, response: ResponseCheckTx } => {
    const live = ensureLive()
    const r = live.mempool.add(tx)
    if (r.response.code === 0) admitted()
    return r
  }

  const broadcastCommit = async (tx: Uint8Array): Promise<BroadcastCommitResult> => {
    const { hash, response } = broadcastSync(tx)
    if (response.code !== 0) return { hash, checkTx: response, height: 0n }
    const key = Buffer.from(hash).toString('hex')
    const timeoutMs = init.broadcastCommitTimeoutMs ?? DEFAULT_BROADCAST_COMMIT_TIMEOUT_MS
    const { result, height } = await new Promise<{ result: ExecTxResult, height: bigint }>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(key)
        reject(new BroadcastTimeoutError('timed out waiting for tx to be included in a block'))
      }, timeoutMs)
      waiters.set(key, { resolve, reject, timer })
    })
    return { hash, checkTx: response, txResult: result, height }
  }

  const openDatabases = (): { db: Database.Database, readDb: Database.Database } => {
    const dbs = openChainDatabases(join(init.home, CHAIN_DB_FILE))
    try {
      createSchema(dbs.db)
      dbs.readDb.function('hr_match', { deterministic: true }, hrMatch)
    } catch (err) {
      dbs.readDb.close()
      dbs.db.close()
      throw err
    }
    return dbs
  }

  const closeAll = (): void => {
    try { app?.close() } catch (err) { log.warn({ err }, 'closing the application failed') }
    try { readDb?.close() } catch { /* already closed */ }
    try { db?.close() } catch { /* already closed */ }
    app = undefined
    readDb = undefined
    db = undefined
    chain = undefined
    mempool = undefined
  }

  const engine: Engine = {
    get rpcUrl () { return rpcUrl },
    chainId: genesis.chainId,
    get halted () { return halted },
    height: () => chain?.current.height ?? 0n,

    onBlock: (listener) => { blockListeners.add(listener); return () => { blockListeners.delete(listener) } },
    onHalt: (listener) => { haltListeners.add(listener); return () => { haltListeners.delete(listener) } },

    start: async () => {
      if (running) return
      try {
        const dbs = openDatabases()
        db = dbs.db
        readDb = dbs.readDb
        app = components.createApp({ db, readDb, logger: baseLog })
        mempool = new Mempool(app, init.mempool)
        chain = new Chain(app, db, new BlockStoreReader(readDb), mempool, genesis, validator, {
          maxBlockTxs: init.maxBlockTxs ?? DEFAULT_MAX_BLOCK_TXS,
          maxBlockBytes: init.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
        }, log)
        const appRef = app
        const chainRef = chain
        const mempoolRef = mempool
        const dispatcher = new JsonRpcDispatcher(createMethods({
          chain: chainRef,
          app: appRef,
          moniker: init.moniker ?? 'healthrelay-engine',
          rpcAddress: () => rpcAddress,
          broadcastAsync: (tx) => {
            const { hash } = broadcastSync(tx)
            return hash
          },
          broadcastSync,
          broadcastCommit,
          unconfirmed: (limit) => ({
            count: mempoolRef.size,
            bytes: mempoolRef.sizeBytes,
            txs: limit > 0 ? mempoolRef.reap(limit, Number.MAX_SAFE_INTEGER).map((e) => e.tx) : []
          })
        }), log)
        server = createRpcServer(dispatcher, log)
        const address = await server.listen(listen.host, listen.port)
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
        rpcUrl = `http://${host}:${address.port}`
        rpcAddress = `tcp://${host}:${address.port}`
        running = true
        // a new chain gets its first block at once, so `status` has a block to report
        if (chain.current.height === 0n) produce()
        schedule(blockTimeMs)
        log.info({ rpc: rpcUrl, height: chain.current.height.toString() }, 'engine started')
      } catch (err) {
        running = false
        await server?.close().catch(() => {})
        server = undefined
        closeAll()
        throw err
      }
    },

    stop: async () => {
      if (!running) return
      running = false
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      for (const w of waiters.values()) { clearTimeout(w.timer); w.reject(new EngineStoppedError('the engine stopped')) }
      waiters.clear()
      await server?.close()
      server = undefined
      closeAll()
      log.info('engine stopped')
    }
  }
  return engine
}
