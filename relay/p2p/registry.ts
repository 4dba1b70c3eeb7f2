/**
 * The peer registry: which libp2p peers the chain vouches for, their country, role, addresses and
 * keys. The connection gater, the bootstrapper and the location resolver read it; nothing else
 * decides who may connect.
 *
 * `ChainPeerRegistry` refreshes from a narrow source (the daemon backs it with the chain client's
 * `Nodes` query) whenever a block arrives; `StaticPeerRegistry` holds a set given in code (tests,
 * benchmarks). Both fail closed: until a first successful load, and after a failed refresh,
 * `nodes()` is empty and `get()` finds nothing.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidRegisteredNodeError } from './errors.js'

export type NodeRole = 'custodian' | 'replica'

/** A peer registered on chain (`MsgRegisterNode`), validated. */
export interface RegisteredNode {
  /** libp2p peer id, base58btc (`12D3KooW…`). */
  readonly peerId: string
  /** ISO 3166-1 alpha-2 country code, upper case. */
  readonly country: string
  /** Registered multiaddrs (strings, each a valid multiaddr). */
  readonly multiaddrs: readonly string[]
  readonly role: NodeRole
  /** Raw 32-byte Ed25519 public key of the node (signatures). */
  readonly ed25519PublicKey: Uint8Array
  /** Raw 32-byte X25519 public key of the node (key agreement). */
  readonly x25519PublicKey: Uint8Array
}

/** `loading`: never loaded; `ready`: the last refresh succeeded; `unavailable`: it failed. */
export type RegistryState = 'loading' | 'ready' | 'unavailable'

export interface RegistryChange {
  readonly state: RegistryState
  readonly added: readonly RegisteredNode[]
  readonly removed: readonly RegisteredNode[]
  readonly updated: readonly RegisteredNode[]
}

export type RegistryListener = (change: RegistryChange) => void

export interface PeerRegistry {
  readonly state: RegistryState
  /** True when `state` is `ready`. */
  readonly ready: boolean
  /** Registered nodes; empty unless `ready` (fail closed). */
  nodes: () => readonly RegisteredNode[]
  /** The registered node with this peer id; undefined when unknown or not `ready`. */
  get: (peerId: string) => RegisteredNode | undefined
  /** Registered nodes of a country (empty unless `ready`). */
  byCountry: (country: string) => readonly RegisteredNode[]
  /** Called after every change of state or membership; returns an unsubscribe function. */
  onChange: (listener: RegistryListener) => () => void
}

const COUNTRY = /^[A-Z]{2}$/

/** Any value as text for an error message (inputs come from outside and may be of any type). */
function show (value: unknown): string {
  return String(value)
}
const KEY_BYTES = 32

/** Checks one entry from a registry source; throws InvalidRegisteredNodeError. */
export function validateRegisteredNode (node: RegisteredNode): RegisteredNode {
  let canonical: string
  try {
    canonical = peerIdFromString(node.peerId).toString()
  } catch {
    throw new InvalidRegisteredNodeError(`invalid peer id ${show(node.peerId)}`)
  }
  if (typeof node.country !== 'string' || !COUNTRY.test(node.country)) {
    throw new InvalidRegisteredNodeError(`peer ${canonical}: invalid country ${show(node.country)}`)
  }
  if (node.role !== 'custodian' && node.role !== 'replica') {
    throw new InvalidRegisteredNodeError(`peer ${canonical}: invalid role ${show(node.role)}`)
  }
  if (!(node.ed25519PublicKey instanceof Uint8Array) || node.ed25519PublicKey.length !== KEY_BYTES ||
    !(node.x25519PublicKey instanceof Uint8Array) || node.x25519PublicKey.length !== KEY_BYTES) {
    throw new InvalidRegisteredNodeError(`peer ${canonical}: keys must be ${KEY_BYTES} bytes`)
  }
  const multiaddrs: string[] = []
  for (const text of node.multiaddrs) {
    let ma
    try {
      ma = multiaddr(text)
    } catch {
      throw new InvalidRegisteredNodeError(`peer ${canonical}: invalid multiaddr ${show(text)}`)
    }
    const embedded = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (embedded !== undefined && embedded !== canonical) {
      throw new InvalidRegisteredNodeError(`peer ${canonical}: multiaddr ${text} names another peer`)
    }
    multiaddrs.push(ma.toString())
  }
  return Object.freeze({
    peerId: canonical,
    country: node.country,
    role: node.role,
    multiaddrs: Object.freeze(multiaddrs),
    ed25519PublicKey: node.ed25519PublicKey,
    x25519PublicKey: node.x25519PublicKey
  })
}

