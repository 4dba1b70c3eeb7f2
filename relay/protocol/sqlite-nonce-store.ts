/**
 * The nonce store on SQLite (better-sqlite3), so replays fail across restarts. One table keyed by
 * (scope, nonce) with the expiry; expired rows are pruned every {@link PRUNE_INTERVAL_MS} and
 * whenever the bound is reached. At the bound with nothing expired it fails closed.
 *
 * Durability: WAL with `synchronous = NORMAL` by default (a process crash loses nothing; an
 * operating-system crash may lose the last transactions); `synchronous: 'full'` for an fsync on
 * every nonce.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { UnavailableError } from '../../common/errors.js'
import { NonceStoreFullError } from '../errors.js'
import { systemClock, type Clock } from './constants.js'
import { DEFAULT_MAX_NONCES, type NonceStore } from './nonce-store.js'

export const PRUNE_INTERVAL_MS = 10_000

export interface SqliteNonceStoreInit {
  /** Database file (e.g. `<home>/relay/nonces.sqlite`); its directory is created. */
  path: string
  maxEntries?: number
  synchronous?: 'normal' | 'full'
  clock?: Clock
}

export interface SqliteNonceStore extends NonceStore {
  start: () => void
  stop: () => void
  /** Unexpired nonces held (for metrics and tests). */
  size: () => number
}

export function createSqliteNonceStore (init: SqliteNonceStoreInit): SqliteNonceStore {
  const max = init.maxEntries ?? DEFAULT_MAX_NONCES
  const clock = init.clock ?? systemClock
  let db: Database.Database | undefined
  let insert: Database.Statement<[Buffer, Buffer, number]> | undefined
  let replace: Database.Statement<[number, Buffer, Buffer, number]> | undefined
  let prune: Database.Statement<[number]> | undefined
  let count = 0
  let lastPrune = 0

  const doPrune = (now: number): void => {
    if (prune === undefined) return
    count -= prune.run(now).changes
    lastPrune = now
  }

  const store: SqliteNonceStore = {
    start () {
      if (db !== undefined) return
      mkdirSync(dirname(init.path), { recursive: true, mode: 0o700 })
      const d = new Database(init.path)
      try {
        d.pragma('journal_mode = WAL')
        d.pragma(`synchronous = ${init.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
        d.exec(`CREATE TABLE IF NOT EXISTS relay_nonces (
          scope BLOB NOT NULL, nonce BLOB NOT NULL, expires_at INTEGER NOT NULL,
          PRIMARY KEY (scope, nonce)) WITHOUT ROWID;
          CREATE INDEX IF NOT EXISTS relay_nonces_expiry ON relay_nonces (expires_at);`)
        insert = d.prepare('INSERT OR IGNORE INTO relay_nonces (scope, nonce, expires_at) VALUES (?, ?, ?)')
        // An expired row for the same nonce may be reused (it is no longer a replay).
        replace = d.prepare('UPDATE relay_nonces SET expires_at = ? WHERE scope = ? AND nonce = ? AND expires_at <= ?')
        prune = d.prepare('DELETE FROM relay_nonces WHERE expires_at <= ?')
        db = d
        count = (d.prepare('SELECT count(*) AS n FROM relay_nonces').get() as { n: number }).n
        doPrune(clock())
      } catch (err) {
        d.close()
        db = undefined
        throw err
      }
    },
    stop () {
      if (db === undefined) return
      db.close()
      db = undefined
      insert = replace = prune = undefined
    },
    size: () => count,
    remember (scope, nonce, expiresAtMs) {
      if (insert === undefined || replace === undefined) return Promise.reject(new UnavailableError('nonce store is not started'))
      const now = clock()
      if (now - lastPrune >= PRUNE_INTERVAL_MS || count >= max) doPrune(now)
      const s = Buffer.from(scope.buffer, scope.byteOffset, scope.byteLength)
      const n = Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength)
      const expires = Math.ceil(expiresAtMs)
      if (replace.run(expires, s, n, now).changes === 1) return Promise.resolve(true)
      if (count >= max) return Promise.reject(new NonceStoreFullError('too many unexpired nonces'))
      if (insert.run(s, n, expires).changes === 1) {
        count++
        return Promise.resolve(true)
      }
      return Promise.resolve(false)
    }
  }
  return store
}
