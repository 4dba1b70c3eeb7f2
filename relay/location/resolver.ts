/**
 * Resolves a token id to the peers that hold its record: the chain's custodian country, then the
 * DHT's providers kept only when registered to that country (custodian or replica role), with
 * dialable addresses; the country's registered peers as a fallback when the DHT has nothing.
 * Every step has its own time-out; results are cached briefly. `connectToHolder` dials the
 * candidates in turn until one opens the protocol: a dial is the liveness check that stale
 * provider records (offline peers, records moved away) need.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerId, PeerInfo, Stream } from '@libp2p/interface'
import type { QueryEvent } from '@libp2p/kad-dht'
import type { CID } from 'multiformats/cid'
import { Counter, Registry } from 'prom-client'
import type { ComponentLogger } from '../../common/logger.js'
import type { PeerRegistry, RegisteredNode } from '../p2p/registry.js'
import { dialableAddresses } from '../p2p/bootstrap.js'
import { raceSignal } from '../p2p/abort.js'
import { TtlCache } from './cache.js'
import { locationKey, tokenIdToHex } from './key.js'
import { CustodianLookupError, NoHolderReachableError, UnknownTokenError } from './errors.js'
import type { ProviderFoundEvent, ResolveEvent } from './events.js'
import { timeoutSignal } from '../../common/abort.js'

/** The chain's answer to "which country is the custodian of this token" (the `Token` query). */
export interface CustodianLookup {
  custodianOf: (tokenId: Uint8Array, options?: { signal?: AbortSignal }) => Promise<string | undefined>
}

/** The DHT query the resolver runs (kad-dht's `findProviders`). */
export interface ProviderFinder {
  findProviders: (key: CID, options?: { signal?: AbortSignal }) => AsyncIterable<QueryEvent>
}

/** The part of libp2p used to reach a holder. */
export interface HolderNetwork {
  peerId: PeerId
  dialProtocol: (target: Multiaddr[], protocol: string, options?: { signal?: AbortSignal }) => Promise<Stream>
}

export const DEFAULT_CUSTODIAN_TIMEOUT_MS = 5_000
export const DEFAULT_DHT_TIMEOUT_MS = 10_000
export const DEFAULT_DIAL_TIMEOUT_MS = 5_000
export const DEFAULT_PROVIDER_CACHE_TTL_MS = 30_000
export const DEFAULT_CUSTODIAN_CACHE_TTL_MS = 300_000
export const DEFAULT_CACHE_MAX_ENTRIES = 4_096
export const DEFAULT_MAX_ATTEMPTS = 8
/**
 * Registered providers of the custodian country after which the DHT query stops. A record has one
 * holder and perhaps a replica or two, and the first answering peer that stores the provider
 * records names all of them at once; kad-dht itself only stops at `kBucketSize` (20) providers, so
 * without this every resolution would walk every path to its end.
 */
export const DEFAULT_ENOUGH_PROVIDERS = 2

export interface ResolverInit {
  custodianTimeoutMs?: number
  dhtTimeoutMs?: number
  dialTimeoutMs?: number
  /** Life of a cached provider list (0 disables the cache). */
  cacheTtlMs?: number
  /** Life of a cached custodian country (it never changes for a token). */
  custodianCacheTtlMs?: number
  cacheMaxEntries?: number
  /** Providers `connectToHolder` tries at most. */
  maxAttempts?: number
  /** Stop the DHT query after this many accepted providers (fresh resolutions: never). @default DEFAULT_ENOUGH_PROVIDERS */
  enoughProviders?: number
  now?: () => number
}

export interface ResolverComponents {
  custodians: CustodianLookup
  dht: ProviderFinder
  registry: Pick<PeerRegistry, 'get' | 'byCountry'>
  network: HolderNetwork
  logger: ComponentLogger
  metrics?: Registry
}

export interface ResolveOptions {
  signal?: AbortSignal
  /**
   * Skip the provider cache, and walk the DHT query to its end (a re-resolution after a holder
   * failed wants every holder there is).
   */
  fresh?: boolean
  /** Stop the DHT query after this many accepted providers (overrides the resolver's setting). */
  enough?: number
}

export interface ConnectOptions extends ResolveOptions {
  /** Peer ids not to try (e.g. a holder that answered "not here"). */
  exclude?: Iterable<string>
}

export interface HolderConnection {
  readonly stream: Stream
  readonly peerId: string
  readonly via: 'dht' | 'registry'
}

export interface Resolver {
  start: () => Promise<void>
  stop: () => Promise<void>
  resolve: (tokenId: Uint8Array, options?: ResolveOptions) => AsyncGenerator<ResolveEvent, void, undefined>
  /** Drains `resolve` for simple callers: the candidate holders, in discovery order. */
  findHolders: (tokenId: Uint8Array, options?: ResolveOptions) => Promise<ProviderFoundEvent[]>
  connectToHolder: (tokenId: Uint8Array, protocol: string, options?: ConnectOptions) => Promise<HolderConnection>
  /** Forgets the cached providers of a token. */
  invalidate: (tokenId: Uint8Array) => void
}

