/**
 * `npm run bench -- chain [--only paced,single,batch,engine,stages] [--paced-rate N] [--paced-seconds N]
 * [--txs-single N] [--txs-batch N] [--block-time-ms N] [--block-tx-threshold N]`: committed mints
 * per second through the embedded engine, run as an operator runs it (`healthrelay chain start`,
 * a child process whose RSS is sampled). 100 operator accounts pre-sign MsgMintRecordTokens txs,
 * sent with broadcast_tx_async (JSON-RPC batches); a websocket NewBlock subscription counts the
 * committed tokens per block and gives each tx's broadcast-to-inclusion time (p50/p99).
 * Scenarios: `paced` (1-token txs offered at a steady rate, default 1,000/s: does the engine keep
 * up, and is p50 inclusion within one block?), `single` and `batch` (bursts of 1- and 100-token
 * txs: the saturated throughput, whose latencies include the queue), `engine` (the engine's own
 * ceiling with a trivial application, engine-only.ts), `stages` (CPU per stage, stages.ts).
 * Goal: ≥ 1,000 tokens/s and p50 inclusion within one block. Prints figures.
 */
import '../../common/polyfill.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { randomBytes, createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query'
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { signTx, testKey } from '../../chain/app/testing.js'
import type { OperatorKey } from '../../chain/app/index.js'
import { createLedgerRegistry, ledgerMsgs } from '../../chain/client/index.js'
import { writeLedgerHome } from '../../test/integration/chain/harness.js'
import { engineOnly } from './engine-only.js'
import { stages } from './stages.js'

const { values } = parseArgs({
  options: {
    'txs-single': { type: 'string', default: '3000' },
    'txs-batch': { type: 'string', default: '300' },
    'block-time-ms': { type: 'string', default: '500' },
    /** Passed to the engine (`chain start --block-tx-threshold`); default: the engine's own. */
    'block-tx-threshold': { type: 'string' },
    /** The paced scenario's offered load (1-token txs per second) and duration. */
    'paced-rate': { type: 'string', default: '1000' },
    'paced-seconds': { type: 'string', default: '6' },
    'engine-only-txs': { type: 'string', default: '5000' },
    'stages-txs': { type: 'string', default: '3000' },
    'stages-block': { type: 'string', default: '300' },
    /** Write a V8 CPU profile of the engine process into this directory (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
    /** Run only these scenarios: any of paced, single, batch, engine, stages (comma-separated). */
    only: { type: 'string', default: 'paced,single,batch,engine' }
  }
})
const only = new Set(values.only.split(','))
const ACCOUNTS = 100
/** Txs per JSON-RPC batch request. */
const BATCH = 100
const blockTimeMs = Number(values['block-time-ms'])
const registry = createLedgerRegistry()

const home = writeLedgerHome({ label: 'bench-chain', extraOperators: ACCOUNTS, params: { rateMaxTxs: 1_000_000, rateWindowBlocks: 1 } })
const accounts = home.extraOperators
const subject = testKey('bench-chain-subject')

function rssMb (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1]) / 1024
}

async function startEngine (): Promise<{ child: ChildProcess, url: string }> {
  const profArgs = values['cpu-prof'] !== undefined ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : []
  const child = spawn(process.execPath, [...profArgs, 'bin/healthrelay.js', 'chain', 'start', '--home', home.dir, '--rpc', '127.0.0.1:0',
    '--block-time-ms', String(blockTimeMs), ...(values['block-tx-threshold'] === undefined ? [] : ['--block-tx-threshold', values['block-tx-threshold']]),
    '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] })
  return await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) resolve({ child, url: m[1]! })
    })
    child.once('exit', (code) => { reject(new Error(`healthrelay chain start exited with ${code}`)) })
  })
}

async function rpc (url: string, method: string, params: Record<string, unknown>): Promise<{ result?: unknown, error?: unknown }> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  return await res.json() as { result?: unknown, error?: unknown }
}

async function accountOf (url: string, key: OperatorKey): Promise<{ accountNumber: bigint, sequence: bigint }> {
  const r = await rpc(url, 'abci_query', { path: '/cosmos.auth.v1beta1.Query/Account', data: Buffer.from(QueryAccountRequest.encode({ address: key.address }).finish()).toString('hex') })
  const value = (r.result as { response: { value: string } }).response.value
  const acc = BaseAccount.decode(QueryAccountResponse.decode(Buffer.from(value, 'base64')).account!.value)
  return { accountNumber: acc.accountNumber, sequence: acc.sequence }
}

