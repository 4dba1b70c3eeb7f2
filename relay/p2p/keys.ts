/**
 * The host's libp2p identity: an Ed25519 key kept in `<dir>/peer.key` (libp2p protobuf encoding,
 * file mode 0600) so that the peer id, which the chain registers, survives restarts.
 */
import { mkdir, readFile, writeFile, stat, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { PeerKeyFileError } from './errors.js'

/** File name of the peer key inside the p2p directory. */
export const PEER_KEY_FILE = 'peer.key'

function isNotFound (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT'
}

/**
 * Reads the peer key under `dir`, or creates one (and `dir`, mode 0700) when there is none.
 * Refuses a key file readable by group or others.
 */
export async function loadOrCreatePeerKey (dir: string): Promise<PrivateKey> {
  const file = join(dir, PEER_KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    const info = await stat(file)
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new PeerKeyFileError(`peer key file ${file} is accessible by group or others; chmod 600 it`)
    }
    bytes = await readFile(file)
  } catch (err) {
    if (!isNotFound(err)) {
      if (err instanceof PeerKeyFileError) throw err
      throw new PeerKeyFileError(`cannot read peer key file ${file}: ${(err as Error).message}`)
    }
  }
  if (bytes !== undefined) {
    try {
      const key = privateKeyFromProtobuf(bytes)
      if (key.type !== 'Ed25519') throw new Error(`key type ${key.type}, expected Ed25519`)
      return key
    } catch (err) {
      throw new PeerKeyFileError(`peer key file ${file} is not a valid libp2p Ed25519 key: ${(err as Error).message}`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
  await rename(tmp, file)
  return key
}

/** The peer id of the key under `dir` (creating the key when there is none). */
export async function loadOrCreatePeerId (dir: string): Promise<PeerId> {
  return peerIdFromPrivateKey(await loadOrCreatePeerKey(dir))
}
