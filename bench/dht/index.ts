/**
 * DHT benchmark: `npm run bench -- dht [sizes] [lookups] [bootstrap peers] [--no-settle]` (defaults
 * `10,50,100`, 100, and the host's bootstrap default: each host keeps a connection to every
 * registered peer up to DEFAULT_BOOTSTRAP_MAX_PEERS; pass e.g. 8 to have hosts dial 8 and learn the
 * rest through the DHT, as a network does in its first minutes).
 *
 * For each network size, in one process on 127.0.0.1: start the hosts, wait for the routing
 * tables, mint 20 records each held by two peers of one country, then from random non-holding
 * peers measure
 *   - resolve: time from `resolve()` to the first accepted PROVIDER event (custodian lookup is an
 *     in-memory map, so this is the DHT's time to a first provider plus the registry filter),
 *   - hops: the query depth of the peer whose answer carried that provider (0 = the querying peer
 *     already stored the provider record, 1 = a peer from its own routing table, 2 = a peer that
 *     one of those named, …), and the peers queried until then,
 *   - query: the full `findProviders` query, drained to its end,
 *   - memory per host (heap and RSS growth over the empty process, after GC, divided by hosts).
 */
import { setFlagsFromString } from 'node:v8'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { runInNewContext } from 'node:vm'
import { randomBytes } from 'node:crypto'
import { silentLogger } from '../../common/logger.js'
import { createResolver, locationKey, tokenIdToHex, type ProviderFinder } from '../../relay/location/index.js'
import { buildNetwork, routingTableSize, type BenchPeer } from './network.js'
import { DEFAULT_BOOTSTRAP_MAX_PEERS, type P2pHostInit } from '../../relay/p2p/index.js'
import { timeoutSignal } from '../../common/abort.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const sizes = (args[0] ?? '10,50,100').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 3)
const lookups = Number(args[1] ?? 100)
const maxPeers = args[2] === undefined ? undefined : Number(args[2])
/** `--no-settle`: measure lookups right after the provides, inside the churn they cause. */
const settle = !process.argv.includes('--no-settle')
/** BENCH_HOST: host options as JSON (e.g. `{"dht":{"disjointPaths":1}}`), to compare settings. */
const hostInit = JSON.parse(process.env.BENCH_HOST ?? '{}') as Omit<P2pHostInit, 'privateKey' | 'listen' | 'dir'>
const SETTLE_QUIET_MS = 5_000
const SETTLE_MAX_MS = 180_000
/** Longest wait for the network to be ready (100 hosts in one process take about 220 s to mesh). */
const READY_MAX_MS = 360_000
const RECORDS = 20
const PROVIDE_CONCURRENCY = 8

