/**
 * The location layer on a real network: 12 libp2p hosts on 127.0.0.1 in one process, five
 * countries with two or three peers each (custodians and replicas), records replicated inside
 * their country, one shared peer registry standing in for the chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { silentLogger } from '../../../common/logger.js'
import { createP2pHost, StaticPeerRegistry, type P2pHost } from '../../../relay/p2p/index.js'
import { tokenIdToHex, type ResolveEvent } from '../../../relay/location/index.js'
import { askHolds, createNetwork, routingTableSize, waitFor, HOLDER_PROTOCOL, type TestNetwork, type TestPeer } from './harness.js'
import { timeoutSignal } from '../../../common/abort.js'

const SPECS = [
  { name: 'de1', country: 'DE', role: 'custodian' }, { name: 'de2', country: 'DE', role: 'custodian' }, { name: 'de3', country: 'DE', role: 'replica' },
  { name: 'fr1', country: 'FR', role: 'custodian' }, { name: 'fr2', country: 'FR', role: 'replica' }, { name: 'fr3', country: 'FR', role: 'replica' },
  { name: 'us1', country: 'US', role: 'custodian' }, { name: 'us2', country: 'US', role: 'replica' },
  { name: 'it1', country: 'IT', role: 'custodian' }, { name: 'it2', country: 'IT', role: 'replica' },
  { name: 'es1', country: 'ES', role: 'custodian' }, { name: 'es2', country: 'ES', role: 'replica' }
] as const

let net: TestNetwork
const tokens: Array<{ id: Uint8Array, holders: TestPeer[] }> = []
const peer = (name: string): TestPeer => {
  const found = net.peers.find((p) => p.spec.name === name)
  if (found === undefined) throw new Error(`no peer ${name}`)
  return found
}

/** The events of a fresh resolution, up to the first provider when `untilProvider`. */
async function collect (p: TestPeer, tokenId: Uint8Array, untilProvider = false): Promise<ResolveEvent[]> {
  const events: ResolveEvent[] = []
  for await (const e of p.resolver.resolve(tokenId, { signal: timeoutSignal(15_000), fresh: true })) {
    events.push(e)
    if (untilProvider && e.name === 'PROVIDER') break
  }
  return events
}

/** Asks holders in turn (next one on "not here") through connectToHolder; true when one holds it. */
async function reachHolder (p: TestPeer, tokenId: Uint8Array): Promise<string> {
  if (p.held.has(tokenIdToHex(tokenId))) return p.peerId // a holder reads its own store
  const exclude: string[] = []
  for (let i = 0; i < 6; i++) {
    const { stream, peerId } = await p.resolver.connectToHolder(tokenId, HOLDER_PROTOCOL, { signal: timeoutSignal(15_000), exclude })
    let holds: boolean
    try {
      holds = await askHolds(stream, tokenId)
    } catch (err) {
      const who = net.peers.find((x) => x.peerId === peerId)
      throw new Error(`${p.spec.name} asking ${who?.spec.name ?? peerId} (started: ${String(who?.host.isStarted)}): ${(err as Error).message}`)
    }
    if (holds) return peerId
    exclude.push(peerId)
  }
  throw new Error('no holder answered yes')
}

beforeAll(async () => {
  net = await createNetwork({ peers: SPECS.map((s) => ({ ...s })), persist: true })
  await net.waitForRoutingTables(3, 60_000)
  // each record is held by two peers of its country; a few by three
  const plan: string[][] = [
    ['de1', 'de2'], ['de2', 'de3'], ['de1', 'de3'], ['de1', 'de2', 'de3'],
    ['fr1', 'fr2'], ['fr2', 'fr3'], ['fr1', 'fr3'],
    ['us1', 'us2'], ['us2', 'us1'],
    ['it1', 'it2'],
    ['es1', 'es2'], ['es2', 'es1']
  ]
  for (const names of plan) {
    const holders = names.map(peer)
    tokens.push({ id: await net.mint(holders), holders })
  }
}, 90_000)

afterAll(async () => {
  await net?.stop()
}, 60_000)

