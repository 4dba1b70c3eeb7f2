/**
 * The chain's default settings as plain constants, with no imports: the CLI shows them in its help
 * without loading the engine, the ABCI server or the ledger application (which re-export them).
 */

/** The chain id of a genesis written without --chain-id (chain/app/genesis-doc.ts). */
export const DEFAULT_CHAIN_ID = 'healthrelay-devnet-1'
/** Where the embedded engine's CometBFT JSON-RPC listens (chain/engine). */
export const DEFAULT_RPC_LISTEN = '127.0.0.1:26657'
/** Milliseconds between blocks of the embedded engine (chain/engine). */
export const DEFAULT_BLOCK_TIME_MS = 500
/**
 * The embedded engine makes a block at once when its mempool holds this many txs (chain/engine):
 * under a steady 1,000 mints/s a block then waits ~250 ms rather than the full block time, which
 * halves the broadcast-to-inclusion p50 (bench/chain paced: 416 → 220 ms) at the same throughput.
 */
export const DEFAULT_BLOCK_TX_THRESHOLD = 250
/** Where the ABCI socket server listens (chain/abci). */
export const DEFAULT_ABCI_LISTEN = 'tcp://127.0.0.1:26658'
