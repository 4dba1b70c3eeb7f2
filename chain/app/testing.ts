/**
 * Test helpers (for this folder's tests and for the engine, ABCI and client tests): deterministic
 * keys, TxRaw bytes signed by cosmjs (DirectSecp256k1Wallet + makeSignDoc), a block driver, and a
 * ready chain on a temporary SQLite file. Not used by production code.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import type Database from 'better-sqlite3'
import { DirectSecp256k1Wallet, Registry, makeAuthInfoBytes, makeSignDoc, type EncodeObject } from '@cosmjs/proto-signing'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query'
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { defaultRegistryTypes } from '@cosmjs/stargate'
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { ResponseProcessProposal_ProposalStatus, type ExecTxResult, type ResponseFinalizeBlock } from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from './application.js'
import { createLedgerApp, type LedgerApp } from './ledger-app.js'
import { openChainDatabases } from './database.js'
import { ledgerMsgTypes } from './registry.js'
import { buildGenesisDoc, operatorKeyFromSecret, validatorKeyFromSeed, type OperatorKey } from './genesis-doc.js'
import type { LedgerParams } from './params.js'
import type { GenesisPolicy } from './genesis.js'

/** A registry of the default cosmos types and every ledger Msg. */
export function ledgerRegistry (): Registry {
  return new Registry([...defaultRegistryTypes, ...ledgerMsgTypes()])
}

/** A secp256k1 account key derived from a label (same label, same key). */
export function testKey (label: string): OperatorKey {
  return operatorKeyFromSecret(createHash('sha256').update(`healthrelay-test/${label}`).digest())
}

export interface SignTxOptions {
  readonly key: OperatorKey
  readonly msgs: readonly EncodeObject[]
  readonly chainId: string
  readonly accountNumber: bigint
  readonly sequence: bigint
  readonly gas?: bigint
  readonly memo?: string
  readonly registry?: Registry
}

/** TxRaw bytes of `msgs`, signed with SIGN_MODE_DIRECT by cosmjs's wallet. */
export async function signTx (o: SignTxOptions): Promise<Uint8Array> {
  const registry = o.registry ?? ledgerRegistry()
  const wallet = await DirectSecp256k1Wallet.fromKey(o.key.privateKey, 'hr')
  const bodyBytes = registry.encode({ typeUrl: '/cosmos.tx.v1beta1.TxBody', value: { messages: o.msgs, memo: o.memo ?? '' } })
  const pubkey = { typeUrl: '/cosmos.crypto.secp256k1.PubKey', value: PubKey.encode({ key: o.key.publicKey }).finish() }
  const authInfoBytes = makeAuthInfoBytes([{ pubkey, sequence: o.sequence }], [], Number(o.gas ?? 10_000_000n), undefined, undefined)
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, o.chainId, o.accountNumber)
  const { signed, signature } = await wallet.signDirect(o.key.address, signDoc)
  return TxRaw.encode({ bodyBytes: signed.bodyBytes, authInfoBytes: signed.authInfoBytes, signatures: [Buffer.from(signature.signature, 'base64')] }).finish()
}

export interface BlockResult {
  readonly height: bigint
  readonly txResults: ExecTxResult[]
  readonly finalize: ResponseFinalizeBlock
  readonly appHash: Uint8Array
}

/** prepareProposal → processProposal → finalizeBlock → commit for one block. */
export function runBlock (app: AbciApplication, txs: readonly Uint8Array[], at: { height: bigint, time: bigint }): BlockResult {
  const time = { seconds: at.time, nanos: 0 }
  const common = { misbehavior: [], height: at.height, time, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20) }
  const prepared = app.prepareProposal({ ...common, maxTxBytes: 22_020_096n, txs: [...txs], localLastCommit: { round: 0, votes: [] } })
  const processed = app.processProposal({ ...common, txs: prepared.txs, proposedLastCommit: { round: 0, votes: [] }, hash: new Uint8Array(32) })
  if (processed.status !== ResponseProcessProposal_ProposalStatus.ACCEPT) throw new Error(`block ${at.height} rejected by processProposal`)
  const finalize = app.finalizeBlock({ ...common, txs: prepared.txs, decidedLastCommit: { round: 0, votes: [] }, hash: new Uint8Array(32) })
  app.commit()
  return { height: at.height, txResults: finalize.txResults, finalize, appHash: finalize.appHash }
}

export interface TestMember { readonly operator: OperatorKey, readonly regulator: OperatorKey }

export interface TestChainInit {
  readonly countries?: readonly string[]
  readonly chainId?: string
  readonly params?: Partial<LedgerParams>
  readonly policies?: readonly GenesisPolicy[]
  /** Genesis time, Unix seconds (default 1_800_000_000). */
  readonly genesisTime?: bigint
  readonly initialHeight?: bigint
  /** Directory of the SQLite file (default: a new temp dir, removed by close()). */
  readonly dir?: string
}

