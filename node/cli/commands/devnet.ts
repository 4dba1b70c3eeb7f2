import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'
import { InvalidInputError } from '../../../common/errors.js'

/**
 * `healthrelay devnet --home D [--ports-offset N]`: a local network on loopback (DESIGN.md §8):
 * the chain (RPC 127.0.0.1:26657+N) and the DE, FR and US nodes (API 127.0.0.1:8081..8083+N, p2p
 * /ip4/127.0.0.1/tcp/4001..4003+N), demo doctors and patients on a first run, D/devnet.json once
 * every part is ready, then a walkthrough. Ctrl-C stops everything (exit 0); a second run reuses D.
 */
export function registerDevnet (program: Command, ctx: CliContext): void {
  program.command('devnet')
    .description('run a local devnet: the chain (RPC 127.0.0.1:26657) and the DE, FR and US nodes (API :8081-8083)')
    .option('--ports-offset <n>', 'shift every port by n', '0')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent (logs go to stderr)', 'warn')
    .action(async (opts: { portsOffset: string, logLevel: string }, cmd: Command) => {
      const { pino } = await import('pino')
      const { createLogger } = await import('../../../common/logger.js')
      const { armExitSafetyNet } = await import('./node-common.js')
      const { startDevnet, walkthrough, checkPortsOffset } = await import('../../devnet/index.js')
      const { home } = globalOptions(cmd)
      const offset = checkPortsOffset(opts.portsOffset)
      const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
      const level = levels.find((l) => l === opts.logLevel)
      if (level === undefined) throw new InvalidInputError(`--log-level must be one of ${levels.join(', ')}`)
      const logger = createLogger({ level, destination: pino.destination({ fd: 2, sync: true }) })
      let signalled: NodeJS.Signals | undefined
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal)
          process.off('SIGINT', onSignal)
          signalled = signal
          resolve(signal)
        }
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
      })
      ctx.io.out(`healthrelay devnet (home ${home})`)
      const devnet = await startDevnet({ home, portsOffset: offset, logLevel: level, progress: (l) => { ctx.io.out(l) } }, { logger })
      if (signalled === undefined) for (const line of walkthrough(devnet.file, devnet.path)) ctx.io.out(line)
      const signal = await stopped
      await devnet.stop()
      ctx.io.out(`devnet stopped on ${signal}`)
      ctx.exit.code = 0
      // Everything is stopped and the process exits by itself; the net only names a leak.
      armExitSafetyNet(logger)
    })
}
