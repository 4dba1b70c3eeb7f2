/**
 * The libp2p host of a node: TCP (WebSockets optional), Noise, Yamux, identify, ping and a private
 * kad-dht (`/healthrelay/kad/1.0.0`, server mode, no public bootstrappers), gated by the peer
 * registry. Its identity and datastore (peer store, hence the DHT routing table, and provider
 * records) persist under `dir` so that both survive restarts.
 *
 * `p2pHost(init)(components)` builds it; `start()` loads the key, opens the datastore, starts
 * libp2p and the bootstrapper; `stop()` undoes them in reverse.
 */
import { join } from 'node:path'
import { mkdir } from 'node:fs/promises'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { kadDHT, type KadDHT, type KadDHTInit } from '@libp2p/kad-dht'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { LevelDatastore } from 'datastore-level'
import { MemoryDatastore } from 'datastore-core'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { PeerId, PeerInfo, PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { ComponentLogger } from '../../common/logger.js'
import './decoder-patch.js'
import { loadOrCreatePeerKey } from './keys.js'
import { registryConnectionGater } from './gater.js'
import { RegistryBootstrapper, type BootstrapInit } from './bootstrap.js'
import type { PeerRegistry } from './registry.js'
import { HostNotStartedError, InvalidHostAddressError } from './errors.js'

/** The private DHT's protocol (DESIGN.md §4). */
export const DHT_PROTOCOL = '/healthrelay/kad/1.0.0'
export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/4001'] as const
export const DEFAULT_MAX_CONNECTIONS = 300
/** Inbound connections per second from one host; many nodes may share 127.0.0.1. */
export const DEFAULT_INBOUND_CONNECTION_THRESHOLD = 1_000
export const DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS = 256
export const DATASTORE_DIR = 'datastore'
/**
 * The connection monitor (libp2p pings every connection every 10 s by default) is off unless
 * `abortConnectionOnPingFailure` asks for it: without that flag it only measures round-trip times
 * nobody reads, and with every peer connected to every other it costs a stream per connection per
 * period (traced with 30 hosts in one process: 2,980 ping streams to 177 DHT streams during lookups).
 */
export const DEFAULT_CONNECTION_PING_INTERVAL_MS = 10_000
/**
 * Ping streams per connection. libp2p's default (1 out, 2 in) makes the DHT's "ping a new contact
 * before adding it to the routing table" fail whenever another ping to that peer is in flight (the
 * connection monitor's, or the DHT's own old-contact check), and the peer then stays out of the
 * routing table.
 */
export const DEFAULT_PING_STREAMS = 8
/**
 * DHT query shape. kad-dht's defaults (20 disjoint paths of concurrency 10) send a request to every
 * routing-table peer at once; with a provider record stored on the 20 peers closest to the key, the
 * closest few peers nearly always hold it, so a narrow first wave answers as fast and costs a fraction
 * of the streams, peer-store updates and new-contact dials. One path: disjoint paths (S/Kademlia)
 * guard against adversarial routing in an open network, while here every peer is a registered agency
 * behind the gater and every provider found is checked against the registry and confirmed by a dial;
 * alpha 3 keeps a slow peer from stalling the query. bench/dht, 100 hosts: p50 52 ms with one path,
 * 96 ms with two (each lookup's second path was 3 more answers of 20 peers on both sides, wasted once
 * the first answer named the holders).
 */
export const DEFAULT_DHT_ALPHA = 3
export const DEFAULT_DHT_DISJOINT_PATHS = 1

export type HostServices = { dht: KadDHT, identify: Identify, ping: Ping }
export type HostLibp2p = Libp2p<HostServices>

/** DHT tuning passed through to kad-dht (its defaults when absent). */
export type HostDhtInit = Pick<KadDHTInit, 'kBucketSize' | 'alpha' | 'disjointPaths' | 'querySelfInterval' |
'initialQuerySelfInterval' | 'providers' | 'reprovide' | 'networkDialTimeout'>

export interface P2pHostInit {
  /**
   * Directory of the host's state (`peer.key`, `datastore/`), typically `<home>/p2p`. Without it
   * the host is ephemeral: `privateKey` or a fresh key, and an in-memory datastore.
   */
  dir?: string
  /** Identity to use when `dir` is absent. */
  privateKey?: PrivateKey
  /** Listen multiaddrs. @default DEFAULT_LISTEN */
  listen?: readonly string[]
  /** Addresses announced to peers instead of the listen addresses (e.g. a public address). */
  announce?: readonly string[]
  /** Adds the WebSockets transport (listen on `/ws` addresses). @default false */
  webSockets?: boolean
  maxConnections?: number
  inboundConnectionThreshold?: number
  maxIncomingPendingConnections?: number
  /**
   * Close a connection whose periodic ping fails. Off by default: registered peers are long-lived
   * servers, and on a starved CPU a slow ping would cut every connection at once (TCP errors still
   * close connections, and the DHT times out unresponsive peers by itself).
   * @default false
   */
  abortConnectionOnPingFailure?: boolean
  /**
   * Period of the connection monitor's ping on every open connection; 0 turns the monitor off.
   * @default DEFAULT_CONNECTION_PING_INTERVAL_MS when `abortConnectionOnPingFailure`, else 0
   */
  connectionPingIntervalMs?: number
  /** The DHT protocol; change only for isolated test networks. @default DHT_PROTOCOL */
  dhtProtocol?: string
  dht?: HostDhtInit
  bootstrap?: BootstrapInit
}

export interface P2pHostComponents {
  registry: PeerRegistry
  logger: ComponentLogger
}

export interface P2pHost {
  /** The peer id (after `start()`). */
  readonly peerId: PeerId
  /** The running libp2p node (after `start()`). */
  readonly libp2p: HostLibp2p
  /** The kad-dht service (after `start()`). */
  readonly dht: KadDHT
  readonly isStarted: boolean
  getMultiaddrs: () => Multiaddr[]
  start: () => Promise<void>
  stop: () => Promise<void>
}

function parseAddresses (list: readonly string[], what: string): string[] {
  return list.map((text) => {
    try {
      return multiaddr(text).toString()
    } catch {
      throw new InvalidHostAddressError(`invalid ${what} address ${text}`)
    }
  })
}

class Host implements P2pHost {
  readonly #init: P2pHostInit
  readonly #c: P2pHostComponents
  readonly #log: ComponentLogger
  #node?: HostLibp2p
  #datastore?: Datastore & { close?: () => Promise<void> }
  #bootstrapper?: RegistryBootstrapper
  #starting?: Promise<void>

  constructor (init: P2pHostInit, components: P2pHostComponents) {
    this.#init = init
    this.#c = components
    this.#log = components.logger.forComponent('relay:p2p:host')
    parseAddresses(init.listen ?? DEFAULT_LISTEN, 'listen')
    parseAddresses(init.announce ?? [], 'announce')
  }

  get isStarted (): boolean { return this.#node !== undefined }

  get libp2p (): HostLibp2p {
    if (this.#node === undefined) throw new HostNotStartedError('the p2p host is not started')
    return this.#node
  }

  get peerId (): PeerId { return this.libp2p.peerId }
  get dht (): KadDHT { return this.libp2p.services.dht }

  getMultiaddrs (): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  async start (): Promise<void> {
    if (this.#node !== undefined) return
    this.#starting ??= this.#start().finally(() => { this.#starting = undefined })
    return this.#starting
  }

  async #start (): Promise<void> {
    const init = this.#init
    const { registry } = this.#c
    let privateKey: PrivateKey
    let datastore: Datastore & { open?: () => Promise<void>, close?: () => Promise<void> }
    if (init.dir !== undefined) {
      privateKey = await loadOrCreatePeerKey(init.dir)
      await mkdir(join(init.dir, DATASTORE_DIR), { recursive: true, mode: 0o700 })
      datastore = new LevelDatastore(join(init.dir, DATASTORE_DIR))
    } else {
      privateKey = init.privateKey ?? await generateKeyPair('Ed25519')
      datastore = new MemoryDatastore()
    }
    await datastore.open?.()
    this.#datastore = datastore
    const self = peerIdFromPrivateKey(privateKey)
    const registered = (peer: PeerInfo): PeerInfo =>
      peer.id.equals(self) || registry.get(peer.id.toString()) !== undefined ? peer : { id: peer.id, multiaddrs: [] }
    const monitorInterval = init.connectionPingIntervalMs ??
      (init.abortConnectionOnPingFailure === true ? DEFAULT_CONNECTION_PING_INTERVAL_MS : 0)
    try {
      const node = await createLibp2p<HostServices>({
        privateKey,
        datastore,
        start: false,
        addresses: {
          listen: parseAddresses(init.listen ?? DEFAULT_LISTEN, 'listen'),
          ...(init.announce !== undefined && init.announce.length > 0 ? { announce: parseAddresses(init.announce, 'announce') } : {})
        },
        transports: init.webSockets === true ? [tcp(), webSockets()] : [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionGater: registryConnectionGater(registry, { self }),
        connectionMonitor: {
          enabled: monitorInterval > 0,
          ...(monitorInterval > 0 ? { pingInterval: monitorInterval } : {}),
          abortConnectionOnPingFailure: init.abortConnectionOnPingFailure ?? false
        },
        connectionManager: {
          maxConnections: init.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
          inboundConnectionThreshold: init.inboundConnectionThreshold ?? DEFAULT_INBOUND_CONNECTION_THRESHOLD,
          maxIncomingPendingConnections: init.maxIncomingPendingConnections ?? DEFAULT_MAX_INCOMING_PENDING_CONNECTIONS
        },
        peerDiscovery: [],
        services: {
          identify: identify(),
          ping: ping({ maxInboundStreams: DEFAULT_PING_STREAMS, maxOutboundStreams: DEFAULT_PING_STREAMS }),
          dht: kadDHT({
            alpha: DEFAULT_DHT_ALPHA,
            disjointPaths: DEFAULT_DHT_DISJOINT_PATHS,
            ...init.dht,
            protocol: init.dhtProtocol ?? DHT_PROTOCOL,
            clientMode: false,
            peerInfoMapper: registered
          })
        }
      })
      await node.start()
      this.#node = node
      this.#bootstrapper = new RegistryBootstrapper({ network: node, registry, logger: this.#c.logger }, init.bootstrap)
      this.#bootstrapper.start()
      this.#log.info({ peerId: self.toString(), addrs: node.getMultiaddrs().map((m) => m.toString()) }, 'p2p host started')
    } catch (err) {
      await this.#closeDatastore()
      throw err
    }
  }

  async stop (): Promise<void> {
    await this.#starting?.catch(() => {})
    const node = this.#node
    if (node === undefined) return
    this.#node = undefined
    await this.#bootstrapper?.stop()
    this.#bootstrapper = undefined
    await node.stop()
    await this.#closeDatastore()
    this.#log.info({ peerId: node.peerId.toString() }, 'p2p host stopped')
  }

  async #closeDatastore (): Promise<void> {
    const ds = this.#datastore
    this.#datastore = undefined
    await ds?.close?.()
  }
}

/** Factory in the style of libp2p's services: `p2pHost(init)(components)`. */
export function p2pHost (init: P2pHostInit = {}): (components: P2pHostComponents) => P2pHost {
  return (components) => new Host(init, components)
}

/** Builds a host in one call (same as `p2pHost(init)(components)`). */
export function createP2pHost (init: P2pHostInit, components: P2pHostComponents): P2pHost {
  return new Host(init, components)
}
