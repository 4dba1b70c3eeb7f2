import type { Command } from 'commander'
import { globalOptions, type CliContext } from '../context.js'

/**
 * `healthrelay devnet`: a local network on loopback (the chain and the DE, FR and US nodes;
 * DESIGN.md §8). It starts the parts that this build contains and says which.
 */
export function registerDevnet (program: Command, ctx: CliContext): void {
  program.command('devnet')
    .description('run a local devnet: the chain (RPC 127.0.0.1:26657) and the DE, FR and US nodes (API :8081-8083)')
    .option('--ports-offset <n>', 'shift every port by n', '0')
    .action((_opts: unknown, cmd: Command) => {
      const { home } = globalOptions(cmd)
      ctx.io.out(`healthrelay devnet (home ${home})`)
      ctx.io.out('This build contains no runnable part yet: the chain engine (issue #3), the nodes (issue #8).')
      ctx.io.out('Nothing was started.')
      ctx.exit.code = 2
    })
}
