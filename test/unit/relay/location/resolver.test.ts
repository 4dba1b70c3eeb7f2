/* eslint-disable @typescript-eslint/require-await -- fakes implement async interfaces without awaiting */
import { describe, expect, it } from 'vitest'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { PeerId, Stream } from '@libp2p/interface'
import type { QueryEvent } from '@libp2p/kad-dht'
import type { CID } from 'multiformats/cid'
import { silentLogger } from '../../../../common/logger.js'
import { StaticPeerRegistry, type NodeRole } from '../../../../relay/p2p/index.js'
import { createResolver, tokenIdToHex, type ResolveEvent, type ResolverInit } from '../../../../relay/location/index.js'
import { newPeerId, node } from '../p2p/fixtures.js'

const TOKEN = new Uint8Array(32).fill(9)
const PROTOCOL = '/healthrelay/relay/1.0.0'

interface Peer { id: PeerId, country: string, role: NodeRole, port: number }

async function world (specs: Array<[string, NodeRole]>): Promise<{ self: PeerId, peers: Peer[], registry: StaticPeerRegistry }> {
  const self = await newPeerId()
  const peers: Peer[] = []
  for (const [i, [country, role]] of specs.entries()) peers.push({ id: await newPeerId(), country, role, port: 5000 + i })
  const registry = new StaticPeerRegistry([node(self, 'FR'), ...peers.map((p) => node(p.id, p.country, p.role, p.port))])
  return { self, peers, registry }
}

function providerEvent (from: PeerId, providers: Array<{ id: PeerId, multiaddrs?: Multiaddr[] }>): QueryEvent {
  return { name: 'PROVIDER', type: 4, from, providers: providers.map((p) => ({ id: p.id, multiaddrs: p.multiaddrs ?? [] })), path: { index: 0, queued: 0, running: 0, total: 1 } } as unknown as QueryEvent
}

interface Options {
  dht?: (key: CID, signal?: AbortSignal) => AsyncIterable<QueryEvent>
  custodian?: (tokenId: Uint8Array) => Promise<string | undefined>
  dial?: (target: Multiaddr[]) => Promise<Stream>
  init?: ResolverInit
}

function make (self: PeerId, registry: StaticPeerRegistry, o: Options): { resolver: ReturnType<typeof createResolver>, dhtCalls: () => number, dialled: string[] } {
  let calls = 0
  const dialled: string[] = []
  const resolver = createResolver({
    custodians: { custodianOf: o.custodian ?? (async () => 'DE') },
    dht: { findProviders: (key, options) => { calls++; return (o.dht ?? (async function * () {}))(key, options?.signal) } },
    registry,
    network: {
      peerId: self,
      dialProtocol: async (target) => {
        dialled.push(target[0]?.getComponents().findLast((c) => c.name === 'p2p')?.value ?? '')
        return await (o.dial ?? (async () => ({ id: 's1' }) as unknown as Stream))(target)
      }
    },
    logger: silentLogger()
  }, o.init)
  return { resolver, dhtCalls: () => calls, dialled }
}

/** A DHT query that never answers until aborted. */
function hangingDht (_key: CID, signal?: AbortSignal): AsyncIterable<QueryEvent> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => await new Promise<IteratorResult<QueryEvent>>((_resolve, reject) => {
        signal?.addEventListener('abort', () => { reject(new Error('aborted')) })
      })
    })
  }
}

async function drain (it: AsyncIterable<ResolveEvent>): Promise<ResolveEvent[]> {
  const out: ResolveEvent[] = []
  for await (const e of it) out.push(e)
  return out
}

