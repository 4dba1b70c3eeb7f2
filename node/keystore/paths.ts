/**
 * Where the node's keys live under `--home`:
 *
 *     <home>/keys/              mode 0700
 *       chain.json              chain operator key, secp256k1 (chain-key.ts)
 *       x25519.json             the node's X25519 key (x25519-key.ts)
 *       lookup.json             the per-node HMAC secret for identifier lookups (lookup-secret.ts)
 *       p2p/peer.key            libp2p Ed25519 identity, owned by relay/p2p (loadOrCreatePeerKey(p2pDir))
 *       kek/                    key-encryption keys, owned by relay/crypto (createFileKeyProvider({ directory: kekDir }))
 *
 * Every file is mode 0600; any of the JSON files may be passphrase-encrypted (passphrase.ts).
 */
import { join } from 'node:path'

export const KEYS_DIR = 'keys'

export interface KeystorePaths {
  readonly dir: string
  readonly chainKey: string
  readonly x25519Key: string
  readonly lookupSecret: string
  /** Give this to relay/p2p's loadOrCreatePeerKey / the host's `dir`. */
  readonly p2pDir: string
  readonly p2pKey: string
  /** Give this to relay/crypto's createFileKeyProvider. */
  readonly kekDir: string
}

export function keystorePaths (home: string): KeystorePaths {
  const dir = join(home, KEYS_DIR)
  return {
    dir,
    chainKey: join(dir, 'chain.json'),
    x25519Key: join(dir, 'x25519.json'),
    lookupSecret: join(dir, 'lookup.json'),
    p2pDir: join(dir, 'p2p'),
    p2pKey: join(dir, 'p2p', 'peer.key'),
    kekDir: join(dir, 'kek')
  }
}
