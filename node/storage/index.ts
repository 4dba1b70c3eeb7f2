/**
 * The node's storage: SQLite (WAL, secure_delete, versioned migrations per component) with one
 * small repository per table, a content-addressed blob store on disk, lookup hashes under the
 * node's secret, and erasure.
 */
export * from './errors.js'
export * from './database.js'
export * from './migrate.js'
export * from './schema.js'
export * from './lookup.js'
export * from './records.js'
export * from './enrolments.js'
export * from './restrictions.js'
export * from './outbox.js'
export * from './decisions.js'
export * from './inbox.js'
export * from './access-queue.js'
export * from './blobs.js'
export * from './erase.js'
export * from './storage.js'
export * from './group-commit.js'
