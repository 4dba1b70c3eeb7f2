/**
 * The `healthrelay` command line. Each command lives in its own file under `commands/` and
 * registers itself on the program; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander'
import { HealthrelayError } from '../../common/errors.js'
import { processIO, ExitCode, type CliContext, type CliIO } from './context.js'
import { registerCommands } from './commands/index.js'

export const VERSION = '0.1.0'

export function buildProgram (ctx: CliContext): Command {
  const program = new Command('healthrelay')
    .description('healthrelay: the cross-border health-record relay daemon, its appchain, policies and tools')
    .version(VERSION)
    .option('--home <dir>', 'directory holding all state of this node (default: $HEALTHRELAY_HOME or ~/.healthrelay)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: ctx.io.out, writeErr: ctx.io.err })
    .exitOverride()
  registerCommands(program, ctx)
  return program
}

/** Runs the CLI and resolves to the process exit code. */
export async function main (argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const ctx: CliContext = { io, exit: new ExitCode() }
  const program = buildProgram(ctx)
  try {
    await program.parseAsync([...argv])
    return ctx.exit.code
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : (err.exitCode === 0 ? 0 : 2)
    }
    if (err instanceof HealthrelayError && err.expose) {
      io.err(`error: ${err.message}`)
      return 1
    }
    if (err instanceof HealthrelayError) {
      io.err(`error: ${err.name}: ${err.message}`)
      return 1
    }
    io.err(`error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
    return 1
  }
}
