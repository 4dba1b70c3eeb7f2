import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { InvalidInputError } from '../../../common/errors.js'

const hex32 = (name: string, v: string | undefined): Uint8Array => {
  if (v === undefined || !/^[0-9a-f]{64}$/.test(v)) throw new InvalidInputError(`${name}: 32 bytes as lower-case hex`)
  return new Uint8Array(Buffer.from(v, 'hex'))
}

interface IssueOpts {
  providerId: string, name: string, role: string, licence: string, ed25519?: string, x25519?: string, doctorKey?: string,
  ttl?: string, out?: string, passphraseFile?: string
}

/**
 * `healthrelay credential issue`: signs a ProviderCredential with this node's Ed25519 key (its
 * libp2p peer key) over the doctor's OWN public keys (`--ed25519`/`--x25519`, or those of
 * `--doctor-key FILE`, into which the credential is then written); prints it as JSON
 * `{ id, providerId, country, expiresAt, payload, signature }` (hex).
 * `healthrelay credential revoke <id>`: MsgRevokeCredential signed by this node's operator key.
 */
export function registerCredential (program: Command, ctx: CliContext): void {
  const credential = program.command('credential').description('provider credentials')
  credential.command('issue')
    .description('issue a credential over a doctor\'s own public keys')
    .requiredOption('--provider-id <id>', 'the provider\'s id (e.g. a national licence number)')
    .requiredOption('--name <name>', 'the provider\'s name')
    .option('--role <role>', 'the provider\'s role', 'physician')
    .requiredOption('--licence <licence>', 'the licence reference')
    .option('--ed25519 <hex>', 'the doctor\'s Ed25519 public key')
    .option('--x25519 <hex>', 'the doctor\'s X25519 public key')
    .option('--doctor-key <file>', 'take the public keys from this doctor key file and write the credential into it')
    .option('--ttl <seconds>', 'lifetime in seconds (default: the config\'s relay.credentialTtlSeconds)')
    .option('--out <file>', 'also write the credential JSON to this file')
    .option('--passphrase-file <file>', 'the key files\' passphrase')
    .action(async (opts: IssueOpts, cmd: Command) => {
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
      const { issueCredential } = await import('../../../relay/protocol/index.js')
      const { loadOrCreatePeerKey } = await import('../../../relay/p2p/index.js')
      const { readDoctorKeyFile, withCredential, writeDoctorKeyFile } = await import('../../keystore/index.js')
      const { requireConfig } = await import('./node-common.js')
      const { home } = globalOptions(cmd)
      const config = requireConfig(home)
      const ttl = opts.ttl === undefined ? config.relay.credentialTtlSeconds : Number(opts.ttl)
      if (!Number.isInteger(ttl) || ttl <= 0) throw new InvalidInputError('--ttl: a positive integer of seconds')
      const doctor = opts.doctorKey === undefined ? undefined : await readDoctorKeyFile(opts.doctorKey)
      if (doctor !== undefined && (doctor.providerId !== opts.providerId || doctor.country !== config.country)) {
        throw new InvalidInputError(`the doctor key file is for ${doctor.providerId} (${doctor.country}), not ${opts.providerId} (${config.country})`)
      }
      const ed = doctor?.ed25519.publicKey ?? hex32('--ed25519', opts.ed25519)
      const x = doctor?.x25519.publicKey ?? hex32('--x25519', opts.x25519)
      const peerKey = await loadOrCreatePeerKey(`${home}/p2p`)
      const issued = issueCredential({
        providerId: opts.providerId, name: opts.name, role: opts.role, licence: opts.licence, country: config.country,
        ed25519PublicKey: ed, x25519PublicKey: x, ttlSeconds: ttl
      }, { peerId: peerIdFromPrivateKey(peerKey).toString(), ed25519PrivateKey: peerKey.raw })
      const json = {
        id: issued.idHex, providerId: opts.providerId, country: config.country,
        expiresAt: new Date(Number(issued.credential.expiresAt) * 1000).toISOString(),
        payload: Buffer.from(issued.signed.payload).toString('hex'), signature: Buffer.from(issued.signed.signature).toString('hex')
      }
      if (doctor !== undefined && opts.doctorKey !== undefined) await writeDoctorKeyFile(opts.doctorKey, withCredential(doctor, issued.signed, opts.doctorKey), { overwrite: true })
      if (opts.out !== undefined) await writeFile(opts.out, JSON.stringify(json, null, 2) + '\n', { mode: 0o600 })
      ctx.io.out(JSON.stringify(json, null, 2))
    })
  credential.command('revoke')
    .description('revoke a credential on chain (MsgRevokeCredential), effective at once everywhere')
    .argument('<id>', 'the credential id (hex)')
    .option('--passphrase-file <file>', 'the key files\' passphrase')
    .action(async (id: string, opts: { passphraseFile?: string }, cmd: Command) => {
      const { DirectSecp256k1Wallet } = await import('@cosmjs/proto-signing')
      const { createChainClient } = await import('../../../chain/client/index.js')
      const { createKeystore } = await import('../../keystore/index.js')
      const { passphraseOf, requireConfig, stderrLogger } = await import('./node-common.js')
      if (!/^[0-9a-f]{64}$/.test(id)) throw new InvalidInputError('<id>: the credential id, 32 bytes hex')
      const { home } = globalOptions(cmd)
      const config = requireConfig(home)
      const passphrase = await passphraseOf(opts)
      const ks = createKeystore({ home, country: config.country, ...(passphrase !== undefined ? { passphrase } : {}) }, { logger: stderrLogger('warn') })
      const key = await ks.operatorKey()
      const chain = createChainClient({ rpcUrl: config.chain.rpc, chainId: config.chain.chainId })
      await chain.start()
      try {
        const signer = await chain.signer(await DirectSecp256k1Wallet.fromKey(key.privateKey, 'hr'))
        const out = await signer.revokeCredential(id)
        ctx.io.out(`revoked credential ${id} in block ${out.height} (tx ${out.txHash})`)
      } finally {
        await chain.stop()
      }
    })
}
