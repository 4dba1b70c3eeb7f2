import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { pino } from 'pino'
import { globalOptions, type CliContext } from '../context.js'
import { createLogger } from '../../../common/logger.js'
import { InvalidInputError } from '../../../common/errors.js'
import { createEngine } from '../../../chain/engine/index.js'
import { createLedgerApp } from '../../../chain/app/index.js'
import { initChainHome } from './chain-init.js'

export const DEVNET_CHAIN_RPC_PORT = 26657
export const DEVNET_COUNTRIES = ['DE', 'FR', 'US'] as const

/**
 * `healthrelay devnet --home D [--ports-offset N]`: a local network on loopback (DESIGN.md §8).
 * This build starts the chain (embedded engine, RPC 127.0.0.1:26657+N, DE, FR and US as members,
 * the bundled policy modules at genesis) in D/chain, reusing it on a second run. The DE, FR and US
 * nodes and devnet.json arrive with issue #8; the command says so when it starts.
 */
export function registerDevnet (program: Command, ctx: CliContext): void {
  program.command('devnet')
    .description('run a local devnet: the chain (RPC 127.0.0.1:26657) and the DE, FR and US nodes (API :8081-8083)')
    .option('--ports-offset <n>', 'shift every port by n', '0')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent (logs go to stderr)', 'warn')
    .action(async (opts: { portsOffset: string, logLevel: string }, cmd: Command) => {
      const { home } = globalOptions(cmd)
      if (!/^\d{1,5}$/.test(opts.portsOffset) || DEVNET_CHAIN_RPC_PORT + Number(opts.portsOffset) > 65535) {
        throw new InvalidInputError(`--ports-offset must be a whole number that keeps ports below 65536, got ${opts.portsOffset}`)
      }
      const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
      const level = levels.find((l) => l === opts.logLevel)
      if (level === undefined) throw new InvalidInputError(`--log-level must be one of ${levels.join(', ')}`)
      const logger = createLogger({ level, destination: pino.destination({ fd: 2, sync: true }) })
      const chainHome = join(home, 'chain')
      const rpc = `127.0.0.1:${DEVNET_CHAIN_RPC_PORT + Number(opts.portsOffset)}`

      ctx.io.out(`healthrelay devnet (home ${home})`)
      if (existsSync(join(chainHome, 'genesis.json'))) {
        ctx.io.out(`  reusing the chain in ${chainHome}`)
      } else {
        const created = await initChainHome(chainHome, { countries: DEVNET_COUNTRIES })
        ctx.io.out(`  created a chain in ${chainHome}: members ${created.keys.map((k) => k.country).join(', ')}, policy modules at genesis`)
      }
      const engine = createEngine({ home: chainHome, rpcListen: rpc }, { createApp: (deps) => createLedgerApp(deps), logger })
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal)
          process.off('SIGINT', onSignal)
          resolve(signal)
        }
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
      })
      await engine.start()
      ctx.io.out(`  started: chain ${engine.chainId} at height ${engine.height()}, RPC ${engine.rpcUrl}`)
      ctx.io.out('  not started yet: the DE, FR and US nodes, demo patients and devnet.json (this build does not include the daemon; issue #8)')
      ctx.io.out('Try: curl -s ' + engine.rpcUrl + '/status   ·   Ctrl-C stops the devnet; a second run reuses its data.')
      const signal = await stopped
      const height = engine.height()
      await engine.stop()
      ctx.io.out(`devnet stopped on ${signal} at height ${height}`)
    })
}
