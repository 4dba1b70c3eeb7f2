/**
 * A small TTL cache with a bound on entries (oldest inserted evicted first), keyed by string.
 * The clock is injected so tests need no timers.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V, expires: number }>()
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number

  constructor (ttlMs: number, maxEntries: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs
    this.#max = Math.max(1, maxEntries)
    this.#now = now
  }

  get (key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expires <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set (key: string, value: V): void {
    if (this.#ttlMs <= 0) return
    this.#entries.delete(key)
    this.#entries.set(key, { value, expires: this.#now() + this.#ttlMs })
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
  }

  delete (key: string): void {
    this.#entries.delete(key)
  }

  clear (): void {
    this.#entries.clear()
  }

  get size (): number {
    return this.#entries.size
  }
}
