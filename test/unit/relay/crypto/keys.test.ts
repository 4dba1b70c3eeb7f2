import { describe, it, expect } from 'vitest'
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  createFileKeyProvider, createMemoryKeyProvider, decodeRecordKeys, decodeWrappedSecret, encodeRecordKeys,
  encodeWrappedSecret, generateRecordKeys, rewrapToCurrent, CURRENT_KEK_FILE, type KeyProvider
} from '../../../../relay/crypto/index.js'

async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hr-kek-'))
  try {
    await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// The contract every KeyProvider passes.
function providerSuite (name: string, make: (dir: string) => KeyProvider): void {
  describe(`${name} key provider`, () => {
    it('wraps a record key block bound to its record and unwraps it after rotations', () => withDir(async (dir) => {
      const provider = make(dir)
      const keys = generateRecordKeys()
      const recordId = randomBytes(32)
      const first = await provider.currentKeyId()
      const wrapped = await provider.wrap(encodeRecordKeys(keys), recordId)
      expect(wrapped.keyId).toBe(first)
      const stored = encodeWrappedSecret(wrapped)
      expect(Buffer.from(stored).includes(Buffer.from(keys.dataKey))).toBe(false)

      const second = await provider.rotate()
      expect(second).not.toBe(first)
      expect(await provider.currentKeyId()).toBe(second)
      const back = decodeRecordKeys(await provider.unwrap(decodeWrappedSecret(stored), recordId))
      expect(Buffer.from(back.dataKey).equals(keys.dataKey)).toBe(true)

      const moved = await rewrapToCurrent(provider, wrapped, recordId)
      expect(moved.keyId).toBe(second)
      expect(Buffer.from(await provider.unwrap(moved, recordId)).equals(encodeRecordKeys(keys))).toBe(true)
    }))

    it('refuses a wrap moved to another record, altered, or naming an unknown key', () => withDir(async (dir) => {
      const provider = make(dir)
      const recordId = randomBytes(32)
      const wrapped = await provider.wrap(encodeRecordKeys(generateRecordKeys()), recordId)
      await expect(provider.unwrap(wrapped, randomBytes(32))).rejects.toMatchObject({ name: 'KekUnwrapError' })
      const ct = new Uint8Array(wrapped.ciphertext)
      ct[0]! ^= 1
      await expect(provider.unwrap({ ...wrapped, ciphertext: ct }, recordId)).rejects.toMatchObject({ name: 'KekUnwrapError' })
      await expect(provider.unwrap({ ...wrapped, keyId: 'kek-0000000000000-abcd' }, recordId)).rejects.toMatchObject({ name: 'UnknownKeyIdError' })
      expect(() => decodeWrappedSecret(new Uint8Array([2, 0]))).toThrow(expect.objectContaining({ name: 'KekUnwrapError' }))
    }))
  })
}

providerSuite('memory', () => createMemoryKeyProvider())
providerSuite('file', (dir) => createFileKeyProvider({ directory: join(dir, 'kek') }))

describe('file key provider on disk', () => {
  it('keeps KEKs owner-only across restarts and still unwraps old wraps', () => withDir(async (dir) => {
    const directory = join(dir, 'keys', 'kek')
    const a = createFileKeyProvider({ directory })
    const recordId = randomBytes(32)
    const secret = encodeRecordKeys(generateRecordKeys())
    const wrapped = await a.wrap(secret, recordId)
    const rotated = await a.rotate()

    expect((await stat(directory)).mode & 0o777).toBe(0o700)
    const files = (await readdir(directory)).sort()
    expect(files).toHaveLength(3)
    expect(files).toContain(CURRENT_KEK_FILE)
    for (const f of files) expect((await stat(join(directory, f))).mode & 0o777).toBe(0o600)
    expect((await readFile(join(directory, CURRENT_KEK_FILE), 'utf8')).trim()).toBe(rotated)

    const b = createFileKeyProvider({ directory })
    expect(await b.currentKeyId()).toBe(rotated)
    expect(Buffer.from(await b.unwrap(wrapped, recordId)).equals(secret)).toBe(true)
  }))

  it('refuses a key directory or key file readable by others', () => withDir(async (dir) => {
    const directory = join(dir, 'kek')
    await createFileKeyProvider({ directory }).currentKeyId()
    const file = (await readdir(directory)).find((f) => f.endsWith('.kek'))!
    await chmod(join(directory, file), 0o644)
    await expect(createFileKeyProvider({ directory }).currentKeyId()).rejects.toMatchObject({ name: 'KeyStoreError' })
    await chmod(join(directory, file), 0o600)
    await chmod(directory, 0o755)
    await expect(createFileKeyProvider({ directory }).currentKeyId()).rejects.toMatchObject({ name: 'KeyStoreError' })
  }))
})