class LocationResolver implements Resolver {
  readonly #c: ResolverComponents
  readonly #log: ComponentLogger
  readonly #custodianTimeout: number
  readonly #dhtTimeout: number
  readonly #dialTimeout: number
  readonly #maxAttempts: number
  readonly #enough: number
  readonly #providers: TtlCache<ProviderFoundEvent[]>
  readonly #custodians: TtlCache<string>
  readonly #resolves: Counter<'result'>
  readonly #connects: Counter<'result'>
  #shutdown = new AbortController()

  constructor (components: ResolverComponents, init: ResolverInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('relay:location:resolver')
    this.#custodianTimeout = init.custodianTimeoutMs ?? DEFAULT_CUSTODIAN_TIMEOUT_MS
    this.#dhtTimeout = init.dhtTimeoutMs ?? DEFAULT_DHT_TIMEOUT_MS
    this.#dialTimeout = init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
    this.#maxAttempts = init.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    this.#enough = Math.max(1, init.enoughProviders ?? DEFAULT_ENOUGH_PROVIDERS)
    const max = init.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES
    this.#providers = new TtlCache(init.cacheTtlMs ?? DEFAULT_PROVIDER_CACHE_TTL_MS, max, init.now)
    this.#custodians = new TtlCache(init.custodianCacheTtlMs ?? DEFAULT_CUSTODIAN_CACHE_TTL_MS, max, init.now)
    const registers = [components.metrics ?? new Registry()]
    this.#resolves = new Counter({ name: 'healthrelay_location_resolve_total', help: 'Resolutions by result (dht|cache|registry|none|unknown|error)', labelNames: ['result'], registers })
    this.#connects = new Counter({ name: 'healthrelay_location_connect_total', help: 'connectToHolder calls by result (ok|unreachable|unknown|error)', labelNames: ['result'], registers })
  }

