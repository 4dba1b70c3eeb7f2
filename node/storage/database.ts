/**
 * The node's SQLite database (better-sqlite3): WAL, `synchronous = FULL` (a committed row survives
 * an operating-system crash, which the outbox's guarantee needs), `secure_delete = ON` (deleted
 * content is overwritten, so an erased record's wrapped key does not linger in free pages),
 * foreign keys on. The file and its directory are private to the node's user.
 */
import Database from 'better-sqlite3'
import { chmodSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { HealthrelayError } from '../../common/errors.js'

export type Db = Database.Database

export const DATABASE_FILE = 'node.sqlite'
export const BUSY_TIMEOUT_MS = 5_000

export function databasePath (home: string): string {
  return join(home, DATABASE_FILE)
}

/** Opens (creating when missing) the database at `path` with the node's pragmas. */
export function openDatabase (path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const db = new Database(path)
  try {
    if (path !== ':memory:') chmodSync(path, 0o600)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('secure_delete = ON')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    if (db.pragma('secure_delete', { simple: true }) !== 1) {
      throw new HealthrelayError('this SQLite build refuses secure_delete; erasure could leave key material on disk')
    }
  } catch (err) {
    db.close()
    throw err
  }
  return db
}

/**
 * Moves every WAL frame into the database and truncates the WAL file to zero bytes. Returns false
 * when a reader kept it from completing (within the busy timeout); the next checkpoint finishes it.
 */
export function checkpointTruncate (db: Db): boolean {
  const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
  return result?.busy === 0
}

const cache = new WeakMap<Db, Map<string, Database.Statement>>()

/** A prepared statement, compiled once per database. */
export function stmt<P extends unknown[] = unknown[], R = unknown> (db: Db, sql: string): Database.Statement<P, R> {
  let forDb = cache.get(db)
  if (forDb === undefined) {
    forDb = new Map()
    cache.set(db, forDb)
  }
  let s = forDb.get(sql)
  if (s === undefined) {
    s = db.prepare(sql)
    forDb.set(sql, s)
  }
  return s as unknown as Database.Statement<P, R>
}
