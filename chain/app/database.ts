/**
 * The one opener of the chain's SQLite file, shared by the embedded engine, the ABCI server and the
 * test chains: a write connection (WAL, `synchronous` FULL by default so a commit survives a power
 * loss, a busy timeout) and a read-only connection to the same file for queries, which sees
 * committed state only. Callers add their own schema and functions on top.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'

/** The chain's SQLite file under a chain home (engine and ABCI server alike). */
export const CHAIN_DB_FILE = join('data', 'chain.sqlite')

export const BUSY_TIMEOUT_MS = 5000

export interface ChainDatabases {
  /** The write connection. */
  readonly db: Database.Database
  /** A read-only connection to the same file. */
  readonly readDb: Database.Database
  readonly path: string
}

export interface OpenChainDatabasesOptions {
  /**
   * SQLite's `synchronous` on the write connection: FULL (default) syncs the WAL at every commit;
   * NORMAL (throwaway test chains) only at checkpoints.
   */
  synchronous?: 'FULL' | 'NORMAL'
}

/** Opens (creating its folder, mode 0700, when missing) the chain database at `path`. */
export function openChainDatabases (path: string, options: OpenChainDatabasesOptions = {}): ChainDatabases {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    const readDb = new Database(path, { readonly: true })
    readDb.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    return { db, readDb, path }
  } catch (err) {
    db.close()
    throw err
  }
}
