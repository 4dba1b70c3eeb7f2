/* eslint-disable @typescript-eslint/require-await -- fakes implement async interfaces without awaiting */
import { describe, expect, it } from 'vitest'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId } from '@libp2p/interface'
import { silentLogger } from '../../../../common/logger.js'
import { dialableAddresses, RegistryBootstrapper, StaticPeerRegistry, type BootstrapNetwork } from '../../../../relay/p2p/index.js'
import { newPeerId, node } from './fixtures.js'

class FakeNetwork implements BootstrapNetwork {
  connected = new Map<string, PeerId>()
  dialled: string[] = []
  hungUp: string[] = []
  constructor (readonly peerId: PeerId, readonly unreachable = new Set<string>()) {}

  async dial (target: Multiaddr[]): Promise<Connection> {
    const id = target[0]?.getComponents().findLast((c) => c.name === 'p2p')?.value ?? ''
    this.dialled.push(id)
    if (this.unreachable.has(id)) throw new Error('refused')
    const { peerIdFromString } = await import('@libp2p/peer-id')
    this.connected.set(id, peerIdFromString(id))
    return {} as unknown as Connection
  }

  getConnections (): Connection[] {
    return [...this.connected.values()].map((remotePeer) => ({ remotePeer }) as unknown as Connection)
  }

  async hangUp (peer: PeerId): Promise<void> {
    this.hungUp.push(peer.toString())
    this.connected.delete(peer.toString())
  }
}

describe('RegistryBootstrapper', () => {
  it('dials registered peers whose id sorts after ours, and hangs up removed ones', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, newPeerId))
    ids.sort((a, b) => a.toString() < b.toString() ? -1 : 1)
    const self = ids[2] as PeerId
    const registry = new StaticPeerRegistry(ids.map((id, i) => node(id, 'DE', 'custodian', 4000 + i)))
    const network = new FakeNetwork(self)
    const boot = new RegistryBootstrapper({ network, registry, logger: silentLogger() }, { intervalMs: 0 })
    await boot.sweep()
    expect(network.dialled.sort()).toEqual(ids.slice(3).map(String).sort())
    // the periodic sweep dials everyone still missing
    await boot.sweep(true)
    expect([...network.connected.keys()].sort()).toEqual(ids.filter((id) => id !== self).map(String).sort())
    // governance removes a peer: it is hung up at the next sweep
    const removed = ids[4] as PeerId
    registry.set(ids.filter((id) => id !== removed).map((id, i) => node(id, 'DE', 'custodian', 4000 + i)))
    await boot.sweep()
    expect(network.hungUp).toEqual([removed.toString()])
    expect(network.connected.has(removed.toString())).toBe(false)
  })

  it('hangs up no one while the registry is unreadable', async () => {
    const [self, other] = await Promise.all([newPeerId(), newPeerId()])
    const registry = new StaticPeerRegistry([node(self), node(other)])
    const network = new FakeNetwork(self)
    network.connected.set(other.toString(), other)
    registry.markUnavailable()
    const boot = new RegistryBootstrapper({ network, registry, logger: silentLogger() }, { intervalMs: 0 })
    await boot.sweep(true)
    expect(network.hungUp).toEqual([])
    expect(network.dialled).toEqual([])
  })

  it('stops at maxPeers and moves past unreachable peers', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, newPeerId))
    const [self, ...others] = ids as [PeerId, ...PeerId[]]
    const registry = new StaticPeerRegistry(ids.map((id, i) => node(id, 'DE', 'custodian', 4000 + i)))
    const network = new FakeNetwork(self, new Set([others[0]?.toString() ?? '', others[1]?.toString() ?? '']))
    const boot = new RegistryBootstrapper({ network, registry, logger: silentLogger() }, { intervalMs: 0, maxPeers: 3, concurrency: 1 })
    await boot.sweep(true)
    expect(network.connected.size).toBe(3)
  })

  it('dials registered addresses with the peer id appended', async () => {
    const id = await newPeerId()
    const addrs = dialableAddresses({ peerId: id.toString(), multiaddrs: ['/ip4/10.0.0.1/tcp/4001', `/dns4/de.example/tcp/4001/p2p/${id.toString()}`] })
    expect(addrs.map(String)).toEqual([`/ip4/10.0.0.1/tcp/4001/p2p/${id.toString()}`, `/dns4/de.example/tcp/4001/p2p/${id.toString()}`])
  })
})
