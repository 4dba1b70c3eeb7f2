/**
 * The node's lookup secret: the HMAC key under which national identifiers, birth dates and share
 * codes are hashed in storage, so a stolen database does not reveal them and cannot be matched
 * against another node's. `{ "format": "healthrelay-lookup-secret", "version": 1, "secret": "<32 bytes hex>" }`.
 * Losing it makes every enrolment unfindable by identifier: back it up with the keys.
 */
import { randomBytes } from 'node:crypto'
import { InvalidKeyFileError } from './errors.js'
import { parseHex } from './hex.js'
import { readKeyJson, writeKeyJson, type KeyFileOptions, type WriteKeyFileOptions } from './key-file.js'

export const LOOKUP_SECRET_FORMAT = 'healthrelay-lookup-secret'
export const LOOKUP_SECRET_BYTES = 32

export function generateLookupSecret (): Uint8Array {
  return new Uint8Array(randomBytes(LOOKUP_SECRET_BYTES))
}

export async function readLookupSecret (path: string, options: KeyFileOptions = {}): Promise<Uint8Array> {
  const value = await readKeyJson(path, options)
  if (typeof value !== 'object' || value === null || (value as { format?: unknown }).format !== LOOKUP_SECRET_FORMAT) {
    throw new InvalidKeyFileError(path, `not a ${LOOKUP_SECRET_FORMAT} file`)
  }
  if ((value as { version?: unknown }).version !== 1) throw new InvalidKeyFileError(path, 'unsupported version')
  return new Uint8Array(parseHex(path, 'secret', (value as { secret?: unknown }).secret, LOOKUP_SECRET_BYTES))
}

export async function writeLookupSecret (path: string, secret: Uint8Array, options: WriteKeyFileOptions = {}): Promise<void> {
  await writeKeyJson(path, { format: LOOKUP_SECRET_FORMAT, version: 1, secret: Buffer.from(secret).toString('hex') }, options)
}
