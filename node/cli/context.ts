import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'

/** Where the CLI writes: injected so tests capture output instead of using the console. */
export interface CliIO {
  out: (text: string) => void
  err: (text: string) => void
}

export const processIO: CliIO = {
  out: (text) => { process.stdout.write(text.endsWith('\n') ? text : text + '\n') },
  err: (text) => { process.stderr.write(text.endsWith('\n') ? text : text + '\n') }
}

export const DEFAULT_HOME = join(homedir(), '.healthrelay')

/** Options every command inherits from the root program. */
export interface GlobalOptions {
  home: string
}

/** The resolved global options of the command being run. */
export function globalOptions (cmd: Command): GlobalOptions {
  const opts = cmd.optsWithGlobals<{ home?: string }>()
  return { home: resolve(opts.home ?? process.env.HEALTHRELAY_HOME ?? DEFAULT_HOME) }
}

/** The exit code a command's action sets (commander actions return nothing). */
export class ExitCode {
  code = 0
}

export interface CliContext {
  io: CliIO
  exit: ExitCode
}
