import { readSchemaText, readBundledModules } from '../../../policies/files.js'
import { createPolicyEngine, type PolicyEngine, type ModuleFiles } from '../../../policies/engine/index.js'

export const SCHEMA = readSchemaText()
export const NOW = Date.parse('2026-11-25T12:00:00Z')

export function engineAt (ms = NOW, cacheSize?: number): PolicyEngine {
  return createPolicyEngine({ schema: SCHEMA, clock: () => ms, ...(cacheSize !== undefined ? { cacheSize } : {}) })
}

let bundled: Map<string, ModuleFiles> | undefined
export async function bundledFiles (): Promise<Map<string, ModuleFiles>> {
  bundled ??= await readBundledModules()
  return bundled
}

export async function engineWithBundled (cacheSize?: number): Promise<PolicyEngine> {
  const engine = engineAt(NOW, cacheSize)
  for (const files of (await bundledFiles()).values()) engine.load(files)
  return engine
}

/** A small module of our own (not one of the bundled ones). */
export function miniModule (policy: string, manifest: Record<string, unknown> = {}, tests?: unknown): ModuleFiles {
  return {
    moduleJson: JSON.stringify({
      code: 'ZZ',
      name: 'Test land',
      version: '1.0.0',
      regulator: { name: 'Test regulator' },
      legalReferences: [{ id: 'T-1', citation: 'Test Act s.1' }],
      ...manifest
    }, null, 2),
    policy,
    ...(tests !== undefined ? { tests: JSON.stringify(tests) } : {})
  }
}
