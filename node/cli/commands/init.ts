import { mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { InvalidInputError } from '../../../common/errors.js'
import { DEFAULT_API_LISTEN, DEFAULT_CHAIN_ID, DEFAULT_CHAIN_RPC, DEFAULT_P2P_LISTEN } from '../../config/defaults.js'

/**
 * `healthrelay init --home D --country CC [--chain-rpc url] [--chain-id id] [--api host:port]
 * [--p2p multiaddr]`: writes `D/config.json` (refuses to overwrite one) and creates the node's
 * keys (operator, X25519, lookup secret, KEK, libp2p key); prints what genesis or a
 * MsgRegisterNode proposal needs: peer id, operator address and public keys.
 */
export function registerInit (program: Command, ctx: CliContext): void {
  program.command('init')
    .description('create a node home: config.json and keys')
    .requiredOption('--country <CC>', 'the node\'s ISO 3166-1 alpha-2 country')
    .option('--chain-rpc <url>', 'the chain\'s CometBFT RPC', DEFAULT_CHAIN_RPC)
    .option('--chain-id <id>', 'the chain id', DEFAULT_CHAIN_ID)
    .option('--api <host:port>', 'where the HTTP API listens', DEFAULT_API_LISTEN)
    .option('--p2p <multiaddr>', 'the libp2p listen address', DEFAULT_P2P_LISTEN)
    .option('--announce <multiaddr>', 'an address to announce instead of the listen address')
    .option('--passphrase-file <file>', 'encrypt the key files with the passphrase in this file (or $HEALTHRELAY_KEY_PASSPHRASE)')
    .action(async (opts: { country: string, chainRpc: string, chainId: string, api: string, p2p: string, announce?: string, passphraseFile?: string }, cmd: Command) => {
      const { CONFIG_FILE, parseConfig } = await import('../../config/index.js')
      const { createKeystore } = await import('../../keystore/index.js')
      const { createFileKeyProvider } = await import('../../../relay/crypto/index.js')
      const { loadOrCreatePeerKey } = await import('../../../relay/p2p/index.js')
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
      const { passphraseOf, stderrLogger } = await import('./node-common.js')
      const { home } = globalOptions(cmd)
      const file = join(home, CONFIG_FILE)
      if (existsSync(file)) throw new InvalidInputError(`${file} exists; init never overwrites a node`)
      const config = parseConfig({
        country: opts.country.toUpperCase(),
        api: { listen: opts.api },
        chain: { rpc: opts.chainRpc, chainId: opts.chainId },
        p2p: { listen: [opts.p2p], announce: opts.announce === undefined ? [] : [opts.announce] }
      }, 'the command line')
      await mkdir(home, { recursive: true, mode: 0o700 })
      const logger = stderrLogger('warn')
      const passphrase = await passphraseOf(opts)
      const keystore = createKeystore({ home, country: config.country, ...(passphrase !== undefined ? { passphrase } : {}) }, { logger })
      await keystore.ensure()
      const kek = createFileKeyProvider({ directory: keystore.paths.kekDir })
      await kek.currentKeyId()
      const peerKey = await loadOrCreatePeerKey(keystore.paths.p2pDir)
      await writeFile(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
      const operator = await keystore.operatorKey()
      const x = await keystore.x25519Key()
      ctx.io.out(`initialised ${home} for ${config.country}`)
      ctx.io.out(`  peer id:           ${peerIdFromPrivateKey(peerKey).toString()}`)
      ctx.io.out(`  operator address:  ${operator.address}`)
      ctx.io.out(`  operator pubkey:   ${Buffer.from(operator.publicKey).toString('hex')}`)
      ctx.io.out(`  ed25519 pubkey:    ${Buffer.from(peerKey.publicKey.raw).toString('hex')}`)
      ctx.io.out(`  x25519 pubkey:     ${Buffer.from(x.publicKey).toString('hex')}`)
      ctx.io.out(`  api:               http://${config.api.listen}   p2p: ${config.p2p.listen.join(', ')}`)
    })
}
