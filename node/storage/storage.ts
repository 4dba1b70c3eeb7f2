/**
 * The node's storage as one startable component: the SQLite database at `<home>/node.sqlite`
 * (migrated on start), the blob store at `<home>/blobs/` and the lookup hasher. Repositories are
 * plain functions taking `storage.db` (records.ts, enrolments.ts, …), so each caller uses the
 * narrow piece it needs.
 */
import { join } from 'node:path'
import type { ComponentLogger } from '../../common/logger.js'
import { UnavailableError } from '../../common/errors.js'
import { databasePath, openDatabase, type Db } from './database.js'
import { migrate, type Migration } from './migrate.js'
import { STORAGE_COMPONENT, STORAGE_MIGRATIONS } from './schema.js'
import { BLOBS_DIR, createBlobStore, type BlobStore } from './blobs.js'
import { createLookupHasher, type LookupHasher } from './lookup.js'

export interface StorageInit {
  home: string
  /** The lookup secret (node/keystore `lookupSecret()`). */
  lookupSecret: Uint8Array
  /** Other components' tables, migrated after the storage's own: component name → migrations. */
  migrations?: Readonly<Record<string, readonly Migration[]>>
  /** Database file; default `<home>/node.sqlite` (`:memory:` for tests). */
  databasePath?: string
}

export interface StorageComponents {
  logger: ComponentLogger
  clock?: () => number
}

export interface Storage {
  /** The open database; throws UnavailableError before start and after stop. */
  readonly db: Db
  readonly blobs: BlobStore
  readonly lookup: LookupHasher
  start: () => Promise<void>
  stop: () => Promise<void>
}

export function createStorage (init: StorageInit, components: StorageComponents): Storage {
  const log = components.logger.forComponent('node:storage')
  const blobs = createBlobStore({ dir: join(init.home, BLOBS_DIR) })
  const lookup = createLookupHasher(init.lookupSecret)
  let db: Db | undefined

  return {
    get db (): Db {
      if (db === undefined) throw new UnavailableError('storage is not started')
      return db
    },
    blobs,
    lookup,
    async start () {
      if (db !== undefined) return
      const opened = openDatabase(init.databasePath ?? databasePath(init.home))
      try {
        const now = components.clock ?? Date.now
        const applied = migrate(opened, STORAGE_COMPONENT, STORAGE_MIGRATIONS, now)
        for (const [component, list] of Object.entries(init.migrations ?? {})) {
          const more = migrate(opened, component, list, now)
          if (more.length > 0) log.info({ component, versions: more }, 'applied migrations')
        }
        if (applied.length > 0) log.info({ component: STORAGE_COMPONENT, versions: applied }, 'applied migrations')
        await blobs.start()
      } catch (err) {
        opened.close()
        throw err
      }
      db = opened
    },
    async stop () {
      if (db === undefined) return
      const closing = db
      db = undefined
      try {
        closing.pragma('wal_checkpoint(TRUNCATE)')
      } finally {
        closing.close()
      }
      await Promise.resolve()
    }
  }
}
