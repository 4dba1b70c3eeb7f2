import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { InvalidInputError } from '../../../common/errors.js'
import { API_KEY_ROLES } from '../../services/apikey-roles.js'

async function withStorage<T> (cmd: Command, opts: { passphraseFile?: string }, f: (db: import('../../storage/index.js').Db) => T): Promise<T> {
  const { openNodeStorage, passphraseOf, requireConfig, stderrLogger } = await import('./node-common.js')
  const { home } = globalOptions(cmd)
  const config = requireConfig(home)
  const storage = await openNodeStorage(home, config, stderrLogger('warn'), await passphraseOf(opts))
  try { return f(storage.db) } finally { await storage.stop() }
}

/** `healthrelay apikey create|list|revoke`: API keys of the HTTP API, per role, stored hashed. */
export function registerApikey (program: Command, ctx: CliContext): void {
  const apikey = program.command('apikey').description('API keys of the HTTP API, per role')
  apikey.command('create')
    .description(`create an API key for a role (${API_KEY_ROLES.join(', ')}); the key is printed once`)
    .requiredOption('--role <role>', API_KEY_ROLES.join(' | '))
    .option('--name <name>', 'a label for the key', '')
    .option('--json', 'print {id, role, name, key} as JSON')
    .option('--passphrase-file <file>', 'the key files\' passphrase')
    .action(async (opts: { role: string, name: string, json?: boolean, passphraseFile?: string }, cmd: Command) => {
      const { createApiKey, isApiKeyRole } = await import('../../services/apikeys.js')
      if (!isApiKeyRole(opts.role)) throw new InvalidInputError(`--role must be one of ${API_KEY_ROLES.join(', ')}`)
      const role = opts.role
      const { key, info } = await withStorage(cmd, opts, (db) => createApiKey(db, role, opts.name, Date.now()))
      if (opts.json === true) ctx.io.out(JSON.stringify({ id: info.id, role: info.role, name: info.name, key }))
      else {
        ctx.io.out(key)
        ctx.io.err(`created API key ${info.id} (${info.role}${info.name === '' ? '' : `, ${info.name}`}); it is shown only this once`)
      }
    })
  apikey.command('list')
    .description('list API keys (never their secrets)')
    .option('--json', 'print as JSON')
    .option('--passphrase-file <file>', 'the key files\' passphrase')
    .action(async (opts: { json?: boolean, passphraseFile?: string }, cmd: Command) => {
      const { listApiKeys } = await import('../../services/apikeys.js')
      const keys = await withStorage(cmd, opts, (db) => listApiKeys(db))
      if (opts.json === true) { ctx.io.out(JSON.stringify(keys)); return }
      for (const k of keys) {
        ctx.io.out(`${k.id}  ${k.role.padEnd(12)}  ${new Date(k.createdAt).toISOString()}  ${k.revokedAt === undefined ? 'active ' : 'revoked'}  ${k.name}`)
      }
      if (keys.length === 0) ctx.io.out('no API keys')
    })
  apikey.command('revoke')
    .description('revoke an API key by its id')
    .argument('<id>', 'the key id (apikey list)')
    .option('--passphrase-file <file>', 'the key files\' passphrase')
    .action(async (id: string, opts: { passphraseFile?: string }, cmd: Command) => {
      const { revokeApiKey } = await import('../../services/apikeys.js')
      await withStorage(cmd, opts, (db) => { revokeApiKey(db, id, Date.now()) })
      ctx.io.out(`revoked API key ${id}`)
    })
}
