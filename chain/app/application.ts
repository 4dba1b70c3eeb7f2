/**
 * The contract between the ledger state machine and the two things that drive it: the embedded
 * single-validator engine (`chain/engine`) and the ABCI 2.0 socket server (`chain/abci`, under
 * CometBFT 0.38). Both call exactly these methods with the ABCI 2.0 request types of
 * `cosmjs-types/tendermint/abci/types`, so one state machine serves both and replaying the same
 * blocks gives the same app hash either way.
 *
 * Rules a driver follows (CometBFT's own order):
 * - On start: `info()`; if its `lastBlockHeight` is 0 and the chain is new, `initChain()` with the
 *   genesis document's `app_state` as `appStateBytes` (JSON; see `genesis.json` written by
 *   `healthrelay chain init`), then blocks from `initialHeight`.
 * - Per block: `prepareProposal` (proposer) → `processProposal` → `finalizeBlock` → `commit`.
 *   `finalizeBlock` executes the txs and returns the new app hash but persists nothing; `commit`
 *   persists the whole block in one SQLite transaction. A driver that keeps its own records of
 *   the block (the embedded engine's block store and tx index) writes them through
 *   `CommitHooks.inTransaction`, inside that same transaction, so a crash leaves all or nothing.
 * - Mempool: `checkTx` with type NEW admits a tx against the check state, which tracks the
 *   sequences of txs already admitted (so one account can send several in a row); after each
 *   `commit` the check state is reset to the committed state and the driver re-sends every tx
 *   still in its mempool with type RECHECK, dropping those that now fail.
 * - Queries read committed state only (a separate read connection), and answer with the last
 *   committed height (never 0).
 *
 * All methods are synchronous: the state machine is deterministic and single-threaded, and
 * better-sqlite3 is synchronous.
 */
import type Database from 'better-sqlite3'
import type {
  RequestInfo, ResponseInfo,
  RequestInitChain, ResponseInitChain,
  RequestCheckTx, ResponseCheckTx,
  RequestPrepareProposal, ResponsePrepareProposal,
  RequestProcessProposal, ResponseProcessProposal,
  RequestFinalizeBlock, ResponseFinalizeBlock,
  ResponseCommit,
  RequestQuery, ResponseQuery
} from 'cosmjs-types/tendermint/abci/types'

export interface CommitHooks {
  /** Runs inside the SQLite transaction that persists the block; throw to abort the commit. */
  inTransaction?: (db: Database.Database) => void
}

export interface AbciApplication {
  info: (req: RequestInfo) => ResponseInfo
  initChain: (req: RequestInitChain) => ResponseInitChain
  checkTx: (req: RequestCheckTx) => ResponseCheckTx
  prepareProposal: (req: RequestPrepareProposal) => ResponsePrepareProposal
  processProposal: (req: RequestProcessProposal) => ResponseProcessProposal
  finalizeBlock: (req: RequestFinalizeBlock) => ResponseFinalizeBlock
  commit: (hooks?: CommitHooks) => ResponseCommit
  query: (req: RequestQuery) => ResponseQuery
  /** Closes the database connections the application opened. Safe to call twice. */
  close: () => void
}
