/**
 * The connection gater: only peers the registry vouches for may connect, in either direction, at
 * every checkpoint libp2p offers (dial, raw connection, after the Noise handshake, after muxing).
 * While the registry is not `ready` every connection is denied (fail closed). Relaying is never
 * allowed. Addresses of unregistered peers are not stored in the peer store.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerRegistry } from './registry.js'

export interface RegistryGaterInit {
  /** The local peer: never "registered-checked" against itself. */
  self?: PeerId
}

/** True when `peer` is registered and the registry is ready. */
export function isRegisteredPeer (registry: Pick<PeerRegistry, 'get'>, peer: PeerId | string): boolean {
  return registry.get(peer.toString()) !== undefined
}

export function registryConnectionGater (registry: Pick<PeerRegistry, 'get' | 'ready'>, init: RegistryGaterInit = {}): ConnectionGater {
  const self = init.self?.toString()
  const allowed = (peer: PeerId): boolean => {
    const id = peer.toString()
    return id !== self && isRegisteredPeer(registry, id)
  }
  const deny = (peer: PeerId): boolean => !allowed(peer)
  return {
    denyDialPeer: deny,
    denyDialMultiaddr: (ma: Multiaddr): boolean => {
      if (!registry.ready) return true
      const id = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
      // without a peer id the remote is checked after the handshake
      return id !== undefined && registry.get(id) === undefined
    },
    denyInboundConnection: (): boolean => !registry.ready,
    denyOutboundConnection: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundUpgradedConnection: deny,
    denyOutboundUpgradedConnection: deny,
    denyInboundRelayReservation: (): boolean => true,
    denyOutboundRelayedConnection: (): boolean => true,
    denyInboundRelayedConnection: (): boolean => true,
    filterMultiaddrForPeer: (peer: PeerId): boolean => peer.toString() === self || allowed(peer)
  }
}
