/**
 * Benchmark dispatcher: `npm run bench -- <name> [args…]` runs bench/<name>/index.ts (bin/run-ts.js
 * has loaded common/polyfill.ts first). Benchmarks print figures; they never pass or fail.
 */
import '../common/polyfill.js'
import { readdir, access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const available: string[] = []
for (const entry of await readdir(here, { withFileTypes: true })) {
  if (!entry.isDirectory()) continue
  try {
    await access(join(here, entry.name, 'index.ts'))
    available.push(entry.name)
  } catch {
    // a folder without an index.ts is not a benchmark (yet)
  }
}
available.sort()
const name = process.argv[2]
if (name === undefined || !/^[a-z0-9-]+$/.test(name) || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args…]\nbenchmarks: ${available.join(', ')}`)
  process.exit(2)
}
process.argv.splice(2, 1)
await import(pathToFileURL(join(here, name, 'index.ts')).href)
