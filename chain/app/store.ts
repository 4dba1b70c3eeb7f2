/**
 * State: one key-value table in SQLite (`app_kv`), read through layers of buffered writes.
 *
 * Keys are byte strings, handled in memory as latin1 strings (one char per byte), so that the
 * default JavaScript string order is exactly the order of the raw key bytes. A `KvLayer` buffers
 * the writes of a block, a tx, or a proposal's execution on top of its parent; a failed tx simply
 * drops its layer. Nothing touches SQLite before `commit`, which writes a block's layer in one
 * transaction.
 *
 * App hash (DESIGN.md §3), byte for byte:
 *
 *   writeSetDigest = SHA-256( for each written key, in ascending order of its raw bytes:
 *                               u32be(len(key)) ‖ key ‖
 *                               ( 0x01 ‖ u32be(len(value)) ‖ value     if the key was set
 *                               | 0x00                                 if it was deleted ) )
 *   appHash(block) = SHA-256( appHash(previous block) ‖ writeSetDigest(block) )
 *   appHash(genesis) = SHA-256( writeSetDigest(genesis writes) )   (the previous hash is empty)
 *
 * A key written several times in a block counts once with its last value; a key written and then
 * deleted counts as a deletion. docs/chain.md documents the same encoding.
 */
import { createHash } from 'node:crypto'
import type Database from 'better-sqlite3'

