// Whether dist/ (bin/build.js) may run instead of the sources: it must exist and be newer than every
// source file and folder (an edit, an added or removed file, a checkout), so that nobody runs stale
// code without knowing. Checking ~350 mtimes costs a few milliseconds at start.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** The folders compiled into dist/ (the daemon, the CLI and everything they import). */
export const SOURCE_DIRS = ['common', 'proto', 'chain', 'relay', 'policies', 'node']
/** Written last by the build: its start time, against which the sources' mtimes are compared. */
export const STAMP_FILE = '.build.json'
/** Files that change what the build produces. */
const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'bin/build.js']

function newerThan (path, t) {
  const s = statSync(path)
  if (s.mtimeMs >= t) return true
  if (!s.isDirectory()) return false
  for (const name of readdirSync(path)) if (newerThan(join(path, name), t)) return true
  return false
}

/**
 * 'dist' when dist/ is complete and up to date; otherwise why not (the sources then run via tsx).
 * HEALTHRELAY_RUNTIME=sources always runs the sources; HEALTHRELAY_RUNTIME=dist runs a build
 * without comparing mtimes (an image whose sources never change), and fails when there is none.
 */
export function distState (root, env = process.env) {
  const runtime = env.HEALTHRELAY_RUNTIME ?? 'auto'
  if (runtime === 'sources') return 'HEALTHRELAY_RUNTIME=sources'
  if (runtime !== 'dist' && runtime !== 'auto') throw new Error(`HEALTHRELAY_RUNTIME must be auto, dist or sources, not ${runtime}`)
  let startedAt
  try {
    startedAt = JSON.parse(readFileSync(join(root, 'dist', STAMP_FILE), 'utf8')).startedAt
  } catch {
    if (runtime === 'dist') throw new Error(`HEALTHRELAY_RUNTIME=dist but there is no build in ${join(root, 'dist')} (npm run build)`)
    return 'no build (npm run build)'
  }
  if (typeof startedAt !== 'number') return 'unreadable build stamp'
  if (runtime === 'dist') return 'dist'
  try {
    for (const p of [...SOURCE_DIRS, ...BUILD_INPUTS]) if (newerThan(join(root, p), startedAt)) return `${p} changed since the build (npm run build)`
  } catch (err) {
    return `cannot check the sources: ${err.message}`
  }
  return 'dist'
}
