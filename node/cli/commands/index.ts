import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { registerDevnet } from './devnet.js'
import { registerPolicy } from './policy.js'
import { registerChainStart } from './chain-start.js'
import { registerChainInit } from './chain-init.js'
import { registerChainAbci } from './chain-abci.js'
import { registerInit } from './init.js'
import { registerStart } from './start.js'
import { registerKeys } from './keys.js'
import { registerApikey } from './apikey.js'
import { registerCredential } from './credential.js'
import { registerRecordGet } from './record-get.js'
import { registerRecordPut } from './record-put.js'
import { registerRecordErase } from './record-erase.js'
import { registerDiscover } from './discover.js'
import { registerGrant } from './grant.js'
import { registerPatient } from './patient.js'

/** Registers every command group of DESIGN.md §7 on the program. */
export function registerCommands (program: Command, ctx: CliContext): void {
  registerInit(program, ctx)
  registerStart(program, ctx)
  registerDevnet(program, ctx)

  const chain = program.command('chain').description('the appchain: genesis, embedded engine, ABCI server')
  registerChainInit(chain, ctx)
  registerChainStart(chain, ctx)
  registerChainAbci(chain, ctx)

  registerKeys(program, ctx)
  registerApikey(program, ctx)
  registerCredential(program, ctx)

  registerPolicy(program, ctx)

  const record = program.command('record').description('health records')
  registerRecordPut(record, ctx)
  registerRecordGet(record, ctx)
  registerRecordErase(record, ctx)

  registerDiscover(program, ctx)

  const grant = program.command('grant').description('patients\' grants of access')
  registerGrant(grant, ctx)

  registerPatient(program, ctx)
}
