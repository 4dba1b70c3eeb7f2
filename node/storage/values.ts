/** Checks of values at the storage edge (ids, categories, countries). */
import { isRecordCategory, type RecordCategory } from '../fhir/category.js'
import { InvalidStorageValueError } from './errors.js'

const HEX32 = /^[0-9a-f]{64}$/

/** A 32-byte id or hash as lower-case hex. */
export function hex32 (field: string, value: string): string {
  if (!HEX32.test(value)) throw new InvalidStorageValueError(`${field} must be 64 lower-case hex characters`)
  return value
}

export function category (value: string): RecordCategory {
  if (!isRecordCategory(value)) throw new InvalidStorageValueError(`unknown category ${JSON.stringify(value)}`)
  return value
}

export function country (value: string): string {
  if (!/^[A-Z]{2}$/.test(value)) throw new InvalidStorageValueError('country must be an ISO 3166-1 alpha-2 code')
  return value
}

export function parseJsonArray (text: string): string[] {
  const v = JSON.parse(text) as unknown
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}
