/**
 * Replay protection: every signed request's nonce is remembered until the request would be stale
 * anyway; a second use fails. The SQLite implementation (sqlite-nonce-store.ts) persists across
 * restarts; the memory one serves tests.
 */
import { bytesToHex } from '../crypto/bytes.js'
import { NonceStoreFullError } from '../errors.js'
import { systemClock, type Clock } from './constants.js'

export interface NonceStore {
  /**
   * Remembers `nonce` within `scope` (the signer) until `expiresAtMs`. Resolves true when it was
   * new, false when it was already remembered (a replay). Rejects with NonceStoreFullError rather
   * than forget an unexpired nonce.
   */
  remember: (scope: Uint8Array, nonce: Uint8Array, expiresAtMs: number, options?: { signal?: AbortSignal }) => Promise<boolean>
}

/** Default bound on unexpired nonces held. */
export const DEFAULT_MAX_NONCES = 1_000_000

export interface MemoryNonceStoreInit {
  maxEntries?: number
  clock?: Clock
}

export function createMemoryNonceStore (init: MemoryNonceStoreInit = {}): NonceStore {
  const max = init.maxEntries ?? DEFAULT_MAX_NONCES
  const clock = init.clock ?? systemClock
  const entries = new Map<string, number>()
  const prune = (now: number): void => {
    for (const [key, expires] of entries) if (expires <= now) entries.delete(key)
  }
  return {
    remember: (scope, nonce, expiresAtMs) => {
      const now = clock()
      const key = `${bytesToHex(scope)}:${bytesToHex(nonce)}`
      const seen = entries.get(key)
      if (seen !== undefined && seen > now) return Promise.resolve(false)
      if (entries.size >= max) prune(now)
      if (entries.size >= max) return Promise.reject(new NonceStoreFullError('too many unexpired nonces'))
      entries.set(key, expiresAtMs)
      return Promise.resolve(true)
    }
  }
}