describe('location on a 12-peer network', () => {
  it('resolves every record from every peer to peers of its custodian country that hold it', async () => {
    await Promise.all(net.peers.map(async (p) => {
      for (const { id, holders } of tokens) {
        const events = await collect(p, id, true)
        const custodian = events.find((e) => e.name === 'CUSTODIAN')
        expect(custodian).toMatchObject({ country: holders[0]?.spec.country })
        const providers = events.filter((e) => e.name === 'PROVIDER')
        expect(providers.length).toBeGreaterThan(0)
        for (const e of providers) {
          expect(e.via).toBe('dht')
          expect(e.country).toBe(holders[0]?.spec.country)
          expect(holders.map((h) => h.peerId)).toContain(e.peerId)
          expect(e.multiaddrs.length).toBeGreaterThan(0)
        }
      }
    }))
  })

  it('ignores a registered peer of another country that advertises a record', async () => {
    const first = tokens[0]
    if (first === undefined) throw new Error('no token')
    const intruder = peer('fr1')
    await intruder.provider.provide(first.id, { signal: timeoutSignal(20_000) })
    const events = await collect(peer('us1'), first.id)
    expect(events).toContainEqual(expect.objectContaining({ name: 'IGNORED_PROVIDER', peerId: intruder.peerId, reason: 'other-country', country: 'FR' }))
    const providers = events.filter((e) => e.name === 'PROVIDER')
    expect(providers.length).toBeGreaterThan(0)
    expect(providers.map((e) => e.peerId)).not.toContain(intruder.peerId)
    for (const e of providers) expect(e.country).toBe('DE')
    await intruder.provider.withdraw(first.id)
  })

  it('lets an unregistered peer neither connect nor be dialled', async () => {
    const key = await generateKeyPair('Ed25519')
    const outsiderId = peerIdFromPrivateKey(key)
    // the outsider believes it is registered and tries to join
    const outsiderRegistry = new StaticPeerRegistry([...net.registry.nodes(), {
      peerId: outsiderId.toString(), country: 'DE', role: 'custodian', multiaddrs: [], ed25519PublicKey: key.publicKey.raw, x25519PublicKey: new Uint8Array(32)
    }])
    const outsider: P2pHost = createP2pHost({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: { intervalMs: 0 } }, { registry: outsiderRegistry, logger: silentLogger() })
    await outsider.start()
    try {
      const target = peer('de1')
      const outsiderAddr = outsider.getMultiaddrs()[0]
      const targetAddr = target.host.getMultiaddrs()[0]
      if (outsiderAddr === undefined || targetAddr === undefined) throw new Error('no address')
      // the Noise initiator may finish its half of the handshake, but the target refuses the
      // connection before any protocol runs on it
      await expect(outsider.libp2p.dialProtocol(targetAddr, HOLDER_PROTOCOL, { signal: timeoutSignal(5_000) })).rejects.toThrow()
      await expect(outsider.libp2p.services.ping.ping(targetAddr, { signal: timeoutSignal(5_000) })).rejects.toThrow()
      await expect(target.host.libp2p.dial(outsiderAddr, { signal: timeoutSignal(5_000) })).rejects.toThrow()
      // without the peer id in the address, the handshake reveals it and the gater refuses it
      const bare = outsiderAddr.decapsulateCode(421)
      await expect(target.host.libp2p.dial(bare, { signal: timeoutSignal(5_000) })).rejects.toThrow()
      await expect(target.host.libp2p.dialProtocol(outsiderId, HOLDER_PROTOCOL, { signal: timeoutSignal(5_000) })).rejects.toThrow()
      await waitFor(() => outsider.libp2p.getConnections().length === 0, 10_000, 'the outsider to hold no connection')
      for (const p of net.peers) expect(p.host.libp2p.getConnections(outsiderId)).toHaveLength(0)
      // and it never gets into a DHT routing table
      expect(routingTableSize(outsider)).toBe(0)
    } finally {
      await outsider.stop()
    }
  })

  it('keeps its peer id and routing table across a restart', async () => {
    const p = peer('es2')
    const before = p.host.peerId.toString()
    await net.stopPeer(p)
    // no bootstrap dials: whatever the routing table holds comes from the datastore
    net.build(p, net.registry, { bootstrap: { maxPeers: 0, intervalMs: 0 } })
    await net.startPeer(p)
    expect(p.host.peerId.toString()).toBe(before)
    expect(p.peerId).toBe(before)
    await waitFor(() => routingTableSize(p.host) > 0, 20_000, 'the restored routing table')
    const token = tokens.find((t) => t.holders[0]?.spec.country === 'DE')
    if (token === undefined) throw new Error('no token')
    const events = await collect(p, token.id, true)
    expect(events.find((e) => e.name === 'PROVIDER')).toMatchObject({ via: 'dht', country: 'DE' })
    net.publishAddresses([p])
  })

  it('still reaches a live holder of every record with 30% of the peers stopped', async () => {
    const stopped = ['de3', 'fr2', 'us2', 'it1'].map(peer)
    expect(stopped.length / net.peers.length).toBeGreaterThanOrEqual(0.3)
    await Promise.all(stopped.map(net.stopPeer))
    const live = net.peers.filter((p) => !stopped.includes(p))
    await Promise.all(live.map(async (p) => {
      for (const { id, holders } of tokens) {
        const holder = await reachHolder(p, id)
        expect(holders.filter((h) => !stopped.includes(h)).map((h) => h.peerId)).toContain(holder)
      }
    }))
  })

  it('disconnects a peer removed from the registry and stops trusting its advertisements', async () => {
    const removed = peer('es1')
    await waitFor(() => removed.host.libp2p.getConnections().length > 0, 20_000, 'es1 to have connections')
    net.registry.set(net.registry.nodes().filter((n) => n.peerId !== removed.peerId))
    await waitFor(() => net.peers.every((p) => !p.host.isStarted || p.host.libp2p.getConnections(removed.host.peerId).length === 0), 10_000, 'every peer to hang up es1')
    await expect(peer('de1').host.libp2p.dialProtocol(removed.host.peerId, HOLDER_PROTOCOL, { signal: timeoutSignal(5_000) })).rejects.toThrow()
    const esToken = tokens.find((t) => t.holders[0] === removed)
    if (esToken === undefined) throw new Error('no token')
    const events = await collect(peer('fr1'), esToken.id)
    expect(events.filter((e) => e.name === 'PROVIDER').map((e) => e.peerId)).not.toContain(removed.peerId)
    expect(await reachHolder(peer('fr1'), esToken.id)).toBe(peer('es2').peerId)
    expect(tokenIdToHex(esToken.id)).toHaveLength(64)
  })
})
