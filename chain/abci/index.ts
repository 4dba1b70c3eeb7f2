/**
 * ABCI 2.0 socket server: runs the ledger state machine (`chain/app`) under CometBFT 0.38
 * validators. `createAbciServer({ listen }, { app })`.
 */
export * from './server.js'
export * from './framing.js'
export * from './errors.js'
export { dispatch, requestKind } from './dispatch.js'
export { openAppDatabases, ABCI_DB_FILE } from './database.js'
