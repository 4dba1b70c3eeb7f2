import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { pendingCommand } from '../pending.js'
import { registerDevnet } from './devnet.js'
import { registerPolicy } from './policy.js'
import { registerChainStart } from './chain-start.js'
import { registerChainInit } from './chain-init.js'
import { registerChainAbci } from './chain-abci.js'

/** Registers every command group of DESIGN.md §7 on the program. */
export function registerCommands (program: Command, ctx: CliContext): void {
  pendingCommand(program, ctx, 'init', 'create a node home: config, keys, storage', 8)
  pendingCommand(program, ctx, 'start', 'run the healthrelay daemon of this home', 8)
  registerDevnet(program, ctx)

  const chain = program.command('chain').description('the appchain: genesis, embedded engine, ABCI server')
  registerChainInit(chain, ctx)
  registerChainStart(chain, ctx)
  registerChainAbci(chain, ctx)

  pendingCommand(program, ctx, 'keys', 'show and manage this node\'s keys', 8)

  const apikey = program.command('apikey').description('API keys of the HTTP API, per role')
  pendingCommand(apikey, ctx, 'create', 'create an API key for a role', 8)
  pendingCommand(apikey, ctx, 'list', 'list API keys (never their secrets)', 8)
  pendingCommand(apikey, ctx, 'revoke', 'revoke an API key', 8)

  const credential = program.command('credential').description('provider credentials')
  pendingCommand(credential, ctx, 'issue', 'issue a credential over a doctor\'s own public keys', 8)
  pendingCommand(credential, ctx, 'revoke', 'revoke a credential on chain', 8)

  registerPolicy(program, ctx)

  const record = program.command('record').description('health records')
  pendingCommand(record, ctx, 'put', 'ingest a FHIR R4 record', 8)
  pendingCommand(record, ctx, 'get', 'retrieve, verify and decrypt a record with a doctor\'s key', 8)

  pendingCommand(program, ctx, 'discover', 'find a traveller\'s releasable records through their home country', 8)

  const grant = program.command('grant').description('patients\' grants of access')
  pendingCommand(grant, ctx, 'create', 'sign and send a grant with the patient\'s key', 8)
  pendingCommand(grant, ctx, 'revoke', 'revoke a grant', 8)
}
