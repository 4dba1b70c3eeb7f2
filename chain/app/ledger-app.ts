/**
 * `createLedgerApp`: the healthrelay ledger as an `AbciApplication` (application.ts).
 *
 * State lives in the `app_kv` table (store.ts) of the SQLite file that the driver opened; the
 * application's own bookkeeping (last height, app hash, chain id, block time) in `app_meta`.
 * InitChain's writes wait in memory and are persisted with the first block's commit (as the SDK
 * does), so a crash before that leaves an empty state and CometBFT re-runs InitChain.
 *
 * Upgrade halt: `finalizeBlock` and `prepareProposal` at or above `params.upgrade_height` throw
 * `UpgradeHaltError` (name `UpgradeHaltError`, with `height` and `upgradeName`) before executing
 * anything; drivers detect it by name (`isErrorNamed(err, 'UpgradeHaltError')`) and stop cleanly.
 * `haltHeight()` tells a driver in advance (the upgrade height, or undefined).
 */
import type Database from 'better-sqlite3'
import type {
  RequestInfo, ResponseInfo, RequestInitChain, ResponseInitChain, RequestCheckTx, ResponseCheckTx,
  RequestPrepareProposal, ResponsePrepareProposal, RequestProcessProposal, ResponseProcessProposal,
  RequestFinalizeBlock, ResponseFinalizeBlock, ResponseCommit, RequestQuery, ResponseQuery, ExecTxResult, Event
} from 'cosmjs-types/tendermint/abci/types'
import { ResponseProcessProposal_ProposalStatus } from 'cosmjs-types/tendermint/abci/types'
import { AuthInfo, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import type { AbciApplication, CommitHooks } from './application.js'
import type { ComponentLogger } from '../../common/logger.js'
import { KvLayer, KvWriter, SCHEMA, SqliteReader, nextAppHash, writeSetDigest } from './store.js'
import { getParams } from './state.js'
import type { LedgerParams } from './params.js'
import { DecodedTxCache, runTx, type TxEnv, type TxOutcome } from './tx.js'
import { createSecp256k1Verifier, type Secp256k1Verifier } from './sig.js'
import { endBlockGovernance } from './msgs/governance.js'
import { applyGenesis, parseGenesisState } from './genesis.js'
import { AbciCodeError, AbciOrderError, InvalidRequestError, UpgradeHaltError } from './errors.js'
import { answerQuery } from './query-router.js'

export const APP_VERSION = '0.1.0'
/** Committed values kept in memory for the consensus connection. */
const COMMITTED_CACHE_SIZE = 100_000
export const APP_PROTOCOL_VERSION = 1n

export interface LedgerAppInit {
  /** Write connection (WAL); the app creates its `app_` tables on it. */
  db: Database.Database
  /** Read connection to the same file: queries see committed state only. */
  readDb: Database.Database
  logger?: ComponentLogger
}

/** The ledger app: the ABCI contract plus what a driver may want to know. */
export interface LedgerApp extends AbciApplication {
  /** The height at which the chain halts for an upgrade (params), or undefined. */
  haltHeight: () => bigint | undefined
  /** The chain id (from InitChain, persisted), or '' before InitChain. */
  chainId: () => string
  /** Counters since start: signature verifications run, and txs decoded afresh or reused from CheckTx. */
  stats: () => LedgerAppStats
}

export interface LedgerAppStats {
  readonly signatureVerifications: number
  readonly decodedReused: number
  readonly decodedFresh: number
}

interface Meta { height: bigint, appHash: Uint8Array, chainId: string, time: bigint, initialHeight: bigint }

function readMeta (db: Database.Database): Meta {
  const rows = db.prepare('SELECT name, value FROM app_meta').all() as Array<{ name: string, value: Buffer }>
  const m = new Map(rows.map((r) => [r.name, r.value]))
  const str = (k: string, d: string): string => m.get(k)?.toString('utf8') ?? d
  return {
    height: BigInt(str('height', '0')),
    appHash: new Uint8Array(m.get('app_hash') ?? new Uint8Array(0)),
    chainId: str('chain_id', ''),
    time: BigInt(str('block_time', '0')),
    initialHeight: BigInt(str('initial_height', '1'))
  }
}

interface Pending { height: bigint, appHash: Uint8Array, time: bigint, layer: KvLayer }

function toResult (o: TxOutcome): ExecTxResult {
  return { code: o.code, data: o.data, log: o.log, info: '', gasWanted: o.gasWanted, gasUsed: o.gasUsed, events: o.events, codespace: o.codespace }
}

export function createLedgerApp (init: LedgerAppInit): LedgerApp {
  const { db, readDb } = init
  const log = init.logger?.forComponent('chain:app')
  db.exec(SCHEMA)
  const committed = new SqliteReader(db, COMMITTED_CACHE_SIZE)
  const reader = new SqliteReader(readDb)
  const writer = new KvWriter(db)
  const putMeta = db.prepare('INSERT INTO app_meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value')
  const verifySignature = createSecp256k1Verifier()
  let signatureVerifications = 0
  const verify: Secp256k1Verifier = (publicKey, message, signature) => {
    signatureVerifications++
    return verifySignature(publicKey, message, signature)
  }
  const verified = new Map<string, true>()
  const decoded = new DecodedTxCache()

  let meta = readMeta(db)
  let appHash = meta.appHash // last app hash: committed, or InitChain's until the first commit
  let genesis: KvLayer | undefined
  let pending: Pending | undefined
  let checkState = new KvLayer(committed)
  let checkParams: LedgerParams | undefined = meta.height > 0n ? getParams(committed) : undefined
  let closed = false

  const nextHeight = (): bigint => (meta.height === 0n ? meta.initialHeight : meta.height + 1n)
  const base = (): KvLayer | SqliteReader => genesis ?? committed

  const assertUpgrade = (height: bigint, params: LedgerParams): void => {
    if (params.upgradeHeight > 0n && height >= params.upgradeHeight) throw new UpgradeHaltError(height, params.upgradeName)
  }

  const gasWanted = (tx: Uint8Array): bigint => {
    try {
      return AuthInfo.decode(TxRaw.decode(tx).authInfoBytes).fee?.gasLimit ?? 0n
    } catch {
      return 0n
    }
  }

  const app: LedgerApp = {
    info (_req: RequestInfo): ResponseInfo {
      return { data: 'healthrelay', version: APP_VERSION, appVersion: APP_PROTOCOL_VERSION, lastBlockHeight: meta.height, lastBlockAppHash: meta.appHash }
    },

    initChain (req: RequestInitChain): ResponseInitChain {
      if (meta.height > 0n) throw new AbciOrderError(`initChain on a chain that has blocks (height ${meta.height})`)
      if (req.chainId === '') throw new AbciOrderError('initChain without a chain id')
      const state = parseGenesisState(req.appStateBytes)
      const initialHeight = req.initialHeight > 0n ? req.initialHeight : 1n
      const layer = new KvLayer(committed)
      applyGenesis(layer, state, initialHeight)
      appHash = nextAppHash(new Uint8Array(0), writeSetDigest(layer.writes))
      genesis = layer
      pending = undefined
      meta = { ...meta, chainId: req.chainId, initialHeight, time: req.time?.seconds ?? 0n }
      checkState = new KvLayer(layer)
      checkParams = state.params
      log?.info({ chainId: req.chainId, members: state.members.length }, 'genesis applied')
      return { validators: [], appHash }
    },

    checkTx (req: RequestCheckTx): ResponseCheckTx {
      if (checkParams === undefined || meta.chainId === '') {
        return { code: 18, codespace: 'sdk', log: 'the chain has not been initialised: invalid request', data: new Uint8Array(0), info: '', gasWanted: 0n, gasUsed: 0n, events: [] }
      }
      const layer = checkState.child()
      const env: TxEnv = { store: layer, height: nextHeight(), time: meta.time, params: checkParams, mode: 'check', chainId: meta.chainId, verify, verified, decoded }
      const out = runTx(env, req.tx)
      if (out.code === 0) layer.flushInto(checkState)
      return { ...toResult(out), data: out.code === 0 ? out.data : new Uint8Array(0) }
    },

    prepareProposal (req: RequestPrepareProposal): ResponsePrepareProposal {
      const params = getParams(base())
      assertUpgrade(req.height, params)
      const txs: Uint8Array[] = []
      let bytes = 0n
      let gas = 0n
      for (const tx of req.txs) {
        if (req.maxTxBytes > 0n && bytes + BigInt(tx.length) > req.maxTxBytes) break
        if (params.maxBlockGas > 0n) {
          const g = gasWanted(tx)
          if (gas + g > params.maxBlockGas) continue
          gas += g
        }
        bytes += BigInt(tx.length)
        txs.push(tx)
      }
      return { txs }
    },

    processProposal (req: RequestProcessProposal): ResponseProcessProposal {
      const params = getParams(base())
      if (params.maxBlockGas > 0n) {
        let gas = 0n
        for (const tx of req.txs) gas += gasWanted(tx)
        if (gas > params.maxBlockGas) return { status: ResponseProcessProposal_ProposalStatus.REJECT }
      }
      return { status: ResponseProcessProposal_ProposalStatus.ACCEPT }
    },

    finalizeBlock (req: RequestFinalizeBlock): ResponseFinalizeBlock {
      if (meta.chainId === '') throw new AbciOrderError('finalizeBlock before initChain')
      const height = req.height
      if (height !== nextHeight()) throw new AbciOrderError(`finalizeBlock at height ${height}, expected ${nextHeight()}`)
      const layer = new KvLayer(base())
      const params = getParams(layer)
      assertUpgrade(height, params)
      const time = req.time?.seconds ?? 0n
      const env: TxEnv = { store: layer, height, time, params, mode: 'deliver', chainId: meta.chainId, verify, verified, decoded }
      const txResults = req.txs.map((tx) => toResult(runTx(env, tx)))
      const events: Event[] = endBlockGovernance(layer, { height, time, params, mode: 'deliver', txHash: new Uint8Array(32) })
      const hash = nextAppHash(appHash, writeSetDigest(layer.writes))
      pending = { height, appHash: hash, time, layer }
      return { events, txResults, validatorUpdates: [], consensusParamUpdates: undefined, appHash: hash }
    },

    commit (hooks?: CommitHooks): ResponseCommit {
      const p = pending
      if (p === undefined) throw new AbciOrderError('commit without a finalized block')
      const g = genesis
      db.transaction(() => {
        if (g !== undefined) {
          writer.apply(g.writes)
          putMeta.run('chain_id', Buffer.from(meta.chainId, 'utf8'))
          putMeta.run('initial_height', Buffer.from(meta.initialHeight.toString(), 'utf8'))
        }
        writer.apply(p.layer.writes)
        putMeta.run('height', Buffer.from(p.height.toString(), 'utf8'))
        putMeta.run('app_hash', Buffer.from(p.appHash))
        putMeta.run('block_time', Buffer.from(p.time.toString(), 'utf8'))
        hooks?.inTransaction?.(db)
      })()
      if (g !== undefined) committed.committed(g.writes)
      committed.committed(p.layer.writes)
      meta = { ...meta, height: p.height, appHash: p.appHash, time: p.time }
      appHash = p.appHash
      genesis = undefined
      pending = undefined
      checkState = new KvLayer(committed)
      checkParams = getParams(committed)
      return { retainHeight: 0n }
    },

    query (req: RequestQuery): ResponseQuery {
      const height = meta.height
      const respond = (code: number, codespace: string, log: string, value: Uint8Array = new Uint8Array(0)): ResponseQuery =>
        ({ code, codespace, log, info: '', index: 0n, key: new Uint8Array(0), value, proofOps: undefined, height })
      try {
        if (height === 0n) throw new InvalidRequestError('no block has been committed yet')
        if (req.height !== 0n && req.height !== height) throw new InvalidRequestError(`only the latest committed height (${height}) is served, not ${req.height}`)
        const value = answerQuery(req.path, req.data, {
          reader,
          simulateEnv: () => ({
            store: new KvLayer(reader), height: height + 1n, time: meta.time, params: getParams(reader), mode: 'simulate',
            chainId: meta.chainId, verify, verified
          })
        })
        return respond(0, '', '', value)
      } catch (err) {
        if (err instanceof AbciCodeError) return respond(err.code, err.codespace, err.log)
        log?.error({ err, path: req.path }, 'query failed')
        return respond(1, 'sdk', 'internal error')
      }
    },

    haltHeight (): bigint | undefined {
      const p = checkParams
      return p === undefined || p.upgradeHeight === 0n ? undefined : p.upgradeHeight
    },

    chainId: () => meta.chainId,

    stats: () => ({ signatureVerifications, decodedReused: decoded.hits, decodedFresh: decoded.misses }),

    close (): void {
      if (closed) return
      closed = true
      pending = undefined
      genesis = undefined
      decoded.clear()
      verified.clear()
    }
  }
  return app
}
