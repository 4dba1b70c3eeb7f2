import { randomBytes } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../../common/logger.js'
import {
  createStorage, migrate, openDatabase, schemaVersion, MigrationError, SchemaTooNewError, STORAGE_COMPONENT, STORAGE_MIGRATIONS
} from '../../../../node/storage/index.js'
import { openHarness, type Harness } from './helpers.js'

let h: Harness
beforeEach(async () => { h = await openHarness() })
afterEach(async () => { await h.close() })

describe('database', () => {
  it('runs WAL with secure_delete, foreign keys and full sync, in a private file', async () => {
    const db = h.storage.db
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('secure_delete', { simple: true })).toBe(1)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    expect((await stat(join(h.home, 'node.sqlite'))).mode & 0o777).toBe(0o600)
  })

  it('has every table at schema version 1', () => {
    const tables = (h.storage.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name)
    expect(tables).toEqual(['access_queue', 'decisions', 'enrolments', 'inbox', 'outbox', 'record_keys', 'records', 'restriction_requests',
      'restrictions', 'schema_migrations', 'share_codes', 'subject_identifiers'])
    expect(schemaVersion(h.storage.db, STORAGE_COMPONENT)).toBe(STORAGE_MIGRATIONS.length)
  })

  it('reopens without re-applying and keeps other components\' migrations apart', async () => {
    await h.storage.stop()
    const extra = [{ version: 1, name: 'api keys', up: (db: import('better-sqlite3').Database): void => { db.exec('CREATE TABLE api_keys (id TEXT PRIMARY KEY) STRICT') } }]
    const again = createStorage({ home: h.home, lookupSecret: randomBytes(32), migrations: { api: extra } }, { logger: silentLogger() })
    await again.start()
    expect(schemaVersion(again.db, 'api')).toBe(1)
    expect(migrate(again.db, STORAGE_COMPONENT, STORAGE_MIGRATIONS)).toEqual([])
    await again.stop()
    await h.storage.start()
  })

  it('refuses a database from a newer healthrelay', () => {
    const db = openDatabase(':memory:')
    migrate(db, 'x', [{ version: 1, name: 'a', up: () => undefined }, { version: 2, name: 'b', up: () => undefined }])
    expect(() => migrate(db, 'x', [{ version: 1, name: 'a', up: () => undefined }])).toThrow(SchemaTooNewError)
    db.close()
  })

  it('rolls a failing migration back and stays at the last good version', () => {
    const db = openDatabase(':memory:')
    const good = { version: 1, name: 'good', up: (d: typeof db): void => { d.exec('CREATE TABLE t (a INTEGER)') } }
    const bad = { version: 2, name: 'bad', up: (d: typeof db): void => { d.exec('CREATE TABLE u (a INTEGER); INSERT INTO nowhere VALUES (1)') } }
    expect(() => migrate(db, 'x', [good, bad])).toThrow(MigrationError)
    expect(schemaVersion(db, 'x')).toBe(1)
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'u'").get()).toEqual({ n: 0 })
    expect(() => migrate(db, 'y', [bad])).toThrow('numbered 1, 2, 3')
    db.close()
  })

  it('is unavailable before start and after stop', async () => {
    await h.storage.stop()
    expect(() => h.storage.db).toThrow('storage is not started')
    await h.storage.start()
  })
})
