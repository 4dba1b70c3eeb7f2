import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'

/** The application's SQLite file under a chain home (the same file name the embedded engine uses). */
export const ABCI_DB_FILE = join('data', 'chain.sqlite')

/** Opens the write connection (WAL, full fsync at commit) and a read-only connection for queries. */
export function openAppDatabases (home: string): { db: Database.Database, readDb: Database.Database, path: string } {
  const path = join(home, ABCI_DB_FILE)
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  const readDb = new Database(path, { readonly: true })
  readDb.pragma('busy_timeout = 5000')
  return { db, readDb, path }
}
