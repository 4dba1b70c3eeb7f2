/**
 * A deterministic random stream from a seed (SHA-256 of seed and a counter): the same seed always
 * gives the same synthetic records, on every machine. Not for keys.
 */
import { createCipheriv, createHash } from 'node:crypto'

export class SeededRandom {
  private counter = 0
  private pool: Buffer = Buffer.alloc(0)
  constructor (readonly seed: string) {}

  bytes (n: number): Buffer {
    while (this.pool.length < n) {
      const block = createHash('sha256').update(`${this.seed}\u0000${this.counter++}`).digest()
      this.pool = Buffer.concat([this.pool, block])
    }
    const out = this.pool.subarray(0, n)
    this.pool = this.pool.subarray(n)
    return Buffer.from(out)
  }

  /** An integer in [0, n). */
  int (n: number): number {
    return this.bytes(4).readUInt32BE(0) % n
  }

  pick<T> (items: readonly T[]): T {
    const item = items[this.int(items.length)]
    if (item === undefined) throw new RangeError('pick from an empty list')
    return item
  }

  digits (n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += String(this.int(10))
    return s
  }

  /** A version-4-shaped UUID. */
  uuid (): string {
    const b = this.bytes(16)
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
    const h = b.toString('hex')
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }

  /** A child stream, independent of how much this one has been used. */
  child (label: string): SeededRandom {
    return new SeededRandom(`${this.seed}/${label}`)
  }
}

/** `size` deterministic pseudo-random bytes (AES-256-CTR keystream keyed by the seed): fast for tens of MB. */
export function seededBytes (seed: string, size: number): Buffer {
  const key = createHash('sha256').update(`bytes\u0000${seed}`).digest()
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()])
}
