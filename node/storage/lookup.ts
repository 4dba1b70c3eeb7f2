/**
 * Lookup hashes: national identifiers, birth dates and share codes are stored only as
 * HMAC-SHA256 under the node's lookup secret (node/keystore lookup-secret), with a label per kind
 * so that one kind's hash never matches another's. Inputs are normalised first, so that what a
 * doctor types (`ab 12-34`) finds what the agency enrolled (`AB1234`).
 */
import { createHmac } from 'node:crypto'
import { InvalidStorageValueError } from './errors.js'

export interface LookupHasher {
  /** A national identifier within its home country (the system is not part of it: doctors rarely know it). */
  identifier: (country: string, value: string) => Buffer
  /** YYYY-MM-DD (a partial date YYYY or YYYY-MM hashes as given). */
  birthDate: (date: string) => Buffer
  shareCode: (code: string) => Buffer
}

/** Upper case, without spaces, dots, dashes and slashes. */
export function normaliseIdentifier (value: string): string {
  return value.normalize('NFKC').toUpperCase().replace(/[\s.\-/]/g, '')
}

/** Upper case, without spaces and dashes (share codes are read aloud and typed). */
export function normaliseShareCode (code: string): string {
  return code.normalize('NFKC').toUpperCase().replace(/[\s-]/g, '')
}

export function createLookupHasher (secret: Uint8Array): LookupHasher {
  if (secret.byteLength < 32) throw new InvalidStorageValueError('the lookup secret must be at least 32 bytes')
  const key = Buffer.from(secret)
  const mac = (label: string, value: string): Buffer =>
    createHmac('sha256', key).update(`healthrelay/lookup/${label}\u0000`).update(value, 'utf8').digest()
  return {
    identifier: (country, value) => {
      const v = normaliseIdentifier(value)
      if (v === '') throw new InvalidStorageValueError('an empty national identifier')
      return mac('identifier', `${country.toUpperCase()}\u0000${v}`)
    },
    birthDate: (date) => {
      if (!/^\d{4}(-\d{2}(-\d{2})?)?$/.test(date)) throw new InvalidStorageValueError('a birth date is YYYY-MM-DD')
      return mac('birth-date', date)
    },
    shareCode: (code) => {
      const c = normaliseShareCode(code)
      if (c.length < 6) throw new InvalidStorageValueError('a share code has at least 6 characters')
      return mac('share-code', c)
    }
  }
}