  start (): Promise<void> {
    if (this.#shutdown.signal.aborted) this.#shutdown = new AbortController()
    return Promise.resolve()
  }

  stop (): Promise<void> {
    this.#shutdown.abort()
    this.#providers.clear()
    return Promise.resolve()
  }

  invalidate (tokenId: Uint8Array): void {
    this.#providers.delete(tokenIdToHex(tokenId))
  }

  #step (ms: number, signal?: AbortSignal): AbortSignal {
    const signals = [this.#shutdown.signal, timeoutSignal(ms)]
    if (signal !== undefined) signals.push(signal)
    return AbortSignal.any(signals)
  }

  #candidate (tokenId: string, node: RegisteredNode, via: 'dht' | 'registry', info?: PeerInfo): ProviderFoundEvent {
    const own = dialableAddresses(node)
    const fromDht = (info?.multiaddrs ?? []).map((ma) =>
      ma.getComponents().some((c) => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${node.peerId}`))
    return {
      name: 'PROVIDER',
      tokenId,
      peerId: node.peerId,
      country: node.country,
      role: node.role,
      multiaddrs: uniqueAddresses([...fromDht, ...own]),
      via,
      cached: false,
      local: node.peerId === this.#c.network.peerId.toString()
    }
  }

  async * resolve (tokenId: Uint8Array, options: ResolveOptions = {}): AsyncGenerator<ResolveEvent, void, undefined> {
    const hex = tokenIdToHex(tokenId)
    const outer = options.signal
    outer?.throwIfAborted()

    // 1. custodian country, from the chain
    let country = this.#custodians.get(hex)
    if (country === undefined) {
      try {
        const signal = this.#step(this.#custodianTimeout, outer)
        country = await raceSignal(this.#c.custodians.custodianOf(tokenId, { signal }), signal)
      } catch (err) {
        outer?.throwIfAborted()
        this.#resolves.inc({ result: 'error' })
        yield { name: 'QUERY_ERROR', tokenId: hex, step: 'custodian', error: new CustodianLookupError(`custodian lookup failed: ${(err as Error).message}`) }
        return
      }
      if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
        this.#resolves.inc({ result: 'error' })
        yield { name: 'QUERY_ERROR', tokenId: hex, step: 'custodian', error: new CustodianLookupError('the chain returned an invalid custodian country') }
        return
      }
      if (country === undefined) {
        this.#resolves.inc({ result: 'unknown' })
        yield { name: 'UNKNOWN_TOKEN', tokenId: hex }
        return
      }
      this.#custodians.set(hex, country)
    }
    yield { name: 'CUSTODIAN', tokenId: hex, country }

    // 2. cached providers, still registered to that country
    if (options.fresh !== true) {
      const cached = this.#providers.get(hex)
      const still = cached?.filter((p) => this.#c.registry.get(p.peerId)?.country === country)
      if (still !== undefined && still.length > 0) {
        this.#resolves.inc({ result: 'cache' })
        for (const p of still) yield { ...p, cached: true }
        return
      }
    }

    // 3. the DHT, filtered by the registry; stopped once enough providers are in hand
    const enough = options.enough ?? (options.fresh === true ? Infinity : this.#enough)
    const found: ProviderFoundEvent[] = []
    const seen = new Set<string>()
    const query = new AbortController()
    const signal = AbortSignal.any([this.#step(this.#dhtTimeout, outer), query.signal])
    try {
      for await (const event of this.#c.dht.findProviders(locationKey(tokenId), { signal })) {
        if (event.name === 'QUERY_ERROR') {
          yield { name: 'QUERY_ERROR', tokenId: hex, step: 'dht', peerId: event.from.toString(), error: event.error }
          continue
        }
        if (event.name !== 'PROVIDER') continue
        for (const info of event.providers) {
          const id = info.id.toString()
          if (seen.has(id)) continue
          seen.add(id)
          const node = this.#c.registry.get(id)
          if (node === undefined) {
            yield { name: 'IGNORED_PROVIDER', tokenId: hex, peerId: id, reason: 'unregistered' }
            continue
          }
          if (node.country !== country) {
            yield { name: 'IGNORED_PROVIDER', tokenId: hex, peerId: id, reason: 'other-country', country: node.country }
            continue
          }
          const candidate = this.#candidate(hex, node, 'dht', info)
          found.push(candidate)
          yield candidate
        }
        if (found.length >= enough) break
      }
    } catch (err) {
      outer?.throwIfAborted()
      if (this.#shutdown.signal.aborted) throw err
      if (found.length === 0) {
        yield { name: 'QUERY_ERROR', tokenId: hex, step: 'dht', error: err as Error }
      }
    } finally {
      query.abort()
      if (found.length > 0) this.#providers.set(hex, found)
    }
    if (found.length > 0) {
      this.#resolves.inc({ result: 'dht' })
      return
    }

    // 4. nothing in the DHT: the country's registered peers
    const fallback = this.#c.registry.byCountry(country).filter((n) => n.multiaddrs.length > 0 || n.peerId === this.#c.network.peerId.toString())
    this.#resolves.inc({ result: fallback.length > 0 ? 'registry' : 'none' })
    for (const node of fallback) yield this.#candidate(hex, node, 'registry')
  }

  async findHolders (tokenId: Uint8Array, options: ResolveOptions = {}): Promise<ProviderFoundEvent[]> {
    const out: ProviderFoundEvent[] = []
    for await (const event of this.resolve(tokenId, options)) {
      if (event.name === 'PROVIDER') out.push(event)
    }
    return out
  }

  async connectToHolder (tokenId: Uint8Array, protocol: string, options: ConnectOptions = {}): Promise<HolderConnection> {
    const hex = tokenIdToHex(tokenId)
    const exclude = new Set(options.exclude ?? [])
    const attempts: Array<{ peerId: string, error: string }> = []
    const tried = new Set<string>()
    let usedCache = false
    let fromDht = 0
    for (let round = 0; round < 2; round++) {
      const fresh = options.fresh === true || round > 0
      for await (const event of this.resolve(tokenId, { ...options, fresh })) {
        if (event.name === 'UNKNOWN_TOKEN') {
          this.#connects.inc({ result: 'unknown' })
          throw new UnknownTokenError(`no token ${hex} on chain`)
        }
        if (event.name === 'QUERY_ERROR' && event.step === 'custodian') {
          this.#connects.inc({ result: 'error' })
          throw event.error
        }
        if (event.name !== 'PROVIDER') continue
        if (event.cached) usedCache = true
        else if (event.via === 'dht') fromDht++
        if (event.local || exclude.has(event.peerId) || tried.has(event.peerId)) continue
        if (attempts.length >= this.#maxAttempts) break
        tried.add(event.peerId)
        try {
          const stream = await this.#c.network.dialProtocol([...event.multiaddrs], protocol, { signal: this.#step(this.#dialTimeout, options.signal) })
          this.#connects.inc({ result: 'ok' })
          return { stream, peerId: event.peerId, via: event.via }
        } catch (err) {
          options.signal?.throwIfAborted()
          attempts.push({ peerId: event.peerId, error: `${(err as Error).name}: ${(err as Error).message}` })
          this.#log.debug({ tokenId: hex, peerId: event.peerId, err: (err as Error).message }, 'holder unreachable, trying the next')
        }
      }
      // an answer from the cache, or from a DHT query stopped at `enough` providers, that led nowhere
      // earns one fresh resolution (which walks the query to its end)
      const cutShort = !fresh && fromDht >= (options.enough ?? this.#enough)
      if (fresh || (!usedCache && !cutShort) || attempts.length >= this.#maxAttempts) break
      this.invalidate(tokenId)
    }
    this.#connects.inc({ result: 'unreachable' })
    throw new NoHolderReachableError(`no holder of ${hex} could be reached (${attempts.length} tried)`, attempts)
  }
}

function uniqueAddresses (list: Multiaddr[]): Multiaddr[] {
  const seen = new Set<string>()
  return list.filter((ma) => {
    const key = ma.toString()
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Factory: `locationResolver(init)(components)`. */
export function locationResolver (init: ResolverInit = {}): (components: ResolverComponents) => Resolver {
  return (components) => new LocationResolver(components, init)
}

export function createResolver (components: ResolverComponents, init: ResolverInit = {}): Resolver {
  return new LocationResolver(components, init)
}
