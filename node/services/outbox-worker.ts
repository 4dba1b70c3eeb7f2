/**
 * Sends what the outbox owes the chain: record mints (batched into one MsgMintRecordTokens) and
 * status changes. Idempotent by token id: before sending, every entry's token is looked up on
 * chain, and one already there (a crash after the broadcast, before the outbox heard back) is
 * confirmed instead of sent again. A failed batch goes back to pending with capped exponential
 * back-off. After a confirmed mint the record becomes `active` and is provided on the DHT.
 *
 * Access events are moved into the outbox by `flushAccess` (node/relay-adapters' AccessBatcher: one
 * `record-access` entry whose payload is a MsgRecordAccess's protobuf bytes) on each pass and sent;
 * `stop()` flushes the last batch (the audit batch).
 *
 * Erasures: each pass first finishes the blob deletions an erasure owes (`erase-blob`, local, left
 * pending by a crash), and a status change to ERASED for a record whose mint is still owed waits
 * for that mint (mints go first in every pass). A freshly minted record that was erased meanwhile
 * is not provided.
 */
import type { LedgerSigner, LedgerQueries, TokenSpecInput, RecordStatus as ChainRecordStatus } from '../../chain/client/index.js'
import type { ComponentLogger } from '../../common/logger.js'
import { ledger, ledgerTypeUrl } from '../../proto/index.js'
import {
  completeAccessBatch, completeBlobErasures, dueOutbox, stmt, getRecord, markOutboxConfirmed, markOutboxRetry, outboxInState, setRecordStatus, type OutboxEntry, type Storage
} from '../storage/index.js'
import type { MintPayload } from './records.js'
import type { NodeMetrics } from '../metrics.js'

export const DEFAULT_OUTBOX_INTERVAL_MS = 250
export const DEFAULT_MINT_BATCH = 100
export const MAX_BACKOFF_MS = 60_000

export interface OutboxWorkerInit {
  intervalMs?: number
  batchSize?: number
}

export interface OutboxWorkerComponents {
  storage: Storage
  signer: () => LedgerSigner
  queries: () => Pick<LedgerQueries, 'token'>
  /** Advertises a freshly minted record (best effort). */
  provide?: (tokenId: string) => Promise<void>
  metrics?: Pick<NodeMetrics, 'chainSubmissions'>
  /** Moves queued access events into the outbox as one `record-access` entry (payload: MsgRecordAccess protobuf). */
  flushAccess?: () => Promise<unknown>
  logger: ComponentLogger
  clock?: () => number
}

export interface OutboxWorker {
  start: () => Promise<void>
  /** Finishes the batch in flight, then stops. */
  stop: () => Promise<void>
  wake: () => void
  /** Runs one pass now (tests, drain on shutdown). */
  runOnce: () => Promise<number>
}

const errorText = (err: unknown): string => err instanceof Error ? `${err.name}: ${err.message}` : String(err)

