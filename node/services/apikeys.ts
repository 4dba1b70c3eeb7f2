/**
 * API keys of the HTTP API, one role each. A key is `hr_<id>_<secret>` (id: 8 random bytes hex,
 * secret: 32 random bytes base64url); the node stores only SHA-256(secret) (the secret has 256
 * bits of entropy, so a slow hash adds nothing) and compares in constant time. The full key is
 * shown once, by `healthrelay apikey create`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { stmt, type Db, type Migration } from '../storage/index.js'
import { InvalidInputError } from '../../common/errors.js'
import { ApiKeyNotFoundError } from '../errors.js'

import { API_KEY_ROLES } from './apikey-roles.js'

export { API_KEY_ROLES }
export type ApiKeyRole = typeof API_KEY_ROLES[number]
/** Every role a caller may have: API-key roles plus a patient signing with their chain key. */
export type Role = ApiKeyRole | 'patient'

export const APIKEYS_COMPONENT = 'apikeys'
export const APIKEYS_MIGRATIONS: readonly Migration[] = [{
  version: 1,
  name: 'api keys',
  up: (db: Db): void => {
    db.exec(`CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL,
      secret_hash BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER,
      last_used_at INTEGER
    ) STRICT`)
  }
}]

export interface ApiKeyInfo {
  readonly id: string
  readonly name: string
  readonly role: ApiKeyRole
  readonly createdAt: number
  readonly revokedAt: number | undefined
}

export function isApiKeyRole (v: unknown): v is ApiKeyRole {
  return typeof v === 'string' && (API_KEY_ROLES as readonly string[]).includes(v)
}

const KEY_PATTERN = /^hr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
const hash = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest()

/** Creates a key; returns the full key (shown once) and its record. */
export function createApiKey (db: Db, role: ApiKeyRole, name: string, at: number): { key: string, info: ApiKeyInfo } {
  if (!isApiKeyRole(role)) throw new InvalidInputError(`role must be one of ${API_KEY_ROLES.join(', ')}`)
  if (name.length > 100) throw new InvalidInputError('name: at most 100 characters')
  const id = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  stmt(db, 'INSERT INTO api_keys (id, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, name, role, hash(secret), at)
  return { key: `hr_${id}_${secret}`, info: { id, name, role, createdAt: at, revokedAt: undefined } }
}

interface Row { id: string, name: string, role: string, secret_hash: Buffer, created_at: number, revoked_at: number | null }
const info = (r: Row): ApiKeyInfo => ({ id: r.id, name: r.name, role: r.role as ApiKeyRole, createdAt: r.created_at, revokedAt: r.revoked_at ?? undefined })

export function listApiKeys (db: Db): ApiKeyInfo[] {
  return stmt<[], Row>(db, 'SELECT * FROM api_keys ORDER BY created_at, id').all().map(info)
}

export function revokeApiKey (db: Db, id: string, at: number): void {
  const changes = stmt(db, 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes
  if (changes === 0) throw new ApiKeyNotFoundError(`no active API key ${id}`)
}

/** The key's record if `key` is a valid, unrevoked key of this node; undefined otherwise. */
export function verifyApiKey (db: Db, key: string): ApiKeyInfo | undefined {
  const m = KEY_PATTERN.exec(key)
  if (m === null) return undefined
  const [, id, secret] = m
  if (id === undefined || secret === undefined) return undefined
  const row = stmt<[string], Row>(db, 'SELECT * FROM api_keys WHERE id = ?').get(id)
  if (row === undefined || row.revoked_at !== null) return undefined
  const actual = hash(secret)
  if (!timingSafeEqual(actual, row.secret_hash)) return undefined
  return info(row)
}