function percentile (sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

/**
 * A scenario: `txs` pre-signed mints of `tokensPerTx` tokens, sent as fast as the engine takes them
 * (a burst: the saturated throughput; its latencies include the queue), or, with `ratePerSecond`,
 * paced at that offered load in ticks of 50 ms (the latency a steady stream of mints sees).
 */
interface Scenario { readonly name: string, readonly txs: number, readonly tokensPerTx: number, readonly ratePerSecond?: number }

const PACE_TICK_MS = 50

async function run (url: string, s: Scenario, seqs: Map<string, { accountNumber: bigint, sequence: bigint }>, child: ChildProcess): Promise<void> {
  // pre-sign, round-robin over the accounts
  const signStart = performance.now()
  const txs: Array<{ bytes: Uint8Array, hash: string }> = []
  for (let i = 0; i < s.txs; i++) {
    const key = accounts[i % ACCOUNTS]!
    const acc = seqs.get(key.address)!
    const tokens = Array.from({ length: s.tokensPerTx }, () => ({ id: randomBytes(32), subject: subject.address, commitment: randomBytes(32), sealedMetadata: new Uint8Array(64).fill(1) }))
    const bytes = await signTx({ key, registry, chainId: home.chainId, accountNumber: acc.accountNumber, sequence: acc.sequence, gas: 100_000_000n, msgs: [ledgerMsgs.mintRecordTokens(key.address, tokens)] })
    acc.sequence++
    txs.push({ bytes, hash: createHash('sha256').update(bytes).digest('hex').toUpperCase() })
  }
  const signSeconds = (performance.now() - signStart) / 1000

  const ws = await Comet38Client.connect(url.replace('http://', 'ws://'))
  const sentAt = new Map<string, number>()
  const includedAt = new Map<string, number>()
  const perBlock: Array<{ height: number, at: number, txs: number }> = []
  let rssPeak = 0
  let next = 0
  let resolveDone: () => void = () => {}
  let rejectDone: (err: Error) => void = () => {}
  const done = new Promise<void>((resolve, reject) => { resolveDone = resolve; rejectDone = reject })
  const sub = ws.subscribeNewBlock().subscribe({
    next: (b) => {
      const at = performance.now()
      let ours = 0
      for (const tx of b.txs) {
        const h = createHash('sha256').update(tx).digest('hex').toUpperCase()
        if (sentAt.has(h) && !includedAt.has(h)) { includedAt.set(h, at); ours++ }
      }
      if (ours > 0) perBlock.push({ height: b.header.height, at, txs: ours })
      rssPeak = Math.max(rssPeak, rssMb(child.pid!))
      if (includedAt.size === sentAt.size && next >= txs.length) resolveDone()
    },
    error: (err: unknown) => { rejectDone(err instanceof Error ? err : new Error(String(err))) }
  })
  await new Promise((resolve) => setTimeout(resolve, 300))

  const start = performance.now()
  let refused = 0
  // JSON-RPC batches of broadcast_tx_async, sent one after another: the engine handles a batch in
  // order, so each account's txs arrive in sequence order (CheckTx refuses a sequence gap)
  const perTick = s.ratePerSecond === undefined ? BATCH : Math.max(1, Math.round(s.ratePerSecond * PACE_TICK_MS / 1000))
  for (let i = 0; i < txs.length; i += perTick) {
    if (s.ratePerSecond !== undefined) {
      // paced: the i-th tx leaves at start + i / rate (never ahead of schedule)
      const due = start + (i / s.ratePerSecond) * 1000
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    }
    const batch = txs.slice(i, i + perTick)
    const at = performance.now()
    for (const tx of batch) sentAt.set(tx.hash, at)
    next += batch.length
    const res = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(batch.map((tx, j) => ({ jsonrpc: '2.0', id: i + j, method: 'broadcast_tx_async', params: { tx: Buffer.from(tx.bytes).toString('base64') } })))
    })
    const replies = await res.json() as Array<{ error?: unknown }>
    replies.forEach((r, j) => { if (r.error !== undefined) { refused++; sentAt.delete(batch[j]!.hash) } })
  }
  const sendSeconds = (performance.now() - start) / 1000
  if (refused > 0) console.log(`  ${refused} txs refused at admission`)
  const timeout = setTimeout(() => { resolveDone() }, 60_000)
  await done
  clearTimeout(timeout)
  sub.unsubscribe()
  ws.disconnect()

  // committed = included with code 0: check the results of the blocks that carried our txs
  let committedTxs = 0
  for (const b of perBlock) {
    const r = await rpc(url, 'block_results', { height: String(b.height) })
    committedTxs += ((r.result as { txs_results: Array<{ code: number }> | null }).txs_results ?? []).filter((t) => t.code === 0).length
  }
  const lastAt = Math.max(...includedAt.values())
  const seconds = (lastAt - start) / 1000
  const latencies = [...includedAt].map(([h, at]) => at - sentAt.get(h)!).sort((a, b) => a - b)
  const tokens = committedTxs * s.tokensPerTx
  const blockSizes = perBlock.map((b) => b.txs)
  console.log(`${s.name}: ${s.txs} txs × ${s.tokensPerTx} tokens from ${ACCOUNTS} accounts (pre-signed in ${signSeconds.toFixed(1)} s)${s.ratePerSecond === undefined ? ', burst' : `, paced at ${s.ratePerSecond} txs/s`}`)
  console.log(`  sent with broadcast_tx_async in ${sendSeconds.toFixed(2)} s; included ${includedAt.size}, committed ${committedTxs} (code 0)`)
  console.log(`  committed ${tokens} tokens in ${seconds.toFixed(2)} s over ${perBlock.length} blocks → ${(tokens / seconds).toFixed(0)} tokens/s, ${(committedTxs / seconds).toFixed(0)} tx/s`)
  console.log(`  txs per block: max ${Math.max(...blockSizes)}, mean ${(blockSizes.reduce((a, b) => a + b, 0) / Math.max(1, blockSizes.length)).toFixed(0)}`)
  console.log(`  broadcast→inclusion: p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms (block time ${blockTimeMs} ms)`)
  console.log(`  engine RSS: peak ${rssPeak.toFixed(0)} MiB, now ${rssMb(child.pid!).toFixed(0)} MiB`)
}

