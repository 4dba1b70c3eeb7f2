import { describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import type { MultiaddrConnection } from '@libp2p/interface'
import { registryConnectionGater, StaticPeerRegistry } from '../../../../relay/p2p/index.js'
import { newPeerId, node } from './fixtures.js'

const conn = {} as unknown as MultiaddrConnection

describe('registryConnectionGater', () => {
  it('lets registered peers through every checkpoint and stops the others', async () => {
    const [self, friend, stranger] = await Promise.all([newPeerId(), newPeerId(), newPeerId()])
    const registry = new StaticPeerRegistry([node(self), node(friend)])
    const gater = registryConnectionGater(registry, { self })
    for (const [peer, denied] of [[friend, false], [stranger, true]] as const) {
      expect(await gater.denyDialPeer?.(peer)).toBe(denied)
      expect(await gater.denyOutboundConnection?.(peer, conn)).toBe(denied)
      expect(await gater.denyInboundEncryptedConnection?.(peer, conn)).toBe(denied)
      expect(await gater.denyOutboundEncryptedConnection?.(peer, conn)).toBe(denied)
      expect(await gater.denyInboundUpgradedConnection?.(peer, conn)).toBe(denied)
      expect(await gater.denyOutboundUpgradedConnection?.(peer, conn)).toBe(denied)
      expect(await gater.denyDialMultiaddr?.(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${peer.toString()}`))).toBe(denied)
      expect(await gater.filterMultiaddrForPeer?.(peer, multiaddr('/ip4/127.0.0.1/tcp/1'))).toBe(!denied)
    }
    // an address without a peer id is checked after the handshake
    expect(await gater.denyDialMultiaddr?.(multiaddr('/ip4/127.0.0.1/tcp/1'))).toBe(false)
    expect(await gater.denyInboundConnection?.(conn)).toBe(false)
    // never relayed
    expect(await gater.denyInboundRelayReservation?.(friend)).toBe(true)
    expect(await gater.denyOutboundRelayedConnection?.(friend, self)).toBe(true)
    expect(await gater.denyInboundRelayedConnection?.(friend, self)).toBe(true)
  })

  it('denies everything while the registry is not loaded or unreadable', async () => {
    const [self, friend] = await Promise.all([newPeerId(), newPeerId()])
    const registry = new StaticPeerRegistry()
    const gater = registryConnectionGater(registry, { self })
    expect(await gater.denyInboundConnection?.(conn)).toBe(true)
    expect(await gater.denyDialPeer?.(friend)).toBe(true)
    expect(await gater.denyDialMultiaddr?.(multiaddr('/ip4/127.0.0.1/tcp/1'))).toBe(true)
    registry.set([node(self), node(friend)])
    expect(await gater.denyDialPeer?.(friend)).toBe(false)
    registry.markUnavailable()
    expect(await gater.denyDialPeer?.(friend)).toBe(true)
    expect(await gater.denyInboundEncryptedConnection?.(friend, conn)).toBe(true)
    expect(await gater.denyInboundConnection?.(conn)).toBe(true)
  })

  it('follows removals at once', async () => {
    const [self, friend] = await Promise.all([newPeerId(), newPeerId()])
    const registry = new StaticPeerRegistry([node(self), node(friend)])
    const gater = registryConnectionGater(registry, { self })
    expect(await gater.denyInboundEncryptedConnection?.(friend, conn)).toBe(false)
    registry.set([node(self)])
    expect(await gater.denyInboundEncryptedConnection?.(friend, conn)).toBe(true)
  })
})
