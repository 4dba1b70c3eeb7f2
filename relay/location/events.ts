/**
 * The typed events of `resolve()` (STYLE.md §5): a single peer's failure is an event, not a throw.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NodeRole } from '../p2p/registry.js'

/** The chain's custodian country of the token. */
export interface CustodianEvent {
  readonly name: 'CUSTODIAN'
  readonly tokenId: string
  readonly country: string
}

/** The chain knows no such token; the resolution ends. */
export interface UnknownTokenEvent {
  readonly name: 'UNKNOWN_TOKEN'
  readonly tokenId: string
}

/**
 * A candidate holder: registered to the custodian country as custodian or replica. `via: 'dht'`
 * when it advertised the record (it may since have gone offline or moved the record: dial to know),
 * `via: 'registry'` when the DHT had nothing and this is one of the country's registered peers.
 */
export interface ProviderFoundEvent {
  readonly name: 'PROVIDER'
  readonly tokenId: string
  readonly peerId: string
  readonly country: string
  readonly role: NodeRole
  /**
   * Dialable addresses, each ending in `/p2p/<peerId>`: those the DHT gave, then the registered
   * ones (so a stale DHT address never hides a registered one).
   */
  readonly multiaddrs: readonly Multiaddr[]
  readonly via: 'dht' | 'registry'
  /** True when served from the resolver's short-lived cache. */
  readonly cached: boolean
  /** True when the provider is this very peer. */
  readonly local: boolean
}

/** A DHT provider left out: not registered, registered to another country, or not a holder role. */
export interface IgnoredProviderEvent {
  readonly name: 'IGNORED_PROVIDER'
  readonly tokenId: string
  readonly peerId: string
  readonly reason: 'unregistered' | 'other-country'
  readonly country?: string
}

/** A step or a peer failed; the resolution goes on where it can. */
export interface QueryErrorEvent {
  readonly name: 'QUERY_ERROR'
  readonly tokenId: string
  readonly step: 'custodian' | 'dht'
  /** The peer whose query failed (DHT step). */
  readonly peerId?: string
  readonly error: Error
}

export type ResolveEvent = CustodianEvent | UnknownTokenEvent | ProviderFoundEvent | IgnoredProviderEvent | QueryErrorEvent
