import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../../../node/storage/database.js'
import { createGroupCommit } from '../../../../node/storage/group-commit.js'

describe('group commit', () => {
  const dirs: string[] = []
  const dbs: Db[] = []
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const open = (): Db => {
    const dir = mkdtempSync(join(tmpdir(), 'hr-group-commit-'))
    dirs.push(dir)
    const db = openDatabase(join(dir, 'node.sqlite'))
    dbs.push(db)
    db.exec('CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0))')
    return db
  }

  it('writes the appends of one turn in one transaction and resolves once they are committed', async () => {
    const db = open()
    const commit = createGroupCommit(db)
    const before = db.prepare('SELECT total_changes() AS n').get() as { n: number }
    let transactions = 0
    const original = db.transaction.bind(db)
    db.transaction = ((fn: () => void) => { transactions++; return original(fn) }) as typeof db.transaction
    const done = Promise.all([1, 2, 3].map(async (v) => { await commit.run((d) => { d.prepare('INSERT INTO t (v) VALUES (?)').run(v) }) }))
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 }) // nothing written before the turn ends
    await done
    expect(transactions).toBe(1)
    expect(db.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }])
    expect((db.prepare('SELECT total_changes() AS n').get() as { n: number }).n - before.n).toBe(3)
  })

  it('a failing append fails alone; the others of its batch are still written', async () => {
    const db = open()
    const commit = createGroupCommit(db)
    const results = await Promise.allSettled([1, -1, 2].map(async (v) => { await commit.run((d) => { d.prepare('INSERT INTO t (v) VALUES (?)').run(v) }) }))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(db.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 1 }, { v: 2 }])
  })
})