export interface TestChain {
  readonly app: LedgerApp
  readonly chainId: string
  readonly members: Readonly<Record<string, TestMember>>
  readonly dir: string
  readonly dbPath: string
  /** Height and time of the last committed block. */
  readonly head: { height: bigint, time: bigint }
  /** Runs one block of `txs` (time advances by 1 s). */
  block: (txs?: readonly Uint8Array[]) => BlockResult
  /** Signs `msgs` with `key` at its committed account number and sequence (plus `pending`). */
  sign: (key: OperatorKey, msgs: readonly EncodeObject[], opts?: { pending?: number, gas?: bigint, memo?: string, chainId?: string }) => Promise<Uint8Array>
  /** Signs, runs one block with the tx, returns its result. */
  send: (key: OperatorKey, msgs: readonly EncodeObject[]) => Promise<ExecTxResult>
  /** The committed BaseAccount of an address (account number and sequence), via the Account query. */
  account: (address: string) => { accountNumber: bigint, sequence: bigint } | undefined
  close: () => void
}

/** The chain database of a throwaway test chain (synchronous NORMAL: no fsync at every commit). */
export function openLedgerDatabases (path: string): { db: Database.Database, readDb: Database.Database } {
  const { db, readDb } = openChainDatabases(path, { synchronous: 'NORMAL' })
  return { db, readDb }
}

/** A chain of `countries` (default DE, FR, US) with deterministic keys, initialised and at height 1. */
export function createTestChain (init: TestChainInit = {}): TestChain {
  const countries = init.countries ?? ['DE', 'FR', 'US']
  const chainId = init.chainId ?? 'healthrelay-test-1'
  const keySets = countries.map((country) => ({ country, operator: testKey(`${country}-operator`), regulator: testKey(`${country}-regulator`) }))
  const members: Record<string, TestMember> = Object.fromEntries(keySets.map((k) => [k.country, { operator: k.operator, regulator: k.regulator }]))
  const validator = validatorKeyFromSeed(createHash('sha256').update('healthrelay-test/validator').digest())
  const t0 = init.genesisTime ?? 1_800_000_000n
  const doc = buildGenesisDoc({
    chainId,
    genesisTime: new Date(Number(t0) * 1000).toISOString(),
    members: keySets,
    validator,
    params: init.params,
    policies: init.policies
  })
  const dir = init.dir ?? mkdtempSync(join(tmpdir(), 'hr-ledger-'))
  const dbPath = join(dir, 'chain.sqlite')
  const { db, readDb } = openLedgerDatabases(dbPath)
  const app = createLedgerApp({ db, readDb })
  const initialHeight = init.initialHeight ?? 1n
  const head = { height: initialHeight - 1n, time: t0 }
  if (app.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' }).lastBlockHeight === 0n) {
    app.initChain({ time: { seconds: t0, nanos: 0 }, chainId, validators: [], appStateBytes: Buffer.from(JSON.stringify(doc.app_state)), initialHeight })
  } else {
    head.height = app.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' }).lastBlockHeight
  }
  const block = (txs: readonly Uint8Array[] = []): BlockResult => {
    const r = runBlock(app, txs, { height: head.height + 1n, time: head.time + 1n })
    head.height += 1n
    head.time += 1n
    return r
  }
  if (head.height < initialHeight) block()
  const account = (address: string): { accountNumber: bigint, sequence: bigint } | undefined => {
    const res = app.query({ path: '/cosmos.auth.v1beta1.Query/Account', data: QueryAccountRequest.encode({ address }).finish(), height: 0n, prove: false })
    if (res.code !== 0) return undefined
    const any = QueryAccountResponse.decode(res.value).account
    if (any === undefined) return undefined
    const acc = BaseAccount.decode(any.value)
    return { accountNumber: acc.accountNumber, sequence: acc.sequence }
  }
  const sign = async (key: OperatorKey, msgs: readonly EncodeObject[], opts: { pending?: number, gas?: bigint, memo?: string, chainId?: string } = {}): Promise<Uint8Array> => {
    const acc = account(key.address) ?? { accountNumber: 0n, sequence: 0n }
    return await signTx({ key, msgs, chainId: opts.chainId ?? chainId, accountNumber: acc.accountNumber, sequence: acc.sequence + BigInt(opts.pending ?? 0), gas: opts.gas, memo: opts.memo })
  }
  let closed = false
  return {
    app, chainId, members, dir, dbPath, head, block, sign, account,
    send: async (key, msgs) => {
      const [result] = block([await sign(key, msgs)]).txResults
      if (result === undefined) throw new Error('the block holds no result')
      return result
    },
    close: () => {
      if (closed) return
      closed = true
      app.close()
      db.close()
      readDb.close()
      if (init.dir === undefined) rmSync(dir, { recursive: true, force: true })
    }
  }
}
