/**
 * `openEnvelope` into a file, released only when valid: plaintext is written to a temporary file
 * (mode 0600) next to `path`; only when the whole transcript verified is it fsynced and renamed to
 * `path`. On any failure the temporary file is removed and `path` is left untouched.
 */
import { open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fsyncDirectory, temporaryPathFor } from '../crypto/durable.js'
import { openEnvelope, type OpenEnvelopeOptions, type OpenedEnvelope } from './envelope.js'
import type { ResponseFrame } from './types.js'

export async function openEnvelopeToFile (
  frames: AsyncIterable<ResponseFrame> | Iterable<ResponseFrame>, path: string, options: Omit<OpenEnvelopeOptions, 'sink'>
): Promise<OpenedEnvelope> {
  const tmp = temporaryPathFor(path)
  const handle = await open(tmp, 'wx', 0o600)
  let closed = false
  try {
    const result = await openEnvelope(frames, {
      ...options,
      sink: {
        write: async (chunk) => {
          let off = 0
          while (off < chunk.byteLength) off += (await handle.write(chunk, off, chunk.byteLength - off)).bytesWritten
        }
      }
    })
    await handle.sync()
    await handle.close()
    closed = true
    await rename(tmp, path)
    await fsyncDirectory(dirname(path))
    return result
  } catch (err) {
    if (!closed) await handle.close().catch(() => undefined)
    await rm(tmp, { force: true })
    throw err
  }
}