function sameNode (a: RegisteredNode, b: RegisteredNode): boolean {
  return a.country === b.country && a.role === b.role &&
    a.multiaddrs.length === b.multiaddrs.length && a.multiaddrs.every((m, i) => m === b.multiaddrs[i]) &&
    Buffer.compare(a.ed25519PublicKey, b.ed25519PublicKey) === 0 &&
    Buffer.compare(a.x25519PublicKey, b.x25519PublicKey) === 0
}

/**
 * The shared state machine of registries: holds a validated snapshot, computes differences and
 * notifies listeners. Subclasses feed it with `replace()` and `fail()`.
 */
export abstract class BaseRegistry implements PeerRegistry {
  #state: RegistryState = 'loading'
  #byPeer = new Map<string, RegisteredNode>()
  #list: readonly RegisteredNode[] = []
  readonly #listeners = new Set<RegistryListener>()
  /** Entries dropped by the last `replace()` because they failed validation. */
  protected rejected: Array<{ peerId: string, error: Error }> = []

  get state (): RegistryState { return this.#state }
  get ready (): boolean { return this.#state === 'ready' }

  nodes (): readonly RegisteredNode[] {
    return this.ready ? this.#list : []
  }

  get (peerId: string): RegisteredNode | undefined {
    return this.ready ? this.#byPeer.get(peerId) : undefined
  }

  byCountry (country: string): readonly RegisteredNode[] {
    return this.nodes().filter((n) => n.country === country)
  }

  onChange (listener: RegistryListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Replaces the snapshot (invalid entries are dropped and kept in `rejected`); state → ready. */
  protected replace (entries: Iterable<RegisteredNode>): RegistryChange {
    const next = new Map<string, RegisteredNode>()
    this.rejected = []
    for (const entry of entries) {
      try {
        const node = validateRegisteredNode(entry)
        next.set(node.peerId, node)
      } catch (err) {
        this.rejected.push({ peerId: show(entry?.peerId), error: err as Error })
      }
    }
    const added: RegisteredNode[] = []
    const updated: RegisteredNode[] = []
    const removed: RegisteredNode[] = []
    for (const [id, node] of next) {
      const old = this.#byPeer.get(id)
      if (old === undefined) added.push(node)
      else if (!sameNode(old, node)) updated.push(node)
    }
    for (const [id, node] of this.#byPeer) {
      if (!next.has(id)) removed.push(node)
    }
    const stateChanged = this.#state !== 'ready'
    this.#byPeer = next
    this.#list = Object.freeze([...next.values()])
    this.#state = 'ready'
    const change = { state: this.#state, added, removed, updated }
    if (stateChanged || added.length > 0 || removed.length > 0 || updated.length > 0) this.emit(change)
    return change
  }

  /** Marks the registry unreadable: everything is denied until the next successful load. */
  protected fail (): void {
    if (this.#state === 'unavailable') return
    const wasLoading = this.#state === 'loading'
    this.#state = 'unavailable'
    if (!wasLoading) this.emit({ state: this.#state, added: [], removed: [], updated: [] })
  }

  private emit (change: RegistryChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change)
      } catch {
        // a listener's failure must not stop the others nor the refresh
      }
    }
  }
}

/** A registry whose nodes are set in code (tests, benchmarks, a single-node setup). */
export class StaticPeerRegistry extends BaseRegistry {
  /** Starts `ready` with `nodes`, or `loading` (deny all) when `nodes` is undefined. */
  constructor (nodes?: Iterable<RegisteredNode>) {
    super()
    if (nodes !== undefined) this.replace(nodes)
  }

  /** Replaces the whole set; returns the difference. Invalid entries are dropped. */
  set (nodes: Iterable<RegisteredNode>): RegistryChange {
    return this.replace(nodes)
  }

  /** Simulates an unreadable registry (fail closed). */
  markUnavailable (): void {
    this.fail()
  }

  /** Entries the last `set()` dropped. */
  get invalid (): ReadonlyArray<{ peerId: string, error: Error }> {
    return this.rejected
  }
}