export function createOutboxWorker (init: OutboxWorkerInit, c: OutboxWorkerComponents): OutboxWorker {
  const log = c.logger.forComponent('node:outbox')
  const now = c.clock ?? Date.now
  const batchSize = init.batchSize ?? DEFAULT_MINT_BATCH
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<number> | undefined
  let stopped = true

  const activate = (entries: readonly OutboxEntry[], height: bigint): void => {
    const db = c.storage.db
    const at = now()
    db.transaction(() => {
      markOutboxConfirmed(db, entries.map((e) => e.id), height, at)
      for (const e of entries) {
        if (e.tokenId === undefined) continue
        const r = getRecord(db, e.tokenId)
        if (r?.status === 'pending') setRecordStatus(db, e.tokenId, 'active', at)
        if (r?.supersedes !== undefined && getRecord(db, r.supersedes)?.status === 'active') setRecordStatus(db, r.supersedes, 'superseded', at)
      }
    })()
    for (const e of entries) {
      // an erasure may have come between the mint's broadcast and its confirmation
      if (e.tokenId !== undefined && c.provide !== undefined && getRecord(db, e.tokenId)?.status === 'active') {
        c.provide(e.tokenId).catch((err: unknown) => { log.warn({ tokenId: e.tokenId, err: errorText(err) }, 'provide after mint failed; the re-provide will retry') })
      }
    }
  }

  const backoff = (attempts: number): number => Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempts, 10))

  const mintBatch = async (entries: OutboxEntry[]): Promise<void> => {
    // Already on chain (sent before a crash)? Confirm without sending again.
    const toSend: OutboxEntry[] = []
    for (const e of entries) {
      const token = e.tokenId === undefined ? undefined : await c.queries().token(e.tokenId)
      if (token !== undefined) activate([e], token.mintedHeight)
      else toSend.push(e)
    }
    if (toSend.length === 0) return
    const specs: TokenSpecInput[] = toSend.map((e) => {
      const p = JSON.parse(new TextDecoder().decode(e.payload)) as MintPayload
      return { id: p.id, subject: p.subject, commitment: p.commitment, sealedMetadata: Buffer.from(p.sealedMetadata, 'hex'), ...(p.supersedes !== undefined ? { supersedes: p.supersedes } : {}) }
    })
    try {
      const out = await c.signer().mintRecordTokens(specs)
      c.metrics?.chainSubmissions.inc({ kind: 'mint', outcome: 'ok' })
      activate(toSend, out.height)
      log.info({ tokens: toSend.length, height: String(out.height) }, 'minted record tokens')
    } catch (err) {
      c.metrics?.chainSubmissions.inc({ kind: 'mint', outcome: 'error' })
      const attempts = Math.max(...toSend.map((e) => e.attempts)) + 1
      log.warn({ tokens: toSend.length, err: errorText(err) }, 'mint failed; will retry')
      const db = c.storage.db
      db.transaction(() => {
        for (const e of toSend) {
          markOutboxRetry(db, [e.id], errorText(err), now() + backoff(attempts), now())
          db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?').run(e.id)
        }
      })()
    }
  }

  const statusChange = async (e: OutboxEntry): Promise<void> => {
    const p = JSON.parse(new TextDecoder().decode(e.payload)) as { tokenId: string, status: ChainRecordStatus }
    try {
      const token = await c.queries().token(p.tokenId)
      if (token?.status === p.status) { markOutboxConfirmed(c.storage.db, [e.id], token.mintedHeight, now()); return }
      if (token === undefined && mintOwed(p.tokenId)) {
        // erased before its mint landed: the mint goes first (it is ahead in every pass)
        markOutboxRetry(c.storage.db, [e.id], 'waiting for the token\'s mint', now() + (init.intervalMs ?? DEFAULT_OUTBOX_INTERVAL_MS), now())
        return
      }
      const out = await c.signer().setRecordStatus(p.tokenId, p.status)
      c.metrics?.chainSubmissions.inc({ kind: 'set-status', outcome: 'ok' })
      markOutboxConfirmed(c.storage.db, [e.id], out.height, now())
    } catch (err) {
      c.metrics?.chainSubmissions.inc({ kind: 'set-status', outcome: 'error' })
      markOutboxRetry(c.storage.db, [e.id], errorText(err), now() + backoff(e.attempts + 1), now())
      c.storage.db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?').run(e.id)
    }
  }

  const mintOwed = (tokenId: string): boolean => stmt<[string], { n: number }>(c.storage.db,
    "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'mint' AND token_id = ? AND state IN ('pending', 'submitted')").get(tokenId)?.n !== 0

  const accessBatch = async (e: OutboxEntry): Promise<void> => {
    try {
      const signer = c.signer()
      const msg = ledger.MsgRecordAccess.decode(e.payload)
      const out = await signer.send([{ typeUrl: ledgerTypeUrl('MsgRecordAccess'), value: msg }])
      c.metrics?.chainSubmissions.inc({ kind: 'record-access', outcome: 'ok' })
      c.storage.db.transaction(() => { markOutboxConfirmed(c.storage.db, [e.id], out.height, now()); completeAccessBatch(c.storage.db, e.id) })()
    } catch (err) {
      c.metrics?.chainSubmissions.inc({ kind: 'record-access', outcome: 'error' })
      markOutboxRetry(c.storage.db, [e.id], errorText(err), now() + backoff(e.attempts + 1), now())
      c.storage.db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?').run(e.id)
    }
  }

  /** Moves queued access events into one outbox batch (the relay's AccessBatcher, when wired). */
  const batchAccessEvents = async (): Promise<void> => {
    if (c.flushAccess === undefined) return
    try { await c.flushAccess() } catch (err) { log.warn({ err: errorText(err) }, 'access batch failed; the events stay queued') }
  }

  const pass = async (): Promise<number> => {
    const db = c.storage.db
    await completeBlobErasures(db, c.storage.blobs, now())
    await batchAccessEvents()
    // entries a crashed run left as submitted go back to pending (the chain lookup above dedupes)
    const stale = outboxInState(db, 'submitted')
    if (stale.length > 0) markOutboxRetry(db, stale.map((e) => e.id), 'restarted while submitted', now(), now())
    const mints = dueOutbox(db, now(), batchSize, 'mint')
    if (mints.length > 0) await mintBatch(mints)
    const statuses = dueOutbox(db, now(), 20, 'set-status')
    for (const e of statuses) await statusChange(e)
    const access = dueOutbox(db, now(), 5, 'record-access')
    for (const e of access) await accessBatch(e)
    return mints.length + statuses.length + access.length
  }

  const schedule = (ms: number): void => {
    if (stopped) return
    clearTimeout(timer)
    timer = setTimeout(tick, ms)
  }
  const tick = (): void => {
    if (stopped || running !== undefined) return
    running = pass()
      .catch((err: unknown) => { log.error({ err: errorText(err) }, 'outbox pass failed'); return 0 })
      .finally(() => { running = undefined })
    running.then((n) => { schedule(n > 0 ? 0 : init.intervalMs ?? DEFAULT_OUTBOX_INTERVAL_MS) }).catch(() => {})
  }

  return {
    start: async () => {
      if (!stopped) return
      stopped = false
      schedule(0)
      await Promise.resolve()
    },
    async stop () {
      if (stopped) return
      stopped = true
      clearTimeout(timer)
      await running
      // flush the audit batch: one last pass for the access events (bounded by the broadcast time-out)
      try {
        await batchAccessEvents()
        for (const e of dueOutbox(c.storage.db, now(), 5, 'record-access')) await accessBatch(e)
      } catch (err) { log.warn({ err: errorText(err) }, 'could not flush the access batch; it stays queued') }
    },
    wake () { if (running === undefined) schedule(0) },
    async runOnce () {
      if (running !== undefined) await running
      return await pass()
    }
  }
}
