/**
 * The CometBFT RPC methods the engine serves, each reading its params through `Params` and
 * answering in CometBFT 0.38's JSON shapes. Reads come from the block store (read connection) and
 * the application's query (committed state only).
 */
import type { ExecTxResult, ResponseCheckTx } from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from '../../app/application.js'
import type { Chain } from '../chain.js'
import { InvalidParamsError, NotStoredError } from '../errors.js'
import { signCommit } from '../header.js'
import { compileTxSearch, parseQuery } from '../query.js'
import type { StoredBlock } from '../store.js'
import {
  b64, blockIdJson, blockJson, blockMetaJson, commitJson, finalizeJson, headerJson, hexUpper, rfc3339, txJson,
  txResultJson, type Json
} from './encode.js'
import { Params, decodeBase64 } from './params.js'

export const COMETBFT_VERSION = '0.38.17'
export const DEFAULT_PER_PAGE = 30
export const MAX_PER_PAGE = 100

export interface BroadcastCommitResult {
  readonly hash: Uint8Array
  readonly checkTx: ResponseCheckTx
  readonly txResult?: ExecTxResult
  readonly height: bigint
}

/** What the methods need from the engine. */
export interface RpcBackend {
  readonly chain: Chain
  readonly app: Pick<AbciApplication, 'query' | 'info'>
  readonly moniker: string
  /** `tcp://host:port` of the RPC, as status reports it. */
  rpcAddress: () => string
  broadcastAsync: (tx: Uint8Array) => Uint8Array
  broadcastSync: (tx: Uint8Array) => { hash: Uint8Array, response: ResponseCheckTx }
  broadcastCommit: (tx: Uint8Array) => Promise<BroadcastCommitResult>
  unconfirmed: (limit: number) => { count: number, bytes: number, txs: Uint8Array[] }
}

export type Method = (params: Params) => Json | Promise<Json>

/** Parameter names of each method, in the order CometBFT takes them positionally. */
export const METHOD_PARAMS: Readonly<Record<string, readonly string[]>> = {
  status: [], health: [], abci_info: [], genesis: [], num_unconfirmed_txs: [],
  unconfirmed_txs: ['limit'],
  abci_query: ['path', 'data', 'height', 'prove'],
  broadcast_tx_sync: ['tx'], broadcast_tx_async: ['tx'], broadcast_tx_commit: ['tx'],
  tx: ['hash', 'prove'],
  tx_search: ['query', 'prove', 'page', 'per_page', 'order_by'],
  block: ['height'], block_results: ['height'], commit: ['height'],
  blockchain: ['minHeight', 'maxHeight'],
  validators: ['height', 'page', 'per_page']
}

function heightOrLatest (chain: Chain, requested: bigint | undefined): bigint {
  const latest = chain.current.height
  if (requested === undefined || requested === 0n) return latest
  if (requested > latest) throw new InvalidParamsError(`height ${requested} must be less than or equal to the current blockchain height ${latest}`)
  const earliest = chain.reader.earliestHeight()
  if (requested < earliest) throw new InvalidParamsError(`height ${requested} is not available, lowest height is ${earliest}`)
  return requested
}

function storedBlock (chain: Chain, height: bigint): StoredBlock {
  const b = chain.reader.block(height)
  if (b === undefined) throw new NotStoredError(`block at height ${height} not found`)
  return b
}

function paging (p: Params, total: number): { perPage: number, page: number } {
  const perPageRaw = p.optionalInt('per_page')
  const perPage = perPageRaw === undefined || perPageRaw === 0n ? DEFAULT_PER_PAGE : Math.min(Number(perPageRaw), MAX_PER_PAGE)
  const pages = Math.max(1, Math.ceil(total / perPage))
  const page = Number(p.optionalInt('page') ?? 1n)
  if (page < 1 || page > pages) throw new InvalidParamsError(`page should be within [1, ${pages}] range, given ${page}`)
  return { perPage, page }
}

