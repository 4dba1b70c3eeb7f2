/**
 * Relay benchmark: `npm run bench -- relay [iterations-small] [iterations-large]` (defaults 60, 3).
 *
 * Two real nodes on 127.0.0.1 (DE custodian, FR requester: libp2p TCP + Noise + Yamux, SQLite
 * storage, the embedded chain engine with the ledger, the bundled Cedar modules). For records of
 * 1 KB, 100 KB and 100 MB, with a warm connection, each retrieval is
 *   - relay: FR's RelayClient carries a doctor-signed request (signed beforehand: the doctor's
 *     device signs) and drains every response frame (custodian: verification, restrictions,
 *     grant, both policies, obligations, re-wrap, stream, signed trailer, audit rows);
 *   - e2e: the same plus the doctor's openEnvelope (unwrap, decrypt, trailer signature, commitment);
 * (the embedded chain makes a block a second, as a real chain would, not the tests' 20 a second)
 * beside baselines in the same run serving the same bytes on loopback: an HTTPS GET from a minimal
 * node:https server (TLS 1.3, keep-alive: the "encrypted peer") and a plain HTTP GET (the raw limit).
 * Prints p50/p99 latency and throughput, and the load average (the machine is shared).
 */
import { request as httpsRequest, createServer as createHttpsServer, Agent as HttpsAgent } from 'node:https'
import { request as httpRequest, createServer as createHttpServer, Agent as HttpAgent, type IncomingMessage } from 'node:http'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir, loadavg, cpus } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { readFrames } from '../../relay/protocol/index.js'
import { createRelayWorld, fhirBundle, type RelayWorld, type StoredRecord } from '../../test/integration/relay/harness.js'

const SMALL_ITERATIONS = Number(process.argv[2] ?? 60)
const LARGE_ITERATIONS = Number(process.argv[3] ?? 3)
const MB = 1024 * 1024
/**
 * The embedded chain's block interval. It runs in this process (a real node's CometBFT does not):
 * the tests' 50 ms blocks would put a block commit with its fsync into every retrieval measured.
 */
const BLOCK_TIME_MS = 1000

