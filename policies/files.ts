/**
 * Reading modules from disk (for the CLI, tests and the daemon's bundled defaults). The engine
 * itself never reads a file: it is given the texts.
 */
import { readFile, readdir, stat } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ModuleFiles } from './engine/module.js'
import type { PolicyEngine } from './engine/engine.js'
import type { CompiledModule } from './engine/module.js'

export const POLICIES_DIR = fileURLToPath(new URL('.', import.meta.url))
export const SCHEMA_PATH = join(POLICIES_DIR, 'schema.cedarschema')
export const BUNDLED_MODULES_DIR = join(POLICIES_DIR, 'modules')

/** The shared schema's text. */
export function readSchemaText (): string {
  return readFileSync(SCHEMA_PATH, 'utf8')
}

function shown (path: string): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel
}

/** A module folder's three files (tests.json optional), named for diagnostics. */
export async function readModuleDir (dir: string, options?: { signal?: AbortSignal }): Promise<ModuleFiles> {
  const abs = resolve(dir)
  const read = async (name: string): Promise<string> => readFile(join(abs, name), { encoding: 'utf8', signal: options?.signal })
  const [moduleJson, policy] = await Promise.all([read('module.json'), read('policy.cedar')])
  let tests: string | undefined
  try { tests = await read('tests.json') } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  return {
    moduleJson,
    policy,
    ...(tests !== undefined ? { tests } : {}),
    paths: { moduleJson: shown(join(abs, 'module.json')), policy: shown(join(abs, 'policy.cedar')), tests: shown(join(abs, 'tests.json')) }
  }
}

/** The `extends` of a module's files, if any. */
export function parentCodeOf (files: ModuleFiles): string | undefined {
  try {
    const raw: unknown = typeof files.moduleJson === 'string' ? JSON.parse(files.moduleJson) : files.moduleJson
    const ext = (raw as { extends?: unknown }).extends
    return typeof ext === 'string' ? ext : undefined
  } catch { return undefined }
}

/** The codes of the bundled modules (folder names under policies/modules). */
export async function bundledModuleCodes (): Promise<string[]> {
  const names = await readdir(BUNDLED_MODULES_DIR)
  const codes: string[] = []
  for (const n of names) if ((await stat(join(BUNDLED_MODULES_DIR, n))).isDirectory()) codes.push(n)
  return codes.sort()
}

/** Reads every bundled module folder, parents before children. */
export async function readBundledModules (options?: { signal?: AbortSignal }): Promise<Map<string, ModuleFiles>> {
  const out = new Map<string, ModuleFiles>()
  for (const code of await bundledModuleCodes()) out.set(code, await readModuleDir(join(BUNDLED_MODULES_DIR, code), options))
  return orderByParent(out)
}

/** Orders modules so that every parent comes before its children. */
export function orderByParent (modules: ReadonlyMap<string, ModuleFiles>): Map<string, ModuleFiles> {
  const out = new Map<string, ModuleFiles>()
  const visit = (code: string, depth: number): void => {
    if (out.has(code) || depth > 8) return
    const files = modules.get(code)
    if (files === undefined) return
    const parent = parentCodeOf(files)
    if (parent !== undefined) visit(parent, depth + 1)
    out.set(code, files)
  }
  for (const code of modules.keys()) visit(code, 0)
  return out
}

/** Loads every bundled module into an engine (parents first); returns them by code. */
export async function loadBundledModules (engine: PolicyEngine, options?: { signal?: AbortSignal }): Promise<Map<string, CompiledModule>> {
  const out = new Map<string, CompiledModule>()
  for (const [code, files] of await readBundledModules(options)) out.set(code, engine.load(files))
  return out
}

/**
 * Reads a module folder and, when it extends a parent, the parent's folder too: a sibling folder
 * named by the code (`../EU` next to `DE`), else the bundled one.
 */
export async function readModuleWithParents (dir: string, options?: { signal?: AbortSignal }): Promise<ModuleFiles[]> {
  const chain: ModuleFiles[] = []
  let files = await readModuleDir(dir, options)
  let current = resolve(dir)
  chain.unshift(files)
  for (let depth = 0; depth < 8; depth++) {
    const parent = parentCodeOf(files)
    if (parent === undefined) break
    const sibling = join(current, '..', parent)
    let parentDir = join(BUNDLED_MODULES_DIR, parent)
    try {
      if ((await stat(join(sibling, 'module.json'))).isFile() && basename(sibling) === parent) parentDir = sibling
    } catch { /* the bundled parent */ }
    files = await readModuleDir(parentDir, options)
    current = resolve(parentDir)
    chain.unshift(files)
  }
  return chain
}
