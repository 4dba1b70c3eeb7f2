/**
 * The content-addressed blob store under `<home>/blobs/`: a blob is named by the SHA-256 of its
 * bytes (the encrypted record as relay/crypto seals it) and lives at `<hh>/<hash>` where `hh` is
 * the hash's first two hex digits.
 *
 * Writing: to `tmp/<random>` (mode 0600), hashing as it goes; fsync the file; rename it to its
 * address; fsync the directory. A crash leaves either no blob or a whole one (plus, at worst, a
 * temporary file that `start` removes). Deleting overwrites the file with zeros, fsyncs, unlinks
 * and fsyncs the directory; on SSDs and copy-on-write filesystems old blocks may survive, so what
 * makes an erased record unreadable is the destruction of its data key (erase.ts).
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fsyncDirectory } from '../../relay/crypto/durable.js'
import { BlobIntegrityError, BlobNotFoundError } from './errors.js'
import { hex32 } from './values.js'

export const BLOBS_DIR = 'blobs'
const TMP_DIR = 'tmp'
const READ_CHUNK_BYTES = 256 * 1024
const WIPE_CHUNK_BYTES = 1024 * 1024

export interface PutResult {
  /** SHA-256 of the bytes, lower-case hex: the blob's address. */
  readonly hash: string
  readonly bytes: number
}

export interface BlobInfo {
  readonly hash: string
  readonly bytes: number
  readonly modifiedAt: number
}

export interface BlobStore {
  readonly dir: string
  /** Creates the directories and removes temporary files a crash left. */
  start: () => Promise<void>
  put: (chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: { signal?: AbortSignal }) => Promise<PutResult>
  /** The file of a blob (for relay/crypto readBlobFile). */
  path: (hash: string) => string
  has: (hash: string) => Promise<boolean>
  size: (hash: string) => Promise<number>
  /** Streams a blob; with `verify`, throws BlobIntegrityError at the end if it does not hash to its address. */
  read: (hash: string, options?: { verify?: boolean, signal?: AbortSignal }) => AsyncGenerator<Uint8Array, void, undefined>
  /** Overwrites and deletes a blob; false when there was none. */
  delete: (hash: string) => Promise<boolean>
  list: () => AsyncGenerator<BlobInfo, void, undefined>
}

function isNotFound (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'ENOENT'
}

export function createBlobStore (init: { dir: string }): BlobStore {
  const dir = init.dir
  const tmp = join(dir, TMP_DIR)
  const path = (hash: string): string => join(dir, hex32('blob hash', hash).slice(0, 2), hash)

  return {
    dir,
    path,
    async start () {
      await mkdir(tmp, { recursive: true, mode: 0o700 })
      for (const name of await readdir(tmp)) await rm(join(tmp, name), { force: true })
    },

    async put (chunks, options) {
      await mkdir(tmp, { recursive: true, mode: 0o700 })
      const tmpPath = join(tmp, `${randomBytes(12).toString('hex')}.part`)
      const hash = createHash('sha256')
      let bytes = 0
      const handle = await open(tmpPath, 'wx', 0o600)
      try {
        try {
          for await (const chunk of chunks) {
            options?.signal?.throwIfAborted()
            hash.update(chunk)
            let off = 0
            while (off < chunk.byteLength) off += (await handle.write(chunk, off, chunk.byteLength - off)).bytesWritten
            bytes += chunk.byteLength
          }
          await handle.sync()
        } finally {
          await handle.close()
        }
        const address = hash.digest('hex')
        const shard = join(dir, address.slice(0, 2))
        await mkdir(shard, { recursive: true, mode: 0o700 })
        await rename(tmpPath, join(shard, address))
        await fsyncDirectory(shard)
        await fsyncDirectory(dir)
        return { hash: address, bytes }
      } catch (err) {
        await rm(tmpPath, { force: true })
        throw err
      }
    },

    async has (hash) {
      try {
        await stat(path(hash))
        return true
      } catch (err) {
        if (isNotFound(err)) return false
        throw err
      }
    },

    async size (hash) {
      try {
        return (await stat(path(hash))).size
      } catch (err) {
        if (isNotFound(err)) throw new BlobNotFoundError(`no blob ${hash}`)
        throw err
      }
    },

    async * read (hash, options) {
      const file = path(hash)
      const digest = createHash('sha256')
      const stream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES, signal: options?.signal })
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (options?.verify === true) digest.update(chunk)
          yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        }
      } catch (err) {
        if (isNotFound(err)) throw new BlobNotFoundError(`no blob ${hash}`)
        throw err
      } finally {
        stream.destroy()
      }
      if (options?.verify === true && digest.digest('hex') !== hash) {
        throw new BlobIntegrityError(`blob ${hash} does not match its hash (corrupted or altered on disk)`)
      }
    },

    async delete (hash) {
      const file = path(hash)
      let handle
      try {
        handle = await open(file, 'r+')
      } catch (err) {
        if (isNotFound(err)) return false
        throw err
      }
      try {
        const { size } = await handle.stat()
        const zeros = new Uint8Array(Math.min(WIPE_CHUNK_BYTES, Math.max(size, 1)))
        for (let pos = 0; pos < size; pos += zeros.byteLength) {
          await handle.write(zeros, 0, Math.min(zeros.byteLength, size - pos), pos)
        }
        await handle.sync()
      } finally {
        await handle.close()
      }
      await unlink(file)
      await fsyncDirectory(join(dir, hash.slice(0, 2)))
      return true
    },

    async * list () {
      let shards: string[]
      try {
        shards = await readdir(dir)
      } catch (err) {
        if (isNotFound(err)) return
        throw err
      }
      for (const shard of shards.filter((s) => /^[0-9a-f]{2}$/.test(s)).sort()) {
        for (const name of (await readdir(join(dir, shard))).sort()) {
          if (!/^[0-9a-f]{64}$/.test(name) || !name.startsWith(shard)) continue
          const info = await stat(join(dir, shard, name))
          yield { hash: name, bytes: info.size, modifiedAt: info.mtimeMs }
        }
      }
    }
  }
}
