/**
 * The defaults of a node's configuration that the CLI shows in its help (`healthrelay init`), as
 * constants with no imports, so that showing them loads no schema library (schema.ts re-exports them).
 */
export { DEFAULT_CHAIN_ID } from '../../chain/defaults.js'

export const DEFAULT_API_LISTEN = '127.0.0.1:8080'
export const DEFAULT_CHAIN_RPC = 'http://127.0.0.1:26657'
export const DEFAULT_P2P_LISTEN = '/ip4/127.0.0.1/tcp/4001'
