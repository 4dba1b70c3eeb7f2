import { join } from 'node:path'
import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { DEFAULT_CHAIN_ID } from '../../../chain/defaults.js'
import { DEFAULT_GENESIS_COUNTRIES } from '../defaults.js'

/**
 * `healthrelay chain init --home D [--chain-id ID] [--countries DE,FR,US] [--force]`: writes
 * D/genesis.json (CometBFT genesis document, app_state = the ledger's genesis), one operator and
 * one regulator key per member country under D/keys/ (0600), and the validator key
 * D/config/priv_validator_key.json. Prints addresses, never private keys.
 */
export function registerChainInit (chain: Command, ctx: CliContext): void {
  chain.command('init')
    .description('write a genesis and the genesis members\' keys')
    .option('--chain-id <id>', 'chain id', DEFAULT_CHAIN_ID)
    .option('--countries <list>', 'member countries (ISO 3166-1 alpha-2, comma-separated)', DEFAULT_GENESIS_COUNTRIES)
    .option('--force', 'overwrite an existing genesis and its keys')
    .option('--no-policies', 'leave out the bundled jurisdiction policy modules')
    .action(async (opts: { chainId: string, countries: string, force?: boolean, policies: boolean }, cmd: Command) => {
      const { initChainHome, parseCountries } = await import('./chain-home.js')
      const { GOVERNANCE_ADDRESS } = await import('../../../chain/app/index.js')
      const { home } = globalOptions(cmd)
      const { genesisPath, doc, keys, validator } = await initChainHome(home, {
        chainId: opts.chainId, countries: parseCountries(opts.countries), force: opts.force === true, policies: opts.policies
      })
      ctx.io.out(`wrote ${genesisPath} (chain id ${doc.chain_id})`)
      for (const k of keys) ctx.io.out(`  ${k.country}: operator ${k.operator.address}  regulator ${k.regulator.address}`)
      ctx.io.out(`  validator ${validator.address}`)
      ctx.io.out(`  governance account ${GOVERNANCE_ADDRESS}`)
      const policies = (doc.app_state.policies ?? []) as Array<{ jurisdiction: string }>
      ctx.io.out(`  policy modules: ${policies.map((p) => p.jurisdiction).join(', ') || 'none'}`)
      ctx.io.out(`keys in ${join(home, 'keys')} and ${join(home, 'config', 'priv_validator_key.json')} (mode 0600)`)
    })
}
