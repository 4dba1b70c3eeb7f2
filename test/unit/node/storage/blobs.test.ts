import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BlobIntegrityError, BlobNotFoundError, insertRecord, sweepOrphanBlobs } from '../../../../node/storage/index.js'
import { hex, openHarness, type Harness } from './helpers.js'

let h: Harness
beforeEach(async () => { h = await openHarness() })
afterEach(async () => { await h.close() })

async function collect (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of it) parts.push(Buffer.from(c))
  return Buffer.concat(parts)
}

describe('blob store', () => {
  it('stores a stream under its SHA-256 with mode 0600, and streams it back byte for byte', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17)
    async function * chunks (): AsyncGenerator<Uint8Array> { for (let i = 0; i < data.length; i += 100_000) { await Promise.resolve(); yield data.subarray(i, i + 100_000) } }
    const put = await h.storage.blobs.put(chunks())
    expect(put).toEqual({ hash: createHash('sha256').update(data).digest('hex'), bytes: data.length })
    const file = h.storage.blobs.path(put.hash)
    expect(file).toBe(join(h.home, 'blobs', put.hash.slice(0, 2), put.hash))
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await collect(h.storage.blobs.read(put.hash, { verify: true }))).equals(data)).toBe(true)
    expect(await h.storage.blobs.size(put.hash)).toBe(data.length)
    expect(await readdir(join(h.home, 'blobs', 'tmp'))).toEqual([])
    const again = await h.storage.blobs.put([data])
    expect(again.hash).toBe(put.hash)
  })

  it('detects a blob altered on disk when reading with verify', async () => {
    const put = await h.storage.blobs.put([Buffer.from('original ciphertext')])
    await writeFile(h.storage.blobs.path(put.hash), 'tampered ciphertext!')
    await expect(collect(h.storage.blobs.read(put.hash, { verify: true }))).rejects.toThrow(BlobIntegrityError)
    await expect(collect(h.storage.blobs.read(hex()))).rejects.toThrow(BlobNotFoundError)
  })

  it('removes a failed write\'s temporary file, and leftovers at start', async () => {
    async function * failing (): AsyncGenerator<Uint8Array> { yield await Promise.resolve(Buffer.from('part')); throw new Error('source broke') }
    await expect(h.storage.blobs.put(failing())).rejects.toThrow('source broke')
    expect(await readdir(join(h.home, 'blobs', 'tmp'))).toEqual([])
    await writeFile(join(h.home, 'blobs', 'tmp', 'crashed.part'), 'half a blob')
    await h.storage.blobs.start()
    expect(await readdir(join(h.home, 'blobs', 'tmp'))).toEqual([])
  })

  it('wipes and deletes, and sweeps only old blobs no record uses', async () => {
    const kept = await h.storage.blobs.put([Buffer.from('used by a record')])
    const orphan = await h.storage.blobs.put([Buffer.from('left by a crash')])
    const fresh = await h.storage.blobs.put([Buffer.from('being ingested right now')])
    insertRecord(h.storage.db, {
      tokenId: hex(), subject: 'hr1a', category: 'other', mediaType: 'application/fhir+json', plaintextBytes: 1, blobHash: kept.hash,
      blobBytes: kept.bytes, commitment: hex(), status: 'local', wrappedKey: Buffer.from('k'), kekId: 'kek-1', at: 1
    })
    const old = new Date(Date.now() - 3_600_000)
    for (const b of [kept, orphan]) await utimes(h.storage.blobs.path(b.hash), old, old)
    expect(await sweepOrphanBlobs(h.storage.db, h.storage.blobs, Date.now() - 60_000)).toEqual([orphan.hash])
    expect(await h.storage.blobs.has(kept.hash)).toBe(true)
    expect(await h.storage.blobs.has(fresh.hash)).toBe(true)
    expect(await h.storage.blobs.delete(orphan.hash)).toBe(false)
    const listed = []
    for await (const b of h.storage.blobs.list()) listed.push(b.hash)
    expect(listed.sort()).toEqual([kept.hash, fresh.hash].sort())
    const path = h.storage.blobs.path(fresh.hash)
    expect(await h.storage.blobs.delete(fresh.hash)).toBe(true)
    await expect(readFile(path)).rejects.toThrow()
  })
})
