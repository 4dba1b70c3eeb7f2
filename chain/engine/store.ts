/**
 * The engine's block store and tx index, in the same SQLite file as the application's state
 * (`<home>/data/chain.sqlite`). Writes happen only inside the application's commit transaction
 * (`CommitHooks.inTransaction`), so a block, its txs, their results and their index rows are
 * stored together with the state they produced, or not at all. Reads use the read connection.
 */
import type Database from 'better-sqlite3'
import { ExecTxResult, Event, ResponseFinalizeBlock } from 'cosmjs-types/tendermint/abci/types'
import { txHash as txHashOf, type BlockHeader, type BlockId, type CommitSignature } from './header.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS engine_blocks (
  height INTEGER PRIMARY KEY,
  hash BLOB NOT NULL,
  parts_hash BLOB NOT NULL,
  header TEXT NOT NULL,
  num_txs INTEGER NOT NULL,
  size INTEGER NOT NULL,
  last_commit TEXT NOT NULL,
  finalize BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS engine_txs (
  height INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  tx BLOB NOT NULL,
  result BLOB NOT NULL,
  PRIMARY KEY (height, idx)
);
CREATE INDEX IF NOT EXISTS engine_txs_hash ON engine_txs (hash);
CREATE TABLE IF NOT EXISTS engine_tx_events (
  height INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS engine_tx_events_kv ON engine_tx_events (key, value);
CREATE INDEX IF NOT EXISTS engine_tx_events_tx ON engine_tx_events (height, idx);
`

export interface StoredBlock {
  readonly header: BlockHeader
  readonly id: BlockId
  readonly txs: readonly Uint8Array[]
  readonly size: number
  /** The commit of the previous block carried by this block (empty at the first height). */
  readonly lastCommit: readonly CommitSignature[]
  /** Block-level results: events, app hash (txResults are kept per tx). */
  readonly finalize: ResponseFinalizeBlock
}

export interface StoredTx {
  readonly height: bigint
  readonly index: number
  readonly hash: Uint8Array
  readonly tx: Uint8Array
  readonly result: ExecTxResult
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

function headerToJson (h: BlockHeader): string {
  return JSON.stringify({
    chainId: h.chainId, height: h.height.toString(), timeMs: h.timeMs, appVersion: h.appVersion.toString(),
    lastBlockId: { hash: hex(h.lastBlockId.hash), total: h.lastBlockId.parts.total, parts: hex(h.lastBlockId.parts.hash) },
    lastCommitHash: hex(h.lastCommitHash), dataHash: hex(h.dataHash), validatorsHash: hex(h.validatorsHash),
    nextValidatorsHash: hex(h.nextValidatorsHash), consensusHash: hex(h.consensusHash), appHash: hex(h.appHash),
    lastResultsHash: hex(h.lastResultsHash), evidenceHash: hex(h.evidenceHash), proposerAddress: hex(h.proposerAddress)
  })
}

interface HeaderJson {
  chainId: string, height: string, timeMs: number, appVersion: string
  lastBlockId: { hash: string, total: number, parts: string }
  lastCommitHash: string, dataHash: string, validatorsHash: string, nextValidatorsHash: string
  consensusHash: string, appHash: string, lastResultsHash: string, evidenceHash: string, proposerAddress: string
}

function headerFromJson (text: string): BlockHeader {
  const j = JSON.parse(text) as HeaderJson
  return {
    chainId: j.chainId, height: BigInt(j.height), timeMs: j.timeMs, appVersion: BigInt(j.appVersion),
    lastBlockId: { hash: unhex(j.lastBlockId.hash), parts: { total: j.lastBlockId.total, hash: unhex(j.lastBlockId.parts) } },
    lastCommitHash: unhex(j.lastCommitHash), dataHash: unhex(j.dataHash), validatorsHash: unhex(j.validatorsHash),
    nextValidatorsHash: unhex(j.nextValidatorsHash), consensusHash: unhex(j.consensusHash), appHash: unhex(j.appHash),
    lastResultsHash: unhex(j.lastResultsHash), evidenceHash: unhex(j.evidenceHash), proposerAddress: unhex(j.proposerAddress)
  }
}

function commitToJson (sigs: readonly CommitSignature[]): string {
  return JSON.stringify(sigs.map((s) => ({ address: hex(s.validatorAddress), timeMs: s.timeMs, signature: hex(s.signature) })))
}

function commitFromJson (text: string): CommitSignature[] {
  return (JSON.parse(text) as Array<{ address: string, timeMs: number, signature: string }>)
    .map((s) => ({ validatorAddress: unhex(s.address), timeMs: s.timeMs, signature: unhex(s.signature) }))
}

/** The attributes a tx is indexed by: `<event type>.<key>` → value, for attributes marked `index`. */
export function indexedAttributes (events: readonly Event[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const e of events) {
    if (e.type === '') continue
    for (const a of e.attributes) {
      if (a.index && a.key !== '') out.push([`${e.type}.${a.key}`, a.value])
    }
  }
  return out
}

/** Creates the engine's tables on the write connection (idempotent). */
export function createSchema (db: Database.Database): void {
  db.exec(SCHEMA)
}

interface WriteStatements {
  block: Database.Statement
  tx: Database.Statement
  event: Database.Statement
}

const writeStatements = new WeakMap<Database.Database, WriteStatements>()

function statementsFor (db: Database.Database): WriteStatements {
  let s = writeStatements.get(db)
  if (s === undefined) {
    s = {
      block: db.prepare('INSERT INTO engine_blocks (height, hash, parts_hash, header, num_txs, size, last_commit, finalize) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      tx: db.prepare('INSERT INTO engine_txs (height, idx, hash, tx, result) VALUES (?, ?, ?, ?, ?)'),
      event: db.prepare('INSERT INTO engine_tx_events (height, idx, key, value) VALUES (?, ?, ?, ?)')
    }
    writeStatements.set(db, s)
  }
  return s
}

/** Writes one block with its txs and index rows; called inside the commit transaction. */
export function writeBlock (db: Database.Database, block: StoredBlock, results: readonly ExecTxResult[]): void {
  const st = statementsFor(db)
  const finalize = ResponseFinalizeBlock.encode({ ...block.finalize, txResults: [] }).finish()
  st.block.run(block.header.height, block.id.hash, block.id.parts.hash, headerToJson(block.header), block.txs.length, block.size, commitToJson(block.lastCommit), finalize)
  block.txs.forEach((tx, i) => {
    const result = results[i] ?? ExecTxResult.fromPartial({})
    st.tx.run(block.header.height, i, txHashOf(tx), tx, ExecTxResult.encode(result).finish())
    for (const [k, v] of indexedAttributes(result.events)) st.event.run(block.header.height, i, k, v)
  })
}

interface BlockRow { height: number | bigint, hash: Buffer, parts_hash: Buffer, header: string, num_txs: number | bigint, size: number | bigint, last_commit: string, finalize: Buffer }
interface TxRow { height: number | bigint, idx: number | bigint, hash: Buffer, tx: Buffer, result: Buffer }

/** Read side of the store, on the read connection. */
export class BlockStoreReader {
  private readonly stmts: {
    block: Database.Statement<[bigint], BlockRow>
    latest: Database.Statement<[], { height: number | bigint } | undefined>
    earliest: Database.Statement<[], { height: number | bigint } | undefined>
    blockTxs: Database.Statement<[bigint], TxRow>
    txByHash: Database.Statement<[Uint8Array], TxRow>
    txAt: Database.Statement<[bigint, number], TxRow>
  }

  constructor (private readonly db: Database.Database) {
    this.stmts = {
      block: db.prepare('SELECT * FROM engine_blocks WHERE height = ?'),
      latest: db.prepare('SELECT MAX(height) AS height FROM engine_blocks'),
      earliest: db.prepare('SELECT MIN(height) AS height FROM engine_blocks'),
      blockTxs: db.prepare('SELECT * FROM engine_txs WHERE height = ? ORDER BY idx'),
      txByHash: db.prepare('SELECT * FROM engine_txs WHERE hash = ? ORDER BY height LIMIT 1'),
      txAt: db.prepare('SELECT * FROM engine_txs WHERE height = ? AND idx = ?')
    }
    for (const s of Object.values(this.stmts)) (s as Database.Statement).safeIntegers(true)
  }

  latestHeight (): bigint {
    const row = this.stmts.latest.get()
    return row?.height == null ? 0n : BigInt(row.height)
  }

  earliestHeight (): bigint {
    const row = this.stmts.earliest.get()
    return row?.height == null ? 0n : BigInt(row.height)
  }

  block (height: bigint): StoredBlock | undefined {
    const row = this.stmts.block.get(height)
    if (row === undefined) return undefined
    const header = headerFromJson(row.header)
    return {
      header,
      id: { hash: new Uint8Array(row.hash), parts: { total: 1, hash: new Uint8Array(row.parts_hash) } },
      txs: this.stmts.blockTxs.all(height).map((t) => new Uint8Array(t.tx)),
      size: Number(row.size),
      lastCommit: commitFromJson(row.last_commit),
      finalize: ResponseFinalizeBlock.decode(row.finalize)
    }
  }

  blockResults (height: bigint): ExecTxResult[] {
    return this.stmts.blockTxs.all(height).map((t) => ExecTxResult.decode(t.result))
  }

  txByHash (hash: Uint8Array): StoredTx | undefined {
    const row = this.stmts.txByHash.get(hash)
    return row === undefined ? undefined : toStoredTx(row)
  }

  txAt (height: bigint, index: number): StoredTx | undefined {
    const row = this.stmts.txAt.get(height, index)
    return row === undefined ? undefined : toStoredTx(row)
  }

  /** Runs a compiled tx_search: rows of (height, idx) in the requested order, and the total. */
  search (where: string, args: unknown[], order: 'asc' | 'desc', limit: number, offset: number): { total: number, txs: StoredTx[] } {
    const total = this.db.prepare(`SELECT COUNT(*) AS n FROM engine_txs t WHERE ${where}`).get(...args) as { n: number }
    const rows = this.db.prepare(`SELECT * FROM engine_txs t WHERE ${where} ORDER BY t.height ${order}, t.idx ${order} LIMIT ? OFFSET ?`)
      .safeIntegers(true).all(...args, limit, offset) as TxRow[]
    return { total: total.n, txs: rows.map(toStoredTx) }
  }
}

function toStoredTx (row: TxRow): StoredTx {
  return {
    height: BigInt(row.height),
    index: Number(row.idx),
    hash: new Uint8Array(row.hash),
    tx: new Uint8Array(row.tx),
    result: ExecTxResult.decode(row.result)
  }
}
