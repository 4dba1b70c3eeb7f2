/**
 * `npm run bench -- chain --only stages [--stages-txs N] [--stages-block N]`: the engine's path
 * without HTTP or timers, in this process: the real ledger app on a real SQLite file (WAL,
 * synchronous FULL), the engine's mempool (CheckTx) and block production (PrepareProposal,
 * ProcessProposal, FinalizeBlock, Commit with the block store and tx index, RECHECK), and the
 * NewBlock event's JSON. Prints the CPU time per tx of each stage (process.cpuUsage, so a busy
 * machine inflates the figures less than wall time) and how often work done in CheckTx was reused.
 */
import { createHash, randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query'
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { CheckTxType } from 'cosmjs-types/tendermint/abci/types'
import { join } from 'node:path'
import { signTx, testKey } from '../../chain/app/testing.js'
import { createLedgerApp, verifySecp256k1, type LedgerApp } from '../../chain/app/index.js'
import { openChainDatabases, CHAIN_DB_FILE } from '../../chain/app/database.js'
import { createLedgerRegistry, ledgerMsgs } from '../../chain/client/index.js'
import { BlockStoreReader, createSchema, readGenesis, readValidatorKey } from '../../chain/engine/index.js'
import { Chain } from '../../chain/engine/chain.js'
import { Mempool } from '../../chain/engine/mempool.js'
import { newBlockEvent } from '../../chain/engine/rpc/events.js'
import { silentLogger } from '../../common/logger.js'
import { writeLedgerHome } from '../../test/integration/chain/harness.js'

const ACCOUNTS = 100

function cpuUs (): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

export async function stages (txCount: number, perBlock: number): Promise<void> {
  const home = writeLedgerHome({ label: 'bench-stages', extraOperators: ACCOUNTS, params: { rateMaxTxs: 1_000_000, rateWindowBlocks: 1 } })
  const registry = createLedgerRegistry()
  const subject = testKey('bench-stages-subject')
  const { db, readDb } = openChainDatabases(join(home.dir, CHAIN_DB_FILE))
  createSchema(db)
  const app: LedgerApp = createLedgerApp({ db, readDb })
  const t: Record<string, number> = { prepare: 0, process: 0, finalize: 0, commitApp: 0, writeBlock: 0, produceOther: 0, checkTx: 0, recheck: 0, newBlockJson: 0 }
  const timed = <A extends unknown[], R>(name: string, f: (...a: A) => R) => (...a: A): R => {
    const s = cpuUs()
    try { return f(...a) } finally { t[name] = (t[name] ?? 0) + cpuUs() - s }
  }
  const wrapped = {
    ...app,
    prepareProposal: timed('prepare', app.prepareProposal),
    processProposal: timed('process', app.processProposal),
    finalizeBlock: timed('finalize', app.finalizeBlock),
    commit: (hooks?: Parameters<LedgerApp['commit']>[0]) => {
      const s = cpuUs()
      let inner = 0
      try {
        return app.commit({ inTransaction: (d) => { const w = cpuUs(); try { hooks?.inTransaction?.(d) } finally { inner += cpuUs() - w } } })
      } finally {
        t.writeBlock = (t.writeBlock ?? 0) + inner
        t.commitApp = (t.commitApp ?? 0) + cpuUs() - s - inner
      }
    },
    checkTx: (req: Parameters<LedgerApp['checkTx']>[0]) => {
      const s = cpuUs()
      const name = req.type === CheckTxType.RECHECK ? 'recheck' : 'checkTx'
      try { return app.checkTx(req) } finally { t[name] = (t[name] ?? 0) + cpuUs() - s }
    }
  }
  const mempool = new Mempool(wrapped)
  const chain = new Chain(wrapped, db, new BlockStoreReader(readDb), mempool, readGenesis(home.dir), readValidatorKey(home.dir),
    { maxBlockTxs: 2000, maxBlockBytes: 8 * 1024 * 1024 }, silentLogger().forComponent('bench'))
  let now = Date.now()
  const produce = (): void => {
    now += 1000
    const before = { ...t }
    const s = cpuUs()
    const committed = chain.produceBlock(now)
    const total = cpuUs() - s
    const inner = ['prepare', 'process', 'finalize', 'commitApp', 'writeBlock', 'recheck'].reduce((n, k) => n + (t[k] ?? 0) - (before[k] ?? 0), 0)
    t.produceOther = (t.produceOther ?? 0) + total - inner
    const j = cpuUs()
    newBlockEvent(committed)
    t.newBlockJson = (t.newBlockJson ?? 0) + cpuUs() - j
  }
  try {
    produce()
    const op = home.members.DE!.operator
    const lookup = (address: string): { accountNumber: bigint, sequence: bigint } => {
      const res = app.query({ path: '/cosmos.auth.v1beta1.Query/Account', data: QueryAccountRequest.encode({ address }).finish(), height: 0n, prove: false })
      const a = BaseAccount.decode(QueryAccountResponse.decode(res.value).account!.value)
      return { accountNumber: a.accountNumber, sequence: a.sequence }
    }
    const enrol = await signTx({ key: op, registry, chainId: home.chainId, ...lookup(op.address), msgs: [ledgerMsgs.enrollSubject(op.address, subject.address, subject.publicKey, new Uint8Array(32).fill(7))] })
    if (mempool.add(enrol).response.code !== 0) throw new Error('enrolment refused')
    produce()
    const seqs = new Map(home.extraOperators.map((k) => [k.address, lookup(k.address)]))
    const txs: Uint8Array[] = []
    for (let i = 0; i < txCount; i++) {
      const key = home.extraOperators[i % ACCOUNTS]!
      const a = seqs.get(key.address)!
      txs.push(await signTx({
        key, registry, chainId: home.chainId, accountNumber: a.accountNumber, sequence: a.sequence, gas: 100_000_000n,
        msgs: [ledgerMsgs.mintRecordTokens(key.address, [{ id: randomBytes(32), subject: subject.address, commitment: randomBytes(32), sealedMetadata: new Uint8Array(64).fill(1) }])]
      }))
      a.sequence++
    }
    for (const k of Object.keys(t)) t[k] = 0
    const stats0 = app.stats()
    const s = cpuUs()
    const wall = performance.now()
    let ok = 0
    for (let i = 0; i < txs.length; i += perBlock) {
      for (const tx of txs.slice(i, i + perBlock)) if (mempool.add(tx).response.code === 0) ok++
      produce()
    }
    const totalUs = cpuUs() - s
    const wallMs = performance.now() - wall
    const stats = app.stats()
    const per = (us: number): string => (us / txCount).toFixed(0).padStart(5)
    console.log(`stages (in-process, no HTTP): ${txCount} mints of 1 token from ${ACCOUNTS} accounts, blocks of ${perBlock}, ${ok} admitted`)
    for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(13)} ${per(v)} µs CPU/tx`)
    console.log(`  ${'total'.padEnd(13)} ${per(totalUs)} µs CPU/tx → ${Math.round(txCount / (totalUs / 1e6))} tx per CPU-second; wall ${Math.round(txCount / (wallMs / 1000))} tx/s`)
    // one secp256k1 verification alone, for scale
    const sk = new Uint8Array(randomBytes(32))
    const msgs = Array.from({ length: 500 }, () => new Uint8Array(randomBytes(300)))
    const sigs = msgs.map((m) => secp256k1.sign(createHash('sha256').update(m).digest(), sk, { prehash: false }))
    const pk = secp256k1.getPublicKey(sk, true)
    const v = cpuUs()
    for (const [i, m] of msgs.entries()) verifySecp256k1(pk, m, sigs[i]!)
    console.log(`  (one verifySecp256k1 alone: ${((cpuUs() - v) / msgs.length).toFixed(0)} µs CPU)`)
    console.log(`  signature verifications ${stats.signatureVerifications - stats0.signatureVerifications} for ${txCount} txs; decoded txs reused ${stats.decodedReused - stats0.decodedReused}, decoded afresh ${stats.decodedFresh - stats0.decodedFresh}`)
  } finally {
    app.close()
    readDb.close()
    db.close()
    home.cleanup()
  }
}
