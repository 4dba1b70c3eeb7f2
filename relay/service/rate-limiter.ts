/**
 * Sliding-window rate limits by key prefix (emergency budgets per doctor and per node). In
 * memory, clock injected, bounded: keys whose window emptied are forgotten.
 */
import type { Clock, RateLimiter } from './ports.js'

export interface RateRule {
  /** Keys starting with this prefix follow this rule (longest prefix wins). */
  readonly prefix: string
  readonly max: number
  readonly windowMs: number
}

export const MAX_TRACKED_KEYS = 100_000

export function createRateLimiter (rules: readonly RateRule[], clock: Clock = Date.now): RateLimiter & { used: (key: string) => number } {
  const sorted = [...rules].sort((a, b) => b.prefix.length - a.prefix.length)
  const hits = new Map<string, number[]>()
  const ruleOf = (key: string): RateRule | undefined => sorted.find((r) => key.startsWith(r.prefix))
  const live = (key: string, rule: RateRule, now: number): number[] => {
    const kept = (hits.get(key) ?? []).filter((t) => now - t < rule.windowMs)
    if (kept.length === 0) hits.delete(key)
    else hits.set(key, kept)
    return kept
  }
  return {
    take: (key) => {
      const rule = ruleOf(key)
      if (rule === undefined) return true
      const now = clock()
      const kept = live(key, rule, now)
      if (kept.length >= rule.max) return false
      if (!hits.has(key) && hits.size >= MAX_TRACKED_KEYS) {
        for (const [k] of hits) { hits.delete(k); if (hits.size < MAX_TRACKED_KEYS) break }
      }
      kept.push(now)
      hits.set(key, kept)
      return true
    },
    used: (key) => {
      const rule = ruleOf(key)
      return rule === undefined ? 0 : live(key, rule, clock()).length
    }
  }
}
