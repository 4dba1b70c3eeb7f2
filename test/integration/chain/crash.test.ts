/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- raw JSON-RPC replies, read as a non-cosmjs client would */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import Database from 'better-sqlite3'
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query'
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { createLedgerApp } from '../../../chain/app/index.js'
import { signTx } from '../../../chain/app/testing.js'
import { ledgerMsgs, createLedgerRegistry } from '../../../chain/client/index.js'
import {
  BlockStoreReader, readGenesis, readValidatorKey, timestamp, dataHash, hashHeader, CHAIN_DB_FILE
} from '../../../chain/engine/index.js'
import { writeLedgerHome, type LedgerHome } from './harness.js'
import { timeoutSignal } from '../../../common/abort.js'

const ROUNDS = 20
const registry = createLedgerRegistry()
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function rpc (url: string, method: string, params: Record<string, unknown>): Promise<any> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: timeoutSignal(5000) })
  return await res.json()
}

/**
 * The engine entry, bundled once into one ES module with esbuild (which tsx brings) so that each of
 * the restarts loads in about half the time; the native and wasm packages stay external, imported
 * by absolute path. Falls back to running the TypeScript entry through tsx.
 */
async function bundleChild (outDir: string): Promise<string[]> {
  const entry = 'test/integration/chain/engine-child.ts'
  try {
    const req = createRequire(join(process.cwd(), 'package.json'))
    const esbuild = req('esbuild') as { build: (o: object) => Promise<unknown> }
    const outfile = join(outDir, 'engine-child.mjs')
    await esbuild.build({
      entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error',
      banner: { js: "import { createRequire as __hrRequire } from 'node:module'; const require = __hrRequire(import.meta.url);" },
      plugins: [{
        name: 'absolute-externals',
        setup: (b: { onResolve: (o: { filter: RegExp }, f: (a: { path: string }) => object) => void }) => {
          b.onResolve({ filter: /^(better-sqlite3|tiny-secp256k1)$/ }, (a) => ({ path: pathToFileURL(req.resolve(a.path)).href, external: true }))
        }
      }]
    })
    return [outfile]
  } catch {
    return ['bin/run-ts.js', entry]
  }
}

let childArgs: string[] = []

function startChild (home: string): Promise<{ child: ChildProcess, url: string }> {
  const child = spawn(process.execPath, [...childArgs, home, '50'], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`engine did not start: ${err}`)) }, 30_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /RPC (http:\/\/\S+)/.exec(out)
      if (m !== null) { clearTimeout(timer); resolve({ child, url: m[1]! }) }
    })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`engine exited with ${code}: ${err}`)) })
  })
}

