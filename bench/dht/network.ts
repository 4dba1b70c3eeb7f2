/**
 * Builds an in-process network of real p2p hosts on 127.0.0.1 for the DHT benchmark: one shared
 * static registry (countries round-robin), ephemeral keys, in-memory datastores.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { createLogger, silentLogger } from '../../common/logger.js'
import { createP2pHost, StaticPeerRegistry, type P2pHost, type P2pHostInit, type RegisteredNode } from '../../relay/p2p/index.js'

export const COUNTRIES = ['DE', 'FR', 'US', 'IT', 'ES', 'NL', 'PL', 'SE', 'PT', 'AT'] as const

export interface BenchPeer {
  readonly key: PrivateKey
  readonly peerId: string
  readonly country: string
  readonly host: P2pHost
}

export interface BenchNetwork {
  readonly peers: BenchPeer[]
  readonly registry: StaticPeerRegistry
  stop: () => Promise<void>
}

export function routingTableSize (host: P2pHost): number {
  return (host.dht as unknown as { routingTable: { size: number } }).routingTable.size
}

/** `maxPeers`: registered peers each host connects to (the host's default when undefined: all). */
export async function buildNetwork (size: number, maxPeers?: number, hostInit: Omit<P2pHostInit, 'privateKey' | 'listen' | 'dir'> = {}): Promise<BenchNetwork> {
  const registry = new StaticPeerRegistry()
  // BENCH_LOG=debug shows the hosts' own logs (dial failures, registry changes)
  const level = process.env.BENCH_LOG
  const logger = level === 'debug' || level === 'info' ? createLogger({ level }) : silentLogger()
  const peers: BenchPeer[] = []
  for (let i = 0; i < size; i++) {
    const key = await generateKeyPair('Ed25519')
    const country = COUNTRIES[i % COUNTRIES.length] ?? 'DE'
    peers.push({
      key,
      peerId: peerIdFromPrivateKey(key).toString(),
      country,
      host: createP2pHost({ ...hostInit, privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: { ...(maxPeers !== undefined ? { maxPeers } : {}), ...hostInit.bootstrap } }, { registry, logger })
    })
  }
  const entries = (withAddrs: boolean): RegisteredNode[] => peers.map((p) => ({
    peerId: p.peerId,
    country: p.country,
    role: 'custodian',
    multiaddrs: withAddrs ? p.host.getMultiaddrs().map((m) => m.toString()) : [],
    ed25519PublicKey: p.key.publicKey.raw,
    x25519PublicKey: new Uint8Array(32)
  }))
  registry.set(entries(false))
  // start in small groups so that 100 hosts do not all open sockets in the same tick
  for (let i = 0; i < peers.length; i += 10) {
    await Promise.all(peers.slice(i, i + 10).map(async (p) => { await p.host.start() }))
  }
  registry.set(entries(true))
  return {
    peers,
    registry,
    stop: async () => {
      await Promise.allSettled(peers.map(async (p) => { await p.host.stop() }))
    }
  }
}
