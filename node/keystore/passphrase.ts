/**
 * Passphrase encryption of any key file: scrypt (node:crypto) derives a 256-bit key, AES-256-GCM
 * encrypts the file's plain JSON text. Versioned JSON envelope:
 *
 *     { "format": "healthrelay-encrypted-key", "version": 1,
 *       "kdf": { "name": "scrypt", "N": 131072, "r": 8, "p": 1, "salt": "<16 bytes hex>" },
 *       "cipher": { "name": "aes-256-gcm", "iv": "<12 bytes hex>", "tag": "<16 bytes hex>" },
 *       "ciphertext": "<hex>" }
 *
 * The additional authenticated data is `healthrelay-encrypted-key/v1` ‖ 0x00 ‖ the JSON of `kdf`
 * (fields in the order above), so the KDF parameters cannot be changed without detection.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { InvalidKeyFileError, KeyFilePassphraseError } from './errors.js'
import { parseHex } from './hex.js'

export const ENCRYPTED_KEY_FORMAT = 'healthrelay-encrypted-key'
export const ENCRYPTED_KEY_VERSION = 1

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number
  r: number
  p: number
}

/** 2^17, r 8, p 1: about 128 MiB and a fraction of a second; what new files get. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }
/** Bounds accepted when reading, so a crafted file cannot ask for unbounded memory or time. */
const MIN_N = 2 ** 10
const MAX_N = 2 ** 20
const MAX_MEMORY = 1100 * 1024 * 1024

interface Envelope {
  format: string
  version: number
  kdf: { name: 'scrypt', N: number, r: number, p: number, salt: string }
  cipher: { name: 'aes-256-gcm', iv: string, tag: string }
  ciphertext: string
}

function aad (kdf: Envelope['kdf']): Buffer {
  const canonical = JSON.stringify({ name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt })
  return Buffer.concat([Buffer.from(`${ENCRYPTED_KEY_FORMAT}/v${ENCRYPTED_KEY_VERSION}\u0000`), Buffer.from(canonical)])
}

function deriveKey (passphrase: string, salt: Buffer, p: ScryptParams): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: MAX_MEMORY })
}

/** True when parsed JSON is an encrypted-key envelope (of any version). */
export function isEncryptedKeyFile (value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === ENCRYPTED_KEY_FORMAT
}

/** Encrypts a key file's plain text under a passphrase; returns the envelope's JSON text. */
export function encryptKeyText (plaintext: string, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  if (passphrase === '') throw new RangeError('an empty passphrase protects nothing')
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const key = deriveKey(passphrase, salt, params)
  const kdf: Envelope['kdf'] = { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('hex') }
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(aad(kdf))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  key.fill(0)
  const envelope: Envelope = {
    format: ENCRYPTED_KEY_FORMAT,
    version: ENCRYPTED_KEY_VERSION,
    kdf,
    cipher: { name: 'aes-256-gcm', iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
    ciphertext: ciphertext.toString('hex')
  }
  return `${JSON.stringify(envelope, null, 2)}\n`
}

/** Opens an envelope (already parsed JSON) read from `path`; returns the plain text. */
export function decryptKeyText (path: string, value: unknown, passphrase: string): string {
  const e = value as Partial<Envelope>
  if (e.version !== ENCRYPTED_KEY_VERSION) {
    throw new InvalidKeyFileError(path, `encrypted key file version ${String(e.version)} is not supported (this node reads version ${ENCRYPTED_KEY_VERSION})`)
  }
  const kdf = e.kdf
  if (kdf?.name !== 'scrypt' || !Number.isInteger(kdf.N) || !Number.isInteger(kdf.r) || !Number.isInteger(kdf.p) ||
    kdf.N < MIN_N || kdf.N > MAX_N || (kdf.N & (kdf.N - 1)) !== 0 || kdf.r < 1 || kdf.r > 32 || kdf.p < 1 || kdf.p > 16) {
    throw new InvalidKeyFileError(path, 'unsupported or out-of-bounds scrypt parameters')
  }
  if (e.cipher?.name !== 'aes-256-gcm' || typeof e.ciphertext !== 'string') {
    throw new InvalidKeyFileError(path, 'unsupported cipher (expected aes-256-gcm)')
  }
  const salt = parseHex(path, 'kdf.salt', kdf.salt, 16)
  const iv = parseHex(path, 'cipher.iv', e.cipher.iv, 12)
  const tag = parseHex(path, 'cipher.tag', e.cipher.tag, 16)
  const ciphertext = parseHex(path, 'ciphertext', e.ciphertext)
  const key = deriveKey(passphrase, salt, kdf)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAAD(aad(kdf))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
  } catch {
    throw new KeyFilePassphraseError(path)
  } finally {
    key.fill(0)
  }
}
