/**
 * LedgerView over chain/client queries and the chain-fed peer registry. Answers are cached until
 * the next block (`onBlock`), so a revocation or a revoked grant bites from the block that carries
 * it, and at most `maxAgeMs` when no block notification arrives (fail towards re-reading).
 */
import { bytesToHex } from '../../relay/crypto/bytes.js'
import type { PeerRegistry } from '../../relay/p2p/registry.js'
import type { LedgerGrant, LedgerNodeInfo, LedgerToken, LedgerView } from '../../relay/service/ports.js'
import type { LedgerQueries } from '../../chain/client/queries.js'
import { hexToBytes } from '../../relay/crypto/bytes.js'

export const DEFAULT_LEDGER_CACHE_MAX_AGE_MS = 1_000
const MAX_ENTRIES = 10_000
const GRANT_PAGE = 1000

export interface LedgerViewInit {
  /** Longest life of a cached answer without a block notification. */
  maxAgeMs?: number
  /** The lag guard: true when the node's chain view is current enough to release. */
  isCurrent?: () => Promise<boolean>
  clock?: () => number
}

export interface CachedLedgerView extends LedgerView {
  /** A new block: forget every cached answer. */
  onBlock: (height: bigint) => void
}

export function createLedgerView (
  init: LedgerViewInit, components: { queries: Pick<LedgerQueries, 'token' | 'grantsBySubject' | 'credentialRevoked'>, registry: Pick<PeerRegistry, 'get'> }
): CachedLedgerView {
  const maxAge = init.maxAgeMs ?? DEFAULT_LEDGER_CACHE_MAX_AGE_MS
  const clock = init.clock ?? Date.now
  const cache = new Map<string, { at: number, value: Promise<unknown> }>()
  const cached = async <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const now = clock()
    const hit = cache.get(key)
    if (hit !== undefined && now - hit.at < maxAge) return await (hit.value as Promise<T>)
    if (cache.size >= MAX_ENTRIES) cache.clear()
    const value = load()
    cache.set(key, { at: now, value })
    value.catch(() => { if (cache.get(key)?.value === value) cache.delete(key) })
    return await value
  }
  const allGrants = async (subject: string): Promise<readonly LedgerGrant[]> => await cached(`g:${subject}`, async () => {
    const out: LedgerGrant[] = []
    for (let offset = 0n; ; offset += BigInt(GRANT_PAGE)) {
      const page = await components.queries.grantsBySubject(subject, { offset, limit: GRANT_PAGE })
      for (const g of page.items) {
        out.push({
          id: g.id, subject: g.subject, granteeCountry: g.grantee.country,
          ...(g.grantee.providerId === undefined || g.grantee.providerId === '' ? {} : { granteeProviderId: g.grantee.providerId }),
          tokenIds: g.tokenIds.map((t) => t.toLowerCase()), purposes: g.purposes, notBefore: g.notBefore, expiresAt: g.expiresAt, revokedAt: g.revokedAt
        })
      }
      if (page.items.length < GRANT_PAGE || offset + BigInt(GRANT_PAGE) >= page.total) break
    }
    return out
  })
  return {
    onBlock: () => { cache.clear() },
    token: async (tokenId) => await cached(`t:${bytesToHex(tokenId)}`, async (): Promise<LedgerToken | undefined> => {
      const t = await components.queries.token(tokenId)
      return t === undefined ? undefined : { subject: t.subject, custodian: t.custodian, commitment: hexToBytes(t.commitment), status: t.status }
    }),
    grantsFor: async (subject, tokenId) => {
      const all = await allGrants(subject)
      if (tokenId.byteLength === 0) return all
      const hex = bytesToHex(tokenId)
      return all.filter((g) => g.tokenIds.includes(hex))
    },
    isCredentialRevoked: async (id) => await cached(`r:${bytesToHex(id)}`, async () => (await components.queries.credentialRevoked(id)) !== undefined),
    node: async (peerId): Promise<LedgerNodeInfo | undefined> => {
      const n = components.registry.get(peerId)
      return await Promise.resolve(n === undefined ? undefined : { peerId: n.peerId, country: n.country, role: n.role, ed25519PublicKey: n.ed25519PublicKey, x25519PublicKey: n.x25519PublicKey })
    },
    ...(init.isCurrent === undefined ? {} : { isCurrent: init.isCurrent })
  }
}
