/**
 * Group commit for small appends that must be durable before their promise resolves (the
 * decision log, the access queue, the patient's inbox). Every append queued in the same turn of
 * the event loop is written in one SQLite transaction, so the node pays one WAL fsync
 * (`synchronous = FULL`) for a retrieval's three rows, and one for many concurrent retrievals,
 * instead of one per row. A failing append fails alone: the batch is retried one by one.
 */
import type { Db } from './database.js'

export interface GroupCommit {
  /** Runs `work` inside the next group transaction; resolves once that transaction committed. */
  run: (work: (db: Db) => void) => Promise<void>
}

interface Pending { work: (db: Db) => void, resolve: () => void, reject: (err: unknown) => void }

export function createGroupCommit (db: Db): GroupCommit {
  let pending: Pending[] = []
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    const batch = pending
    pending = []
    try {
      db.transaction(() => { for (const p of batch) p.work(db) })()
    } catch {
      for (const p of batch) {
        try {
          db.transaction(() => { p.work(db) })()
          p.resolve()
        } catch (err) {
          p.reject(err)
        }
      }
      return
    }
    for (const p of batch) p.resolve()
  }
  return {
    run: async (work) => {
      await new Promise<void>((resolve, reject) => {
        pending.push({ work, resolve, reject })
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      })
    }
  }
}
