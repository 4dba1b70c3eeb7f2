/**
 * `npm run bench -- abci [--rounds N]`: FinalizeBlock+Commit throughput of the ledger application
 * through the ABCI socket server, against the same application driven in-process the way the
 * embedded engine drives it, in the same run. Blocks of 100 and of 1,000 MsgMintRecordTokens txs
 * (one token each, pre-signed by 100 accounts). The ratio shows what the socket protocol costs
 * (goal ≥ 0.8).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { x25519 } from '@noble/curves/ed25519.js'
import { CheckTxType } from 'cosmjs-types/tendermint/abci/types'
import { createHash } from 'node:crypto'
import { createLedgerApp, buildGenesisDoc, validatorKeyFromSeed, COUNTRY_CODES, type OperatorKey } from '../../chain/app/index.js'
import { signTx, testKey, runBlock, openLedgerDatabases, createTestChain } from '../../chain/app/testing.js'
import { createAbciServer } from '../../chain/abci/index.js'
import { ledgerTypeUrl } from '../../proto/index.js'
import { CometDriver } from '../../test/helpers/comet-driver.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } })
const rounds = Math.max(1, Number(values.rounds))
const CHAIN_ID = 'healthrelay-bench-1'
const ACCOUNTS = 100
const t0 = 1_800_000_000n

// 100 member countries, one operator account each: 100 signers, as the engine benchmark uses.
const COUNTRIES = [...COUNTRY_CODES].sort().slice(0, ACCOUNTS)
const operators: OperatorKey[] = COUNTRIES.map((c) => testKey(`${c}-operator`))
const params = { rateMaxTxs: 1_000_000, rateWindowBlocks: 1 }
const doc = buildGenesisDoc({
  chainId: CHAIN_ID,
  genesisTime: new Date(Number(t0) * 1000).toISOString(),
  members: COUNTRIES.map((c, i) => ({ country: c, operator: operators[i]!, regulator: testKey(`${c}-regulator`) })),
  validator: validatorKeyFromSeed(createHash('sha256').update('healthrelay-test/validator').digest()),
  params
})
const appState = JSON.stringify(doc.app_state)
const subject = testKey('bench-abci-subject')

// Account numbers as genesis assigned them, read through the Account query of a scratch chain.
const scratch = createTestChain({ countries: COUNTRIES, chainId: CHAIN_ID, params, genesisTime: t0 })
const accountNumbers = operators.map((k) => scratch.account(k.address)?.accountNumber ?? 0n)
scratch.close()

/** Block 1 enrols the subject; then `blocks` blocks of `perBlock` mints. */
async function prepare (perBlock: number, blocks: number): Promise<Uint8Array[][]> {
  const enrol = await signTx({
    key: operators[0]!, chainId: CHAIN_ID, accountNumber: accountNumbers[0]!, sequence: 0n,
    msgs: [{ typeUrl: ledgerTypeUrl('MsgEnrollSubject'), value: { operator: operators[0]!.address, subject: subject.address, publicKey: subject.publicKey, x25519PublicKey: x25519.getPublicKey(randomBytes(32)) } }]
  })
  const sequences: bigint[] = operators.map((_, i) => (i === 0 ? 1n : 0n))
  const out: Uint8Array[][] = [[enrol]]
  for (let b = 0; b < blocks; b++) {
    const txs: Uint8Array[] = []
    for (let i = 0; i < perBlock; i++) {
      const a = i % ACCOUNTS
      const key = operators[a]!
      txs.push(await signTx({
        key, chainId: CHAIN_ID, accountNumber: accountNumbers[a]!, sequence: sequences[a]!,
        msgs: [{ typeUrl: ledgerTypeUrl('MsgMintRecordTokens'), value: { custodian: key.address, tokens: [{ id: randomBytes(32), subject: subject.address, commitment: randomBytes(32), sealedMetadata: randomBytes(96) }] } }]
      }))
      sequences[a] = sequences[a]! + 1n
    }
    out.push(txs)
  }
  return out
}

