/**
 * A network of real libp2p hosts on 127.0.0.1 (port 0) in one process, sharing one peer registry,
 * each with a location provider and resolver, and a tiny "do you hold it?" protocol that stands
 * in for the relay protocol so that tests can check who really holds a record.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey, Stream } from '@libp2p/interface'
import { silentLogger } from '../../../common/logger.js'
import {
  createP2pHost, loadOrCreatePeerKey, StaticPeerRegistry,
  type P2pHost, type P2pHostInit, type PeerRegistry, type RegisteredNode, type NodeRole
} from '../../../relay/p2p/index.js'
import {
  createProvider, createResolver, tokenIdToHex, type Provider, type Resolver, type ResolverInit
} from '../../../relay/location/index.js'
import { timeoutSignal } from '../../../common/abort.js'

export const HOLDER_PROTOCOL = '/healthrelay/test/holder/1.0.0'

export interface PeerSpec { name: string, country: string, role: NodeRole }

export interface TestPeer {
  readonly spec: PeerSpec
  readonly key: PrivateKey
  readonly peerId: string
  readonly dir?: string
  host: P2pHost
  provider: Provider
  resolver: Resolver
  /** Token ids (hex) this peer holds. */
  readonly held: Set<string>
}

export interface NetworkInit {
  peers: PeerSpec[]
  /** Persist keys and datastores under a temp dir (slower; needed for restart tests). */
  persist?: boolean
  host?: Partial<P2pHostInit>
  resolver?: ResolverInit
}

export interface TestNetwork {
  readonly peers: TestPeer[]
  readonly registry: StaticPeerRegistry
  /** Token id (hex) → custodian country, as the chain would answer. */
  readonly custodians: Map<string, string>
  readonly root?: string
  registeredNode: (peer: TestPeer) => RegisteredNode
  /** Builds (not starts) host, provider and resolver of a peer against a registry. */
  build: (peer: TestPeer, registry?: PeerRegistry, host?: Partial<P2pHostInit>) => void
  /** Starts host, holder protocol, provider and resolver of a built peer. */
  startPeer: (peer: TestPeer) => Promise<void>
  stopPeer: (peer: TestPeer) => Promise<void>
  /** Publishes every peer's current listen addresses in the registry. */
  publishAddresses: (peers?: TestPeer[]) => void
  waitForRoutingTables: (min: number, timeoutMs?: number) => Promise<void>
  /** Mints a token held by `holders` (first is the custodian country) and provides it from each. */
  mint: (holders: TestPeer[]) => Promise<Uint8Array>
  stop: () => Promise<void>
}

export function routingTableSize (host: P2pHost): number {
  return (host.dht as unknown as { routingTable: { size: number } }).routingTable.size
}