if (only.has('paced') || only.has('single') || only.has('batch')) {
  const { child, url } = await startEngine().catch((err: unknown) => { home.cleanup(); throw err })
  try {
    console.log(`engine: healthrelay chain start (pid ${child.pid}), RPC ${url}, block time ${blockTimeMs} ms, RSS ${rssMb(child.pid!).toFixed(0)} MiB at start`)
    const op = home.members.DE!.operator
    const opAcc = await accountOf(url, op)
    const enrol = await signTx({ key: op, registry, chainId: home.chainId, ...opAcc, msgs: [ledgerMsgs.enrollSubject(op.address, subject.address, subject.publicKey, new Uint8Array(32).fill(7))] })
    const r = await rpc(url, 'broadcast_tx_commit', { tx: Buffer.from(enrol).toString('base64') })
    if ((r.result as { tx_result?: { code: number } } | undefined)?.tx_result?.code !== 0) throw new Error(`enrolment failed: ${JSON.stringify(r)}`)
    const seqs = new Map<string, { accountNumber: bigint, sequence: bigint }>()
    for (const key of accounts) seqs.set(key.address, await accountOf(url, key))
    const rate = Number(values['paced-rate'])
    if (only.has('paced')) await run(url, { name: 'mints of 1 token per tx', txs: Math.round(rate * Number(values['paced-seconds'])), tokensPerTx: 1, ratePerSecond: rate }, seqs, child)
    if (only.has('single')) await run(url, { name: 'mints of 1 token per tx', txs: Number(values['txs-single']), tokensPerTx: 1 }, seqs, child)
    if (only.has('batch')) await run(url, { name: 'mints of 100 tokens per tx', txs: Number(values['txs-batch']), tokensPerTx: 100 }, seqs, child)
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    home.cleanup()
  }
} else {
  home.cleanup()
}
if (only.has('stages')) await stages(Number(values['stages-txs']), Number(values['stages-block']))
if (only.has('engine')) await engineOnly(Number(values['engine-only-txs']), blockTimeMs)
// the websocket client of cosmjs and fetch's keep-alive sockets would keep the process alive
process.exit(0)
