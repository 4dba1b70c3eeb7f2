/**
 * Where the node's keys live under `--home`:
 *
 *     <home>/keys/              mode 0700
 *       <CC>-operator.json      chain operator key, secp256k1, as `healthrelay chain init` writes it (chain-key.ts)
 *       x25519.json             the node's X25519 key (x25519-key.ts)
 *       lookup.json             the per-node HMAC secret for identifier lookups (lookup-secret.ts)
 *       kek/                    key-encryption keys, owned by relay/crypto (createFileKeyProvider({ directory: kekDir }))
 *     <home>/p2p/peer.key       libp2p Ed25519 identity, owned by relay/p2p (host `dir` / loadOrCreatePeerKey(p2pDir))
 *
 * Every file is mode 0600; any of the JSON files may be passphrase-encrypted (passphrase.ts).
 */
import { join } from 'node:path'

export const KEYS_DIR = 'keys'

export interface KeystorePaths {
  readonly dir: string
  /** `<home>/keys/<CC>-operator.json` */
  readonly operatorKey: string
  readonly x25519Key: string
  readonly lookupSecret: string
  /** `<home>/p2p`: give this to the relay/p2p host's `dir` (or loadOrCreatePeerKey). */
  readonly p2pDir: string
  readonly p2pKey: string
  /** Give this to relay/crypto's createFileKeyProvider. */
  readonly kekDir: string
}

/** The operator key file of `country` (ISO 3166-1 alpha-2) under a keys directory. */
export function operatorKeyFile (keysDir: string, country: string): string {
  return join(keysDir, `${country}-operator.json`)
}

export function keystorePaths (home: string, country: string): KeystorePaths {
  const dir = join(home, KEYS_DIR)
  return {
    dir,
    operatorKey: operatorKeyFile(dir, country),
    x25519Key: join(dir, 'x25519.json'),
    lookupSecret: join(dir, 'lookup.json'),
    p2pDir: join(home, 'p2p'),
    p2pKey: join(home, 'p2p', 'peer.key'),
    kekDir: join(dir, 'kek')
  }
}
