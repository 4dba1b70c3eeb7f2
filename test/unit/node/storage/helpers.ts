import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../../../common/logger.js'
import { createStorage, type Storage } from '../../../../node/storage/index.js'

export interface Harness { home: string, storage: Storage, close: () => Promise<void> }

/** A started storage on a real SQLite file in a fresh temporary home. */
export async function openHarness (): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'hr-storage-'))
  const storage = createStorage({ home, lookupSecret: randomBytes(32) }, { logger: silentLogger() })
  await storage.start()
  return {
    home,
    storage,
    close: async () => {
      await storage.stop()
      await rm(home, { recursive: true, force: true })
    }
  }
}

export const hex = (n = 32): string => randomBytes(n).toString('hex')
