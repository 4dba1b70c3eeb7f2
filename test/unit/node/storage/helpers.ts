import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../../../common/logger.js'
import { createStorage, type NewRecord, type Storage } from '../../../../node/storage/index.js'

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

/** 64 hex digits of one repeated character (a readable fixed id or hash). */
export const repeatedHex = (c: string): string => c.repeat(64)

/** A record row for the in-memory schema tests (no blob file behind it). */
export function rowRecord (tokenChar: string, over: Partial<NewRecord> = {}): NewRecord {
  return {
    tokenId: repeatedHex(tokenChar), subject: 'hr1subject', category: 'patient-summary', mediaType: 'application/fhir+json', plaintextBytes: 10,
    blobHash: repeatedHex('b'), blobBytes: 30, commitment: repeatedHex('c'), status: 'local', wrappedKey: new Uint8Array(8), kekId: 'k1', at: 1, ...over
  }
}

