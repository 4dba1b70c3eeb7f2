/**
 * Diagnostic trace of the DHT benchmark's network (not a benchmark itself):
 * `node bin/run-ts.js bench/dht/trace.ts [size] [lookups] [warm-up s]`, host options as JSON in
 * TRACE_HOST (e.g. `{"dht":{"alpha":3}}`), TRACE_PEERS (bootstrap peers per host), TRACE_PROVIDE=1
 * (print one provide's events), TRACE_PROFILE=<file> (CPU profile of the lookups), TRACE_NO_LEARN=1
 * (experiment: kad-dht does not add the peers named in query answers, hence does not dial them). Prints, per 5 s window, the routing tables, open
 * connections, CPU used by the process and streams opened by protocol; then per lookup the time to
 * the first provider and how it splits into stream opening (DIAL_PEER → SEND_QUERY) and answer
 * (SEND_QUERY → PEER_RESPONSE), and whether the answering peer was already connected.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { locationKey } from '../../relay/location/index.js'
import type { Connection } from '@libp2p/interface'
import type { P2pHostInit } from '../../relay/p2p/index.js'
import { buildNetwork, routingTableSize, type BenchPeer } from './network.js'
import { timeoutSignal } from '../../common/abort.js'

const size = Number(process.argv[2] ?? 10)
const lookups = Number(process.argv[3] ?? 5)
const warmup = Number(process.argv[4] ?? 60)
const hostInit = JSON.parse(process.env.TRACE_HOST ?? '{}') as Omit<P2pHostInit, 'privateKey' | 'listen' | 'dir'>
const t0 = performance.now()
const net = await buildNetwork(size, process.env.TRACE_PEERS === undefined ? undefined : Number(process.env.TRACE_PEERS), hostInit)
if (process.env.TRACE_NO_LEARN === '1') {
  // experiment: peers named in DHT answers are not added to the routing table (no new-contact ping)
  for (const p of net.peers) {
    const network = (p.host.dht as unknown as { network: { safeDispatchEvent: (type: string, detail: unknown) => boolean } }).network
    const orig = network.safeDispatchEvent.bind(network)
    network.safeDispatchEvent = (type, detail) => type === 'peer' ? true : orig(type, detail)
  }
}
const streams = new Map<string, number>()
let opened = 0
function wrap (c: Connection): void {
  const orig = c.newStream.bind(c)
  c.newStream = async (protocols, options) => {
    const k = (Array.isArray(protocols) ? protocols.join(',') : protocols).replace(/\/(healthrelay|ipfs|libp2p)\//, '')
    streams.set(k, (streams.get(k) ?? 0) + 1)
    return await orig(protocols, options)
  }
}
for (const p of net.peers) {
  for (const c of p.host.libp2p.getConnections()) wrap(c)
  p.host.libp2p.addEventListener('connection:open', (e) => { opened++; wrap(e.detail) })
}
let cpu = process.cpuUsage()
let wall = performance.now()
function stats (): string {
  const c = process.cpuUsage(cpu)
  const w = performance.now() - wall
  cpu = process.cpuUsage()
  wall = performance.now()
  const s = [...streams.entries()].map(([k, v]) => `${k}=${v}`).join(' ')
  streams.clear()
  const o = opened
  opened = 0
  const tables = net.peers.map((p) => routingTableSize(p.host))
  const conns = net.peers.reduce((a, p) => a + p.host.libp2p.getConnections().length, 0)
  return `t=${((performance.now() - t0) / 1000).toFixed(0)}s cpu ${(100 * (c.user + c.system) / 1000 / w).toFixed(0)}% tables mean ${(tables.reduce((a, b) => a + b, 0) / size).toFixed(1)} min ${Math.min(...tables)} conns ${conns} (+${o}) streams ${s}`
}
async function sleep (ms: number): Promise<void> { await new Promise((resolve) => setTimeout(resolve, ms)) }
for (let i = 0; i < warmup / 5; i++) {
  await sleep(5000)
  console.log(stats())
}
const records: Array<{ key: ReturnType<typeof locationKey>, holders: BenchPeer[] }> = []
let t = performance.now()
if (process.env.TRACE_PROVIDE !== undefined) {
  const holder = net.peers[0]!
  const lines: string[] = []
  const dials = new Map<string, number>()
  for await (const e of holder.host.dht.provide(locationKey(new Uint8Array(randomBytes(32))), { signal: timeoutSignal(60_000) })) {
    const now = performance.now() - t
    const who = (p: { toString: () => string }): string => p.toString().slice(-5)
    if (e.name === 'DIAL_PEER') { dials.set(e.peer.toString(), now); lines.push(`${now.toFixed(0)} DIAL ${who(e.peer)} connected=${holder.host.libp2p.getConnections(e.peer).length > 0} path ${e.path.index}`) }
    else if (e.name === 'SEND_QUERY') lines.push(`${now.toFixed(0)} SEND ${e.messageName} ${who(e.to)} (+${(now - (dials.get(e.to.toString()) ?? 0)).toFixed(0)})`)
    else if (e.name === 'PEER_RESPONSE') lines.push(`${now.toFixed(0)} RESP ${e.messageName} ${who(e.from)} closer ${e.closer.length} (+${(now - (dials.get(e.from.toString()) ?? 0)).toFixed(0)} since dial)`)
    else if (e.name === 'QUERY_ERROR') lines.push(`${now.toFixed(0)} ERROR ${who(e.from)} ${e.error.name}: ${e.error.message}`)
    else lines.push(`${now.toFixed(0)} ${e.name} path ${e.path.index}`)
  }
  console.log(`traced provide ${(performance.now() - t).toFixed(0)} ms\n  ${lines.join('\n  ')}`)
  t = performance.now()
}
await Promise.all(Array.from({ length: 10 }, async () => {
  const key = locationKey(new Uint8Array(randomBytes(32)))
  const holder = net.peers[Math.floor(Math.random() * size)]!
  const s = performance.now()
  try {
    await holder.host.libp2p.contentRouting.provide(key, { signal: timeoutSignal(60_000) })
    console.log(`provide ${(performance.now() - s).toFixed(0)} ms`)
  } catch (err) { console.log(`provide failed ${(err as Error).message}`) }
  records.push({ key, holders: [holder] })
}))
console.log(`10 provides in ${(performance.now() - t).toFixed(0)} ms; ${stats()}`)
await sleep(5000)
console.log(`idle: ${stats()}`)
const { Session } = await import('node:inspector/promises')
const session = new Session()
if (process.env.TRACE_PROFILE !== undefined) {
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
}
const h = monitorEventLoopDelay({ resolution: 10 })
h.enable()
const firsts: number[] = []
const cpuPer: number[] = []
for (let n = 0; n < lookups; n++) {
  const r = records[n % records.length]!
  const from = net.peers.filter((p) => !r.holders.includes(p))[Math.floor(Math.random() * (size - 1))]!
  await sleep(200)
  const c0 = process.cpuUsage()
  t = performance.now()
  const dial = new Map<string, { at: number, connected: boolean }>()
  const send = new Map<string, number>()
  let line = ''
  let sent = 0
  for await (const e of from.host.dht.findProviders(r.key, { signal: timeoutSignal(30_000) })) {
    const now = performance.now() - t
    if (e.name === 'DIAL_PEER') dial.set(e.peer.toString(), { at: now, connected: from.host.libp2p.getConnections(e.peer).length > 0 })
    else if (e.name === 'SEND_QUERY') { send.set(e.to.toString(), now); sent++ }
    else if (e.name === 'PROVIDER' && line === '') {
      const id = e.from.toString()
      const d = dial.get(id)
      const s = send.get(id)
      firsts.push(now)
      const c = process.cpuUsage(c0)
      cpuPer.push((c.user + c.system) / 1000)
      line = `first provider ${now.toFixed(0)} ms after ${sent} sent; from ${id === from.peerId ? 'self' : `peer connected=${String(d?.connected)} dial→send ${((s ?? 0) - (d?.at ?? 0)).toFixed(0)} ms send→answer ${(now - (s ?? 0)).toFixed(0)} ms (dial at ${d?.at.toFixed(0)})`}`
      break
    }
  }
  console.log(`lookup ${n}: cpu ${cpuPer.at(-1)?.toFixed(0)} ms ${line === '' ? `no provider ${(performance.now() - t).toFixed(0)} ms` : line}`)
}
firsts.sort((a, b) => a - b)
cpuPer.sort((a, b) => a - b)
console.log(`first provider p50 ${firsts[Math.floor(firsts.length / 2)]?.toFixed(0)} ms, cpu p50 ${cpuPer[Math.floor(cpuPer.length / 2)]?.toFixed(0)} ms; event loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} max ${(h.max / 1e6).toFixed(1)}; ${stats()}`)
if (process.env.TRACE_PROFILE !== undefined) {
  const { profile } = await session.post('Profiler.stop')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(process.env.TRACE_PROFILE, JSON.stringify(profile))
}
await net.stop()
