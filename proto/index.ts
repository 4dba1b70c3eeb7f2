/**
 * The wire formats of healthrelay: generated protobufjs classes for `healthrelay.ledger.v1` and
 * `healthrelay.relay.v1`, and the one place where 64-bit values cross between `bigint` (domain)
 * and `Long` (protobufjs). Never hand a `bigint` to generated code: protobufjs silently encodes it
 * as 0.
 */
import Long from 'long'
import { healthrelay, google } from './gen/healthrelay.js'

export const ledger = healthrelay.ledger.v1
export const relay = healthrelay.relay.v1
export { healthrelay, google }

/** The 64-bit shapes protobufjs produces or accepts. */
export type Int64Like = Long | number | string | bigint | null | undefined

/** A 64-bit wire value as bigint (`undefined`/`null` → 0n). */
export function toBigInt (value: Int64Like): bigint {
  if (value === null || value === undefined) return 0n
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`)
    return BigInt(value)
  }
  if (typeof value === 'string') return BigInt(value)
  return BigInt(value.toString())
}

/** A bigint as the `Long` protobufjs encodes correctly (signed unless `unsigned`). */
export function toLong (value: bigint | number, unsigned = false): Long {
  const v = BigInt(value)
  if (unsigned && v < 0n) throw new RangeError(`negative value for an unsigned field: ${v}`)
  if (unsigned ? v > 0xffffffffffffffffn : (v > 0x7fffffffffffffffn || v < -0x8000000000000000n)) {
    throw new RangeError(`value out of 64-bit range: ${v}`)
  }
  return Long.fromString(v.toString(), unsigned)
}

/** Type URL of a healthrelay ledger Msg, e.g. `/healthrelay.ledger.v1.MsgGrantAccess`. */
export function ledgerTypeUrl (name: string): string {
  return `/healthrelay.ledger.v1.${name}`
}
