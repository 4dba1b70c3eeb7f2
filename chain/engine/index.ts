/**
 * The embedded single-validator engine: drives an `AbciApplication` (chain/app/application.ts)
 * the way CometBFT does, keeps a block store and tx index in the application's SQLite file, and
 * serves the CometBFT 0.38 JSON-RPC (HTTP POST, GET-URI and websocket subscriptions) that cosmjs
 * talks to. See docs/chain.md, "Embedded engine and RPC".
 */
export {
  createEngine, parseHostPort, CHAIN_DB_FILE, DEFAULT_RPC_LISTEN, DEFAULT_BLOCK_TIME_MS, DEFAULT_BLOCK_TX_THRESHOLD,
  DEFAULT_MAX_BLOCK_TXS, DEFAULT_MAX_BLOCK_BYTES, DEFAULT_BROADCAST_COMMIT_TIMEOUT_MS
} from './engine.js'
export type { Engine, EngineInit, EngineComponents, EngineHalt, AppDeps, AppFactory } from './engine.js'
export type { CommittedBlock } from './chain.js'
export { readGenesis, readValidatorKey, validatorKeyJson, GENESIS_FILE, VALIDATOR_KEY_FILE } from './genesis.js'
export type { GenesisDoc, ValidatorKey } from './genesis.js'
export { hashHeader, blockIdOf, merkleRoot, voteSignBytes, txHash, timestamp, dataHash } from './header.js'
export type { BlockHeader, BlockId } from './header.js'
export { BlockStoreReader, createSchema } from './store.js'
export type { StoredBlock, StoredTx } from './store.js'
export { parseQuery, matchEvents } from './query.js'
export * from './errors.js'
