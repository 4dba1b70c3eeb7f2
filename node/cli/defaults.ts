/**
 * Constants the commands' definitions (option defaults, help text) need, with no heavy imports, so
 * that registering every command loads none of the code the commands run (issue #8).
 */

/** The chain RPC a client command reads (or signs against) without --chain-rpc: a node's default. */
export { DEFAULT_CHAIN_RPC } from '../config/defaults.js'

/** Exit code of a refused retrieval (the custodian answered, but not with the record). */
export const EXIT_REFUSED = 3

/** The member countries of a genesis written by `chain init` without --countries. */
export const DEFAULT_GENESIS_COUNTRIES = 'DE,FR,US'
