/** Helpers shared by the node's commands (init, start, keys, apikey, credential). */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { createLogger, type ComponentLogger } from '../../../common/logger.js'
import { InvalidInputError } from '../../../common/errors.js'
import { CONFIG_FILE, loadConfig, type NodeConfig } from '../../config/index.js'
import { createKeystore, resolvePassphrase } from '../../keystore/index.js'
import { createStorage, type Storage } from '../../storage/index.js'
import { APIKEYS_COMPONENT, APIKEYS_MIGRATIONS } from '../../services/apikeys.js'

export function requireConfig (home: string): NodeConfig {
  if (!existsSync(join(home, CONFIG_FILE))) throw new InvalidInputError(`no ${CONFIG_FILE} in ${home}: run healthrelay init --home ${home} --country CC first`)
  return loadConfig(home)
}

export function stderrLogger (level: string = 'info'): ComponentLogger {
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
  const l = levels.find((x) => x === level)
  if (l === undefined) throw new InvalidInputError(`--log-level must be one of ${levels.join(', ')}`)
  return createLogger({ level: l, destination: pino.destination({ fd: 2, sync: true }) })
}

export async function passphraseOf (opts: { passphraseFile?: string }): Promise<string | undefined> {
  return await resolvePassphrase({ ...(opts.passphraseFile !== undefined ? { file: opts.passphraseFile } : {}) })
}

/** Opens the node's storage (with the API-key tables) for an offline command; the caller stops it. */
export async function openNodeStorage (home: string, config: NodeConfig, logger: ComponentLogger, passphrase?: string): Promise<Storage> {
  const keystore = createKeystore({ home, country: config.country, ...(passphrase !== undefined ? { passphrase } : {}) }, { logger })
  const storage = createStorage({ home, lookupSecret: await keystore.lookupSecret(), migrations: { [APIKEYS_COMPONENT]: APIKEYS_MIGRATIONS } }, { logger })
  await storage.start()
  return storage
}

/** How long a daemon command waits, after a clean stop, for the event loop to empty by itself. */
export const EXIT_SAFETY_NET_MS = 5_000

/**
 * After a daemon's clean stop everything of ours is closed and the process exits by itself. This
 * unref'd timer fires only if something unexpected still holds the event loop: it names what is
 * open (process.getActiveResourcesInfo) in a log line and exits with the code already set.
 */
export function armExitSafetyNet (logger: ComponentLogger, ms = EXIT_SAFETY_NET_MS): void {
  const log = logger.forComponent('cli')
  setTimeout(() => {
    log.warn({ open: process.getActiveResourcesInfo() }, `still running ${ms} ms after a clean stop; exiting anyway`)
    process.exit()
  }, ms).unref()
}
