/**
 * Where a passphrase for encrypted key files comes from: a file given on the command line
 * (`--passphrase-file`, which must itself be private: mode 0600) or the environment variable
 * HEALTHRELAY_KEY_PASSPHRASE. Never a command-line argument (it would show in `ps`).
 */
import { readPrivateFile } from './files.js'

export const PASSPHRASE_ENV = 'HEALTHRELAY_KEY_PASSPHRASE'

/** The passphrase, or undefined when none is configured. A file wins over the environment; one trailing newline is dropped. */
export async function resolvePassphrase (source: { file?: string, env?: NodeJS.ProcessEnv }): Promise<string | undefined> {
  if (source.file !== undefined) return (await readPrivateFile(source.file)).toString('utf8').replace(/\r?\n$/, '')
  const value = (source.env ?? process.env)[PASSPHRASE_ENV]
  return value === undefined || value === '' ? undefined : value
}
