/** JSON key files, plain or passphrase-encrypted, with the permission checks of files.ts. */
import { readPrivateFile, writePrivateFile, type WritePrivateOptions } from './files.js'
import { decryptKeyText, encryptKeyText, isEncryptedKeyFile, type ScryptParams } from './passphrase.js'
import { InvalidKeyFileError, KeyFileLockedError } from './errors.js'

export interface KeyFileOptions {
  /** Opens an encrypted file; ignored for a plain one. */
  passphrase?: string
}

export interface WriteKeyFileOptions extends WritePrivateOptions {
  /** Encrypt the file under this passphrase. */
  passphrase?: string
  scrypt?: ScryptParams
}

function parseJson (path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new InvalidKeyFileError(path, 'not valid JSON')
  }
}

/** Reads a key file's JSON, decrypting it when it is an encrypted envelope. */
export async function readKeyJson (path: string, options: KeyFileOptions = {}): Promise<unknown> {
  const value = parseJson(path, (await readPrivateFile(path)).toString('utf8'))
  if (!isEncryptedKeyFile(value)) return value
  if (options.passphrase === undefined) throw new KeyFileLockedError(path)
  return parseJson(path, decryptKeyText(path, value, options.passphrase))
}

/** True when the file at `path` is passphrase-encrypted (after the permission check). */
export async function isKeyFileEncrypted (path: string): Promise<boolean> {
  try {
    return isEncryptedKeyFile(JSON.parse((await readPrivateFile(path)).toString('utf8')))
  } catch (err) {
    if (err instanceof SyntaxError) return false
    throw err
  }
}

/** Writes `value` as a key file (pretty JSON), encrypted when a passphrase is given. */
export async function writeKeyJson (path: string, value: unknown, options: WriteKeyFileOptions = {}): Promise<void> {
  const text = `${JSON.stringify(value, null, 2)}\n`
  const out = options.passphrase === undefined ? text : encryptKeyText(text, options.passphrase, options.scrypt)
  await writePrivateFile(path, Buffer.from(out, 'utf8'), options)
}
