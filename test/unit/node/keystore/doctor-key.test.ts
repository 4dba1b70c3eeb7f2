import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { issueCredential } from '../../../../relay/protocol/credentials.js'
import { generateEd25519KeyPair } from '../../../../relay/crypto/signing.js'
import {
  generateDoctorKeys, readDoctorKeyFile, withCredential, writeDoctorKeyFile, DOCTOR_KEY_FORMAT, InvalidKeyFileError, type DoctorKeyFile
} from '../../../../node/keystore/index.js'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'hr-doctor-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

const issuer = generateEd25519KeyPair()
function issue (keys: DoctorKeyFile, over: { ed?: Uint8Array, country?: string } = {}) {
  return issueCredential({
    providerId: keys.providerId, name: 'Dr Test', role: 'physician', licence: 'L-1', country: over.country ?? keys.country,
    ed25519PublicKey: over.ed ?? keys.ed25519.publicKey, x25519PublicKey: keys.x25519.publicKey
  }, { peerId: '12D3KooWIssuer', ed25519PrivateKey: issuer.privateKey }).signed
}

describe('doctor key files', () => {
  it('round-trips keys without and then with a credential, mode 0600', async () => {
    const path = join(dir, 'doctor.json')
    const keys = generateDoctorKeys('fr-rpps-1', 'FR')
    await writeDoctorKeyFile(path, keys)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const bare = await readDoctorKeyFile(path)
    expect(bare.credential).toBeUndefined()
    expect(bare.ed25519.publicKey).toEqual(keys.ed25519.publicKey)

    const issued = withCredential(keys, issue(keys))
    await writeDoctorKeyFile(path, issued, { overwrite: true })
    const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
    expect(Object.keys(json)).toEqual(['format', 'version', 'providerId', 'country', 'ed25519', 'x25519', 'credential'])
    expect(json.format).toBe(DOCTOR_KEY_FORMAT)
    const back = await readDoctorKeyFile(path)
    expect(back.credential?.decoded).toMatchObject({ providerId: 'fr-rpps-1', country: 'FR', role: 'physician' })
    expect(new Uint8Array(back.credential!.signed.payload)).toEqual(new Uint8Array(issued.credential!.signed.payload))
  })

  it('refuses a credential issued over someone else\'s key or for another country', () => {
    const keys = generateDoctorKeys('fr-rpps-2', 'FR')
    const stranger = generateEd25519KeyPair()
    expect(() => withCredential(keys, issue(keys, { ed: stranger.publicKey }))).toThrow('the credential names another Ed25519 key')
    expect(() => withCredential(keys, issue(keys, { country: 'DE' }))).toThrow('the credential names another country')
  })

  it('refuses a file whose public key does not match its private key', async () => {
    const path = join(dir, 'doctor.json')
    const keys = generateDoctorKeys('fr-rpps-3', 'FR')
    const other = generateDoctorKeys('fr-rpps-3', 'FR')
    await writeDoctorKeyFile(path, { ...keys, x25519: { ...keys.x25519, publicKey: other.x25519.publicKey } })
    await expect(readDoctorKeyFile(path)).rejects.toThrow(InvalidKeyFileError)
    await expect(readDoctorKeyFile(path)).rejects.toThrow('x25519.publicKey does not belong to x25519.privateKey')
  })

  it('reads an encrypted doctor key file with its passphrase', async () => {
    const path = join(dir, 'doctor.json')
    const keys = generateDoctorKeys('fr-rpps-4', 'FR')
    await writeDoctorKeyFile(path, keys, { passphrase: 'pw', scrypt: { N: 4096, r: 8, p: 1 } })
    expect((await readDoctorKeyFile(path, { passphrase: 'pw' })).providerId).toBe('fr-rpps-4')
  })
})
