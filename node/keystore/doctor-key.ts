/**
 * A doctor's key file, as `healthrelay record get --key <file>` reads it. It holds the doctor's
 * own keys (which no node ever holds) and, once issued, the credential their country's node
 * signed over the public halves:
 *
 *     { "format": "healthrelay-doctor-key", "version": 1,
 *       "providerId": "fr-rpps-10003456789", "country": "FR",
 *       "ed25519": { "publicKey": "<32 bytes hex>", "privateKey": "<32-byte seed hex>" },
 *       "x25519":  { "publicKey": "<32 bytes hex>", "privateKey": "<32 bytes hex>" },
 *       "credential": { "payload": "<ProviderCredential protobuf, hex>", "signature": "<64 bytes hex>" } }
 *
 * `credential` is absent until issued (`healthrelay credential issue` over the public keys).
 * Reading checks that each public key belongs to its private key and that the credential names
 * exactly these public keys, this provider id and this country. The file may be passphrase-encrypted.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { decodeCredentialPayload } from '../../relay/protocol/codec.js'
import type { ProviderCredential, SignedPayload } from '../../relay/protocol/types.js'
import { InvalidKeyFileError } from './errors.js'
import { parseHex, toHex } from './hex.js'
import { readKeyJson, writeKeyJson, type KeyFileOptions, type WriteKeyFileOptions } from './key-file.js'
import { parseX25519Pair, type X25519Key } from './x25519-key.js'

export const DOCTOR_KEY_FORMAT = 'healthrelay-doctor-key'
export const DOCTOR_KEY_VERSION = 1

export interface DoctorKeyPair {
  readonly publicKey: Uint8Array
  readonly privateKey: Uint8Array
}

export interface DoctorKeyFile {
  readonly providerId: string
  readonly country: string
  readonly ed25519: DoctorKeyPair
  readonly x25519: X25519Key
  /** The signed credential (exact bytes) and its decoded content, once issued. */
  readonly credential: { readonly signed: SignedPayload, readonly decoded: ProviderCredential } | undefined
}

/** New keys for a doctor (no credential yet). */
export function generateDoctorKeys (providerId: string, country: string): DoctorKeyFile {
  const edPriv = ed25519.utils.randomSecretKey()
  const xPriv = x25519.utils.randomSecretKey()
  return {
    providerId,
    country,
    ed25519: { privateKey: edPriv, publicKey: ed25519.getPublicKey(edPriv) },
    x25519: { privateKey: xPriv, publicKey: x25519.getPublicKey(xPriv) },
    credential: undefined
  }
}

/** The same keys with a credential attached (checked like a file being read). */
export function withCredential (keys: DoctorKeyFile, signed: SignedPayload, path = '(doctor key)'): DoctorKeyFile {
  return { ...keys, credential: { signed, decoded: checkCredential(path, keys, signed) } }
}

function checkCredential (path: string, keys: Omit<DoctorKeyFile, 'credential'>, signed: SignedPayload): ProviderCredential {
  let c: ProviderCredential
  try {
    c = decodeCredentialPayload(signed.payload)
  } catch (err) {
    throw new InvalidKeyFileError(path, `credential.payload is not a valid credential: ${(err as Error).message}`)
  }
  if (signed.signature.byteLength !== 64) throw new InvalidKeyFileError(path, 'credential.signature must be 64 bytes')
  if (!Buffer.from(c.ed25519PublicKey).equals(keys.ed25519.publicKey)) throw new InvalidKeyFileError(path, 'the credential names another Ed25519 key')
  if (!Buffer.from(c.x25519PublicKey).equals(keys.x25519.publicKey)) throw new InvalidKeyFileError(path, 'the credential names another X25519 key')
  if (c.providerId !== keys.providerId) throw new InvalidKeyFileError(path, 'the credential names another provider id')
  if (c.country !== keys.country) throw new InvalidKeyFileError(path, 'the credential names another country')
  return c
}

export function parseDoctorKeyFile (path: string, value: unknown): DoctorKeyFile {
  if (typeof value !== 'object' || value === null) throw new InvalidKeyFileError(path, 'expected a JSON object')
  const v = value as Record<string, unknown>
  if (v.format !== DOCTOR_KEY_FORMAT) throw new InvalidKeyFileError(path, `not a ${DOCTOR_KEY_FORMAT} file`)
  if (v.version !== DOCTOR_KEY_VERSION) throw new InvalidKeyFileError(path, `version ${String(v.version)} is not supported`)
  if (typeof v.providerId !== 'string' || v.providerId === '') throw new InvalidKeyFileError(path, 'providerId is required')
  if (typeof v.country !== 'string' || !/^[A-Z]{2}$/.test(v.country)) throw new InvalidKeyFileError(path, 'country must be an ISO 3166-1 alpha-2 code')
  const ed = v.ed25519 as Record<string, unknown> | undefined
  if (typeof ed !== 'object' || ed === null) throw new InvalidKeyFileError(path, 'ed25519 must be an object')
  const edPriv = new Uint8Array(parseHex(path, 'ed25519.privateKey', ed.privateKey, 32))
  const edPub = ed25519.getPublicKey(edPriv)
  if (!Buffer.from(edPub).equals(parseHex(path, 'ed25519.publicKey', ed.publicKey, 32))) {
    throw new InvalidKeyFileError(path, 'ed25519.publicKey does not belong to ed25519.privateKey')
  }
  const keys = { providerId: v.providerId, country: v.country, ed25519: { publicKey: edPub, privateKey: edPriv }, x25519: parseX25519Pair(path, 'x25519', v.x25519) }
  if (v.credential === undefined) return { ...keys, credential: undefined }
  const cred = v.credential as Record<string, unknown> | null
  if (typeof cred !== 'object' || cred === null) throw new InvalidKeyFileError(path, 'credential must be an object')
  const signed = { payload: new Uint8Array(parseHex(path, 'credential.payload', cred.payload)), signature: new Uint8Array(parseHex(path, 'credential.signature', cred.signature, 64)) }
  return { ...keys, credential: { signed, decoded: checkCredential(path, keys, signed) } }
}

export function doctorKeyJson (keys: DoctorKeyFile): Record<string, unknown> {
  return {
    format: DOCTOR_KEY_FORMAT,
    version: DOCTOR_KEY_VERSION,
    providerId: keys.providerId,
    country: keys.country,
    ed25519: { publicKey: toHex(keys.ed25519.publicKey), privateKey: toHex(keys.ed25519.privateKey) },
    x25519: { publicKey: toHex(keys.x25519.publicKey), privateKey: toHex(keys.x25519.privateKey) },
    ...(keys.credential === undefined
      ? {}
      : { credential: { payload: toHex(keys.credential.signed.payload), signature: toHex(keys.credential.signed.signature) } })
  }
}

export async function readDoctorKeyFile (path: string, options: KeyFileOptions = {}): Promise<DoctorKeyFile> {
  return parseDoctorKeyFile(path, await readKeyJson(path, options))
}

export async function writeDoctorKeyFile (path: string, keys: DoctorKeyFile, options: WriteKeyFileOptions = {}): Promise<void> {
  await writeKeyJson(path, doctorKeyJson(keys), options)
}
