import { InvalidKeyFileError } from './errors.js'

/** Strict lower- or upper-case hex of an exact length (in bytes) when given. */
export function parseHex (path: string, field: string, value: unknown, bytes?: number): Buffer {
  if (typeof value !== 'string' || value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
    throw new InvalidKeyFileError(path, `${field} must be hex`)
  }
  const out = Buffer.from(value, 'hex')
  if (bytes !== undefined && out.length !== bytes) throw new InvalidKeyFileError(path, `${field} must be ${bytes} bytes`)
  return out
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