export async function waitFor (check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Reads until the remote closes its writable end. Listens to the stream's events rather than its
 * async iterator: an iterator attached after the remote's close-write would wait forever.
 */
async function readAll (stream: Stream, signal: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  return await new Promise<Uint8Array>((resolve, reject) => {
    const finished = (): boolean => stream.remoteWriteStatus === 'closed' && stream.readBufferLength === 0
    const cleanup = (): void => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('remoteCloseWrite', onEnd)
      stream.removeEventListener('close', onEnd)
      signal.removeEventListener('abort', onAbort)
    }
    const onEnd = (): void => { cleanup(); resolve(Buffer.concat(chunks)) }
    const onMessage = (evt: { data: Uint8Array | { subarray: () => Uint8Array } }): void => {
      chunks.push(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
      if (finished()) onEnd()
    }
    const onAbort = (): void => { cleanup(); stream.abort(new Error('read timed out')); reject(new Error('read timed out')) }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('remoteCloseWrite', onEnd)
    stream.addEventListener('close', onEnd)
    signal.addEventListener('abort', onAbort, { once: true })
    if (finished()) onEnd()
  })
}

/** Asks the peer at the other end of `stream` whether it holds `tokenId`. */
export async function askHolds (stream: Stream, tokenId: Uint8Array, timeoutMs = 5_000): Promise<boolean> {
  const signal = timeoutSignal(timeoutMs)
  const reading = readAll(stream, signal)
  stream.send(new TextEncoder().encode(tokenIdToHex(tokenId)))
  await stream.close({ signal })
  const answer = await reading
  return new TextDecoder().decode(answer) === 'yes'
}

async function serveHolds (peer: TestPeer, stream: Stream): Promise<void> {
  const signal = timeoutSignal(5_000)
  const request = new TextDecoder().decode(await readAll(stream, signal))
  stream.send(new TextEncoder().encode(peer.held.has(request) ? 'yes' : 'no'))
  await stream.close({ signal })
}

export async function createNetwork (init: NetworkInit): Promise<TestNetwork> {
  const root = init.persist === true ? await mkdtemp(join(tmpdir(), 'hr-location-')) : undefined
  const registry = new StaticPeerRegistry()
  const custodians = new Map<string, string>()
  const peers: TestPeer[] = []
  const logger = silentLogger()
  for (const spec of init.peers) {
    const dir = root === undefined ? undefined : join(root, spec.name, 'p2p')
    const key = dir === undefined ? await generateKeyPair('Ed25519') : await loadOrCreatePeerKey(dir)
    peers.push({ spec, key, dir, peerId: peerIdFromPrivateKey(key).toString(), held: new Set(), host: undefined as unknown as P2pHost, provider: undefined as unknown as Provider, resolver: undefined as unknown as Resolver })
  }
  const addrs = new Map<string, string[]>()
  const registeredNode = (peer: TestPeer): RegisteredNode => ({
    peerId: peer.peerId,
    country: peer.spec.country,
    role: peer.spec.role,
    multiaddrs: addrs.get(peer.peerId) ?? [],
    ed25519PublicKey: peer.key.publicKey.raw,
    x25519PublicKey: new Uint8Array(32).fill(7)
  })
  const build = (peer: TestPeer, reg: PeerRegistry = registry, hostInit: Partial<P2pHostInit> = {}): void => {
    peer.host = createP2pHost({
      ...(peer.dir === undefined ? { privateKey: peer.key } : { dir: peer.dir }),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      ...init.host,
      ...hostInit
    }, { registry: reg, logger })
    peer.provider = createProvider({
      routing: { provide: async (cid, o) => { await peer.host.libp2p.contentRouting.provide(cid, o) }, cancelReprovide: async (cid, o) => { await peer.host.libp2p.contentRouting.cancelReprovide(cid, o) } },
      held: { heldTokenIds: async function * () { for (const hex of [...peer.held]) yield await Promise.resolve(Buffer.from(hex, 'hex')) } },
      logger
    }, { reprovideOnStart: false, reprovideIntervalMs: 0 })
    peer.resolver = createResolver({
      custodians: { custodianOf: (tokenId) => Promise.resolve(custodians.get(tokenIdToHex(tokenId))) },
      dht: { findProviders: (key, o) => peer.host.dht.findProviders(key, o) },
      registry: reg,
      network: { get peerId () { return peer.host.peerId }, dialProtocol: async (target, protocol, o) => peer.host.libp2p.dialProtocol(target, protocol, o) },
      logger
    }, init.resolver)
  }
  const publishAddresses = (list: TestPeer[] = peers): void => {
    for (const peer of list) {
      if (peer.host.isStarted) addrs.set(peer.peerId, peer.host.getMultiaddrs().map((m) => m.toString()))
    }
    registry.set(peers.filter((p) => registry.get(p.peerId) !== undefined || list.includes(p)).map(registeredNode))
  }
  // register every peer (no addresses yet), start them, then publish their addresses
  registry.set(peers.map(registeredNode))
  for (const peer of peers) build(peer)
  const startPeer = async (peer: TestPeer): Promise<void> => {
    await peer.host.start()
    await peer.host.libp2p.handle(HOLDER_PROTOCOL, (stream) => { serveHolds(peer, stream).catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) }) })
    await peer.provider.start()
    await peer.resolver.start()
  }
  const stopPeer = async (peer: TestPeer): Promise<void> => {
    await peer.resolver.stop()
    await peer.provider.stop()
    await peer.host.stop()
  }
  await Promise.all(peers.map(startPeer))
  publishAddresses()

  return {
    peers,
    registry,
    custodians,
    root,
    registeredNode,
    build,
    startPeer,
    stopPeer,
    publishAddresses,
    waitForRoutingTables: async (min, timeoutMs = 20_000) => {
      await waitFor(() => peers.every((p) => !p.host.isStarted || routingTableSize(p.host) >= min), timeoutMs, `routing tables of ${min} peers`)
    },
    mint: async (holders) => {
      const tokenId = new Uint8Array(randomBytes(32))
      const first = holders[0]
      if (first === undefined) throw new Error('a token needs a holder')
      custodians.set(tokenIdToHex(tokenId), first.spec.country)
      for (const holder of holders) holder.held.add(tokenIdToHex(tokenId))
      await Promise.all(holders.map(async (holder) => { await holder.provider.provide(tokenId, { signal: timeoutSignal(20_000) }) }))
      return tokenId
    },
    stop: async () => {
      await Promise.allSettled(peers.map(stopPeer))
      if (root !== undefined) await rm(root, { recursive: true, force: true })
    }
  }
}
