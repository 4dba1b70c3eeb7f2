/**
 * The outbox across crashes: the node runs as a child process (`healthrelay start`, exactly as an
 * operator runs it) against the in-process engine; records are ingested concurrently while the
 * process is SIGKILLed at varying moments, several times. After a final clean run drains the
 * outbox, the invariant holds: every record of an opted-in category has its token on chain, every
 * token on chain has its record, and nothing is left pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { createChainClient, type ChainClient } from '../../../chain/client/index.js'
import { chainAddress } from '../../../node/keystore/index.js'
import { syntheticPatient, syntheticPatientSummary, syntheticLabResults } from '../../../node/fhir/index.js'
import { createTestNetwork, waitFor, type TestNetwork } from './harness.js'

const BIN = resolve('bin/healthrelay.js')
const run = promisify(execFile)

interface Running { child: ChildProcess, api: string, exited: Promise<number | null> }

async function startNode (home: string): Promise<Running> {
  const child = spawn(process.execPath, [BIN, '--home', home, 'start', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const api = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => { reject(new Error(`node did not start: ${err.slice(-2000)}`)) }, 60_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /API (http:\/\/[^\s]+)/.exec(out)
      if (m !== null) { clearTimeout(t); resolve(m[1]!) }
    })
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`node exited ${String(code)}: ${err.slice(-2000)}`)) })
  })
  return { child, api, exited }
}

describe('outbox: no record without a token and no token without a record across SIGKILL', () => {
  let net: TestNetwork
  let chain: ChainClient
  let home: string
  let key: string
  let running: Running | undefined
  const privateKey = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  const subject = chainAddress(publicKey)
  const person = syntheticPatient('crash-1', 'DE')

  beforeAll(async () => {
    net = await createTestNetwork({ countries: ['DE'], label: 'crash' })
    await net.startChain()
    home = net.nodes.DE!.home
    chain = createChainClient({ rpcUrl: net.nodes.DE!.config.chain.rpc })
    await chain.start()
    const created = await run(process.execPath, [BIN, '--home', home, 'apikey', 'create', '--role', 'provider', '--json'])
    key = (JSON.parse(created.stdout) as { key: string }).key
  }, 120_000)

  afterAll(async () => {
    if (running !== undefined && running.child.exitCode === null) { running.child.kill('SIGKILL'); await running.exited }
    await chain?.stop()
    await net?.cleanup()
  })

  it('keeps the invariant over several crashes during ingestion', async () => {
    running = await startNode(home)
    const enrol = await fetch(`${running.api}/v1/subjects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ publicKey: Buffer.from(publicKey).toString('hex'), x25519PublicKey: Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex'), birthDate: person.birthDate, identifiers: [person.nationalId], categories: ['patient-summary', 'lab-result'] })
    })
    expect(enrol.status).toBe(201)
    let accepted = 0
    for (let round = 0; round < 4; round++) {
      if (running === undefined) running = await startNode(home)
      const api = running.api
      const stop = { now: false }
      const ingest = async (worker: number): Promise<void> => {
        for (let i = 0; i < 200 && !stop.now; i++) {
          const seed = `${round}-${worker}-${i}`
          const body = JSON.stringify(i % 2 === 0 ? syntheticPatientSummary(person, { seed }) : syntheticLabResults(person, { seed }))
          try {
            const res = await fetch(`${api}/v1/records?subject=${subject}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/fhir+json' }, body })
            if (res.status === 201) accepted++
          } catch { return }
        }
      }
      const workers = [0, 1, 2, 3].map(ingest)
      await new Promise((resolve) => setTimeout(resolve, 800 + round * 400))
      running.child.kill('SIGKILL')
      await running.exited
      stop.now = true
      await Promise.all(workers)
      running = undefined
    }
    expect(accepted).toBeGreaterThan(0)
    // a clean run drains the outbox, then stops with exit code 0
    running = await startNode(home)
    const api = running.api
    await waitFor(async () => {
      const text = await (await fetch(`${api}/metrics`)).text()
      return /healthrelay_outbox_depth 0\b/.test(text) ? true : undefined
    }, 'the outbox to drain', 600, 100)
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
    running = undefined

    const db = new Database(join(home, 'node.sqlite'), { readonly: true })
    const rows = db.prepare('SELECT token_id, status FROM records WHERE subject = ?').all(subject) as Array<{ token_id: string, status: string }>
    db.close()
    expect(rows.length).toBeGreaterThanOrEqual(accepted)
    expect(rows.filter((r) => r.status === 'pending')).toEqual([])
    const onChain = new Set<string>()
    for (let offset = 0n; ; offset += 1000n) {
      const page = await chain.queries.tokensBySubject(subject, { offset, limit: 1000 })
      for (const t of page.items) onChain.add(t.id)
      if (page.items.length < 1000) break
    }
    const local = new Set(rows.map((r) => r.token_id))
    expect([...onChain].filter((id) => !local.has(id))).toEqual([]) // no token without a record
    expect(rows.filter((r) => !onChain.has(r.token_id))).toEqual([]) // no record without a token
    expect(rows.every((r) => r.status === 'active')).toBe(true)
  }, 300_000)
})
