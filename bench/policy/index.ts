/**
 * `npm run bench -- policy [--seconds 5] [--requests 20000]`: release decisions (the source's
 * `export` AND the destination's `import`: two Cedar evaluations each) per second on one core,
 * over a realistic mix across all bundled modules. Prints figures; never fails.
 *
 * Two figures: "cold" evaluates every release in Cedar (memoisation off), "memoised" is the
 * engine as a node runs it (evaluations memoised on exactly the inputs Cedar sees, so repeats of
 * the same projected request skip WebAssembly).
 *
 * `npm run bench -- policy --micro [--rounds 25]`: where the time of one evaluation goes, before
 * and after the specialised sets (./micro.ts).
 */
import '../../common/polyfill.js'
import { loadavg, cpus } from 'node:os'
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { createPolicyEngine, type PolicyEngine, type ReleaseRequest } from '../../policies/engine/index.js'
import { readSchemaText, loadBundledModules } from '../../policies/files.js'
import { mix } from './mix.js'
import { micro } from './micro.js'

function arg (name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i < 0 ? undefined : Number(process.argv[i + 1])
  return v === undefined || !Number.isFinite(v) || v <= 0 ? fallback : v
}
const SECONDS = arg('seconds', 5)
const REQUESTS = arg('requests', 20_000)

function run (engine: PolicyEngine, requests: readonly ReleaseRequest[], seconds: number): { releases: number, ms: number, cpuMs: number, allowed: number } {
  let releases = 0
  let allowed = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  const deadline = start + seconds * 1000
  let i = 0
  while (performance.now() < deadline) {
    for (let k = 0; k < 200; k++) {
      const d = engine.decide(requests[i]!)
      if (d.decision === 'allow') allowed++
      releases++
      i = (i + 1) % requests.length
    }
  }
  const d = process.cpuUsage(cpu)
  return { releases, ms: performance.now() - start, cpuMs: (d.user + d.system) / 1000, allowed }
}

function minimalEvaluationMicros (): number {
  cedar.preparsePolicySet('bench-minimal', { staticPolicies: { a: 'permit (principal, action, resource) when { context.purpose == "treatment" };' } })
  const call = { principal: { type: 'Provider', id: 'p' }, action: { type: 'Action', id: 'export' }, resource: { type: 'Record', id: 'r' }, context: { purpose: 'treatment' }, entities: [], preparsedPolicySetId: 'bench-minimal' }
  for (let i = 0; i < 1000; i++) cedar.statefulIsAuthorized(call)
  const n = 5000
  const t = performance.now()
  for (let i = 0; i < n; i++) cedar.statefulIsAuthorized(call)
  return (performance.now() - t) / n * 1000
}

if (process.argv.includes('--micro')) {
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  await micro(arg('rounds', 25))
  process.exit(0)
}

const schema = readSchemaText()
const requests = mix(REQUESTS)
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')

console.log(`policy benchmark: ${requests.length} release requests across 13 modules, ${SECONDS} s per figure, one core (of ${cpus().length}); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
console.log(`  a minimal Cedar evaluation here and now: ${minimalEvaluationMicros().toFixed(1)} µs`)

const line = (label: string, r: { releases: number, ms: number, cpuMs: number, allowed: number }): string =>
  `  ${label.padEnd(36)} ${fmt(r.releases / r.ms * 1000).padStart(7)} releases/s  (${(r.ms / r.releases * 1000).toFixed(1)} µs a release, ${(r.ms / r.releases * 500).toFixed(1)} µs an evaluation; process CPU ${(r.cpuMs / r.releases * 1000).toFixed(1)} µs a release = ${fmt(r.releases / r.cpuMs * 1000)}/s of CPU; ${(100 * r.allowed / r.releases).toFixed(1)} % allowed)`

const reference = createPolicyEngine({ schema, cacheSize: 0, specialise: false })
await loadBundledModules(reference)
run(reference, requests, Math.min(1, SECONDS))
const ref = run(reference, requests, SECONDS)
console.log(line('cold, reference (whole sets):', ref))

const cold = createPolicyEngine({ schema, cacheSize: 0 })
await loadBundledModules(cold)
run(cold, requests, Math.min(1, SECONDS))
const c = run(cold, requests, SECONDS)
console.log(line('cold (every evaluation in Cedar):', c))
console.log(`  cold speed-up over the reference in this run: ${(ref.ms / ref.releases / (c.ms / c.releases)).toFixed(2)}× wall, ${(ref.cpuMs / ref.releases / (c.cpuMs / c.releases)).toFixed(2)}× CPU`)

const warm = createPolicyEngine({ schema })
await loadBundledModules(warm)
const firstPass = performance.now()
for (const r of requests) warm.decide(r)
const firstMs = performance.now() - firstPass
const first = warm.cacheStats()
console.log(`  memoised, first pass over the mix:  ${fmt(requests.length / firstMs * 1000)} releases/s  (${(100 * first.hits / (first.hits + first.misses)).toFixed(1)} % of evaluations memoised; ${first.size} distinct projected inputs)`)
const w = run(warm, requests, SECONDS)
const stats = warm.cacheStats()
console.log(`  memoised, steady state:             ${fmt(w.releases / w.ms * 1000)} releases/s  (${(w.ms / w.releases * 1000).toFixed(1)} µs a release; ${(100 * (stats.hits - first.hits) / (stats.hits + stats.misses - first.hits - first.misses)).toFixed(1)} % memoised)`)
console.log(`  goal: 10,000 releases/s per core — cold ${c.releases / c.ms * 1000 >= 10_000 ? 'meets' : 'misses'} it, memoised ${w.releases / w.ms * 1000 >= 10_000 ? 'meets' : 'misses'} it`)
