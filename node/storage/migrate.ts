/**
 * Versioned migrations. Each part of the node that keeps tables names its own `component` and an
 * ordered list of migrations (versions 1, 2, 3, … with no gaps); `migrate` applies those not yet
 * applied, each in its own transaction, and records them in `schema_migrations`. A database whose
 * version for a component is higher than the code knows is refused (no silent downgrade).
 */
import type { Db } from './database.js'
import { MigrationError, SchemaTooNewError } from './errors.js'

export interface Migration {
  readonly version: number
  readonly name: string
  readonly up: (db: Db) => void
}

const BOOTSTRAP = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL,
  PRIMARY KEY (component, version)
) STRICT`

/** The highest applied version of `component` (0 when none). */
export function schemaVersion (db: Db, component: string): number {
  db.exec(BOOTSTRAP)
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?').get(component) as { v: number | null }
  return row.v ?? 0
}

/** Applies the pending migrations of `component`; returns the versions applied. */
export function migrate (db: Db, component: string, migrations: readonly Migration[], now: () => number = Date.now): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`${component} migrations must be numbered 1, 2, 3, …; found ${m.version} at position ${i + 1}`)
  })
  const current = schemaVersion(db, component)
  if (current > migrations.length) throw new SchemaTooNewError(component, current, migrations.length)
  const applied: number[] = []
  for (const m of migrations.slice(current)) {
    try {
      db.transaction(() => {
        m.up(db)
        db.prepare('INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)')
          .run(component, m.version, m.name, now())
      })()
    } catch (err) {
      throw new MigrationError(`${component} migration ${m.version} (${m.name}) failed: ${(err as Error).message}`)
    }
    applied.push(m.version)
  }
  return applied
}
