/** Named errors of the keystore. Messages name files, never key material. */
import { HealthrelayError, InvalidInputError } from '../../common/errors.js'

/** A key file that group or others can read or write: refused until the operator fixes its mode. */
export class KeyFilePermissionError extends HealthrelayError {
  override name = 'KeyFilePermissionError'
  constructor (readonly path: string, readonly mode: number) {
    super(`key file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); ` +
      `run: chmod 600 ${path}`)
  }
}

/** The key file does not exist. */
export class KeyFileMissingError extends HealthrelayError {
  override name = 'KeyFileMissingError'
  constructor (readonly path: string) {
    super(`key file ${path} does not exist (run healthrelay init, or give the right --home)`)
  }
}

/** A key file that exists and would be overwritten. */
export class KeyFileExistsError extends HealthrelayError {
  override name = 'KeyFileExistsError'
  constructor (readonly path: string) {
    super(`key file ${path} already exists; refusing to overwrite it`)
  }
}

/** A key file whose content is not what its format says. */
export class InvalidKeyFileError extends InvalidInputError {
  override name = 'InvalidKeyFileError'
  constructor (readonly path: string, detail: string) {
    super(`key file ${path}: ${detail}`)
  }
}

/** An encrypted key file and no passphrase to open it. */
export class KeyFileLockedError extends HealthrelayError {
  override name = 'KeyFileLockedError'
  constructor (readonly path: string) {
    super(`key file ${path} is encrypted with a passphrase; provide it (HEALTHRELAY_KEY_PASSPHRASE or --passphrase-file)`)
  }
}

/** The passphrase does not open the key file (or the file was altered). */
export class KeyFilePassphraseError extends HealthrelayError {
  override name = 'KeyFilePassphraseError'
  constructor (readonly path: string) {
    super(`key file ${path}: wrong passphrase, or the file was altered`)
  }
}