async function killed (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

describe('crash safety: SIGKILL during a stream of transactions', () => {
  let home: LedgerHome | undefined
  const dirs: string[] = []
  afterAll(() => {
    home?.cleanup()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it(`loses no committed tx, writes no half block, and replays to the same app hashes after ${ROUNDS} kills`, { timeout: 180_000 }, async () => {
    home = writeLedgerHome({ label: 'crash' })
    const buildDir = mkdtempSync(join(tmpdir(), 'hr-crash-child-'))
    dirs.push(buildDir)
    childArgs = await bundleChild(buildDir)
    const key = home.members.DE!.operator
    const committed = new Map<string, bigint>() // tx hash → height reported by the engine
    let kills = 0

    for (let round = 0; round < ROUNDS; round++) {
      const { child, url } = await startChild(home.dir)
      try {
        const q = await rpc(url, 'abci_query', { path: '/cosmos.auth.v1beta1.Query/Account', data: Buffer.from(QueryAccountRequest.encode({ address: key.address }).finish()).toString('hex') })
        const acc = BaseAccount.decode(QueryAccountResponse.decode(Buffer.from(q.result.response.value, 'base64')).account!.value)
        let sequence = acc.sequence
        const inflight = new Set<string>()
        const killAt = Date.now() + randomInt(100, 500)
        while (Date.now() < killAt) {
          const tx = await signTx({ key, registry, chainId: home.chainId, accountNumber: acc.accountNumber, sequence, msgs: [ledgerMsgs.revokeCredential(key.address, randomBytes(32))] })
          const method = sequence % 3n === 0n ? 'broadcast_tx_async' : 'broadcast_tx_sync'
          const r = await rpc(url, method, { tx: Buffer.from(tx).toString('base64') })
          if (r.result?.code === 0) {
            sequence++
            inflight.add(r.result.hash as string)
          }
          for (const hash of [...inflight]) {
            const found = await rpc(url, 'tx', { hash: Buffer.from(hash, 'hex').toString('base64') })
            if (found.result !== undefined && found.result.tx_result.code === 0) {
              committed.set(hash, BigInt(found.result.height))
              inflight.delete(hash)
            }
          }
          await sleep(randomInt(0, 15))
        }
      } finally {
        await killed(child)
        kills++
      }
    }
    expect(kills).toBe(ROUNDS)
    expect(committed.size).toBeGreaterThan(ROUNDS)

    // restart once more and check what the engine serves
    const { child, url } = await startChild(home.dir)
    let latest: bigint
    try {
      for (const [hash, height] of committed) {
        const r = await rpc(url, 'tx_search', { query: `tx.hash='${hash}'` })
        expect(r.result?.total_count, hash).toBe('1')
        expect(BigInt(r.result.txs[0].height)).toBe(height)
      }
      const status = await rpc(url, 'status', {})
      latest = BigInt(status.result.sync_info.latest_block_height)
      let previousId = ''
      for (let h = 1n; h <= latest; h++) {
        const b = await rpc(url, 'block', { height: h.toString() })
        const results = await rpc(url, 'block_results', { height: h.toString() })
        expect(b.result, `block ${h}`).toBeDefined()
        const txs = (b.result.block.data.txs as string[]).map((t) => Buffer.from(t, 'base64'))
        expect(((results.result.txs_results as unknown[] | null) ?? []).length, `results of ${h}`).toBe(txs.length)
        expect(b.result.block.header.data_hash).toBe(Buffer.from(dataHash(txs)).toString('hex').toUpperCase())
        if (h > 1n) expect(b.result.block.header.last_block_id.hash).toBe(previousId)
        previousId = b.result.block_id.hash as string
      }
    } finally {
      await killed(child)
    }

    // replay the stored blocks from genesis into a fresh application: every app hash is reproduced
    const store = new Database(join(home.dir, CHAIN_DB_FILE), { readonly: true })
    const reader = new BlockStoreReader(store)
    const genesis = readGenesis(home.dir)
    const validator = readValidatorKey(home.dir)
    const dir = mkdtempSync(join(tmpdir(), 'hr-replay-'))
    dirs.push(dir)
    const db = new Database(join(dir, 'replay.sqlite'))
    db.pragma('journal_mode = WAL')
    const readDb = new Database(join(dir, 'replay.sqlite'))
    const app = createLedgerApp({ db, readDb })
    try {
      app.initChain({
        time: timestamp(genesis.genesisTime.getTime()), chainId: genesis.chainId, validators: [{ pubKey: { ed25519: validator.publicKey }, power: 10n }],
        appStateBytes: genesis.appStateBytes, initialHeight: genesis.initialHeight
      })
      // the engine kept producing blocks while it was checked: replay everything it stored
      const stored = reader.latestHeight()
      expect(stored).toBeGreaterThanOrEqual(latest)
      for (let h = 1n; h <= stored; h++) {
        const block = reader.block(h)!
        expect(Buffer.from(hashHeader(block.header))).toEqual(Buffer.from(block.id.hash))
        const common = {
          txs: [...block.txs], misbehavior: [], hash: block.id.hash, height: h, time: timestamp(block.header.timeMs),
          nextValidatorsHash: block.header.nextValidatorsHash, proposerAddress: block.header.proposerAddress
        }
        const f = app.finalizeBlock({ ...common, decidedLastCommit: { round: 0, votes: [] } })
        app.commit()
        expect(Buffer.from(f.appHash).toString('hex'), `app hash at ${h}`).toBe(Buffer.from(block.finalize.appHash).toString('hex'))
        const next = reader.block(h + 1n)
        if (next !== undefined) expect(Buffer.from(next.header.appHash)).toEqual(Buffer.from(f.appHash))
      }
    } finally {
      app.close()
      db.close()
      readDb.close()
      store.close()
    }
  })
})