describe('resolver', () => {
  it('keeps only providers registered to the custodian country, with dialable addresses', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian'], ['DE', 'replica'], ['FR', 'custodian']])
    const [de1, de2, fr1] = peers as [Peer, Peer, Peer]
    const stranger = await newPeerId()
    const { resolver } = make(self, registry, {
      dht: async function * () {
        yield providerEvent(de1.id, [{ id: de1.id, multiaddrs: [multiaddr('/ip4/10.0.0.5/tcp/4001')] }, { id: fr1.id }])
        yield providerEvent(de2.id, [{ id: stranger }, { id: de2.id }])
      }
    })
    const events = await drain(resolver.resolve(TOKEN))
    expect(events[0]).toEqual({ name: 'CUSTODIAN', tokenId: tokenIdToHex(TOKEN), country: 'DE' })
    const providers = events.filter((e) => e.name === 'PROVIDER')
    expect(providers.map((e) => [e.peerId, e.role, e.via])).toEqual([[de1.id.toString(), 'custodian', 'dht'], [de2.id.toString(), 'replica', 'dht']])
    // the DHT's address first, then the registered one, all with /p2p/
    expect(providers[0]?.multiaddrs.map(String)).toEqual([`/ip4/10.0.0.5/tcp/4001/p2p/${de1.id.toString()}`, `/ip4/127.0.0.1/tcp/${de1.port}/p2p/${de1.id.toString()}`])
    // no address from the DHT: the registered one
    expect(providers[1]?.multiaddrs.map(String)).toEqual([`/ip4/127.0.0.1/tcp/${de2.port}/p2p/${de2.id.toString()}`])
    const ignored = events.filter((e) => e.name === 'IGNORED_PROVIDER')
    expect(ignored).toContainEqual(expect.objectContaining({ peerId: fr1.id.toString(), reason: 'other-country', country: 'FR' }))
    expect(ignored).toContainEqual(expect.objectContaining({ peerId: stranger.toString(), reason: 'unregistered' }))
  })

  it('falls back to the country\'s registered peers when the DHT has nothing', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian'], ['DE', 'replica'], ['US', 'custodian']])
    const { resolver } = make(self, registry, {})
    const providers = (await drain(resolver.resolve(TOKEN))).filter((e) => e.name === 'PROVIDER')
    expect(providers.map((e) => e.peerId).sort()).toEqual([peers[0]?.id.toString(), peers[1]?.id.toString()].sort())
    for (const e of providers) expect(e.via).toBe('registry')
  })

  it('reports an unknown token and a failed or slow custodian lookup as events', async () => {
    const { self, registry } = await world([['DE', 'custodian']])
    const unknown = make(self, registry, { custodian: async () => undefined }).resolver
    expect(await drain(unknown.resolve(TOKEN))).toEqual([{ name: 'UNKNOWN_TOKEN', tokenId: tokenIdToHex(TOKEN) }])
    const failing = make(self, registry, { custodian: async () => { throw new Error('rpc down') } }).resolver
    const failed = await drain(failing.resolve(TOKEN))
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ name: 'QUERY_ERROR', step: 'custodian' })
    expect((failed[0] as { error: Error }).error.name).toBe('CustodianLookupError')
    const silent = make(self, registry, { custodian: async () => await new Promise<never>(() => {}), init: { custodianTimeoutMs: 50 } }).resolver
    expect(await drain(silent.resolve(TOKEN))).toEqual([expect.objectContaining({ name: 'QUERY_ERROR', step: 'custodian' })])
    const invalid = make(self, registry, { custodian: async () => 'germany' }).resolver
    expect(await drain(invalid.resolve(TOKEN))).toEqual([expect.objectContaining({ name: 'QUERY_ERROR', step: 'custodian' })])
  })

  it('times the DHT out, reports it, and falls back', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian']])
    const { resolver } = make(self, registry, {
      init: { dhtTimeoutMs: 50 },
      dht: hangingDht
    })
    const events = await drain(resolver.resolve(TOKEN))
    expect(events.map((e) => e.name)).toEqual(['CUSTODIAN', 'QUERY_ERROR', 'PROVIDER'])
    expect(events[2]).toMatchObject({ peerId: peers[0]?.id.toString(), via: 'registry' })
  })

  it('serves repeated resolutions from a short-lived cache', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian']])
    const de1 = peers[0] as Peer
    let now = 1_000
    const { resolver, dhtCalls } = make(self, registry, {
      init: { cacheTtlMs: 100, now: () => now },
      dht: async function * () { yield providerEvent(de1.id, [{ id: de1.id }]) }
    })
    await drain(resolver.resolve(TOKEN))
    const second = (await drain(resolver.resolve(TOKEN))).filter((e) => e.name === 'PROVIDER')
    expect(second).toEqual([expect.objectContaining({ peerId: de1.id.toString(), cached: true })])
    expect(dhtCalls()).toBe(1)
    now += 101
    await drain(resolver.resolve(TOKEN))
    expect(dhtCalls()).toBe(2)
    // a peer removed from the registry is not served from the cache
    registry.set([node(self, 'FR')])
    const third = (await drain(resolver.resolve(TOKEN))).filter((e) => e.name === 'PROVIDER')
    expect(third).toEqual([])
  })

  it('connectToHolder tries the next provider when one fails', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian'], ['DE', 'replica'], ['DE', 'replica']])
    const [a, b, c] = peers as [Peer, Peer, Peer]
    const { resolver, dialled } = make(self, registry, {
      dht: async function * () { yield providerEvent(a.id, [{ id: a.id }, { id: b.id }, { id: c.id }]) },
      dial: async (target) => {
        if (!String(target[0]).endsWith(c.id.toString())) throw Object.assign(new Error('connection refused'), { name: 'DialError' })
        return { id: 'stream' } as unknown as Stream
      }
    })
    const holder = await resolver.connectToHolder(TOKEN, PROTOCOL, { exclude: [] })
    expect(holder).toMatchObject({ peerId: c.id.toString(), via: 'dht' })
    expect(dialled).toEqual([a.id.toString(), b.id.toString(), c.id.toString()])
  })

  it('connectToHolder throws named errors when nothing can be reached', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian'], ['DE', 'replica']])
    const { resolver } = make(self, registry, { dial: async () => { throw new Error('refused') } })
    const err = await resolver.connectToHolder(TOKEN, PROTOCOL).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'NoHolderReachableError' })
    expect((err as { attempts: unknown[] }).attempts).toHaveLength(peers.length)
    const unknown = make(self, registry, { custodian: async () => undefined }).resolver
    await expect(unknown.connectToHolder(TOKEN, PROTOCOL)).rejects.toMatchObject({ name: 'UnknownTokenError' })
  })

  it('connectToHolder re-resolves when the cached holders are gone', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian'], ['DE', 'replica']])
    const [a, b] = peers as [Peer, Peer]
    let current = a
    const { resolver, dhtCalls } = make(self, registry, {
      dht: async function * () { yield providerEvent(current.id, [{ id: current.id }]) },
      dial: async (target) => {
        if (String(target[0]).endsWith(b.id.toString())) return { id: 'stream' } as unknown as Stream
        throw new Error('refused')
      }
    })
    await drain(resolver.resolve(TOKEN)) // caches a
    current = b // the record moved
    const holder = await resolver.connectToHolder(TOKEN, PROTOCOL)
    expect(holder.peerId).toBe(b.id.toString())
    expect(dhtCalls()).toBe(2)
  })

  it('stops the DHT query once enough providers of the custodian country are in hand; a fresh resolution walks it to its end', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian'], ['FR', 'custodian'], ['DE', 'replica'], ['DE', 'replica']])
    const [a, fr, b, c] = peers as [Peer, Peer, Peer, Peer]
    let ended = 0
    const dht = async function * (key: CID, signal?: AbortSignal): AsyncGenerator<QueryEvent> {
      yield providerEvent(a.id, [{ id: a.id }, { id: fr.id }])
      yield providerEvent(b.id, [{ id: b.id }])
      yield providerEvent(c.id, [{ id: c.id }])
      ended++
      yield * hangingDht(key, signal) // a query that still has paths running
    }
    const { resolver } = make(self, registry, { dht, init: { cacheTtlMs: 0 } })
    const holders = await resolver.findHolders(TOKEN)
    expect(holders.map((h) => h.peerId)).toEqual([a.id.toString(), b.id.toString()])
    expect(ended).toBe(0)
    expect((await resolver.findHolders(TOKEN, { enough: 1 })).map((h) => h.peerId)).toEqual([a.id.toString()])
    // fresh: every provider; the caller's signal ends the query
    const controller = new AbortController()
    const events: ResolveEvent[] = []
    await expect((async () => {
      for await (const e of resolver.resolve(TOKEN, { fresh: true, signal: controller.signal })) {
        events.push(e)
        if (e.name === 'PROVIDER' && e.peerId === c.id.toString()) setTimeout(() => { controller.abort() }, 10)
      }
    })()).rejects.toThrow()
    expect(events.filter((e) => e.name === 'PROVIDER').map((e) => e.name === 'PROVIDER' ? e.peerId : '')).toEqual([a, b, c].map((p) => p.id.toString()))
    expect(ended).toBe(1)
  })

  it('connectToHolder resolves afresh when the providers of a query stopped early all fail', async () => {
    const { self, peers, registry } = await world([['DE', 'custodian'], ['DE', 'replica'], ['DE', 'replica']])
    const [a, b, c] = peers as [Peer, Peer, Peer]
    const { resolver, dhtCalls, dialled } = make(self, registry, {
      dht: async function * () {
        yield providerEvent(a.id, [{ id: a.id }, { id: b.id }])
        yield providerEvent(c.id, [{ id: c.id }])
      },
      dial: async (target) => {
        if (String(target[0]).endsWith(c.id.toString())) return { id: 'stream' } as unknown as Stream
        throw new Error('refused')
      },
      init: { cacheTtlMs: 0 }
    })
    const holder = await resolver.connectToHolder(TOKEN, PROTOCOL)
    expect(holder.peerId).toBe(c.id.toString())
    expect(dialled).toEqual([a, b, c].map((p) => p.id.toString()))
    expect(dhtCalls()).toBe(2)
  })

  it('stops when the caller aborts', async () => {
    const { self, registry } = await world([['DE', 'custodian']])
    const { resolver } = make(self, registry, {
      dht: hangingDht
    })
    const controller = new AbortController()
    setTimeout(() => { controller.abort() }, 20)
    await expect(drain(resolver.resolve(TOKEN, { signal: controller.signal }))).rejects.toThrow()
  })
})
