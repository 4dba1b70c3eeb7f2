/**
 * The default KeyProvider: KEKs as files in one directory (by default `<home>/keys/kek`).
 *
 *     <directory>/            mode 0700
 *       <keyId>.kek           32 raw bytes, mode 0600, one per KEK ever made
 *       CURRENT               the current KEK id and a newline, mode 0600
 *
 * Every write is durable (temporary file, fsync, rename, fsync of the directory). Rotation writes
 * the new KEK first and then CURRENT, so a crash between the two leaves the old KEK current. A
 * key file or directory readable by group or others is refused.
 */
import { mkdir, readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileDurably } from './durable.js'
import {
  KEK_BYTES, KEY_ID_PATTERN, kekUnwrap, kekWrap, newKeyId, type KeyProvider, type WrappedSecret
} from './key-provider.js'
import { systemRandom, type RandomSource } from './random.js'
import { KeyStoreError, UnknownKeyIdError } from '../errors.js'

export const KEK_FILE_SUFFIX = '.kek'
export const CURRENT_KEK_FILE = 'CURRENT'

export interface FileKeyProviderInit {
  /** The directory holding the KEKs (created with mode 0700 when missing). */
  directory: string
  random?: RandomSource
  clock?: () => number
}

function isNotFound (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT'
}

async function checkPrivate (path: string): Promise<void> {
  const info = await stat(path)
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new KeyStoreError(`${path} is accessible by group or others; chmod it to owner-only`)
  }
}

interface State {
  keks: Map<string, Uint8Array>
  current: string
}

export function createFileKeyProvider (init: FileKeyProviderInit): KeyProvider {
  const dir = init.directory
  const random = init.random ?? systemRandom
  const clock = init.clock ?? Date.now
  let loading: Promise<State> | undefined
  // Serialises rotations (and the first load) so two callers never race on CURRENT.
  let queue: Promise<unknown> = Promise.resolve()

  const writeKek = async (state: State): Promise<string> => {
    let id = newKeyId(clock(), random)
    while (state.keks.has(id)) id = newKeyId(clock(), random)
    const kek = random(KEK_BYTES)
    await writeFileDurably(join(dir, `${id}${KEK_FILE_SUFFIX}`), [kek])
    await writeFileDurably(join(dir, CURRENT_KEK_FILE), [new TextEncoder().encode(`${id}\n`)])
    state.keks.set(id, kek)
    state.current = id
    return id
  }

  const load = async (): Promise<State> => {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await checkPrivate(dir)
    const state: State = { keks: new Map(), current: '' }
    for (const name of (await readdir(dir)).sort()) {
      if (!name.endsWith(KEK_FILE_SUFFIX)) continue
      const id = name.slice(0, -KEK_FILE_SUFFIX.length)
      if (!KEY_ID_PATTERN.test(id)) throw new KeyStoreError(`unexpected key file ${name} in ${dir}`)
      const path = join(dir, name)
      await checkPrivate(path)
      const kek = new Uint8Array(await readFile(path))
      if (kek.byteLength !== KEK_BYTES) throw new KeyStoreError(`${path} is not a ${KEK_BYTES}-byte key`)
      state.keks.set(id, kek)
    }
    let current: string | undefined
    try {
      await checkPrivate(join(dir, CURRENT_KEK_FILE))
      current = (await readFile(join(dir, CURRENT_KEK_FILE), 'utf8')).trim()
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    if (current !== undefined) {
      if (!state.keks.has(current)) throw new KeyStoreError(`${CURRENT_KEK_FILE} names ${current}, which has no key file`)
      state.current = current
    } else if (state.keks.size > 0) {
      // A crash after the first key file but before CURRENT: adopt the newest key.
      state.current = [...state.keks.keys()].sort().at(-1) ?? ''
      await writeFileDurably(join(dir, CURRENT_KEK_FILE), [new TextEncoder().encode(`${state.current}\n`)])
    } else {
      await writeKek(state)
    }
    return state
  }

  const state = async (): Promise<State> => {
    loading ??= load().catch((err: unknown) => { loading = undefined; throw err })
    return loading
  }

  const kekOf = (s: State, id: string): Uint8Array => {
    const kek = s.keks.get(id)
    if (kek === undefined) throw new UnknownKeyIdError(`no key-encryption key ${id} in ${dir}`)
    return kek
  }

  return {
    currentKeyId: async () => (await state()).current,
    wrap: async (secret: Uint8Array, context: Uint8Array): Promise<WrappedSecret> => {
      const s = await state()
      return kekWrap(kekOf(s, s.current), s.current, secret, context, random)
    },
    unwrap: async (wrapped: WrappedSecret, context: Uint8Array): Promise<Uint8Array> => {
      const s = await state()
      return kekUnwrap(kekOf(s, wrapped.keyId), wrapped, context)
    },
    rotate: async (): Promise<string> => {
      const s = await state()
      const next = queue.then(async () => writeKek(s))
      queue = next.catch(() => undefined)
      return next
    }
  }
}
