import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../../common/logger.js'
import { accountKeyJson, addressFromPublicKey, generateOperatorKey } from '../../../../chain/app/index.js'
import {
  createKeystore, generateChainKey, InvalidKeyFileError, KeyFileExistsError, KeyFileLockedError, KeyFileMissingError,
  KeyFilePassphraseError, KeyFilePermissionError, readChainKey, readKeyJson, writeChainKey, writeKeyJson, isKeyFileEncrypted,
  chainAddress, ENCRYPTED_KEY_FORMAT, type ScryptParams
} from '../../../../node/keystore/index.js'

const FAST: ScryptParams = { N: 2 ** 12, r: 8, p: 1 }
let home: string
beforeEach(async () => { home = await mkdtemp(join(tmpdir(), 'hr-keystore-')) })
afterEach(async () => { await rm(home, { recursive: true, force: true }) })

describe('createKeystore', () => {
  it('creates the keys once, mode 0600 in a 0700 directory, and reads them back', async () => {
    const ks = createKeystore({ home, country: 'DE' }, { logger: silentLogger() })
    expect(await ks.ensure()).toEqual(['operator', 'x25519', 'lookup'])
    expect(await ks.ensure()).toEqual([])
    expect((await stat(ks.paths.dir)).mode & 0o777).toBe(0o700)
    for (const f of [ks.paths.operatorKey, ks.paths.x25519Key, ks.paths.lookupSecret]) {
      expect((await stat(f)).mode & 0o777, f).toBe(0o600)
    }
    const chain = await ks.operatorKey()
    expect(chain.address).toMatch(/^hr1[02-9ac-hj-np-z]{38}$/)
    expect(chain.publicKey).toHaveLength(33)
    const file = JSON.parse(await readFile(ks.paths.operatorKey, 'utf8')) as Record<string, string>
    expect(Object.keys(file).sort()).toEqual(['address', 'privateKey', 'publicKey'])
    expect(file.address).toBe(chain.address)
    expect((await ks.x25519Key()).publicKey).toHaveLength(32)
    expect(await ks.lookupSecret()).toHaveLength(32)
    expect(ks.paths.operatorKey).toBe(join(home, 'keys', 'DE-operator.json'))
    expect(ks.paths.p2pKey).toBe(join(home, 'p2p', 'peer.key'))
    expect(ks.paths.kekDir).toBe(join(home, 'keys', 'kek'))
  })

  it('refuses a key file that group or others can read, naming the fix', async () => {
    const ks = createKeystore({ home, country: 'DE' }, { logger: silentLogger() })
    await ks.ensure()
    await chmod(ks.paths.operatorKey, 0o644)
    await expect(ks.operatorKey()).rejects.toThrow(KeyFilePermissionError)
    await expect(ks.operatorKey()).rejects.toThrow(`key file ${ks.paths.operatorKey} is accessible by group or others (mode 0644); run: chmod 600 ${ks.paths.operatorKey}`)
    await chmod(ks.paths.operatorKey, 0o600)
    await expect(ks.operatorKey()).resolves.toBeDefined()
  })

  it('refuses symbolic links and says when a key is missing', async () => {
    const ks = createKeystore({ home, country: 'DE' }, { logger: silentLogger() })
    await expect(ks.x25519Key()).rejects.toThrow(KeyFileMissingError)
    await ks.ensure()
    const link = join(home, 'link.json')
    await symlink(ks.paths.operatorKey, link)
    await expect(readChainKey(link)).rejects.toThrow('not a regular file')
  })

  it('encrypts every key under a passphrase and needs it to read them', async () => {
    const ks = createKeystore({ home, country: 'DE', passphrase: 'correct horse', scrypt: FAST }, { logger: silentLogger() })
    await ks.ensure()
    const raw = await readFile(ks.paths.operatorKey, 'utf8')
    const chain = await ks.operatorKey()
    expect(raw).not.toContain(Buffer.from(chain.privateKey).toString('hex'))
    expect(JSON.parse(raw)).toMatchObject({ format: ENCRYPTED_KEY_FORMAT, version: 1, kdf: { name: 'scrypt', N: 4096, r: 8, p: 1 }, cipher: { name: 'aes-256-gcm' } })
    expect(await isKeyFileEncrypted(ks.paths.operatorKey)).toBe(true)
    await expect(createKeystore({ home, country: 'DE' }, { logger: silentLogger() }).operatorKey()).rejects.toThrow(KeyFileLockedError)
    await expect(createKeystore({ home, country: 'DE', passphrase: 'wrong' }, { logger: silentLogger() }).lookupSecret()).rejects.toThrow(KeyFilePassphraseError)
  })
})

