/**
 * The chain client: the one module the daemon uses to reach the healthrelay appchain, built on
 * cosmjs (`SigningStargateClient` with a Registry of every ledger Msg, a `QueryClient` extension of
 * `healthrelay.ledger.v1.Query`, and websocket event subscriptions). It returns domain types
 * (types.ts): bigint for 64-bit values, lower-case hex for 32-byte ids, never wire types.
 */
export { createChainClient, DEFAULT_GAS_PRICE, DEFAULT_GAS_MULTIPLIER, DEFAULT_BROADCAST_POLL_INTERVAL_MS, DEFAULT_BROADCAST_TIMEOUT_MS } from './client.js'
export type { ChainClient, ChainClientInit, ChainClientComponents, LedgerSigner, Account } from './client.js'
export type { LedgerQueries, LedgerExtension } from './queries.js'
export { setupLedgerExtension, LEDGER_QUERY_SERVICE } from './queries.js'
export { createLedgerRegistry, ledgerMsgTypes, LEDGER_MSG_NAMES } from './registry.js'
export { ledgerMsgs, membershipMsgs } from './msgs.js'
export type { TokenSpecInput, GrantAccessInput, AccessEventInput, PublishPolicyInput, NodeInput } from './msgs.js'
export { decodeLedgerEvent, decodeLedgerEvents } from './events.js'
export { toBytes } from './convert.js'
export * from './errors.js'
export type * from './types.js'