export function createMethods (b: RpcBackend): Record<string, Method> {
  const { chain } = b
  const validatorJson = (): Json => ({
    address: hexUpper(chain.validator.address),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(chain.validator.publicKey) },
    voting_power: chain.validatorPower.toString(),
    proposer_priority: '0'
  })

  return {
    health: () => ({}),

    status: () => {
      const s = chain.current
      const latest = s.height === 0n ? undefined : chain.reader.block(s.height)
      const earliestHeight = chain.reader.earliestHeight()
      const earliest = earliestHeight === 0n ? undefined : chain.reader.block(earliestHeight)
      const validator = validatorJson() as { address: string, pub_key: Json, voting_power: string }
      return {
        node_info: {
          protocol_version: { p2p: '8', block: '11', app: s.appVersion.toString() },
          id: Buffer.from(chain.validator.address).toString('hex'),
          listen_addr: b.rpcAddress(),
          network: chain.genesis.chainId,
          version: COMETBFT_VERSION,
          channels: '',
          moniker: b.moniker,
          other: { tx_index: 'on', rpc_address: b.rpcAddress() }
        },
        sync_info: {
          latest_block_hash: latest === undefined ? '' : hexUpper(latest.id.hash),
          latest_app_hash: latest === undefined ? hexUpper(s.appHash) : hexUpper(latest.header.appHash.length > 0 ? latest.header.appHash : s.appHash),
          latest_block_height: s.height.toString(),
          latest_block_time: rfc3339(latest?.header.timeMs ?? s.lastTimeMs),
          earliest_block_hash: earliest === undefined ? '' : hexUpper(earliest.id.hash),
          earliest_app_hash: earliest === undefined ? '' : hexUpper(earliest.header.appHash),
          earliest_block_height: earliestHeight.toString(),
          earliest_block_time: rfc3339(earliest?.header.timeMs ?? s.lastTimeMs),
          catching_up: false
        },
        validator_info: { address: validator.address, pub_key: validator.pub_key, voting_power: validator.voting_power }
      }
    },

    abci_info: () => {
      const info = b.app.info({ version: COMETBFT_VERSION, blockVersion: 11n, p2pVersion: 8n, abciVersion: '2.0.0' })
      return {
        response: {
          data: info.data,
          version: info.version,
          app_version: info.appVersion.toString(),
          last_block_height: info.lastBlockHeight.toString(),
          last_block_app_hash: b64(info.lastBlockAppHash)
        }
      }
    },

    abci_query: (p) => {
      const path = p.string('path')
      const data = p.bytes('data', 'hex', false)
      const height = p.optionalInt('height') ?? 0n
      const prove = p.optionalBool('prove') ?? false
      const r = b.app.query({ path, data, height, prove })
      return {
        response: {
          code: r.code,
          log: r.log,
          info: r.info,
          index: r.index.toString(),
          key: r.key.length > 0 ? b64(r.key) : null,
          value: r.value.length > 0 ? b64(r.value) : null,
          proofOps: null,
          height: r.height.toString(),
          codespace: r.codespace
        }
      }
    },

    broadcast_tx_async: (p) => {
      const hash = b.broadcastAsync(p.bytes('tx', 'base64'))
      return { code: 0, data: '', log: '', codespace: '', hash: hexUpper(hash) }
    },

    broadcast_tx_sync: (p) => {
      const { hash, response } = b.broadcastSync(p.bytes('tx', 'base64'))
      return {
        code: response.code,
        data: b64(response.data),
        log: response.log,
        codespace: response.codespace,
        hash: hexUpper(hash)
      }
    },

    broadcast_tx_commit: async (p) => {
      const r = await b.broadcastCommit(p.bytes('tx', 'base64'))
      return {
        check_tx: txResultJson(r.checkTx),
        tx_result: r.txResult === undefined ? null : txResultJson(r.txResult),
        hash: hexUpper(r.hash),
        height: r.height.toString()
      }
    },

    num_unconfirmed_txs: () => {
      const u = b.unconfirmed(0)
      return { n_txs: String(u.count), total: String(u.count), total_bytes: String(u.bytes), txs: null }
    },

    unconfirmed_txs: (p) => {
      const limit = Math.min(Number(p.optionalInt('limit') ?? 30n), MAX_PER_PAGE)
      const u = b.unconfirmed(limit)
      return { n_txs: String(u.txs.length), total: String(u.count), total_bytes: String(u.bytes), txs: u.txs.map(b64) }
    },

    tx: (p) => {
      const raw = p.string('hash')
      const hash = /^(0x)?[0-9A-Fa-f]{64}$/.test(raw) ? new Uint8Array(Buffer.from(raw.replace(/^0x/, ''), 'hex')) : decodeBase64('hash', raw)
      if (hash.length !== 32) throw new InvalidParamsError('hash must be 32 bytes')
      const t = chain.reader.txByHash(hash)
      if (t === undefined) throw new NotStoredError(`tx (${hexUpper(hash)}) not found`)
      return txJson(t)
    },

    tx_search: (p) => {
      const query = parseQuery(p.string('query'))
      const orderBy = p.optionalString('order_by') ?? 'asc'
      if (orderBy !== 'asc' && orderBy !== 'desc' && orderBy !== '') throw new InvalidParamsError('order_by must be "asc" or "desc"')
      const { where, args } = compileTxSearch(query)
      const count = chain.reader.search(where, args, 'asc', 0, 0).total
      const { perPage, page } = paging(p, count)
      const { txs } = chain.reader.search(where, args, orderBy === 'desc' ? 'desc' : 'asc', perPage, (page - 1) * perPage)
      return { txs: txs.map(txJson), total_count: String(count) }
    },

    block: (p) => {
      const height = heightOrLatest(chain, p.optionalInt('height'))
      if (height === 0n) throw new NotStoredError('no block has been committed yet')
      const blk = storedBlock(chain, height)
      return { block_id: blockIdJson(blk.id), block: blockJson(blk) }
    },

    block_results: (p) => {
      const height = heightOrLatest(chain, p.optionalInt('height'))
      if (height === 0n) throw new NotStoredError('no block has been committed yet')
      const blk = storedBlock(chain, height)
      return { height: height.toString(), ...finalizeJson(blk.finalize, chain.reader.blockResults(height)) }
    },

    commit: (p) => {
      const height = heightOrLatest(chain, p.optionalInt('height'))
      if (height === 0n) throw new NotStoredError('no block has been committed yet')
      const blk = storedBlock(chain, height)
      const sig = signCommit(chain.validator.secretKey, chain.validator.address, chain.genesis.chainId, height, blk.id, blk.header.timeMs)
      return { signed_header: { header: headerJson(blk.header), commit: commitJson(height, blk.id, [sig]) }, canonical: height < chain.current.height }
    },

    blockchain: (p) => {
      const latest = chain.current.height
      const earliest = chain.reader.earliestHeight()
      let max = p.optionalInt('maxHeight') ?? 0n
      let min = p.optionalInt('minHeight') ?? 0n
      if (max === 0n || max > latest) max = latest
      if (min === 0n) min = earliest > 0n ? earliest : 1n
      if (min > max) throw new InvalidParamsError(`min height ${min} can't be greater than max height ${max}`)
      if (max - min >= 20n) min = max - 19n
      const metas: Json[] = []
      for (let h = max; h >= min && h > 0n; h--) metas.push(blockMetaJson(storedBlock(chain, h)))
      return { last_height: latest.toString(), block_metas: metas }
    },

    validators: (p) => {
      const height = heightOrLatest(chain, p.optionalInt('height'))
      const { perPage, page } = paging(p, 1)
      return { block_height: height.toString(), validators: page === 1 && perPage > 0 ? [validatorJson()] : [], count: '1', total: '1' }
    },

    genesis: () => ({ genesis: genesisJson(chain) })
  }
}

/** The genesis document as read, with CometBFT's defaults filled in where the file leaves them out. */
function genesisJson (chain: Chain): Json {
  const raw = chain.genesis.raw
  return {
    ...(raw as Record<string, Json>),
    initial_height: chain.genesis.initialHeight.toString(),
    consensus_params: (raw.consensus_params as Json | undefined) ?? {
      block: { max_bytes: '22020096', max_gas: '-1' },
      evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
      validator: { pub_key_types: ['ed25519'] },
      version: { app: '0' }
    },
    validators: (raw.validators as Json | undefined) ?? [{
      address: hexUpper(chain.validator.address),
      pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(chain.validator.publicKey) },
      power: chain.validatorPower.toString(),
      name: 'validator'
    }],
    app_hash: (raw.app_hash as Json | undefined) ?? ''
  }
}
