/**
 * Where the real public FHIR bundles are: HEALTHRELAY_IPS_DIR, or ../shared/fixtures/ips seen from
 * the repository root. They are read in place, never copied into the project.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export const IPS_DIR: string = resolve(process.env.HEALTHRELAY_IPS_DIR ?? join(REPO_ROOT, '..', 'shared', 'fixtures', 'ips'))

/** Whether the folder exists (the suite is skipped, with a message, only when it does not). */
export function ipsDirExists (): boolean {
  return existsSync(IPS_DIR) && statSync(IPS_DIR).isDirectory()
}

/** The bundles' file names, sorted; empty when the folder is absent. */
export function ipsBundles (): string[] {
  if (!ipsDirExists()) return []
  return readdirSync(IPS_DIR).filter((f) => f.endsWith('.json')).sort()
}
