import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import type { RegisteredNode, NodeRole } from '../../../../relay/p2p/index.js'

export async function newPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

export function node (peerId: PeerId | string, country = 'DE', role: NodeRole = 'custodian', port = 4001): RegisteredNode {
  return {
    peerId: peerId.toString(),
    country,
    role,
    multiaddrs: [`/ip4/127.0.0.1/tcp/${port}`],
    ed25519PublicKey: new Uint8Array(32).fill(1),
    x25519PublicKey: new Uint8Array(32).fill(2)
  }
}
