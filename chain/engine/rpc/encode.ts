/**
 * The CometBFT 0.38 JSON shapes of the RPC: int64 as decimal strings, int32 as numbers, hashes and
 * addresses as upper-case hex, raw bytes as base64, times as RFC 3339.
 */
import type { Event, ExecTxResult, ResponseCheckTx, ResponseFinalizeBlock } from 'cosmjs-types/tendermint/abci/types'
import type { BlockHeader, BlockId, CommitSignature } from '../header.js'
import { BLOCK_PROTOCOL } from '../header.js'
import type { StoredBlock, StoredTx } from '../store.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export const hexUpper = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase()
export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
export const rfc3339 = (ms: number): string => new Date(ms).toISOString()

export function blockIdJson (id: BlockId): Json {
  return { hash: hexUpper(id.hash), parts: { total: id.parts.total, hash: hexUpper(id.parts.hash) } }
}

export function headerJson (h: BlockHeader): Json {
  return {
    version: { block: BLOCK_PROTOCOL.toString(), app: h.appVersion.toString() },
    chain_id: h.chainId,
    height: h.height.toString(),
    time: rfc3339(h.timeMs),
    last_block_id: blockIdJson(h.lastBlockId),
    last_commit_hash: hexUpper(h.lastCommitHash),
    data_hash: hexUpper(h.dataHash),
    validators_hash: hexUpper(h.validatorsHash),
    next_validators_hash: hexUpper(h.nextValidatorsHash),
    consensus_hash: hexUpper(h.consensusHash),
    app_hash: hexUpper(h.appHash),
    last_results_hash: hexUpper(h.lastResultsHash),
    evidence_hash: hexUpper(h.evidenceHash),
    proposer_address: hexUpper(h.proposerAddress)
  }
}

export function commitJson (height: bigint, id: BlockId, sigs: readonly CommitSignature[]): Json {
  return {
    height: height.toString(),
    round: 0,
    block_id: blockIdJson(id),
    signatures: sigs.map((s) => ({
      block_id_flag: 2,
      validator_address: hexUpper(s.validatorAddress),
      timestamp: rfc3339(s.timeMs),
      signature: b64(s.signature)
    }))
  }
}

export function blockJson (b: StoredBlock): Json {
  return {
    header: headerJson(b.header),
    data: { txs: b.txs.map(b64) },
    evidence: { evidence: [] },
    last_commit: commitJson(b.header.height > 1n ? b.header.height - 1n : 0n, b.header.lastBlockId, b.lastCommit)
  }
}

export function eventsJson (events: readonly Event[]): Json {
  return events.map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index }))
  }))
}

export function txResultJson (r: ExecTxResult | ResponseCheckTx): { [key: string]: Json } {
  return {
    code: r.code,
    data: r.data.length > 0 ? b64(r.data) : null,
    log: r.log,
    info: r.info,
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: eventsJson(r.events),
    codespace: r.codespace
  }
}

export function txJson (t: StoredTx): Json {
  return {
    hash: hexUpper(t.hash),
    height: t.height.toString(),
    index: t.index,
    tx_result: txResultJson(t.result),
    tx: b64(t.tx)
  }
}

export function finalizeJson (f: ResponseFinalizeBlock, results: readonly ExecTxResult[]): { [key: string]: Json } {
  return {
    txs_results: results.length > 0 ? results.map(txResultJson) : null,
    finalize_block_events: eventsJson(f.events),
    validator_updates: [],
    consensus_param_updates: null,
    app_hash: hexUpper(f.appHash)
  }
}

export function blockMetaJson (b: StoredBlock): Json {
  return { block_id: blockIdJson(b.id), block_size: String(b.size), header: headerJson(b.header), num_txs: String(b.txs.length) }
}
