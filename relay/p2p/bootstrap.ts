/**
 * Keeps the host connected to the registered network: dials registered peers at start, on every
 * registry change and on a slow maintenance period (bounded in number and concurrency), and hangs
 * up every connected peer the registry no longer holds.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId } from '@libp2p/interface'
import type { ComponentLogger } from '../../common/logger.js'
import type { PeerRegistry, RegisteredNode } from './registry.js'
import { errorMessage } from './abort.js'
import { timeoutSignal } from '../../common/abort.js'

/**
 * Registered peers the bootstrapper dials until this many are connected (the DHT finds the rest).
 * The network is the registry's agencies, tens to a few hundred peers, so a node keeps a connection
 * to each of them up to this bound: a resolution is then one DHT hop over a warm connection, with no
 * Noise handshake on a doctor's request path. bench/dht, 100 hosts in one process (two query
 * paths): resolve → first provider p50 96 ms with every host connected to the others, 193 ms when
 * each dials 8 and learns the rest from query answers (kad-dht then pings, hence dials, every new
 * contact an answer names, and those handshakes sit in front of the lookups). About 0.1 MiB per
 * connection.
 */
export const DEFAULT_BOOTSTRAP_MAX_PEERS = 128
export const DEFAULT_BOOTSTRAP_CONCURRENCY = 4
export const DEFAULT_BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000
export const DEFAULT_BOOTSTRAP_INTERVAL_MS = 30_000

export interface BootstrapInit {
  /** Stop dialling once this many registered peers are connected. */
  maxPeers?: number
  concurrency?: number
  dialTimeoutMs?: number
  /** Maintenance period (0: only at start and on registry changes). */
  intervalMs?: number
}

/** The part of libp2p the bootstrapper uses. */
export interface BootstrapNetwork {
  peerId: PeerId
  dial: (target: Multiaddr[], options?: { signal?: AbortSignal }) => Promise<Connection>
  getConnections: () => Connection[]
  hangUp: (peer: PeerId, options?: { signal?: AbortSignal }) => Promise<void>
}

export interface BootstrapComponents {
  network: BootstrapNetwork
  registry: PeerRegistry
  logger: ComponentLogger
}

/** The registered addresses of `node`, each ending in `/p2p/<peer id>`. */
export function dialableAddresses (node: Pick<RegisteredNode, 'peerId' | 'multiaddrs'>): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const text of node.multiaddrs) {
    const ma = multiaddr(text)
    const hasPeer = ma.getComponents().some((c) => c.name === 'p2p')
    out.push(hasPeer ? ma : ma.encapsulate(`/p2p/${node.peerId}`))
  }
  return out
}

export class RegistryBootstrapper {
  readonly #c: BootstrapComponents
  readonly #log: ComponentLogger
  readonly #maxPeers: number
  readonly #concurrency: number
  readonly #dialTimeoutMs: number
  readonly #intervalMs: number
  #controller?: AbortController
  #unsubscribe?: () => void
  #timer?: ReturnType<typeof setInterval>
  #running?: Promise<void>
  #again = false
  #maintenance = false

  constructor (components: BootstrapComponents, init: BootstrapInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('relay:p2p:bootstrap')
    this.#maxPeers = init.maxPeers ?? DEFAULT_BOOTSTRAP_MAX_PEERS
    this.#concurrency = init.concurrency ?? DEFAULT_BOOTSTRAP_CONCURRENCY
    this.#dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_BOOTSTRAP_DIAL_TIMEOUT_MS
    this.#intervalMs = init.intervalMs ?? DEFAULT_BOOTSTRAP_INTERVAL_MS
  }

  start (): void {
    if (this.#controller !== undefined) return
    this.#controller = new AbortController()
    this.#unsubscribe = this.#c.registry.onChange(() => { this.kick() })
    if (this.#intervalMs > 0) {
      this.#timer = setInterval(() => { this.kick(true) }, this.#intervalMs)
      this.#timer.unref?.()
    }
    this.kick()
  }

  async stop (): Promise<void> {
    if (this.#controller === undefined) return
    this.#unsubscribe?.()
    clearInterval(this.#timer)
    this.#controller.abort()
    this.#controller = undefined
    await this.#running?.catch(() => {})
  }

  /** Runs a sweep now (or once more after the running one). */
  kick (maintenance = false): void {
    if (this.#controller === undefined) return
    this.#maintenance ||= maintenance
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#running = (async () => {
      do {
        this.#again = false
        const full = this.#maintenance
        this.#maintenance = false
        await this.sweep(full)
      } while (this.#again && this.#controller !== undefined)
    })()
      .catch((err: unknown) => { this.#log.error({ err: errorMessage(err) }, 'bootstrap sweep failed') })
      .finally(() => { this.#running = undefined })
  }

  /**
   * Hangs up unregistered peers, then dials registered ones up to `maxPeers` (`maintenance`: any
   * missing peer; otherwise only peers whose id sorts after ours).
   */
  async sweep (maintenance = false, options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal ?? this.#controller?.signal ?? new AbortController().signal
    if (signal.aborted) return
    const { network, registry } = this.#c
    const connected = new Set<string>()
    if (registry.ready) {
      for (const conn of network.getConnections()) {
        const id = conn.remotePeer.toString()
        if (registry.get(id) === undefined) {
          this.#log.info({ peerId: id }, 'hanging up a peer that is no longer registered')
          await network.hangUp(conn.remotePeer, { signal: AbortSignal.any([signal, timeoutSignal(this.#dialTimeoutMs)]) })
            .catch((err: unknown) => { this.#log.warn({ peerId: id, err: errorMessage(err) }, 'hang-up failed') })
        } else {
          connected.add(id)
        }
      }
    }
    const self = network.peerId.toString()
    // When every peer learns of the others at once (a registry change), both ends of a pair would
    // dial each other and libp2p would drop one of the two connections (and the streams on it).
    // Change-driven sweeps therefore dial only peers whose id sorts after ours; the periodic
    // maintenance sweep dials anyone still missing.
    const candidates = registry.nodes()
      .filter((n) => n.peerId !== self && !connected.has(n.peerId) && n.multiaddrs.length > 0 &&
        (maintenance || n.peerId > self))
    shuffle(candidates)
    let budget = Math.max(0, this.#maxPeers - connected.size)
    const queue = candidates
    const worker = async (): Promise<void> => {
      while (queue.length > 0 && !signal.aborted && budget > 0) {
        const node = queue.shift()
        if (node === undefined) return
        try {
          await network.dial(dialableAddresses(node), { signal: AbortSignal.any([signal, timeoutSignal(this.#dialTimeoutMs)]) })
          budget--
        } catch (err) {
          this.#log.debug({ peerId: node.peerId, err: (err as Error).message }, 'bootstrap dial failed')
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length) }, worker))
  }
}

function shuffle (items: unknown[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const a = items[i]
    items[i] = items[j]
    items[j] = a
  }
}
