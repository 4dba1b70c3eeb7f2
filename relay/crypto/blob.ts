/**
 * Encrypted record blobs on disk. A blob is a 20-byte header followed by the record's ciphertext
 * segments back to back (segments.ts):
 *
 *     offset  size  field
 *     0       4     magic "HRBL" (0x48 0x52 0x42 0x4c)
 *     4       1     format version, 0x01
 *     5       1     cipher, 0x01 = AES-256-GCM segments as in segments.ts
 *     6       2     reserved, zero
 *     8       4     plaintext bytes per segment, u32 big-endian
 *     12      8     nonce prefix
 *     20      ...   segments: each non-final one exactly segmentBytes + 16 bytes, the final one
 *                   16..segmentBytes + 16 bytes
 *
 * The header needs no tag of its own: a changed nonce prefix or segment size makes every segment
 * fail authentication. The data key and the record id are not in the file; the key is wrapped under
 * the node's KEK (key-provider.ts) and the record id is the token id.
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { Uint8ArrayList } from 'uint8arraylist'
import { bytesToHex, concatBytes, u32be } from './bytes.js'
import { writeFileDurably } from './durable.js'
import {
  GCM_TAG_BYTES, NONCE_PREFIX_BYTES, checkSegmentBytes, createSegmentDecryptor, encryptSegments,
  type SegmentDecryptor, type SegmentParams, type StreamOptions
} from './segments.js'
import { InvalidBlobHeaderError } from '../errors.js'

export const BLOB_MAGIC = Uint8Array.of(0x48, 0x52, 0x42, 0x4c)
export const BLOB_VERSION = 1
export const BLOB_CIPHER_AES_256_GCM_SEGMENTS = 1
export const BLOB_HEADER_BYTES = 20

export interface BlobHeader {
  readonly segmentBytes: number
  readonly noncePrefix: Uint8Array
}

export function encodeBlobHeader (header: BlobHeader): Uint8Array {
  checkSegmentBytes(header.segmentBytes)
  if (header.noncePrefix.byteLength !== NONCE_PREFIX_BYTES) throw new InvalidBlobHeaderError('nonce prefix must be 8 bytes')
  return concatBytes(BLOB_MAGIC, Uint8Array.of(BLOB_VERSION, BLOB_CIPHER_AES_256_GCM_SEGMENTS, 0, 0),
    u32be(header.segmentBytes), header.noncePrefix)
}

export function decodeBlobHeader (bytes: Uint8Array): BlobHeader {
  if (bytes.byteLength < BLOB_HEADER_BYTES) throw new InvalidBlobHeaderError('blob shorter than its header')
  for (let i = 0; i < BLOB_MAGIC.byteLength; i++) {
    if (bytes[i] !== BLOB_MAGIC[i]) throw new InvalidBlobHeaderError('not a healthrelay blob (bad magic)')
  }
  if (bytes[4] !== BLOB_VERSION) throw new InvalidBlobHeaderError(`unsupported blob version ${bytes[4]}`)
  if (bytes[5] !== BLOB_CIPHER_AES_256_GCM_SEGMENTS) throw new InvalidBlobHeaderError(`unsupported blob cipher ${bytes[5]}`)
  if (bytes[6] !== 0 || bytes[7] !== 0) throw new InvalidBlobHeaderError('reserved header bytes are not zero')
  const segmentBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, false)
  try {
    checkSegmentBytes(segmentBytes)
  } catch {
    throw new InvalidBlobHeaderError(`unsupported segment size ${segmentBytes}`)
  }
  return { segmentBytes, noncePrefix: bytes.slice(12, 20) }
}

/** The blob's bytes (header, then segments) for a plaintext stream. */
export async function * sealBlob (
  plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, params: SegmentParams, options?: StreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
  yield encodeBlobHeader(params)
  yield * encryptSegments(plaintext, params, options)
}

