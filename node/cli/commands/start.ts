import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'

/**
 * `healthrelay start --home D`: runs the daemon of this home (createNode). Prints the API URL and
 * peer id once everything is up; on SIGTERM or SIGINT stops cleanly and exits 0 (by itself: no
 * handle stays open after the node's stop).
 */
export function registerStart (program: Command, ctx: CliContext): void {
  program.command('start')
    .description('run the healthrelay daemon of this home')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent (logs go to stderr)')
    .option('--passphrase-file <file>', 'the key files\' passphrase (or $HEALTHRELAY_KEY_PASSPHRASE)')
    .action(async (opts: { logLevel?: string, passphraseFile?: string }, cmd: Command) => {
      const { createNode } = await import('../../create-node.js')
      const { armExitSafetyNet, passphraseOf, requireConfig, stderrLogger } = await import('./node-common.js')
      const { home } = globalOptions(cmd)
      const config = requireConfig(home)
      const logger = stderrLogger(opts.logLevel ?? config.logLevel)
      const passphrase = await passphraseOf(opts)
      const stopped = new Promise<string>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal)
          process.off('SIGINT', onSignal)
          resolve(signal)
        }
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
      })
      const node = createNode(config, { home, logger, ...(passphrase !== undefined ? { passphrase } : {}) })
      await node.start()
      ctx.io.out(`healthrelay ${config.country} node: API ${node.apiUrl}  peer ${node.peerId}`)
      const signal = await stopped
      await node.stop()
      ctx.io.out(`stopped on ${signal}`)
      ctx.exit.code = 0
      // everything is closed, so the process exits by itself; the net catches what should not be open
      armExitSafetyNet(logger)
    })
}
