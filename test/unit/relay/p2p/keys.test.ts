import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm, stat, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreatePeerId, loadOrCreatePeerKey, PEER_KEY_FILE } from '../../../../relay/p2p/index.js'

const dirs: string[] = []
afterEach(async () => { await Promise.all(dirs.splice(0).map(async (d) => { await rm(d, { recursive: true, force: true }) })) })
async function tempDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hr-keys-'))
  dirs.push(d)
  return d
}

describe('peer key', () => {
  it('is created once with mode 0600 and gives the same peer id afterwards', async () => {
    const dir = join(await tempDir(), 'p2p')
    const first = await loadOrCreatePeerId(dir)
    const info = await stat(join(dir, PEER_KEY_FILE))
    expect(info.mode & 0o777).toBe(0o600)
    expect((await loadOrCreatePeerId(dir)).toString()).toBe(first.toString())
    expect((await loadOrCreatePeerKey(dir)).type).toBe('Ed25519')
  })

  it('refuses a key file others can read', async () => {
    const dir = await tempDir()
    await loadOrCreatePeerKey(dir)
    await chmod(join(dir, PEER_KEY_FILE), 0o644)
    await expect(loadOrCreatePeerKey(dir)).rejects.toMatchObject({ name: 'PeerKeyFileError' })
  })

  it('refuses a file that is not a key', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, PEER_KEY_FILE), 'garbage', { mode: 0o600 })
    await expect(loadOrCreatePeerKey(dir)).rejects.toMatchObject({ name: 'PeerKeyFileError' })
  })
})