function progress (text: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`)
}

function pct (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

interface Row { size: string, method: string, p50: number, p99: number, mbps: number, n: number }
const rows: Row[] = []

function report (size: string, method: string, times: number[], bytes: number): void {
  const p50 = pct(times, 50)
  rows.push({ size, method, p50, p99: pct(times, 99), mbps: bytes / MB / (p50 / 1000), n: times.length })
}

/** A self-signed certificate for 127.0.0.1 (openssl), in a temp dir removed at once. */
function selfSigned (): { key: Buffer, cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'hr-bench-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Bytes served by the baselines: small ones from memory, the large one generated in 1 MiB chunks. */
function body (size: number): { write: (res: { write: (c: Uint8Array) => boolean, end: () => void, once: (e: 'drain', f: () => void) => unknown }) => void } {
  const chunk = new Uint8Array(randomBytes(Math.min(size, MB)))
  return {
    write: (res) => {
      let sent = 0
      const pump = (): void => {
        while (sent < size) {
          const n = Math.min(chunk.byteLength, size - sent)
          sent += n
          if (!res.write(n === chunk.byteLength ? chunk : chunk.subarray(0, n))) { res.once('drain', pump); return }
        }
        res.end()
      }
      pump()
    }
  }
}

async function drain (res: IncomingMessage): Promise<number> {
  let n = 0
  for await (const c of res as AsyncIterable<Buffer>) n += c.byteLength
  return n
}

async function httpGet (get: typeof httpRequest, port: number, path: string, agent: HttpAgent | HttpsAgent, extra: object = {}): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent, ...extra }, (res) => { drain(res).then(resolve, reject) })
    req.on('error', reject)
    req.end()
  })
}

async function main (): Promise<void> {
  const sizes: Array<{ label: string, bytes: number, iterations: number }> = [
    { label: '1 KB', bytes: 1024, iterations: SMALL_ITERATIONS },
    { label: '100 KB', bytes: 100 * 1024, iterations: SMALL_ITERATIONS },
    { label: '100 MB', bytes: 100 * MB, iterations: LARGE_ITERATIONS }
  ]
  progress(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores; starting two nodes and the chain`)
  const w: RelayWorld = await createRelayWorld({ label: 'bench-relay', nodes: [{ name: 'de1', country: 'DE' }, { name: 'fr1', country: 'FR' }], ports: { ledger: { maxAgeMs: 60_000 } }, blockTimeMs: BLOCK_TIME_MS })
  const [de, fr] = [w.node('de1'), w.node('fr1')]
  const tls = selfSigned()
  const bodies = new Map(sizes.map((s) => [s.label, body(s.bytes)]))
  const handler = (req: { url?: string }, res: Parameters<ReturnType<typeof body>['write']>[0] & { writeHead: (s: number, h: object) => void }): void => {
    const size = sizes.find((s) => req.url === `/${s.bytes}`)
    if (size === undefined) { res.writeHead(404, {}); res.end(); return }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size.bytes) })
    bodies.get(size.label)!.write(res)
  }
  const https = createHttpsServer({ key: tls.key, cert: tls.cert }, handler as never).listen(0, '127.0.0.1')
  const http = createHttpServer(handler as never).listen(0, '127.0.0.1')
  await Promise.all([new Promise((r) => https.once('listening', r)), new Promise((r) => http.once('listening', r))])
  const httpsPort = (https.address() as AddressInfo).port
  const httpPort = (http.address() as AddressInfo).port
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: tls.cert })
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 })

  try {
    const patient = await w.enrol(de, 'bench')
    const doctor = w.doctor(fr)
    for (const size of sizes) {
      progress(`${size.label}: storing and minting the record`)
      let record: StoredRecord
      if (size.bytes <= MB) {
        record = await w.store([de], patient, 'patient-summary', fhirBundle('bench', size.bytes))
      } else {
        const chunk = new Uint8Array(randomBytes(MB))
        record = await w.store([de], patient, 'imaging', () => (async function * () {
          for (let off = 0; off < size.bytes; off += MB) yield await Promise.resolve(chunk)
        })(), 'application/dicom')
      }
      await w.grant(patient, [record.tokenId], { country: 'FR' }, ['treatment'])

      // warm: the connection, the caches (credential signature, chain answers, policies)
      for (let i = 0; i < 2; i++) await w.fetch(fr, doctor, w.sign(doctor, record.tokenId, de), () => undefined)
      await httpGet(httpsRequest, httpsPort, `/${size.bytes}`, httpsAgent)
      await httpGet(httpRequest, httpPort, `/${size.bytes}`, httpAgent)

      progress(`${size.label}: ${size.iterations} retrievals each way`)
      const relay: number[] = []
      const e2e: number[] = []
      const httpsT: number[] = []
      const httpT: number[] = []
      const requests = Array.from({ length: size.iterations * 2 }, () => w.sign(doctor, record.tokenId, de))
      for (let i = 0; i < size.iterations; i++) {
        let t = performance.now()
        let got = 0
        for await (const frame of readFrames(fr.client.retrieve(requests[2 * i]!.request))) got += frame.byteLength
        relay.push(performance.now() - t)
        if (got < record.plaintextBytes) throw new Error('short response')
        t = performance.now()
        const opened = await w.fetch(fr, doctor, requests[2 * i + 1]!, () => undefined)
        e2e.push(performance.now() - t)
        if (opened.plaintextBytes !== BigInt(record.plaintextBytes)) throw new Error('wrong size')
        t = performance.now()
        await httpGet(httpsRequest, httpsPort, `/${size.bytes}`, httpsAgent)
        httpsT.push(performance.now() - t)
        t = performance.now()
        await httpGet(httpRequest, httpPort, `/${size.bytes}`, httpAgent)
        httpT.push(performance.now() - t)
      }
      report(size.label, 'relay (frames)', relay, record.plaintextBytes)
      report(size.label, 'relay + openEnvelope', e2e, record.plaintextBytes)
      report(size.label, 'HTTPS GET', httpsT, size.bytes)
      report(size.label, 'HTTP GET', httpT, size.bytes)
    }
  } finally {
    httpsAgent.destroy()
    httpAgent.destroy()
    https.close()
    http.close()
    await w.stop()
  }

  console.log(`\nrelay benchmark, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores\n`)
  console.log('size     method                  n     p50 ms     p99 ms    MB/s (at p50)')
  for (const r of rows) {
    console.log(`${r.size.padEnd(8)} ${r.method.padEnd(22)} ${String(r.n).padStart(3)} ${r.p50.toFixed(2).padStart(10)} ${r.p99.toFixed(2).padStart(10)} ${r.mbps.toFixed(1).padStart(12)}`)
  }
  const at = (size: string, method: string): Row | undefined => rows.find((r) => r.size === size && r.method === method)
  // The goals compare like with like: a retrieval across the two nodes delivers the record's
  // ciphertext, as the HTTPS GET delivers the same bytes; neither includes the reader decrypting the
  // record (openEnvelope is the doctor's device's work, shown for information).
  const small = at('100 KB', 'relay (frames)')
  const large = at('100 MB', 'relay (frames)')
  const httpsLarge = at('100 MB', 'HTTPS GET')
  if (small !== undefined) console.log(`\ngoal 100 KB p50 <= 20 ms (warm): relay ${small.p50.toFixed(1)} ms (and the doctor's openEnvelope after it: ${at('100 KB', 'relay + openEnvelope')?.p50.toFixed(1)} ms)`)
  if (large !== undefined && httpsLarge !== undefined) {
    console.log(`goal 100 MB >= 50% of HTTPS throughput: relay ${(100 * large.mbps / httpsLarge.mbps).toFixed(0)}% (and with the doctor's openEnvelope: ${(100 * (at('100 MB', 'relay + openEnvelope')?.mbps ?? 0) / httpsLarge.mbps).toFixed(0)}%)`)
  }
}

await main()
