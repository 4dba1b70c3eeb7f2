/**
 * relay/p2p: the node's libp2p host and who may talk to it.
 *
 * - `p2pHost(init)(components)` / `createP2pHost(init, components)`: TCP (+ optional WebSockets),
 *   Noise, Yamux, identify, ping, private kad-dht `/healthrelay/kad/1.0.0`; key and datastore under
 *   `init.dir` (`peer.key`, `datastore/`).
 * - `PeerRegistry` (registered nodes, fail-closed state, change notifications) with
 *   `ChainPeerRegistry` (reloads from a `NodeSource` on every block of a `BlockNotifier`) and
 *   `StaticPeerRegistry` (set in code).
 * - `registryConnectionGater(registry)`: only registered peers connect, both ways.
 */
export {
  p2pHost, createP2pHost, DHT_PROTOCOL, DEFAULT_LISTEN, DEFAULT_MAX_CONNECTIONS,
  DEFAULT_INBOUND_CONNECTION_THRESHOLD, DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS, DATASTORE_DIR,
  type P2pHost, type P2pHostInit, type P2pHostComponents, type HostLibp2p, type HostServices, type HostDhtInit
} from './host.js'
export {
  validateRegisteredNode, BaseRegistry, StaticPeerRegistry,
  type PeerRegistry, type RegisteredNode, type NodeRole, type RegistryState, type RegistryChange, type RegistryListener
} from './registry.js'
export {
  ChainPeerRegistry, DEFAULT_REGISTRY_REFRESH_TIMEOUT_MS, DEFAULT_REGISTRY_RETRY_INTERVAL_MS,
  type NodeSource, type BlockNotifier, type ChainPeerRegistryInit, type ChainPeerRegistryComponents
} from './chain-registry.js'
export { registryConnectionGater, isRegisteredPeer, type RegistryGaterInit } from './gater.js'
export {
  RegistryBootstrapper, dialableAddresses, DEFAULT_BOOTSTRAP_MAX_PEERS, DEFAULT_BOOTSTRAP_CONCURRENCY,
  DEFAULT_BOOTSTRAP_DIAL_TIMEOUT_MS, DEFAULT_BOOTSTRAP_INTERVAL_MS,
  type BootstrapInit, type BootstrapNetwork, type BootstrapComponents
} from './bootstrap.js'
export { raceSignal, errorMessage } from './abort.js'
export { loadOrCreatePeerKey, loadOrCreatePeerId, PEER_KEY_FILE } from './keys.js'
export {
  PeerKeyFileError, InvalidRegisteredNodeError, RegistryUnavailableError, HostNotStartedError, InvalidHostAddressError
} from './errors.js'