function progress (text: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`)
}

function pct (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

function mean (values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length
}

function pick<T> (items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)]
  if (item === undefined) throw new Error('empty list')
  return item
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

interface Tap { hops?: number, queried: number }

/** Wraps findProviders to record, for the first provider found, the query depth and peers queried. */
function tapped (peer: BenchPeer, holders: Set<string>, tap: Tap): ProviderFinder {
  return {
    findProviders: async function * (key, options) {
      const depth = new Map<string, number>()
      const self = peer.peerId
      for await (const e of peer.host.dht.findProviders(key, options)) {
        if (e.name === 'SEND_QUERY') {
          tap.queried++
          const to = e.to.toString()
          if (!depth.has(to)) depth.set(to, 1)
        } else if (e.name === 'PEER_RESPONSE') {
          const d = depth.get(e.from.toString()) ?? 1
          for (const c of e.closer) if (!depth.has(c.id.toString())) depth.set(c.id.toString(), d + 1)
        } else if (e.name === 'PROVIDER' && tap.hops === undefined && e.providers.some((p) => holders.has(p.id.toString()))) {
          const from = e.from.toString()
          tap.hops = from === self ? 0 : depth.get(from) ?? 1
        }
        yield e
      }
    }
  }
}

async function run (size: number): Promise<void> {
  gc()
  const before = process.memoryUsage()
  const started = performance.now()
  const net = await buildNetwork(size, maxPeers, hostInit)
  // ready: every table holds a few peers, every host is connected to its bootstrap target, and
  // neither the tables nor the connections have changed for 3 s (or READY_MAX_MS: with a small
  // bootstrap the DHT's own maintenance keeps dialling new contacts)
  // with the default bootstrap every host connects to every other (up to 128): wait for that mesh,
  // the network's steady state, as a node that has run for a while sees it
  const target = Math.min(size - 1, 5)
  const meshTarget = Math.min(size - 1, maxPeers ?? DEFAULT_BOOTSTRAP_MAX_PEERS)
  const meshed = (): boolean => net.peers.every((p) => new Set(p.host.libp2p.getConnections().map((c) => c.remotePeer.toString())).size >= meshTarget)
  const deadline = Date.now() + READY_MAX_MS
  let last = -1
  let stableSince = Date.now()
  while (Date.now() < deadline) {
    // routing-table entries and open connections together: the bootstrap dials go on after the
    // tables look full, and provides run into their handshakes otherwise
    const total = net.peers.reduce((sum, p) => sum + routingTableSize(p.host) + 100_000 * p.host.libp2p.getConnections().length, 0)
    if (total !== last) {
      last = total
      stableSince = Date.now()
    }
    if (Date.now() - stableSince >= 3_000 && net.peers.every((p) => routingTableSize(p.host) >= target) && meshed()) break
    await sleep(250)
  }
  const ready = (performance.now() - started) / 1000
  const tables = net.peers.map((p) => routingTableSize(p.host))
  const conns = net.peers.map((p) => p.host.libp2p.getConnections().length)
  const peersConnected = net.peers.map((p) => new Set(p.host.libp2p.getConnections().map((c) => c.remotePeer.toString())).size)

  // records: two holders of the same country each
  const byCountry = new Map<string, BenchPeer[]>()
  for (const p of net.peers) byCountry.set(p.country, [...(byCountry.get(p.country) ?? []), p])
  const custodians = new Map<string, string>()
  const records: Array<{ id: Uint8Array, holders: Set<string> }> = []
  const provideMs: number[] = []
  let provideFailed = 0
  const jobs: Array<{ id: Uint8Array, peer: BenchPeer }> = []
  for (let i = 0; i < RECORDS; i++) {
    const country = pick([...byCountry.keys()])
    const group = byCountry.get(country) ?? []
    const a = pick(group)
    const others = group.filter((p) => p !== a)
    const b = others.length > 0 ? pick(others) : a
    const id = new Uint8Array(randomBytes(32))
    custodians.set(tokenIdToHex(id), country)
    jobs.push({ id, peer: a }, { id, peer: b })
    records.push({ id, holders: new Set([a.peerId, b.peerId]) })
  }
  progress(`${size} hosts ready in ${ready.toFixed(1)} s; providing ${jobs.length} records`)
  // provides run PROVIDE_CONCURRENCY at a time, as the location provider batches them
  const queue = [...jobs]
  await Promise.all(Array.from({ length: PROVIDE_CONCURRENCY }, async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const t = performance.now()
      try {
        await job.peer.host.libp2p.contentRouting.provide(locationKey(job.id), { signal: timeoutSignal(60_000) })
        provideMs.push(performance.now() - t)
      } catch {
        provideFailed++ // the record may still be found through the other holder or partial stores
      }
    }
  }))
  // settle: every provide's answers name new contacts, which kad-dht pings (a dial, a Noise handshake
  // and identify on both sides) before adding them to its routing table; lookups measured inside that
  // churn measure 100 hosts' handshakes on one event loop, not a running network's lookups. Wait
  // until no connection has opened for SETTLE_QUIET_MS (at most SETTLE_MAX_MS), unless --no-settle.
  let settled = NaN
  let openedDuring = 0
  const onOpen = (): void => { openedDuring++ }
  for (const p of net.peers) p.host.libp2p.addEventListener('connection:open', onOpen)
  if (settle) {
    const since = performance.now()
    let quietFrom = performance.now()
    let seen = openedDuring
    while (performance.now() - since < SETTLE_MAX_MS) {
      await sleep(250)
      if (openedDuring !== seen) { seen = openedDuring; quietFrom = performance.now() }
      if (performance.now() - quietFrom >= SETTLE_QUIET_MS) break
    }
    settled = (performance.now() - since) / 1000
    progress(`${size} hosts: ${openedDuring} connections opened after the provides; settled in ${settled.toFixed(1)} s`)
  }
  progress(`${size} hosts: provided; ${lookups} lookups`)
  openedDuring = 0
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()
  const elu0 = performance.eventLoopUtilization()

  const resolveMs: number[] = []
  const hops: number[] = []
  const queried: number[] = []
  const queryMs: number[] = []
  let misses = 0
  let queryTimeouts = 0
  const logger = silentLogger()
  for (let i = 0; i < lookups; i++) {
    const record = pick(records)
    const from = pick(net.peers.filter((p) => !record.holders.has(p.peerId)))
    const tap: Tap = { queried: 0 }
    const resolver = createResolver({
      custodians: { custodianOf: (tokenId) => Promise.resolve(custodians.get(tokenIdToHex(tokenId))) },
      dht: tapped(from, record.holders, tap),
      registry: net.registry,
      network: { peerId: from.host.peerId, dialProtocol: (target, protocol, o) => from.host.libp2p.dialProtocol(target, protocol, o) },
      logger
    }, { cacheTtlMs: 0 })
    const t = performance.now()
    let found = false
    try {
      for await (const e of resolver.resolve(record.id, { signal: timeoutSignal(15_000) })) {
        if (e.name === 'PROVIDER' && e.via === 'dht' && record.holders.has(e.peerId)) {
          found = true
          break
        }
      }
    } catch {
      // timed out: counted as a miss
    }
    if (!found) {
      misses++
      continue
    }
    if (i % 10 === 0) progress(`${size} hosts: lookup ${i}`)
    resolveMs.push(performance.now() - t)
    if (tap.hops !== undefined) hops.push(tap.hops)
    queried.push(tap.queried)
    if (i % 5 === 0) {
      const q = performance.now()
      try {
        for await (const _e of from.host.dht.findProviders(locationKey(record.id), { signal: timeoutSignal(15_000) })) { /* drain */ }
        queryMs.push(performance.now() - q)
      } catch {
        queryTimeouts++
      }
    }
  }

  loopDelay.disable()
  const elu = performance.eventLoopUtilization(elu0)
  for (const p of net.peers) p.host.libp2p.removeEventListener('connection:open', onOpen)
  gc()
  await sleep(200)
  gc()
  const after = process.memoryUsage()
  const hist = new Map<number, number>()
  for (const h of hops) hist.set(h, (hist.get(h) ?? 0) + 1)
  const f = (n: number): string => Number.isNaN(n) ? '-' : n.toFixed(1)
  console.log(`\n# ${size} hosts (ready in ${ready.toFixed(1)} s; routing table mean ${f(mean(tables))}, min ${Math.min(...tables)}; connections per host mean ${f(mean(conns))}, peers connected per host min ${Math.min(...peersConnected)} of ${meshTarget})`)
  console.log(`provide (${provideMs.length} ok, ${provideFailed} timed out at 60 s): p50 ${f(pct(provideMs, 50))} ms  p99 ${f(pct(provideMs, 99))} ms`)
  console.log(`lookups ran ${settle ? `after the network settled (${f(settled)} s with no new connection for ${SETTLE_QUIET_MS / 1000} s)` : 'right after the provides (--no-settle)'}: ${openedDuring} connections opened during them, event loop busy ${(100 * elu.utilization).toFixed(0)} %, delay p50 ${f(loopDelay.percentile(50) / 1e6)} ms p99 ${f(loopDelay.percentile(99) / 1e6)} ms`)
  console.log(`resolve → first provider (${resolveMs.length}, ${misses} missed): p50 ${f(pct(resolveMs, 50))} ms  p99 ${f(pct(resolveMs, 99))} ms  mean ${f(mean(resolveMs))} ms`)
  console.log(`hops to first provider:     mean ${f(mean(hops))}  p50 ${pct(hops, 50)}  max ${Math.max(...hops)}  histogram ${[...hist.entries()].sort((a, b) => a[0] - b[0]).map(([h, n]) => `${h}:${n}`).join(' ')}`)
  console.log(`peers queried until then:   mean ${f(mean(queried))}  p99 ${pct(queried, 99)}`)
  console.log(`full findProviders query (${queryMs.length}, ${queryTimeouts} over 15 s): p50 ${f(pct(queryMs, 50))} ms  p99 ${f(pct(queryMs, 99))} ms`)
  console.log(`memory per host:            heap ${f((after.heapUsed - before.heapUsed) / size / 2 ** 20)} MiB  rss ${f((after.rss - before.rss) / size / 2 ** 20)} MiB`)
  await net.stop()
}

console.log(`dht benchmark: sizes ${sizes.join(', ')}, ${lookups} lookups each, ${RECORDS} records held by 2 peers each, ${maxPeers === undefined ? `the host's default bootstrap (up to ${DEFAULT_BOOTSTRAP_MAX_PEERS} registered peers connected)` : `${maxPeers} bootstrap dials per host`}${process.env.BENCH_HOST !== undefined ? `, host options ${process.env.BENCH_HOST}` : ''} (node ${process.version})`)
for (const size of sizes) await run(size)
