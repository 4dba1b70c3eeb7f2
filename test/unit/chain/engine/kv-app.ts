/**
 * A small key-value application implementing the AbciApplication contract, to build and test the
 * engine without the ledger. Txs are UTF-8 `key=value`; CheckTx rejects anything else (code 2) and
 * txs already admitted with the same key in this block's check state when `uniqueKeys` is set;
 * `fail=...` is admitted but fails in FinalizeBlock (code 3). Each tx emits an event `kv` with the
 * indexed attributes `key`, `len` (value length) and an unindexed `value`. State lives in SQLite
 * and is persisted only in `commit`, inside one transaction with the driver's hook.
 */
import type Database from 'better-sqlite3'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  ResponseProcessProposal_ProposalStatus, type ExecTxResult, type ResponseCheckTx
} from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication, CommitHooks } from '../../../../chain/app/application.js'
import type { AppDeps } from '../../../../chain/engine/index.js'

export interface KvAppOptions {
  /** FinalizeBlock at this height throws an upgrade error (the chain must halt cleanly). */
  upgradeHeight?: bigint
}

function parse (tx: Uint8Array): { key: string, value: string } | undefined {
  const text = Buffer.from(tx).toString('utf8')
  const i = text.indexOf('=')
  if (i <= 0 || !/^[\w.-]+$/.test(text.slice(0, i))) return undefined
  return { key: text.slice(0, i), value: text.slice(i + 1) }
}

const enc = new TextEncoder()

export function createKvApp (deps: AppDeps, options: KvAppOptions = {}): AbciApplication {
  const { db, readDb } = deps
  db.exec(`CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
           CREATE TABLE IF NOT EXISTS kv_meta (id INTEGER PRIMARY KEY CHECK (id = 1), height INTEGER NOT NULL, app_hash BLOB NOT NULL)`)
  let pending: { height: bigint, writes: Map<string, string>, appHash: Uint8Array } | undefined
  let genesisHash: Uint8Array | undefined

  const meta = (): { height: bigint, appHash: Uint8Array } => {
    const row = db.prepare('SELECT height, app_hash FROM kv_meta WHERE id = 1').get() as { height: number, app_hash: Buffer } | undefined
    return row === undefined ? { height: 0n, appHash: new Uint8Array(0) } : { height: BigInt(row.height), appHash: new Uint8Array(row.app_hash) }
  }

  const ok = (): ResponseCheckTx => ({ code: 0, data: new Uint8Array(0), log: '', info: '', gasWanted: 1n, gasUsed: 1n, events: [], codespace: '' })

  return {
    info: () => {
      const m = meta()
      return { data: 'kv', version: '1', appVersion: 1n, lastBlockHeight: m.height, lastBlockAppHash: m.appHash }
    },
    initChain: (req) => {
      genesisHash = sha256(req.appStateBytes)
      return { validators: [], appHash: genesisHash }
    },
    checkTx: (req) => {
      const kv = parse(req.tx)
      if (kv === undefined) return { ...ok(), code: 2, codespace: 'kv', log: 'tx must be key=value' }
      return ok()
    },
    prepareProposal: (req) => ({ txs: req.txs }),
    processProposal: () => ({ status: ResponseProcessProposal_ProposalStatus.ACCEPT }),
    finalizeBlock: (req) => {
      if (options.upgradeHeight !== undefined && req.height >= options.upgradeHeight) {
        const err = new Error(`UPGRADE "v2" NEEDED at height ${req.height}`)
        err.name = 'UpgradeNeededError'
        throw err
      }
      const writes = new Map<string, string>()
      const results: ExecTxResult[] = req.txs.map((tx) => {
        const kv = parse(tx)
        if (kv === undefined) return { code: 2, data: new Uint8Array(0), log: 'tx must be key=value', info: '', gasWanted: 1n, gasUsed: 1n, events: [], codespace: 'kv' }
        if (kv.key === 'fail') return { code: 3, data: new Uint8Array(0), log: 'asked to fail', info: '', gasWanted: 1n, gasUsed: 1n, events: [], codespace: 'kv' }
        writes.set(kv.key, kv.value)
        return {
          code: 0, data: enc.encode(kv.key), log: '', info: '', gasWanted: 1n, gasUsed: 1n, codespace: '',
          events: [{ type: 'kv', attributes: [
            { key: 'key', value: kv.key, index: true },
            { key: 'len', value: String(kv.value.length), index: true },
            { key: 'value', value: kv.value, index: false }
          ] }]
        }
      })
      const prev = meta().height === 0n ? (genesisHash ?? new Uint8Array(0)) : meta().appHash
      const h = sha256.create().update(prev)
      for (const k of [...writes.keys()].sort()) h.update(enc.encode(`${k.length}:${k}${writes.get(k)!.length}:${writes.get(k)!}`))
      const appHash = h.digest()
      pending = { height: req.height, writes, appHash }
      return { events: [{ type: 'block', attributes: [{ key: 'height', value: req.height.toString(), index: true }] }], txResults: results, validatorUpdates: [], appHash }
    },
    commit: (hooks?: CommitHooks) => {
      const p = pending
      if (p === undefined) throw new Error('commit without finalizeBlock')
      db.transaction(() => {
        const put = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
        for (const [k, v] of p.writes) put.run(k, v)
        db.prepare('INSERT INTO kv_meta (id, height, app_hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET height = excluded.height, app_hash = excluded.app_hash')
          .run(p.height, p.appHash)
        hooks?.inTransaction?.(db)
      })()
      pending = undefined
      return { retainHeight: 0n }
    },
    query: (req) => {
      const height = BigInt((readDb.prepare('SELECT height FROM kv_meta WHERE id = 1').get() as { height: number } | undefined)?.height ?? 0)
      const base = { index: 0n, key: req.data, proofOps: undefined, height, info: '', codespace: '' }
      if (req.path !== '/store') return { ...base, code: 1, log: `unknown path ${req.path}`, value: new Uint8Array(0), codespace: 'kv' }
      const row = readDb.prepare('SELECT value FROM kv WHERE key = ?').get(Buffer.from(req.data).toString('utf8')) as { value: string } | undefined
      if (row === undefined) return { ...base, code: 4, log: 'not found', value: new Uint8Array(0), codespace: 'kv' }
      return { ...base, code: 0, log: '', value: enc.encode(row.value) }
    },
    close: () => { pending = undefined }
  }
}

/** A KV app factory bound to options. */
export function kvApp (options: KvAppOptions = {}): (deps: AppDeps) => AbciApplication {
  return (deps) => createKvApp(deps, options)
}

export type { Database }
