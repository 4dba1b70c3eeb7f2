import { resolve } from 'node:path'
import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { InvalidInputError } from '../../../common/errors.js'

/**
 * `healthrelay keys`: this node's public keys, peer id and operator address (never a private key);
 * `healthrelay keys doctor --provider-id ID --country CC --out FILE`: a new doctor key file (the
 * doctor's own Ed25519 and X25519 keys, for demos and tests; give its public keys to
 * `credential issue --doctor-key FILE`).
 */
export function registerKeys (program: Command, ctx: CliContext): void {
  const keys = program.command('keys')
    .description('show this node\'s public keys, peer id and operator address')
    .option('--json', 'print as JSON')
    .option('--passphrase-file <file>', 'the key files\' passphrase')
    .action(async (opts: { json?: boolean, passphraseFile?: string }, cmd: Command) => {
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
      const { createKeystore } = await import('../../keystore/index.js')
      const { loadOrCreatePeerKey } = await import('../../../relay/p2p/index.js')
      const { passphraseOf, requireConfig, stderrLogger } = await import('./node-common.js')
      const { home } = globalOptions(cmd)
      const config = requireConfig(home)
      const passphrase = await passphraseOf(opts)
      const ks = createKeystore({ home, country: config.country, ...(passphrase !== undefined ? { passphrase } : {}) }, { logger: stderrLogger('warn') })
      const operator = await ks.operatorKey()
      const x = await ks.x25519Key()
      const peerKey = await loadOrCreatePeerKey(ks.paths.p2pDir)
      const out = {
        country: config.country,
        peerId: peerIdFromPrivateKey(peerKey).toString(),
        operatorAddress: operator.address,
        operatorPublicKey: Buffer.from(operator.publicKey).toString('hex'),
        ed25519PublicKey: Buffer.from(peerKey.publicKey.raw).toString('hex'),
        x25519PublicKey: Buffer.from(x.publicKey).toString('hex')
      }
      if (opts.json === true) { ctx.io.out(JSON.stringify(out, null, 2)); return }
      for (const [k, v] of Object.entries(out)) ctx.io.out(`${k.padEnd(18)} ${v}`)
    })
  keys.command('doctor')
    .description('create a doctor key file (the doctor\'s own keys; the node never holds them)')
    .requiredOption('--provider-id <id>', 'the provider\'s id')
    .requiredOption('--country <CC>', 'the provider\'s country')
    .requiredOption('--out <file>', 'where to write the key file (mode 0600)')
    .action(async (opts: { providerId: string, country: string, out: string }) => {
      const { generateDoctorKeys, writeDoctorKeyFile } = await import('../../keystore/index.js')
      if (!/^[A-Z]{2}$/.test(opts.country)) throw new InvalidInputError('--country: an ISO 3166-1 alpha-2 code')
      const k = generateDoctorKeys(opts.providerId, opts.country)
      const file = resolve(opts.out)
      await writeDoctorKeyFile(file, k)
      ctx.io.out(`wrote ${file}`)
      ctx.io.out(`  ed25519 public key: ${Buffer.from(k.ed25519.publicKey).toString('hex')}`)
      ctx.io.out(`  x25519 public key:  ${Buffer.from(k.x25519.publicKey).toString('hex')}`)
    })
}
