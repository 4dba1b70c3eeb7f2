/**
 * The node's keystore under `<home>/keys/`: creates the keys a node needs (`ensure`, what
 * `healthrelay init` runs) and reads them, refusing files that group or others can access. The
 * libp2p key and the KEKs are created and read by their owners (relay/p2p, relay/crypto) at the
 * paths given here.
 */
import { mkdir, stat } from 'node:fs/promises'
import type { ComponentLogger } from '../../common/logger.js'
import { keystorePaths, type KeystorePaths } from './paths.js'
import { fileExists, PRIVATE_DIR_MODE } from './files.js'
import { KeyFilePermissionError } from './errors.js'
import { InvalidInputError } from '../../common/errors.js'
import type { ScryptParams } from './passphrase.js'
import { generateChainKey, readChainKey, writeChainKey, type ChainKey } from './chain-key.js'
import { generateX25519Key, readX25519Key, writeX25519Key, type X25519Key } from './x25519-key.js'
import { generateLookupSecret, readLookupSecret, writeLookupSecret } from './lookup-secret.js'

export interface KeystoreInit {
  home: string
  /** The node's country (ISO 3166-1 alpha-2): names its operator key file. */
  country: string
  /** Encrypts the files `ensure` creates and opens encrypted ones. */
  passphrase?: string
  scrypt?: ScryptParams
}

export interface KeystoreComponents {
  logger: ComponentLogger
}

export type KeyName = 'operator' | 'x25519' | 'lookup'

export interface Keystore {
  readonly paths: KeystorePaths
  /** Creates the missing keys (never replaces one); returns the names of those it created. */
  ensure: () => Promise<KeyName[]>
  /** The chain operator key (secp256k1). */
  operatorKey: () => Promise<ChainKey>
  x25519Key: () => Promise<X25519Key>
  lookupSecret: () => Promise<Uint8Array>
}

export function createKeystore (init: KeystoreInit, components: KeystoreComponents): Keystore {
  if (!/^[A-Z]{2}$/.test(init.country)) throw new InvalidInputError('the keystore needs the node\'s ISO 3166-1 alpha-2 country')
  const paths = keystorePaths(init.home, init.country)
  const log = components.logger.forComponent('node:keystore')
  const opts = { passphrase: init.passphrase, scrypt: init.scrypt }

  const ensureDir = async (): Promise<void> => {
    await mkdir(paths.dir, { recursive: true, mode: PRIVATE_DIR_MODE })
    const info = await stat(paths.dir)
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) throw new KeyFilePermissionError(paths.dir, info.mode)
  }

  return {
    paths,
    async ensure () {
      await ensureDir()
      const created: KeyName[] = []
      if (!await fileExists(paths.operatorKey)) {
        const key = generateChainKey()
        await writeChainKey(paths.operatorKey, key, opts)
        log.info({ address: key.address }, 'created the chain operator key')
        created.push('operator')
      }
      if (!await fileExists(paths.x25519Key)) {
        await writeX25519Key(paths.x25519Key, generateX25519Key(), opts)
        log.info('created the node X25519 key')
        created.push('x25519')
      }
      if (!await fileExists(paths.lookupSecret)) {
        await writeLookupSecret(paths.lookupSecret, generateLookupSecret(), opts)
        log.info('created the lookup secret')
        created.push('lookup')
      }
      return created
    },
    operatorKey: async () => readChainKey(paths.operatorKey, opts),
    x25519Key: async () => readX25519Key(paths.x25519Key, opts),
    lookupSecret: async () => readLookupSecret(paths.lookupSecret, opts)
  }
}
