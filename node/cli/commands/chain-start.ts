import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { InvalidInputError } from '../../../common/errors.js'
import type { AppFactory } from '../../../chain/engine/index.js'
import { DEFAULT_BLOCK_TIME_MS, DEFAULT_BLOCK_TX_THRESHOLD, DEFAULT_RPC_LISTEN } from '../../../chain/defaults.js'

function positiveInt (name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new InvalidInputError(`${name} must be a positive integer, got ${value}`)
  return Number(value)
}

/**
 * `healthrelay chain start --home D [--rpc host:port] [--block-time-ms n]`: serves the embedded
 * single-validator engine with the ledger application (DESIGN.md §8). Prints the RPC URL once it
 * listens; exits 0 after a clean stop on SIGTERM or SIGINT.
 */
export function registerChainStart (chain: Command, ctx: CliContext): void {
  chain.command('start')
    .description('serve the embedded single-validator engine (CometBFT RPC)')
    .option('--rpc <host:port>', 'where the CometBFT JSON-RPC listens (port 0 picks a free port)', DEFAULT_RPC_LISTEN)
    .option('--block-time-ms <n>', 'milliseconds between blocks', String(DEFAULT_BLOCK_TIME_MS))
    .option('--block-tx-threshold <n>', 'make a block at once when the mempool holds this many txs', String(DEFAULT_BLOCK_TX_THRESHOLD))
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent (logs go to stderr)', 'info')
    .action(async (opts: { rpc: string, blockTimeMs: string, blockTxThreshold: string, logLevel: string }, cmd: Command) => {
      const { pino } = await import('pino')
      const { createLogger } = await import('../../../common/logger.js')
      const { createEngine, parseHostPort } = await import('../../../chain/engine/index.js')
      const { createLedgerApp } = await import('../../../chain/app/index.js')
      /** The ledger application, as the engine's factory. */
      const ledgerAppFactory: AppFactory = (deps) => createLedgerApp(deps)
      const { home } = globalOptions(cmd)
      parseHostPort(opts.rpc)
      const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
      const level = levels.find((l) => l === opts.logLevel)
      if (level === undefined) throw new InvalidInputError(`--log-level must be one of ${levels.join(', ')}`)
      const logger = createLogger({ level, destination: pino.destination({ fd: 2, sync: true }) })
      const engine = createEngine({
        home,
        rpcListen: opts.rpc,
        blockTimeMs: positiveInt('--block-time-ms', opts.blockTimeMs),
        blockTxThreshold: positiveInt('--block-tx-threshold', opts.blockTxThreshold)
      }, { createApp: ledgerAppFactory, logger })

      const stopped = new Promise<string>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal)
          process.off('SIGINT', onSignal)
          resolve(signal)
        }
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
      })
      engine.onHalt((halt) => {
        ctx.io.err(halt.upgrade
          ? `chain halted at height ${halt.height} for an upgrade: ${halt.reason}; the RPC keeps serving reads`
          : `chain halted at height ${halt.height}: ${halt.reason}; the RPC keeps serving reads`)
      })
      await engine.start()
      ctx.io.out(`chain ${engine.chainId} at height ${engine.height()}: RPC listening on ${engine.rpcUrl}`)
      const signal = await stopped
      const height = engine.height()
      await engine.stop()
      ctx.io.out(`stopped on ${signal} at height ${height}`)
      ctx.exit.code = 0
    })
}