/** Plaintext of a blob byte stream (header and segments, chunked any way). */
export async function * openBlob (
  blob: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, keys: { key: Uint8Array, recordId: Uint8Array }, options?: StreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
  const pending = new Uint8ArrayList()
  let decryptor: SegmentDecryptor | undefined
  let full = 0
  for await (const chunk of blob) {
    options?.signal?.throwIfAborted()
    pending.append(chunk)
    if (decryptor === undefined) {
      if (pending.byteLength < BLOB_HEADER_BYTES) continue
      const header = decodeBlobHeader(pending.subarray(0, BLOB_HEADER_BYTES))
      pending.consume(BLOB_HEADER_BYTES)
      decryptor = createSegmentDecryptor({ ...keys, ...header })
      full = header.segmentBytes + GCM_TAG_BYTES
    }
    while (pending.byteLength >= full) {
      const out = decryptor.push(pending.subarray(0, full))
      pending.consume(full)
      if (out !== undefined) yield out
    }
  }
  if (decryptor === undefined) throw new InvalidBlobHeaderError('blob shorter than its header')
  if (pending.byteLength > 0) {
    const out = decryptor.push(pending.subarray())
    if (out !== undefined) yield out
  }
  yield decryptor.finish()
}

export interface WrittenBlob {
  /** Size of the file. */
  readonly bytes: number
  /** SHA-256 of the file, lower-case hex (the content address). */
  readonly sha256: string
}

/**
 * Encrypts a plaintext stream into a blob file at `path`, durably (temporary file, fsync, rename,
 * fsync of the directory), mode 0600. Returns the file's size and SHA-256.
 */
export async function writeBlobFile (
  path: string, plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, params: SegmentParams, options?: StreamOptions
): Promise<WrittenBlob> {
  const hash = createHash('sha256')
  async function * hashed (): AsyncGenerator<Uint8Array> {
    for await (const chunk of sealBlob(plaintext, params, options)) {
      hash.update(chunk)
      yield chunk
    }
  }
  const bytes = await writeFileDurably(path, hashed(), options)
  return { bytes, sha256: bytesToHex(hash.digest()) }
}

export interface BlobFile {
  readonly header: BlobHeader
  /** The stored ciphertext segments in order, read one at a time (as relayed, undecrypted). */
  segments: (options?: StreamOptions) => AsyncGenerator<Uint8Array, void, undefined>
}

/** Bytes read from a blob file at a time (whole segments; at least one). */
export const BLOB_READ_BYTES = 256 * 1024

/** Opens a blob file: reads its header now and its segments on demand. */
export async function readBlobFile (path: string): Promise<BlobFile> {
  const handle = await open(path, 'r')
  let header: BlobHeader
  try {
    const head = new Uint8Array(BLOB_HEADER_BYTES)
    const { bytesRead } = await handle.read(head, 0, BLOB_HEADER_BYTES, 0)
    header = decodeBlobHeader(head.subarray(0, bytesRead))
  } finally {
    await handle.close()
  }
  const full = header.segmentBytes + GCM_TAG_BYTES
  // several segments per read (fewer thread-pool round trips); a short read is the end of the file
  const perRead = Math.max(1, Math.floor(BLOB_READ_BYTES / full))
  return {
    header,
    segments: async function * (options?: StreamOptions): AsyncGenerator<Uint8Array, void, undefined> {
      const fh = await open(path, 'r')
      try {
        let position = BLOB_HEADER_BYTES
        for (;;) {
          options?.signal?.throwIfAborted()
          const want = perRead * full
          const buf = new Uint8Array(want)
          let filled = 0
          while (filled < want) {
            const { bytesRead } = await fh.read(buf, filled, want - filled, position + filled)
            if (bytesRead === 0) break
            filled += bytesRead
          }
          position += filled
          // fresh buffer per read: a yielded segment stays valid while the caller holds it
          for (let at = 0; at < filled; at += full) yield buf.subarray(at, Math.min(at + full, filled))
          if (filled < want) return
        }
      } finally {
        await fh.close()
      }
    }
  }
}
