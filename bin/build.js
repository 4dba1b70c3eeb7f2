#!/usr/bin/env node
// The compiled build of the daemon: `npm run build` (and `npm install`, through `prepare`) turns the
// TypeScript sources of common, proto, chain, relay, policies and node into plain ESM JavaScript
// under dist/ with the same layout, one file per source (esbuild, the transform tsx applies on the
// fly, so the code that runs is the same), and copies the files the code reads beside itself
// (proto/gen/*.js, policies/modules/**, policies/schema.cedarschema). bin/healthrelay.js runs
// dist/ when it is newer than every source (see bin/dist.js), and the sources through tsx otherwise.
//
// With --prepare (the npm lifecycle script) a checkout without the sources (a Docker layer that
// installs the dependencies before copying the code) is skipped with a note instead of failing.
import { build } from 'esbuild'
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SOURCE_DIRS, STAMP_FILE } from './dist.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const prepare = process.argv.includes('--prepare')

if (SOURCE_DIRS.some((d) => !existsSync(join(root, d)))) {
  if (prepare) {
    process.stderr.write('healthrelay build: the sources are not here yet; skipped (run `npm run build` once they are)\n')
    process.exit(0)
  }
  process.stderr.write(`healthrelay build: missing one of ${SOURCE_DIRS.join(', ')} under ${root}\n`)
  process.exit(1)
}

const startedAt = Date.now()
const entryPoints = []
const assets = []
const walk = (dir) => {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name)
    if (e.isDirectory()) walk(rel)
    else if (e.name.endsWith('.d.ts')) continue
    else if (e.name.endsWith('.ts')) entryPoints.push(rel)
    else assets.push(rel)
  }
}
for (const d of SOURCE_DIRS) walk(d)

// Build beside dist/ and swap it in, so a process starting meanwhile sees the old build or none
// (and then runs the sources), never half of one.
const tmp = join(root, `.dist-${process.pid}`)
rmSync(tmp, { recursive: true, force: true })
try {
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir: tmp,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    sourcemap: 'linked',
    logLevel: 'warning',
    tsconfig: join(root, 'tsconfig.build.json')
  })
  for (const a of assets) {
    mkdirSync(join(tmp, dirname(a)), { recursive: true })
    cpSync(join(root, a), join(tmp, a))
  }
  // dist/ is ESM like the sources (the package.json above it says so too; this keeps it so when
  // dist/ is copied elsewhere).
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n')
  writeFileSync(join(tmp, STAMP_FILE), JSON.stringify({ startedAt, files: entryPoints.length, assets: assets.length, node: process.version }) + '\n')
  rmSync(join(root, 'dist'), { recursive: true, force: true })
  renameSync(tmp, join(root, 'dist'))
} catch (err) {
  rmSync(tmp, { recursive: true, force: true })
  throw err
}
process.stderr.write(`healthrelay build: ${entryPoints.length} sources and ${assets.length} assets → ${relative(process.cwd(), join(root, 'dist')) || 'dist'} in ${Date.now() - startedAt} ms\n`)
