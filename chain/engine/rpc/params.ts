/**
 * Reading JSON-RPC params at the edge, in both of CometBFT's forms: a JSON object (or positional
 * array) from a POST, and URI arguments from a GET (`?height=5`, `?query="tx.height=5"`,
 * `?hash=0xABCD`). Every reader validates and throws InvalidParamsError with a clear message.
 */
import { InvalidParamsError } from '../errors.js'

export const MAX_INT64 = 9_223_372_036_854_775_807n

export class Params {
  private constructor (private readonly values: Record<string, unknown>, private readonly uri: boolean) {}

  /** From a JSON-RPC request: `params` as an object, an array (in `order`) or absent. */
  static fromJson (params: unknown, order: readonly string[]): Params {
    if (params === undefined || params === null) return new Params({}, false)
    if (Array.isArray(params)) {
      const values: Record<string, unknown> = {}
      params.forEach((v, i) => { if (order[i] !== undefined) values[order[i]] = v })
      return new Params(values, false)
    }
    if (typeof params === 'object') return new Params(params as Record<string, unknown>, false)
    throw new InvalidParamsError('params must be an object or an array')
  }

  /** From URI arguments: `"…"` is a string, `0x…` hex bytes, anything else as written. */
  static fromUri (search: URLSearchParams): Params {
    const values: Record<string, unknown> = {}
    for (const [k, v] of search) values[k] = v
    return new Params(values, true)
  }

  private raw (name: string): unknown {
    const v = this.values[name]
    if (this.uri && typeof v === 'string' && v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1)
    return v
  }

  has (name: string): boolean {
    const v = this.values[name]
    return v !== undefined && v !== null && v !== ''
  }

  /** A non-negative integer (JSON number or decimal string). */
  optionalInt (name: string): bigint | undefined {
    if (!this.has(name)) return undefined
    const v = this.raw(name)
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
    if (typeof v === 'string' && /^\d{1,19}$/.test(v) && BigInt(v) <= MAX_INT64) return BigInt(v)
    throw new InvalidParamsError(`${name} must be a non-negative integer`)
  }

  optionalString (name: string): string | undefined {
    if (!this.has(name)) return undefined
    const v = this.raw(name)
    if (typeof v !== 'string') throw new InvalidParamsError(`${name} must be a string`)
    return v
  }

  string (name: string): string {
    const v = this.optionalString(name)
    if (v === undefined) throw new InvalidParamsError(`${name} is required`)
    return v
  }

  optionalBool (name: string): boolean | undefined {
    if (!this.has(name)) return undefined
    const v = this.raw(name)
    if (typeof v === 'boolean') return v
    if (v === 'true') return true
    if (v === 'false') return false
    throw new InvalidParamsError(`${name} must be true or false`)
  }

  /**
   * Bytes: in JSON as base64 (`jsonEncoding` 'base64', Go's []byte) or hex ('hex', abci_query's
   * data); in a URI as `0x`-hex, or as a quoted string taken as its UTF-8 bytes.
   */
  bytes (name: string, jsonEncoding: 'base64' | 'hex', required = true): Uint8Array {
    if (!this.has(name)) {
      if (required) throw new InvalidParamsError(`${name} is required`)
      return new Uint8Array(0)
    }
    const v = this.values[name]
    if (typeof v !== 'string') throw new InvalidParamsError(`${name} must be a string`)
    if (this.uri) {
      if (/^0x([0-9A-Fa-f]{2})*$/.test(v)) return new Uint8Array(Buffer.from(v.slice(2), 'hex'))
      if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
        return jsonEncoding === 'hex' ? decodeHex(name, v.slice(1, -1)) : new Uint8Array(Buffer.from(v.slice(1, -1), 'utf8'))
      }
      return jsonEncoding === 'hex' ? decodeHex(name, v) : decodeBase64(name, v)
    }
    return jsonEncoding === 'hex' ? decodeHex(name, v) : decodeBase64(name, v)
  }
}

export function decodeHex (name: string, v: string): Uint8Array {
  const s = v.startsWith('0x') ? v.slice(2) : v
  if (!/^([0-9A-Fa-f]{2})*$/.test(s)) throw new InvalidParamsError(`${name} must be hex`)
  return new Uint8Array(Buffer.from(s, 'hex'))
}

export function decodeBase64 (name: string, v: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw new InvalidParamsError(`${name} must be base64`)
  return new Uint8Array(Buffer.from(v, 'base64'))
}