/** Reads state: committed rows, or a layer's buffered writes over its parent. */
export interface KvReader {
  get: (key: string) => Uint8Array | undefined
  /** Every (key, value) whose key starts with `prefix`, ascending by key. */
  scan: (prefix: string) => Array<[string, Uint8Array]>
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS app_kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS app_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
`

const EMPTY = new Uint8Array(0)

/**
 * The smallest string greater than every string starting with `prefix`. Every prefix used here
 * is an ASCII word ending in `/` or a length byte, so the last char can always be incremented.
 */
function prefixEnd (prefix: string): string {
  const i = prefix.length - 1
  const c = prefix.charCodeAt(i)
  if (i < 0 || c >= 0xff) throw new RangeError('prefix cannot be range-scanned')
  return prefix.slice(0, i) + String.fromCharCode(c + 1)
}

export function keyBuffer (key: string): Buffer {
  return Buffer.from(key, 'latin1')
}

/** Committed state through one SQLite connection (prepared statements). */
export class SqliteReader implements KvReader {
  private readonly getStmt: Database.Statement
  private readonly pageStmt: Database.Statement
  private readonly countStmt: Database.Statement

  /**
   * Committed values by key, `null` for a key known to be absent; kept consistent by `committed()`,
   * which every commit through this connection calls with its writes.
   */
  private readonly cache: Map<string, Uint8Array | null> | undefined

  /** `cacheSize` > 0 keeps that many committed values in memory (the consensus connection). */
  constructor (db: Database.Database, cacheSize = 0) {
    this.cache = cacheSize > 0 ? new Map() : undefined
    this.cacheSize = cacheSize
    this.getStmt = db.prepare('SELECT value FROM app_kv WHERE key = ?').pluck()
    this.pageStmt = db.prepare('SELECT key, value FROM app_kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ? OFFSET ?').raw()
    this.countStmt = db.prepare('SELECT count(*) FROM app_kv WHERE key >= ? AND key < ?').pluck()
  }

  private readonly cacheSize: number

  get (key: string): Uint8Array | undefined {
    const cache = this.cache
    if (cache === undefined) return this.getStmt.get(keyBuffer(key)) as Buffer | undefined
    const cached = cache.get(key)
    if (cached !== undefined) return cached ?? undefined
    const v = this.getStmt.get(keyBuffer(key)) as Buffer | undefined
    this.remember(key, v ?? null)
    return v
  }

  private remember (key: string, value: Uint8Array | null): void {
    const cache = this.cache
    if (cache === undefined) return
    if (cache.size >= this.cacheSize) cache.clear()
    cache.set(key, value)
  }

  /**
   * Takes the writes that a commit just stored: written keys get their new value, deleted keys
   * become known-absent (write-through, so the next block reads them without SQLite).
   */
  committed (writes: ReadonlyMap<string, Uint8Array | null>): void {
    if (this.cache === undefined) return
    for (const [k, v] of writes) this.remember(k, v)
  }

  scan (prefix: string): Array<[string, Uint8Array]> {
    return this.scanRange(prefix, 0, -1)
  }

  /** A page of a prefix scan, ascending by key (limit -1 = all). */
  scanRange (prefix: string, offset: number, limit: number): Array<[string, Uint8Array]> {
    const rows = this.pageStmt.all(keyBuffer(prefix), keyBuffer(prefixEnd(prefix)), limit, offset) as Array<[Buffer, Buffer]>
    return rows.map(([k, v]) => [k.toString('latin1'), v])
  }

  count (prefix: string): number {
    return this.countStmt.get(keyBuffer(prefix), keyBuffer(prefixEnd(prefix))) as number
  }
}

/** Buffered writes over a parent reader. `null` marks a deletion. */
export class KvLayer implements KvReader {
  readonly writes = new Map<string, Uint8Array | null>()

  constructor (readonly parent: KvReader) {}

  get (key: string): Uint8Array | undefined {
    const w = this.writes.get(key)
    if (w !== undefined) return w === null ? undefined : w
    return this.parent.get(key)
  }

  has (key: string): boolean {
    return this.get(key) !== undefined
  }

  set (key: string, value: Uint8Array): void {
    this.writes.set(key, value)
  }

  delete (key: string): void {
    this.writes.set(key, null)
  }

  scan (prefix: string): Array<[string, Uint8Array]> {
    const merged = new Map<string, Uint8Array | null>()
    for (const [k, v] of this.parent.scan(prefix)) merged.set(k, v)
    for (const [k, v] of this.writes) if (k.startsWith(prefix)) merged.set(k, v)
    const out: Array<[string, Uint8Array]> = []
    for (const k of [...merged.keys()].sort()) {
      const v = merged.get(k)
      if (v !== null && v !== undefined) out.push([k, v])
    }
    return out
  }

  /** Moves this layer's writes into its parent layer. */
  flushInto (target: KvLayer): void {
    for (const [k, v] of this.writes) target.writes.set(k, v)
  }

  child (): KvLayer {
    return new KvLayer(this)
  }
}

function u32be (n: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n)
  return b
}

const SET = Buffer.from([1])
const DELETED = Buffer.from([0])

/** SHA-256 of a write set, encoded as described at the top of this file. */
export function writeSetDigest (writes: ReadonlyMap<string, Uint8Array | null>): Uint8Array {
  const h = createHash('sha256')
  for (const key of [...writes.keys()].sort()) {
    const k = keyBuffer(key)
    h.update(u32be(k.length))
    h.update(k)
    const v = writes.get(key)
    if (v === null || v === undefined) {
      h.update(DELETED)
    } else {
      h.update(SET)
      h.update(u32be(v.length))
      h.update(v)
    }
  }
  return h.digest()
}

/** SHA-256(previous app hash ‖ write-set digest). */
export function nextAppHash (previous: Uint8Array, digest: Uint8Array): Uint8Array {
  return createHash('sha256').update(previous).update(digest).digest()
}

/** Writes layers (in order) to `app_kv` with prepared statements; call inside a transaction. */
export class KvWriter {
  private readonly upsert: Database.Statement
  private readonly remove: Database.Statement

  constructor (db: Database.Database) {
    this.upsert = db.prepare('INSERT INTO app_kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
    this.remove = db.prepare('DELETE FROM app_kv WHERE key = ?')
  }

  apply (writes: ReadonlyMap<string, Uint8Array | null>): void {
    for (const [k, v] of writes) {
      if (v === null) this.remove.run(keyBuffer(k))
      else this.upsert.run(keyBuffer(k), Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength))
    }
  }
}

export { EMPTY as EMPTY_VALUE }
