/**
 * Durable file writes: write to a temporary file in the same directory, fsync it, rename it over
 * the target, fsync the directory. A crash leaves either the old file or the new one, never half.
 */
import { open, rename, rm } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { bytesToHex } from './bytes.js'
import { systemRandom } from './random.js'

/** Fsyncs a directory so a rename or a new entry in it survives a crash. */
export async function fsyncDirectory (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A temporary name next to `path` (same filesystem, so rename is atomic). */
export function temporaryPathFor (path: string): string {
  return join(dirname(path), `.${basename(path)}.${bytesToHex(systemRandom(6))}.tmp`)
}

/**
 * Writes `chunks` to `path` durably with file mode `mode` (0600 by default) and returns the bytes
 * written. Refuses nothing silently: on any error the temporary file is removed and the error
 * rethrown.
 */
export async function writeFileDurably (
  path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: { mode?: number, signal?: AbortSignal }
): Promise<number> {
  const tmp = temporaryPathFor(path)
  const handle = await open(tmp, 'wx', options?.mode ?? 0o600)
  let bytes = 0
  try {
    try {
      for await (const chunk of chunks) {
        options?.signal?.throwIfAborted()
        let off = 0
        while (off < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, off, chunk.byteLength - off)
          off += bytesWritten
        }
        bytes += chunk.byteLength
      }
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await fsyncDirectory(dirname(path))
  return bytes
}
