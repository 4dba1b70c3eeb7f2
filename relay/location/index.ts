/**
 * relay/location: where a record lives.
 *
 * - `locationKey(tokenId)`: the DHT key (CID v1, raw, sha2-256 of the 32-byte token id).
 * - `createProvider` / `locationProvider(init)(components)`: provide at mint and after a move,
 *   re-provide what `HeldRecords` lists at start and on a schedule, withdraw erased/moved records.
 * - `createResolver` / `locationResolver(init)(components)`: `resolve(tokenId)` yields typed
 *   `ResolveEvent`s (custodian country → registered providers of that country → fallback to the
 *   country's registered peers); `connectToHolder(tokenId, protocol)` returns an open stream to the
 *   first reachable holder or throws a named error.
 */
export { locationKey, tokenIdToHex, tokenIdFromHex, assertTokenId, TOKEN_ID_BYTES, RAW_CODEC, SHA2_256_CODE } from './key.js'
export {
  createProvider, locationProvider,
  DEFAULT_REPROVIDE_INTERVAL_MS, DEFAULT_REPROVIDE_BATCH_SIZE, DEFAULT_REPROVIDE_BATCH_PAUSE_MS,
  DEFAULT_PROVIDE_CONCURRENCY, DEFAULT_PROVIDE_TIMEOUT_MS, DEFAULT_INITIAL_REPROVIDE_DELAY_MS,
  type Provider, type ProviderInit, type ProviderComponents, type ProvideRouting, type HeldRecords,
  type ReprovideReport, type ProviderProgress
} from './provider.js'
export {
  createResolver, locationResolver,
  DEFAULT_CUSTODIAN_TIMEOUT_MS, DEFAULT_DHT_TIMEOUT_MS, DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_PROVIDER_CACHE_TTL_MS,
  DEFAULT_CUSTODIAN_CACHE_TTL_MS, DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_MAX_ATTEMPTS,
  type Resolver, type ResolverInit, type ResolverComponents, type ResolveOptions, type ConnectOptions,
  type HolderConnection, type CustodianLookup, type ProviderFinder, type HolderNetwork
} from './resolver.js'
export type {
  ResolveEvent, CustodianEvent, UnknownTokenEvent, ProviderFoundEvent, IgnoredProviderEvent, QueryErrorEvent
} from './events.js'
export { TtlCache } from './cache.js'
export { InvalidTokenIdError, UnknownTokenError, CustodianLookupError, NoHolderReachableError } from './errors.js'
