/**
 * Stage profile of warm retrievals: `node bin/run-ts.js bench/relay/profile.ts [size-bytes] [iterations]`
 * (default 100 KB, 200). Two nodes in one process as in bench/relay; every port of the custodian
 * is wrapped with a timer, and the requester's clock marks the header frame and the trailer.
 * Prints the mean and p50 per stage (ms per retrieval) and the process's CPU time per retrieval.
 * RELAY_PROFILE=<file> writes a CPU profile of the measured loop only; RELAY_E2E=1 opens each
 * envelope too; RELAY_BLOCK_MS sets the embedded chain's block interval (default 1000).
 */
import { loadavg } from 'node:os'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { readFrames } from '../../relay/protocol/index.js'
import { createRelayWorld, fhirBundle } from '../../test/integration/relay/harness.js'

const SIZE = Number(process.argv[2] ?? 100 * 1024)
const N = Number(process.argv[3] ?? 200)
/** RELAY_E2E=1: each retrieval also opened by the doctor (openEnvelope), as bench/relay's second row. */
const E2E = process.env.RELAY_E2E === '1'
const stages = new Map<string, number[]>()
const add = (name: string, ms: number): void => { const a = stages.get(name) ?? []; a.push(ms); stages.set(name, a) }

function wrap (obj: Record<string, unknown>, prefix: string): void {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'function') continue
    const f = v as (...a: unknown[]) => unknown
    obj[k] = (...args: unknown[]) => {
      const t = performance.now()
      const r = f.apply(obj, args)
      if (r instanceof Promise) return r.finally(() => { add(`${prefix}.${k}`, performance.now() - t) })
      if (r !== null && typeof r === 'object' && Symbol.asyncIterator in (r)) return r
      add(`${prefix}.${k}`, performance.now() - t)
      return r
    }
  }
}

const w = await createRelayWorld({ label: 'profile-relay', nodes: [{ name: 'de1', country: 'DE' }, { name: 'fr1', country: 'FR' }], ports: { ledger: { maxAgeMs: 60_000 } }, blockTimeMs: Number(process.env.RELAY_BLOCK_MS ?? 1000) })
try {
  const [de, fr] = [w.node('de1'), w.node('fr1')]
  const patient = await w.enrol(de, 'profile')
  const doctor = w.doctor(fr)
  const record = await w.store([de], patient, 'patient-summary', fhirBundle('profile', SIZE))
  await w.grant(patient, [record.tokenId], { country: 'FR' }, ['treatment'])
  for (let i = 0; i < 5; i++) await w.fetch(fr, doctor, w.sign(doctor, record.tokenId, de), () => undefined)
  for (const [name, port] of Object.entries(de.ports)) wrap(port as unknown as Record<string, unknown>, name)
  wrap(de.nonces as unknown as Record<string, unknown>, 'nonces')
  const requests = Array.from({ length: N }, () => w.sign(doctor, record.tokenId, de))
  const profilePath = process.env.RELAY_PROFILE
  const session = new Session()
  if (profilePath !== undefined) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
    await session.post('Profiler.start')
  }
  const started = performance.now()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < N; i++) {
    const t = performance.now()
    let first = 0
    let bytes = 0
    if (E2E) {
      // the doctor's side too: openEnvelope (unwrap, decrypt, trailer signature, commitment)
      const opened = await w.fetch(fr, doctor, requests[i]!, (c) => { if (first === 0) first = performance.now(); bytes += c.byteLength })
      if (opened.plaintextBytes !== BigInt(record.plaintextBytes)) throw new Error('wrong size')
      add('requester: to first plaintext', first - t)
    } else {
      for await (const frame of readFrames(fr.client.retrieve(requests[i]!.request))) {
        if (first === 0) { first = performance.now(); add('requester: to header frame', first - t) }
        bytes += frame.byteLength
      }
    }
    if (bytes < SIZE) throw new Error('short response')
    add(E2E ? 'requester: first plaintext to verified' : 'requester: header to trailer', performance.now() - first)
    add('requester: total', performance.now() - t)
  }
  const wall = performance.now() - started
  const cpu = process.cpuUsage(cpu0)
  if (profilePath !== undefined) {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(profilePath, JSON.stringify(profile))
    session.disconnect()
  }
  const pct = (a: number[], p: number): number => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]!
  console.log(`${N} retrievals of ${SIZE} bytes, ${(wall / N).toFixed(2)} ms each, CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms each (both nodes and the chain: one process); load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  console.log('stage                                   calls   mean ms    p50 ms')
  for (const [name, a] of [...stages].sort()) {
    console.log(`${name.padEnd(38)} ${String(a.length).padStart(6)} ${(a.reduce((x, y) => x + y, 0) / a.length).toFixed(3).padStart(9)} ${pct(a, 0.5).toFixed(3).padStart(9)}`)
  }
} finally {
  await w.stop()
}
