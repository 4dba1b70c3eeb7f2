/**
 * Stateless checks shared by the Msg handlers and genesis. Each throws `InvalidMsgError` with a
 * message naming the field.
 */
import { fromBech32 } from '@cosmjs/encoding'
import { InvalidMsgError } from './errors.js'
import { isCountryCode, isJurisdictionCode } from './jurisdictions.js'

export const BECH32_PREFIX = 'hr'

export const CATEGORIES = [
  'patient-summary', 'lab-result', 'imaging', 'prescription', 'vaccination', 'consent-form',
  'genomic', 'mental-health', 'sexual-health', 'substance-use', 'other'
] as const
export type Category = typeof CATEGORIES[number]

export const PURPOSES = ['treatment', 'emergency', 'research', 'insurance', 'public-health'] as const
export type Purpose = typeof PURPOSES[number]

const PURPOSE_SET: ReadonlySet<string> = new Set(PURPOSES)
const CATEGORY_SET: ReadonlySet<string> = new Set(CATEGORIES)

export function isPurpose (p: string): p is Purpose { return PURPOSE_SET.has(p) }
export function isCategory (c: string): c is Category { return CATEGORY_SET.has(c) }

/** Addresses recently found valid (a pure function of the string; the same signers recur). */
const VALID_ADDRESS_CACHE_SIZE = 10_000
const validAddresses = new Set<string>()

/** A bech32 `hr` account address of 20 bytes. */
export function isAddress (address: string): boolean {
  if (typeof address !== 'string' || address.length === 0 || address.length > 90) return false
  if (validAddresses.has(address)) return true
  try {
    const { prefix, data } = fromBech32(address, 90) // an explicit limit: the default (Infinity) throws with @scure/base 2
    const valid = prefix === BECH32_PREFIX && data.length === 20 && address === address.toLowerCase()
    if (valid) {
      if (validAddresses.size >= VALID_ADDRESS_CACHE_SIZE) validAddresses.clear()
      validAddresses.add(address)
    }
    return valid
  } catch {
    return false
  }
}

export function requireAddress (field: string, address: string): void {
  if (!isAddress(address)) throw new InvalidMsgError(`${field}: not a bech32 "${BECH32_PREFIX}" address of 20 bytes: "${address.slice(0, 100)}"`)
}

export function requireCountry (field: string, code: string): void {
  if (!isCountryCode(code)) throw new InvalidMsgError(`${field}: not an ISO 3166-1 alpha-2 country code: "${code.slice(0, 10)}"`)
}

export function requireJurisdiction (field: string, code: string): void {
  if (!isJurisdictionCode(code)) throw new InvalidMsgError(`${field}: not a jurisdiction code (ISO 3166-1 alpha-2 or EU): "${code.slice(0, 10)}"`)
}

export function requireBytes (field: string, value: Uint8Array | null | undefined, length: number): Uint8Array {
  if (value === null || value === undefined || value.length !== length) {
    throw new InvalidMsgError(`${field}: must be exactly ${length} bytes, got ${value?.length ?? 0}`)
  }
  return value
}

export function requireText (field: string, value: string, min: number, max: number): void {
  const n = Buffer.byteLength(value ?? '', 'utf8')
  if (n < min || n > max) throw new InvalidMsgError(`${field}: length must be ${min}..${max} bytes, got ${n}`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) throw new InvalidMsgError(`${field}: control characters are not allowed`)
}

export function requireCount (field: string, n: number, min: number, max: number): void {
  if (n < min || n > max) throw new InvalidMsgError(`${field}: count must be ${min}..${max}, got ${n}`)
}

/** No two equal byte strings in a list. */
export function requireDistinctBytes (field: string, list: readonly Uint8Array[]): void {
  const seen = new Set<string>()
  for (const b of list) {
    const k = Buffer.from(b).toString('hex')
    if (seen.has(k)) throw new InvalidMsgError(`${field}: duplicate ${k}`)
    seen.add(k)
  }
}

export function hex (bytes: Uint8Array | null | undefined): string {
  if (bytes === null || bytes === undefined) return ''
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