function inProcess (blocks: Uint8Array[][]): number {
  const dir = mkdtempSync(join(tmpdir(), 'hr-bench-direct-'))
  const { db, readDb } = openLedgerDatabases(join(dir, 'chain.sqlite'))
  db.pragma('synchronous = FULL')
  const app = createLedgerApp({ db, readDb })
  app.initChain({ time: { seconds: t0, nanos: 0 }, chainId: CHAIN_ID, validators: [], appStateBytes: Buffer.from(appState), initialHeight: 1n })
  runBlock(app, blocks[0]!, { height: 1n, time: t0 + 1n })
  const start = process.hrtime.bigint()
  let ok = 0
  for (const [i, txs] of blocks.slice(1).entries()) {
    for (const tx of txs) if (app.checkTx({ tx, type: CheckTxType.NEW }).code === 0) ok++
    runBlock(app, txs, { height: BigInt(i + 2), time: t0 + BigInt(i + 2) })
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  app.close(); db.close(); readDb.close(); rmSync(dir, { recursive: true, force: true })
  if (ok !== blocks.slice(1).flat().length) throw new Error(`in-process: only ${ok} txs passed CheckTx`)
  return ms
}

async function throughAbci (blocks: Uint8Array[][]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'hr-bench-abci-'))
  const { db, readDb } = openLedgerDatabases(join(dir, 'chain.sqlite'))
  db.pragma('synchronous = FULL')
  const app = createLedgerApp({ db, readDb })
  const server = createAbciServer({ listen: 'tcp://127.0.0.1:0' }, { app })
  await server.start()
  const port = Number(/:(\d+)$/.exec(server.address())![1])
  const driver = await CometDriver.connect({ port, chainId: CHAIN_ID, appState, genesisTime: new Date(Number(t0) * 1000) })
  await driver.handshake()
  for (const tx of blocks[0]!) await driver.checkTx(tx)
  await driver.block(new Date(Number(t0 + 1n) * 1000))
  const start = process.hrtime.bigint()
  let ok = 0
  for (const [i, txs] of blocks.slice(1).entries()) {
    for (const r of await driver.checkTxs(txs)) if (r.code === 0) ok++
    const r = await driver.block(new Date(Number(t0 + BigInt(i + 2)) * 1000), 64n * 1024n * 1024n)
    if (r.txResults.some((x) => x.code !== 0)) throw new Error(`ABCI: a mint failed at height ${r.height}: ${r.txResults.find((x) => x.code !== 0)?.log ?? ''}`)
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  driver.close(); await server.stop(); app.close(); db.close(); readDb.close(); rmSync(dir, { recursive: true, force: true })
  if (ok !== blocks.slice(1).flat().length) throw new Error(`ABCI: only ${ok} txs passed CheckTx`)
  return ms
}

console.log(`ABCI vs in-process (the embedded engine's path): CheckTx + PrepareProposal + ProcessProposal + FinalizeBlock + Commit, ${rounds} rounds, median`)
console.log('block size | in-process mints/s | ABCI mints/s | ratio ABCI/in-process')
for (const perBlock of [100, 1000]) {
  const nBlocks = perBlock === 100 ? 20 : 4
  const blocks = await prepare(perBlock, nBlocks)
  const direct: number[] = []
  const abci: number[] = []
  for (let r = 0; r < rounds; r++) {
    direct.push(inProcess(blocks))
    abci.push(await throughAbci(blocks))
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const mints = perBlock * nBlocks
  const d = mints / (median(direct) / 1000)
  const a = mints / (median(abci) / 1000)
  console.log(`${String(perBlock).padStart(10)} | ${d.toFixed(0).padStart(18)} | ${a.toFixed(0).padStart(12)} | ${(a / d).toFixed(2)}`)
}