describe('key files', () => {
  it('detects tampering with the encrypted envelope, including its KDF parameters', async () => {
    const path = join(home, 'k.json')
    await writeKeyJson(path, { hello: 'world' }, { passphrase: 'pw', scrypt: FAST })
    expect(await readKeyJson(path, { passphrase: 'pw' })).toEqual({ hello: 'world' })
    const env = JSON.parse(await readFile(path, 'utf8')) as { kdf: { r: number }, ciphertext: string }
    env.kdf.r = 9
    await writeFile(path, JSON.stringify(env), { mode: 0o600 })
    await expect(readKeyJson(path, { passphrase: 'pw' })).rejects.toThrow(KeyFilePassphraseError)
    env.kdf.r = 8
    env.ciphertext = `00${env.ciphertext.slice(2)}`
    await writeFile(path, JSON.stringify(env), { mode: 0o600 })
    await expect(readKeyJson(path, { passphrase: 'pw' })).rejects.toThrow(KeyFilePassphraseError)
  })

  it('refuses unknown envelope versions and out-of-bounds scrypt costs', async () => {
    const path = join(home, 'k.json')
    await writeKeyJson(path, { a: 1 }, { passphrase: 'pw', scrypt: FAST })
    const env = JSON.parse(await readFile(path, 'utf8')) as { version: number, kdf: { N: number } }
    await writeFile(path, JSON.stringify({ ...env, version: 2 }), { mode: 0o600 })
    await expect(readKeyJson(path, { passphrase: 'pw' })).rejects.toThrow('version 2 is not supported')
    await writeFile(path, JSON.stringify({ ...env, kdf: { ...env.kdf, N: 2 ** 30 } }), { mode: 0o600 })
    await expect(readKeyJson(path, { passphrase: 'pw' })).rejects.toThrow('out-of-bounds scrypt parameters')
  })

  it('checks that a chain key file agrees with itself and never overwrites one', async () => {
    const path = join(home, 'chain.json')
    const key = generateChainKey()
    await writeChainKey(path, key)
    await expect(writeChainKey(path, generateChainKey())).rejects.toThrow(KeyFileExistsError)
    const other = generateChainKey()
    await writeFile(path, JSON.stringify({ address: other.address, publicKey: Buffer.from(key.publicKey).toString('hex'), privateKey: Buffer.from(key.privateKey).toString('hex') }), { mode: 0o600 })
    await expect(readChainKey(path)).rejects.toThrow(InvalidKeyFileError)
    await expect(readChainKey(path)).rejects.toThrow(`address does not belong to the key (expected ${key.address})`)
    expect(chainAddress(key.publicKey)).toBe(key.address)
  })

  it('reads the operator key files that healthrelay chain init writes', async () => {
    const path = join(home, 'FR-operator.json')
    const key = generateOperatorKey()
    await writeFile(path, JSON.stringify(accountKeyJson(key), null, 2), { mode: 0o600 })
    const read = await readChainKey(path)
    expect(read.address).toBe(key.address)
    expect(read.address).toBe(addressFromPublicKey(read.publicKey))
  })
})

describe('resolvePassphrase', () => {
  it('reads a private passphrase file before the environment, and refuses a readable one', async () => {
    const { resolvePassphrase } = await import('../../../../node/keystore/index.js')
    const file = join(home, 'pass')
    await writeFile(file, 'from file\n', { mode: 0o600 })
    expect(await resolvePassphrase({ file, env: { HEALTHRELAY_KEY_PASSPHRASE: 'from env' } })).toBe('from file')
    expect(await resolvePassphrase({ env: { HEALTHRELAY_KEY_PASSPHRASE: 'from env' } })).toBe('from env')
    expect(await resolvePassphrase({ env: {} })).toBeUndefined()
    await chmod(file, 0o640)
    await expect(resolvePassphrase({ file })).rejects.toThrow(KeyFilePermissionError)
  })
})
