import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { CHAIN_DB_FILE, openChainDatabases } from '../app/database.js'

/** The application's SQLite file under a chain home (the same file name the embedded engine uses). */
export const ABCI_DB_FILE = CHAIN_DB_FILE

/** Opens the write connection (WAL, full fsync at commit) and a read-only connection for queries. */
export function openAppDatabases (home: string): { db: Database.Database, readDb: Database.Database, path: string } {
  return openChainDatabases(join(home, ABCI_DB_FILE))
}
