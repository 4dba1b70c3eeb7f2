import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { InvalidInputError } from '../../../common/errors.js'
import { DEFAULT_ABCI_LISTEN } from '../../../chain/defaults.js'

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const

/**
 * `healthrelay chain abci --home D [--listen tcp://127.0.0.1:26658]`: serves the ledger application
 * over ABCI 2.0 for a CometBFT 0.38 validator (its `proxy_app`). State lives in
 * `D/data/chain.sqlite`; CometBFT's Info handshake resumes from the last committed block.
 */
export function registerChainAbci (chain: Command, ctx: CliContext): void {
  chain.command('abci')
    .description('serve the application over ABCI 2.0 for CometBFT 0.38 (its proxy_app)')
    .option('--listen <addr>', 'tcp://host:port or unix:///path', DEFAULT_ABCI_LISTEN)
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent (logs go to stderr)', 'info')
    .action(async (opts: { listen: string, logLevel: string }, cmd: Command) => {
      const { pino } = await import('pino')
      const { createLogger } = await import('../../../common/logger.js')
      const { createLedgerApp } = await import('../../../chain/app/index.js')
      const { createAbciServer, openAppDatabases, parseListen } = await import('../../../chain/abci/index.js')
      const { home } = globalOptions(cmd)
      try {
        parseListen(opts.listen)
      } catch (err) {
        throw new InvalidInputError((err as Error).message)
      }
      const level = LEVELS.find((l) => l === opts.logLevel)
      if (level === undefined) throw new InvalidInputError(`--log-level must be one of ${LEVELS.join(', ')}`)
      const logger = createLogger({ level, destination: pino.destination({ fd: 2, sync: true }) })
      const { db, readDb, path } = openAppDatabases(home)
      const app = createLedgerApp({ db, readDb, logger })
      const server = createAbciServer({ listen: opts.listen }, { app, logger })
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal)
          process.off('SIGINT', onSignal)
          resolve(signal)
        }
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
      })
      try {
        await server.start()
        const info = app.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' })
        ctx.io.out(`ABCI listening on ${server.address()} (state ${path}, last height ${info.lastBlockHeight})`)
        const signal = await stopped
        await server.stop()
        ctx.io.out(`stopped on ${signal}`)
      } finally {
        app.close()
        db.close()
        readDb.close()
      }
    })
}
