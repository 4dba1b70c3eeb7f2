/**
 * The daemon's configuration: `<home>/config.json`, then environment overrides
 * (`HEALTHRELAY_<SECTION>_<FIELD>`, e.g. `HEALTHRELAY_API_LISTEN=127.0.0.1:9090`). Every field has
 * a documented default except the country.
 */
import { z } from 'zod'

import { DEFAULT_API_LISTEN, DEFAULT_CHAIN_ID, DEFAULT_CHAIN_RPC, DEFAULT_P2P_LISTEN } from './defaults.js'

export { DEFAULT_API_LISTEN, DEFAULT_CHAIN_ID, DEFAULT_CHAIN_RPC, DEFAULT_P2P_LISTEN }
export const DEFAULT_MAX_CHAIN_LAG_BLOCKS = 10
export const DEFAULT_FRESHNESS_WINDOW_MS = 5 * 60_000
export const DEFAULT_CREDENTIAL_TTL_SECONDS = 24 * 3600

const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:8080')
const multiaddr = z.string().regex(/^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d{1,5}(\/ws)?(\/p2p\/\w+)?$/,
  'a TCP multiaddr, e.g. /ip4/127.0.0.1/tcp/4001')
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code, e.g. DE')

export const configSchema = z.object({
  country,
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  api: z.object({
    listen: hostPort.default(DEFAULT_API_LISTEN)
  }).strict().default({ listen: DEFAULT_API_LISTEN }),
  chain: z.object({
    rpc: z.url({ protocol: /^https?$/ }).default(DEFAULT_CHAIN_RPC),
    chainId: z.string().min(1).default(DEFAULT_CHAIN_ID),
    maxLagBlocks: z.number().int().positive().default(DEFAULT_MAX_CHAIN_LAG_BLOCKS)
  }).strict().default({ rpc: DEFAULT_CHAIN_RPC, chainId: DEFAULT_CHAIN_ID, maxLagBlocks: DEFAULT_MAX_CHAIN_LAG_BLOCKS }),
  p2p: z.object({
    listen: z.array(multiaddr).min(1).default([DEFAULT_P2P_LISTEN]),
    announce: z.array(multiaddr).default([])
  }).strict().default({ listen: [DEFAULT_P2P_LISTEN], announce: [] }),
  relay: z.object({
    freshnessWindowMs: z.number().int().positive().default(DEFAULT_FRESHNESS_WINDOW_MS),
    credentialTtlSeconds: z.number().int().positive().default(DEFAULT_CREDENTIAL_TTL_SECONDS)
  }).strict().default({ freshnessWindowMs: DEFAULT_FRESHNESS_WINDOW_MS, credentialTtlSeconds: DEFAULT_CREDENTIAL_TTL_SECONDS })
}).strict()

export type NodeConfig = z.infer<typeof configSchema>
