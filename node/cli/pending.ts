import type { Command } from 'commander'
import type { CliContext } from './context.js'

/**
 * A command of the documented CLI whose capability has not landed in this build yet. It says so
 * plainly, names the issue that brings it, and exits 2 so a script never mistakes it for success.
 */
export function pendingCommand (parent: Command, ctx: CliContext, name: string, description: string, issue: number): Command {
  return parent.command(name)
    .description(`${description} [arrives with issue #${issue}]`)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      ctx.io.err(`healthrelay ${parent.name() === 'healthrelay' ? '' : parent.name() + ' '}${name}: this build does not include it yet (issue #${issue})`)
      ctx.exit.code = 2
    })
}
