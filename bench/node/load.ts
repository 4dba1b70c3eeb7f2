/**
 * Memory of a node under load: `npm run bench -- node [concurrency] [recordKiB]`. The chain runs in this
 * process; the DE (custodian) and FR (requester) nodes run as `healthrelay start` child
 * processes, as operators run them. Prints the idle RSS of a node, then the peak RSS of both nodes
 * while `concurrency` (default 200) retrievals of a ~`recordKiB` (default 100) KiB record go
 * through FR's API to DE at once, with failures and latency. Goals: idle ≤ 150 MB; 200 concurrent
 * 100 KB retrievals ≤ 300 MB with no failed request.
 *
 * The compiled build is made first (bin/build.js), so the nodes run dist/ as after `npm install`;
 * HEALTHRELAY_RUNTIME=sources runs the sources through tsx instead, HEALTHRELAY_V8_FLAGS replaces the
 * daemon's V8 flags (bin/node-flags.js; '' for none) — to compare.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { loadavg } from 'node:os'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import { createChainClient } from '../../chain/client/index.js'
import { chainAddress, generateDoctorKeys } from '../../node/keystore/index.js'
import { syntheticPatient, syntheticImagingRecord } from '../../node/fhir/index.js'
import { loadOrCreatePeerKey } from '../../relay/p2p/index.js'
import { issueCredential, signRetrieveRequest } from '../../relay/protocol/index.js'
import { createTestNetwork } from '../../test/integration/node/harness.js'

const concurrency = Number(process.argv[2] ?? 200)
const recordKiB = Number(process.argv[3] ?? 100)
const BIN = resolve('bin/healthrelay.js')
const run = promisify(execFile)
const rssMiB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? 0 : Number(m[1]) / 1024
}
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function start (home: string): Promise<{ child: ChildProcess, api: string }> {
  const child = spawn(process.execPath, [BIN, '--home', home, 'start', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv })
  const api = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /API (http:\/\/\S+)/.exec(out); if (m !== null) resolve(m[1]!) })
    child.once('exit', (code) => { reject(new Error(`node exited ${String(code)}`)) })
  })
  return { child, api }
}

await run(process.execPath, ['bin/build.js'])
// The nodes run the build just made, even if a source changes meanwhile (a shared tree), unless
// HEALTHRELAY_RUNTIME says otherwise.
const childEnv = { ...process.env, HEALTHRELAY_RUNTIME: process.env.HEALTHRELAY_RUNTIME ?? 'dist' }
console.log(`nodes run: ${childEnv.HEALTHRELAY_RUNTIME === 'sources' ? 'the sources through tsx' : 'dist/ (the compiled build)'}; daemon V8 flags: ${process.env.HEALTHRELAY_V8_FLAGS ?? 'bin/node-flags.js defaults'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
const net = await createTestNetwork({ countries: ['DE', 'FR'], label: 'bench-node' })
await net.startChain()
const key = async (c: string): Promise<string> => (JSON.parse((await run(process.execPath, [BIN, '--home', net.nodes[c]!.home, 'apikey', 'create', '--role', 'provider', '--json'])).stdout) as { key: string }).key
const keys = { DE: await key('DE'), FR: await key('FR') }
const de = await start(net.nodes.DE!.home)
const fr = await start(net.nodes.FR!.home)
const children = [de.child, fr.child]
try {
  await sleep(15_000)
  console.log(`idle RSS after 15 s: DE ${rssMiB(de.child.pid!).toFixed(1)} MiB, FR ${rssMiB(fr.child.pid!).toFixed(1)} MiB (goal ≤ 150 MB = 143.1 MiB)`)

  const pk = secp256k1.utils.randomSecretKey()
  const pub = secp256k1.getPublicKey(pk, true)
  const subject = chainAddress(pub)
  const person = syntheticPatient('bench-1', 'DE')
  const post = async (api: string, k: string, path: string, body: string, type = 'application/json'): Promise<Response> =>
    await fetch(api + path, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': type }, body })
  const enrol = await post(de.api, keys.DE, '/v1/subjects', JSON.stringify({ publicKey: Buffer.from(pub).toString('hex'), x25519PublicKey: Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex'), birthDate: person.birthDate, identifiers: [person.nationalId], categories: ['imaging'] }))
  if (enrol.status !== 201) throw new Error(`enrol: ${enrol.status} ${await enrol.text()}`)
  const record = JSON.stringify(syntheticImagingRecord(person, { imageBytes: Math.round(recordKiB * 1024 * 0.75) }))
  const put = await post(de.api, keys.DE, '/v1/records', record, 'application/fhir+json')
  const tokenId = (await put.json() as { tokenId: string }).tokenId
  const chain = createChainClient({ rpcUrl: net.nodes.DE!.config.chain.rpc })
  await chain.start()
  for (let i = 0; i < 300 && (await chain.queries.token(tokenId))?.status !== 'active'; i++) await sleep(100)
  const now = BigInt(Math.floor(Date.now() / 1000))
  await (await chain.signer(await DirectSecp256k1Wallet.fromKey(pk, 'hr'))).grantAccess({ subject, grantee: { country: 'FR' }, tokenIds: [tokenId], purposes: ['treatment'], notBefore: now - 60n, expiresAt: now + 3600n })
  const frKey = await loadOrCreatePeerKey(join(net.nodes.FR!.home, 'p2p'))
  const doctor = generateDoctorKeys('fr-bench-1', 'FR')
  const credential = issueCredential({ providerId: doctor.providerId, name: 'Dr Bench', role: 'physician', licence: 'B', country: 'FR', ed25519PublicKey: doctor.ed25519.publicKey, x25519PublicKey: doctor.x25519.publicKey }, { peerId: net.nodes.FR!.peerId, ed25519PrivateKey: frKey.raw }).signed
  const body = (): string => {
    const r = signRetrieveRequest({ tokenId: Buffer.from(tokenId, 'hex'), purpose: 'treatment', custodianPeerId: net.nodes.DE!.peerId }, { ed25519PrivateKey: doctor.ed25519.privateKey, credential }).request
    return JSON.stringify({ payload: Buffer.from(r.payload).toString('hex'), signature: Buffer.from(r.signature).toString('hex'), credential: { payload: Buffer.from(r.credential.payload).toString('hex'), signature: Buffer.from(r.credential.signature).toString('hex') } })
  }
  const warm = await post(fr.api, keys.FR, `/v1/records/${tokenId}/retrieve`, body())
  console.log(`warm-up retrieval: HTTP ${warm.status}, ${(await warm.arrayBuffer()).byteLength} bytes`)
  let peakDe = 0
  let peakFr = 0
  const sampler = setInterval(() => { peakDe = Math.max(peakDe, rssMiB(de.child.pid!)); peakFr = Math.max(peakFr, rssMiB(fr.child.pid!)) }, 50)
  const latencies: number[] = []
  let failed = 0
  const reasons = new Map<string, number>()
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    const t = performance.now()
    try {
      const res = await post(fr.api, keys.FR, `/v1/records/${tokenId}/retrieve`, body())
      const n = (await res.arrayBuffer()).byteLength
      if (res.status !== 200 || n < recordKiB * 1024 * 0.9) {
        failed++
        reasons.set(`HTTP ${res.status} ${n} bytes`, (reasons.get(`HTTP ${res.status} ${n} bytes`) ?? 0) + 1)
      }
    } catch (err) { failed++; reasons.set(String(err), (reasons.get(String(err)) ?? 0) + 1) }
    latencies.push(performance.now() - t)
  }))
  clearInterval(sampler)
  latencies.sort((a, b) => a - b)
  console.log(`${concurrency} concurrent retrievals of ~${recordKiB} KiB: ${failed} failed, ${((performance.now() - t0) / 1000).toFixed(1)} s, p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(0)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]?.toFixed(0)} ms`)
  for (const [r, n] of reasons) console.log(`  failure: ${r} ×${n}`)
  console.log(`peak RSS: DE (custodian) ${peakDe.toFixed(1)} MiB, FR (requester) ${peakFr.toFixed(1)} MiB (goal ≤ 300 MB = 286.1 MiB); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  await chain.stop()
} finally {
  for (const c of children) c.kill('SIGTERM')
  await sleep(2000)
  await net.cleanup()
}
