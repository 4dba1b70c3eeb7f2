/**
 * Private files: read only when neither group nor others can access them; written durably
 * (temporary file, fsync, rename, fsync of the directory) with mode 0600 in a 0700 directory.
 */
import { lstat, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { writeFileDurably } from '../../relay/crypto/durable.js'
import { InvalidKeyFileError, KeyFileExistsError, KeyFileMissingError, KeyFilePermissionError } from './errors.js'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

function code (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined
}

/** Throws KeyFilePermissionError when `mode` gives group or others any access. */
export function checkPrivateMode (path: string, mode: number): void {
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new KeyFilePermissionError(path, mode)
}

/** Reads a private file (a regular file, not a symlink, mode without group/other bits). */
export async function readPrivateFile (path: string): Promise<Buffer> {
  let info
  try {
    info = await lstat(path)
  } catch (err) {
    if (code(err) === 'ENOENT') throw new KeyFileMissingError(path)
    throw err
  }
  if (!info.isFile()) throw new InvalidKeyFileError(path, 'not a regular file (symbolic links are refused)')
  checkPrivateMode(path, info.mode)
  return readFile(path)
}

export async function fileExists (path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err) {
    if (code(err) === 'ENOENT') return false
    throw err
  }
}

export interface WritePrivateOptions {
  /** Replace an existing file (default: refuse). */
  overwrite?: boolean
}

/** Writes a private file durably, mode 0600, creating its directory with mode 0700. */
export async function writePrivateFile (path: string, data: Uint8Array, options: WritePrivateOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE })
  if (options.overwrite !== true && await fileExists(path)) throw new KeyFileExistsError(path)
  await writeFileDurably(path, [data], { mode: PRIVATE_FILE_MODE })
}
